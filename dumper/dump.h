/*
 * albatross-dump internals: the stream framer, the formatters and the
 * helpers they share.  Everything about protocol bytes goes through the
 * albatross_wire API; this code only moves buffers around and prints.
 */
#ifndef ALBATROSS_DUMP_H
#define ALBATROSS_DUMP_H

#include <stdint.h>
#include <stdio.h>

#include "albatross/wire.h"

/* ---------------------------------------------------------------- framer */

enum dump_type {
    DUMP_MESSAGE,   /* a message (maybe truncated, maybe only its prefix buffered) */
    DUMP_SHORT,     /* the stream ended inside a header */
    DUMP_FRAMING    /* a header that cannot be framed, and the bytes skipped after it */
};

/* One thing the framer found in a stream.  data/len are valid only during
 * the emit call. */
struct dump_item {
    enum dump_type type;
    uint64_t offset;            /* stream offset of the first byte */
    const uint8_t *data;        /* the bytes held for it */
    size_t len;
    uint64_t total;             /* DUMP_MESSAGE: header + body length from the header */
    uint64_t received;          /* bytes of it that were in the stream (>= len) */
    int complete;               /* received == total */
    int prefix_only;            /* longer than the buffer: only len bytes decoded */
    uint64_t skipped;           /* DUMP_FRAMING: bytes dropped to resynchronise */
    const struct alb_opts *opts;/* what the framer decoded it with */
    struct alb_msg msg;         /* decoded without field callback */
};

typedef void (*dump_emit_fn)(void *ctx, const struct dump_item *item);

enum framer_state { FR_NORMAL, FR_RESYNC, FR_SKIP };

/* A byte-stream reassembler for one direction of one connection.  Feed it
 * chunks as they arrive; it emits every message, framing error and
 * truncated tail in stream order.  It holds at most `cap` bytes. */
struct framer {
    struct alb_opts opts;
    uint8_t *buf;
    size_t size;                /* allocated */
    size_t cap;                 /* never more than this */
    size_t start, end;          /* bytes held: buf[start, end) */
    uint64_t base;              /* stream offset of buf[start] */
    enum framer_state state;
    /* FR_RESYNC: the header that could not be framed */
    struct alb_msg bad;
    uint64_t bad_off;
    uint64_t skipped;
    /* FR_SKIP: a message longer than cap; its prefix stays in buf */
    uint64_t skip_left;
    uint64_t skip_total;
    uint64_t skip_received;
    dump_emit_fn emit;
    void *ctx;
};

#define DUMP_MIN_BUFFER 64u
#define DUMP_DEFAULT_BUFFER (16u * 1024u * 1024u)

/* Returns 0, or -1 when the first buffer cannot be allocated. */
int framer_init(struct framer *fr, const struct alb_opts *opts, size_t cap,
                dump_emit_fn emit, void *ctx);
/* Returns 0, or -1 when memory runs out (the framer stays usable). */
int framer_feed(struct framer *fr, const uint8_t *data, size_t n);
/* End of stream: reports what is left; the framer is then ready for a new stream. */
void framer_finish(struct framer *fr);
void framer_free(struct framer *fr);

/* Runs the field walk over an item's bytes (the same options the framer used). */
void dump_walk(const struct dump_item *it, alb_field_cb cb, void *ctx);

/* ---------------------------------------------------------------- output */

struct dump_out {
    FILE *f;
    int verbose;                /* text: field tree after each line */
    const char *file;           /* set when several inputs are dumped */
};

void text_item(struct dump_out *o, const struct dump_item *it);
void json_item(struct dump_out *o, const struct dump_item *it);
void text_file_header(struct dump_out *o, const char *name);

/* ---------------------------------------------------------------- helpers */

/* "Reply Console.Add" for WV2 success replies, else the table name. */
void dump_kind_name(const struct alb_msg *m, char *buf, size_t n);
/* Tag shown next to the name when the name alone does not say it. */
int dump_kind_needs_tag(const struct alb_msg *m);
/* ISO-8601 UTC with microseconds; returns 0 when t is out of range. */
int dump_iso_time(struct alb_time t, char *buf, size_t n);
/* Byte string with C escapes (\n, \t, \", \\, \xHH). */
void dump_cstr(FILE *f, const uint8_t *p, size_t n);
void dump_hex(FILE *f, const uint8_t *p, size_t n);
void dump_ipv4(FILE *f, uint64_t a);
/* The error a message carries, with DUMP_SHORT made explicit; 0 when none. */
int dump_item_error(const struct dump_item *it, struct alb_error *err);

/* docs/fields.md */
void dump_list_fields(FILE *f);

#endif
