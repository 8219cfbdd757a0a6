/* The output buffer (obuf.h). */
#include <stdarg.h>
#include <stdlib.h>

#include "obuf.h"

#define OB_FIRST (256u * 1024u)

void ob_init(struct obuf *o, FILE *f)
{
    memset(o, 0, sizeof *o);
    o->f = f;
    o->buf = malloc(OB_FIRST);
    if (o->buf) {
        o->end = o->buf + OB_FIRST;
    } else {
        /* without memory the fallback below writes bytes as they come */
        static char tiny[OB_SMALL * 2];
        o->buf = tiny;
        o->end = tiny + sizeof tiny;
    }
    o->p = o->mark = o->buf;
}

static int own_buffer(const struct obuf *o)
{
    return (size_t)(o->end - o->buf) > OB_SMALL * 2;
}

void ob_free(struct obuf *o)
{
    if (own_buffer(o))
        free(o->buf);
    o->buf = o->p = o->end = o->mark = NULL;
}

/* Writes buf..upto and moves what follows to the start. */
static void write_out(struct obuf *o, char *upto)
{
    size_t n = (size_t)(upto - o->buf);
    if (n && !o->failed && fwrite(o->buf, 1, n, o->f) != n)
        o->failed = 1;
    size_t rest = (size_t)(o->p - upto);
    memmove(o->buf, upto, rest);
    o->mark -= n;
    o->p -= n;
}

int ob_flush(struct obuf *o)
{
    write_out(o, o->mark);
    return o->failed ? -1 : 0;
}

void ob_room(struct obuf *o, size_t n)
{
    write_out(o, o->mark);
    if ((size_t)(o->end - o->p) >= n)
        return;
    /* one uncommitted line larger than the buffer: grow */
    size_t size = (size_t)(o->end - o->buf), used = (size_t)(o->p - o->buf);
    while (size - used < n && size < SIZE_MAX / 2)
        size *= 2;
    char *b = own_buffer(o) ? realloc(o->buf, size) : NULL;
    if (b) {
        o->mark = b + (o->mark - o->buf);
        o->p = b + used;
        o->buf = b;
        o->end = b + size;
        return;
    }
    /* out of memory: the line goes out as far as it is (a filter can no
     * longer take it back), which leaves the whole buffer free */
    o->mark = o->p;
    write_out(o, o->p);
}

void ob_put_slow(struct obuf *o, const void *s, size_t n)
{
    ob_room(o, n);
    if ((size_t)(o->end - o->p) < n) {
        /* only without memory: the buffer is empty and the bytes go directly */
        if (!o->failed && fwrite(s, 1, n, o->f) != n)
            o->failed = 1;
        return;
    }
    memcpy(o->p, s, n);
    o->p += n;
}

const char ob_two_digits[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

void ob_u64(struct obuf *o, uint64_t v)
{
    /* ids, lengths and counts are mostly small */
    if (v < 100) {
        ob_need(o, 2);
        if (v < 10) {
            *o->p++ = (char)('0' + v);
        } else {
            o->p = ob_pair(o->p, (unsigned)v);
        }
        return;
    }
    unsigned n = 1;
    for (uint64_t t = v; t >= 10; t /= 10)
        n++;
    ob_need(o, 20);
    char *q = o->p + n;
    o->p = q;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        q -= 2;
        ob_pair(q, r);
    }
    if (v >= 10) {
        q -= 2;
        ob_pair(q, (unsigned)v);
    } else {
        *--q = (char)('0' + v);
    }
}

void ob_i64(struct obuf *o, int64_t v)
{
    if (v < 0) {
        ob_ch(o, '-');
        ob_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        ob_u64(o, (uint64_t)v);
    }
}

static const char hex_digits[] = "0123456789abcdef";

void ob_hex_u64(struct obuf *o, uint64_t v, unsigned width)
{
    char b[18];
    char *q = b + sizeof b;
    unsigned n = 0;
    do {
        *--q = hex_digits[v & 15];
        v >>= 4;
        n++;
    } while (v || n < width);
    *--q = 'x';
    *--q = '0';
    ob_put(o, q, (size_t)(b + sizeof b - q));
}

void ob_hex(struct obuf *o, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t k = n < OB_SMALL / 2 ? n : OB_SMALL / 2;
        ob_need(o, 2 * k);
        for (size_t i = 0; i < k; i++) {
            *o->p++ = hex_digits[p[i] >> 4];
            *o->p++ = hex_digits[p[i] & 15];
        }
        p += k;
        n -= k;
    }
}

/* Bytes that stand for themselves between quotes, in C and in JSON. */
static int plain_byte(uint8_t c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* Whether none of the 8 bytes in x needs an escape: no byte below 0x20,
 * none from 0x7f up, no '"' and no '\\' (bytewise tests on one word). */
static int plain_word(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7f);
    uint64_t bad = x & highs;                       /* from 0x80 up */
    bad |= (x - ones * 0x20) & ~x & highs;          /* below 0x20 */
    bad |= (q - ones) & ~q & highs;                 /* '"' */
    bad |= (b - ones) & ~b & highs;                 /* '\\' */
    bad |= (d - ones) & ~d & highs;                 /* 0x7f */
    return bad == 0;
}

void ob_escaped(struct obuf *o, const uint8_t *p, size_t n, enum ob_escape style)
{
    /* one pass into the buffer, in pieces that fit even if every byte
     * takes its longest escape (6 bytes) */
    while (n > 0) {
        size_t k = n < 256 ? n : 256;
        ob_need(o, 6 * k);
        size_t room = (size_t)(o->end - o->p) / 6;
        if (k > room)
            k = room;       /* only without memory: ob_need left a smaller room */
        char *q = o->p;
        size_t i = 0;
        for (;;) {
            /* runs of plain bytes go a word at a time */
            uint64_t w;
            while (i + 8 <= k && (memcpy(&w, p + i, 8), plain_word(w))) {
                memcpy(q, &w, 8);
                q += 8;
                i += 8;
            }
            if (i == k)
                break;
            uint8_t c = p[i++];
            if (plain_byte(c)) {
                *q++ = (char)c;
                continue;
            }
            *q++ = '\\';
            if (c == '"' || c == '\\') {
                *q++ = (char)c;
            } else if (style == OB_ESC_JSON) {
                memcpy(q, "u00", 3);
                q[3] = hex_digits[c >> 4];
                q[4] = hex_digits[c & 15];
                q += 5;
            } else if (c == '\n' || c == '\r' || c == '\t') {
                *q++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            } else {
                *q++ = 'x';
                *q++ = hex_digits[c >> 4];
                *q++ = hex_digits[c & 15];
            }
        }
        o->p = q;
        p += k;
        n -= k;
    }
}

void ob_printf(struct obuf *o, const char *fmt, ...)
{
    size_t room = (size_t)(o->end - o->p);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= room) {
        ob_need(o, (size_t)n + 1);
        if ((size_t)(o->end - o->p) <= (size_t)n)
            return;     /* out of memory for an unusually long piece */
        va_start(ap, fmt);
        vsnprintf(o->p, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    o->p += n;
}
