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
#include "obuf.h"

/* ---------------------------------------------------------------- framer */

enum dump_type {
    DUMP_MESSAGE,   /* a message (maybe truncated, maybe only its prefix buffered) */
    DUMP_SHORT,     /* the stream ended inside a header */
    DUMP_FRAMING,   /* a header that cannot be framed, and the bytes skipped after it */
    DUMP_RESYNC,    /* bytes skipped after a gap (or a mid-stream start) up to a header */
    DUMP_GAP        /* bytes of the stream that were not captured (capture input only) */
};

enum dump_transport {
    DUMP_TR_RAW,        /* a raw byte stream (--raw) */
    DUMP_TR_TCP,
    DUMP_TR_UNIX,       /* sockdump record with a socket path */
    DUMP_TR_UNIX16,     /* sockdump record without a path (16-byte header) */
    DUMP_TR_EXPORTED    /* exported PDU (link type 252) */
};

enum dump_dir { DUMP_DIR_UNKNOWN, DUMP_DIR_TO_SERVER, DUMP_DIR_TO_CLIENT };

/* Where an item of a capture comes from: one direction of one connection,
 * and the capture record being read when the item completed. */
struct dump_src {
    enum dump_transport transport;
    char from[64], to[64];      /* TCP / exported PDU: "addr:port" of sender, receiver */
    int has_addr;
    char path[109];             /* Unix socket path (NUL terminated) */
    uint64_t pid, peer;         /* sockdump: sending and receiving process */
    enum dump_dir dir;
    uint64_t frame;             /* capture record number (1-based) */
    int64_t ts_sec;
    long ts_usec;
    void *conn;                 /* the capture reader's connection */
    char ts_text[32];           /* ts as text, when ts_frame == frame */
    size_t ts_len;
    uint64_t ts_frame;
    char flow_text[300];        /* the flow as the text line shows it, "" until made */
    size_t flow_len;
    char flow_json[700];        /* the "flow" member of JSON objects, "" until made */
    enum dump_dir flow_json_dir;
};

/* One thing the framer found in a stream.  data/len are valid only during
 * the emit call.  A message is decoded once, by whoever first needs it
 * (dump_item_fields), so that one decode can also feed a formatter. */
struct dump_item {
    enum dump_type type;
    uint64_t offset;            /* stream offset of the first byte */
    const uint8_t *data;        /* the bytes held for it */
    size_t len;
    uint64_t total;             /* DUMP_MESSAGE: header + body length from the header */
    uint64_t received;          /* bytes of it that were in the stream (>= len) */
    int complete;               /* received == total */
    int prefix_only;            /* longer than the buffer: only len bytes decoded */
    uint64_t skipped;           /* DUMP_FRAMING, DUMP_RESYNC, DUMP_GAP: bytes dropped or lost */
    const struct dump_src *src; /* capture input: where it comes from; NULL for --raw */
    const struct alb_opts *opts;/* what the framer decoded it with */
    int decoded;                /* msg holds the decoding */
    struct alb_msg msg;
};

typedef void (*dump_emit_fn)(void *ctx, struct dump_item *item);

enum framer_state { FR_NORMAL, FR_RESYNC, FR_SKIP, FR_DISCARD };

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
    /* FR_RESYNC: the header that could not be framed (none when at_gap) */
    int at_gap;                 /* resynchronising after a gap: offset 0 may be a header */
    struct alb_msg bad;
    uint64_t bad_off;
    uint64_t skipped;
    /* FR_SKIP: a message longer than cap; its prefix stays in buf */
    uint64_t skip_left;
    uint64_t skip_total;
    uint64_t skip_received;
    uint64_t skip_lost;         /* bytes of it lost in gaps */
    int track_version;          /* captures: keep version_seen */
    int skip_too_long;          /* captures: a message over max_len is skipped by its length */
    uint64_t discard_left;      /* FR_DISCARD: bytes of it still to come */
    int version_seen;           /* wire version of the last whole known message, -1 none
                                 * yet: resynchronisation looks for headers of that version */
    const struct dump_src *src;
    dump_emit_fn emit;
    void *ctx;
};

