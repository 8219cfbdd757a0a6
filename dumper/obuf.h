/*
 * The dumper's output buffer: lines are built in memory and written in
 * large blocks.  A line stays uncommitted until ob_commit(), so a message
 * can be formatted while it is decoded and dropped (ob_rewind) when a
 * filter rejects it; only committed bytes are ever written.
 */
#ifndef ALBATROSS_DUMP_OBUF_H
#define ALBATROSS_DUMP_OBUF_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct obuf {
    char *buf;
    char *p;            /* next byte */
    char *end;          /* end of the allocation */
    char *mark;         /* start of the uncommitted bytes */
    FILE *f;
    int failed;         /* a write failed: what follows is dropped */
};

/* Small reservations (ob_need) are never larger than this. */
#define OB_SMALL 64u

void ob_init(struct obuf *o, FILE *f);
void ob_free(struct obuf *o);
/* Writes the committed bytes; returns 0, or -1 once a write has failed. */
int ob_flush(struct obuf *o);
/* Makes room for n more bytes (see ob_need, ob_put). */
void ob_room(struct obuf *o, size_t n);
void ob_put_slow(struct obuf *o, const void *s, size_t n);

static inline void ob_need(struct obuf *o, size_t n)
{
    if ((size_t)(o->end - o->p) < n)
        ob_room(o, n);
}

/* n bytes, 1 <= n <= 16, with fixed-size (inlined) copies: two that may
 * overlap cover every length of their range. */
static inline void ob_copy_small(char *d, const char *s, size_t n)
{
    if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

static inline void ob_put(struct obuf *o, const void *s, size_t n)
{
    if ((size_t)(o->end - o->p) < n) {
        ob_put_slow(o, s, n);
        return;
    }
    /* most pieces are short: a call to memcpy would cost more than they do */
    if (n - 1 < 16)
        ob_copy_small(o->p, (const char *)s, n);
    else if (n)
        memcpy(o->p, s, n);
    o->p += n;
}

static inline void ob_ch(struct obuf *o, char c)
{
    ob_need(o, 1);
    *o->p++ = c;
}

static inline void ob_str(struct obuf *o, const char *s)
{
    ob_put(o, s, strlen(s));
}

/* The bytes written since the last commit are kept... */
static inline void ob_commit(struct obuf *o)
{
    o->mark = o->p;
}

/* ...or dropped. */
static inline void ob_rewind(struct obuf *o)
{
    o->p = o->mark;
}

void ob_u64(struct obuf *o, uint64_t v);
/* "00" to "99" in a row: the two digits of v < 100 at ob_two_digits + 2 * v */
extern const char ob_two_digits[201];
/* Writes the two digits of v < 100 at p, returns p + 2 (outside any obuf). */
static inline char *ob_pair(char *p, unsigned v)
{
    memcpy(p, ob_two_digits + 2 * v, 2);
    return p + 2;
}
void ob_i64(struct obuf *o, int64_t v);
/* v in hexadecimal with at least `width` digits, "0x" first. */
void ob_hex_u64(struct obuf *o, uint64_t v, unsigned width);
/* Bytes as lowercase hexadecimal pairs. */
void ob_hex(struct obuf *o, const uint8_t *p, size_t n);
/* Bytes between quotes, without the quotes: C escapes (\n, \r, \t, \",
 * \\, \xHH) or JSON ones (\", \\, \u00HH: each byte one code point). */
enum ob_escape { OB_ESC_C, OB_ESC_JSON };
void ob_escaped(struct obuf *o, const uint8_t *p, size_t n, enum ob_escape style);

static inline void ob_cstr(struct obuf *o, const uint8_t *p, size_t n)
{
    ob_escaped(o, p, n, OB_ESC_C);
}
void ob_printf(struct obuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