#define DUMP_MIN_BUFFER 64u
#define DUMP_DEFAULT_BUFFER (16u * 1024u * 1024u)

/* Allocates nothing yet (the buffer grows with the first bytes); returns 0. */
int framer_init(struct framer *fr, const struct alb_opts *opts, size_t cap,
                dump_emit_fn emit, void *ctx);
/* Returns 0, or -1 when memory runs out (the framer stays usable). */
int framer_feed(struct framer *fr, const uint8_t *data, size_t n);
/* End of stream: reports what is left; the framer is then ready for a new stream. */
void framer_finish(struct framer *fr);
void framer_free(struct framer *fr);
/* lost bytes of the stream were never captured: what is held is reported
 * (a message whose end lies beyond the gap is skipped to its end, or shown
 * truncated), then framing resumes at the next plausible header. */
void framer_gap(struct framer *fr, uint64_t lost);
/* The stream is picked up in the middle: look for the first plausible header. */
void framer_midstream(struct framer *fr);
/* Bytes held (for memory accounting). */
size_t framer_held(const struct framer *fr);

/* Reports an item's fields to cb (may be NULL), with the options the
 * framer used.  The first call decodes the item into it->msg; later calls
 * walk the bytes again and leave it->msg as it is. */
void dump_item_fields(struct dump_item *it, alb_field_cb cb, void *ctx);
/* The same without the header fields (the header is in it->msg). */
void dump_item_body_fields(struct dump_item *it, alb_field_cb cb, void *ctx);

/* ---------------------------------------------------------------- output */

struct dump_out {
    struct obuf ob;             /* an item's output stays uncommitted until kept */
    int verbose;                /* text: 1 field tree, 2 with byte offsets */
    const char *file;           /* set when several inputs are dumped */
};

/* Decode the item (when not yet decoded) and write its output, uncommitted. */
void text_item(struct dump_out *o, struct dump_item *it);
void json_item(struct dump_out *o, struct dump_item *it);
void text_file_header(struct dump_out *o, const char *name);
/* "2018-10-02T09:12:44.250000Z" for a capture timestamp */
void dump_cap_time(int64_t sec, long usec, char *buf, size_t n);
/* The source's capture time and flow as text, made once and kept (the
 * source is written to: they change rarely). */
void dump_src_time(const struct dump_src *s, struct obuf *o);
void dump_src_flow(const struct dump_src *s, struct obuf *o);
/* The flow as the text line shows it: "a:1 > b:2:", "path 12 > 34:". */
void dump_flow_string(const struct dump_src *s, char *buf, size_t n);
/* A socket path as every output shows it (a capture's bytes, untrusted):
 * as is when it has no space, quote, backslash or control byte, else
 * quoted with C escapes.  Returns the length written (cut at n - 1). */
size_t dump_path_string(const char *p, char *buf, size_t n);

/* ---------------------------------------------------------------- helpers */

/* "Reply Console.Add" for WV2 success replies, else the table name (a
 * string kept for good), with its length. */
const char *dump_kind_name(const struct alb_msg *m, size_t *len);
/* Tag shown next to the name when the name alone does not say it. */
int dump_kind_needs_tag(const struct alb_msg *m);
/* ISO-8601 UTC with microseconds; returns 0 when t is out of range. */
int dump_iso_time(struct alb_time t, char *buf, size_t n);
void dump_ipv4(struct obuf *o, uint64_t a);
/* A field's name (albatross.vm.name), or with short_key its key on the
 * text line (vm.name); unknown ids as "albatross.unknown" and "?". */
void dump_field_name(struct obuf *o, enum alb_field_id id, int short_key);
/* The error a message carries, with DUMP_SHORT made explicit; 0 when none. */
int dump_item_error(const struct dump_item *it, struct alb_error *err);

/* The dotted VM name a message is about (WV2 name list, WV0 name string);
 * returns 0 when it has none.  Long names are cut at n - 1 bytes. */
int dump_vm_name(const struct alb_msg *m, char *buf, size_t n);

/* ---------------------------------------------------------------- captures */

#define DUMP_MAX_PORTS 16
#define DUMP_MAX_PATHS 16
#define DUMP_MAX_KINDS 32
#define DUMP_MAX_VMS 16

struct dump_stats;

struct dump_capture_opts {
    struct alb_opts opts;       /* channel: --channel (ALB_CH_ANY: not given) */
    size_t buffer;              /* per-stream framer cap */
    uint16_t ports[DUMP_MAX_PORTS];
    unsigned nports;
    const char *paths[DUMP_MAX_PATHS];
    unsigned npaths;
    unsigned max_flows;         /* connections tracked at once */
    int64_t idle;               /* seconds of capture time before an idle connection is dropped */
    size_t reorder;             /* out-of-order bytes held per TCP direction */
    int flush_each;             /* fflush the output after every capture record */
};

/* What is done with every item (messages, errors, gaps) of a capture. */
struct dump_sink {
    dump_emit_fn emit;
    void (*flush)(void *ctx);   /* with flush_each, after every record (may be NULL) */
    void *ctx;
};

enum dump_capture_result {
    DUMP_CAP_OK,            /* read to its end */
    DUMP_CAP_TRUNCATED,     /* the capture file ends inside a record: reported, what was read dumped */
    DUMP_CAP_ERROR          /* not a capture, unsupported link type, read error, out of memory */
};

/* Reads a pcap or pcapng capture from in (which it closes) and reports
 * every albatross item to sink.  name is used in messages; errors go to
 * err (one line each, prefixed by name). */
enum dump_capture_result dump_capture(FILE *in, const char *name,
                                      const struct dump_capture_opts *co,
                                      const struct dump_sink *sink, struct dump_stats *st,
                                      FILE *err);
void dump_capture_defaults(struct dump_capture_opts *co);

/* ---------------------------------------------------------------- filters, statistics */

struct dump_filter {
    const char *kinds[DUMP_MAX_KINDS];
    unsigned nkinds;
    const char *vms[DUMP_MAX_VMS];
    unsigned nvms;
};

/* Does the item pass --kind and --vm?  Items that are not messages pass. */
int dump_filter_pass(const struct dump_filter *flt, const struct dump_item *it);
/* Is name a kind name (snake or display) of some message kind? */
int dump_kind_name_known(const char *name);

struct dump_stats *stats_new(void);
void stats_free(struct dump_stats *st);
/* Counts an item (called for every item, filtered or not; it says which). */
void stats_item(struct dump_stats *st, const struct dump_item *it, int shown);
void stats_flow_end(struct dump_stats *st, void *conn);
void stats_note_flow(struct dump_stats *st, int albatross);
void stats_note_record(struct dump_stats *st);
void stats_print(struct dump_stats *st, struct obuf *o);
/* The same summary as one JSON object {"stats": {...}} on one line. */
void stats_print_json(struct dump_stats *st, struct obuf *o);
/* A JSON string (bytes as code points, as in the message objects). */
void dump_json_str(struct obuf *o, const char *s);

/* The connection side of request/reply matching, owned by the capture reader. */
struct stats_pending;
struct stats_conn {
    struct stats_pending *pend;     /* requests waiting for their reply, a ring in
                                     * arrival order; answered ones stay as holes */
    unsigned head, used, live, cap; /* oldest slot, slots in use, of them waiting, size */
    int flow_index;                 /* row in the per-flow table, -1 when full */
};
struct stats_conn *capture_conn_stats(void *conn);

/* ---------------------------------------------------------------- the dump */

/* What albatross-dump does with the items of its inputs. */
struct dump_run {
    struct dump_out out;
    int json;
    int quiet;
    struct dump_filter flt;
    struct dump_stats *st;      /* NULL without --stats */
};

/* A dump_emit_fn (ctx: struct dump_run): decodes the item once while
 * formatting it, then keeps the output if the filters pass it and counts
 * it in the statistics. */
void dump_run_item(void *ctx, struct dump_item *it);
/* Writes what is kept so far (ctx: struct dump_run). */
void dump_run_flush(void *ctx);

/* docs/fields.md */
void dump_list_fields(FILE *f);

#endif
