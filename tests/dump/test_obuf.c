/* The dumper's output buffer (dumper/obuf.h): escaping against a plain
 * byte-by-byte model, number formatting against printf, and what commit,
 * rewind, growth and flush write. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdint.h>

#include "../testlib.h"
#include "obuf.h"

/* The escapes, one byte at a time, as the formats define them. */
static size_t model_escape(const uint8_t *p, size_t n, enum ob_escape style, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\')
            k += (size_t)sprintf(out + k, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            out[k++] = (char)c;
        else if (style == OB_ESC_JSON)
            k += (size_t)sprintf(out + k, "\\u%04x", c);
        else if (c == '\n')
            k += (size_t)sprintf(out + k, "\\n");
        else if (c == '\r')
            k += (size_t)sprintf(out + k, "\\r");
        else if (c == '\t')
            k += (size_t)sprintf(out + k, "\\t");
        else
            k += (size_t)sprintf(out + k, "\\x%02x", c);
    }
    return k;
}

/* What ob writes between its start and now (nothing flushed yet). */
static int holds(const struct obuf *o, const char *want, size_t n)
{
    return (size_t)(o->p - o->buf) == n && memcmp(o->buf, want, n) == 0;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void escaping(void)
{
    static uint8_t in[3000];
    static char want[6 * sizeof in + 1];
    uint64_t seed = 42;
    struct obuf o;
    ob_init(&o, NULL);
    for (int round = 0; round < 4000; round++) {
        size_t n = (size_t)(rnd(&seed) % (round < 3000 ? 40 : sizeof in));
        /* mostly plain text, so that the word-at-a-time path runs, with
         * every kind of byte that needs an escape now and then */
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rnd(&seed);
            in[i] = r % 7 == 0 ? (uint8_t)(r >> 8) : (uint8_t)(0x20 + (r >> 8) % 0x5f);
        }
        for (int style = OB_ESC_C; style <= OB_ESC_JSON; style++) {
            size_t k = model_escape(in, n, (enum ob_escape)style, want);
            o.p = o.mark = o.buf;
            ob_escaped(&o, in, n, (enum ob_escape)style);
            CHECK(holds(&o, want, k), "round %d, %zu bytes, style %d", round, n, style);
        }
    }
    /* every byte value at every offset within a word */
    for (unsigned c = 0; c < 256; c++) {
        for (size_t at = 0; at < 17; at++) {
            memset(in, 'a', 17);
            in[at] = (uint8_t)c;
            size_t k = model_escape(in, 17, OB_ESC_C, want);
            o.p = o.mark = o.buf;
            ob_escaped(&o, in, 17, OB_ESC_C);
            CHECK(holds(&o, want, k), "byte 0x%02x at %zu", c, at);
        }
    }
    ob_free(&o);
}

static void numbers(void)
{
    static const uint64_t u[] = { 0, 1, 9, 10, 99, 100, 101, 12345, 4294967295u,
                                  10000000000000000000u, UINT64_MAX };
    static const int64_t i[] = { 0, -1, 1, -9223372036854775807 - 1, 9223372036854775807,
                                 -100, 42 };
    char want[64];
    struct obuf o;
    ob_init(&o, NULL);
    for (size_t k = 0; k < sizeof u / sizeof u[0]; k++) {
        o.p = o.mark = o.buf;
        ob_u64(&o, u[k]);
        int n = snprintf(want, sizeof want, "%" PRIu64, u[k]);
        CHECK(holds(&o, want, (size_t)n), "u64 %s", want);
        o.p = o.mark = o.buf;
        ob_hex_u64(&o, u[k], 8);
        n = snprintf(want, sizeof want, "0x%08" PRIx64, u[k]);
        CHECK(holds(&o, want, (size_t)n), "hex %s", want);
    }
    for (size_t k = 0; k < sizeof i / sizeof i[0]; k++) {
        o.p = o.mark = o.buf;
        ob_i64(&o, i[k]);
        int n = snprintf(want, sizeof want, "%" PRId64, i[k]);
        CHECK(holds(&o, want, (size_t)n), "i64 %s", want);
    }
    o.p = o.mark = o.buf;
    ob_printf(&o, "%s-%d", "x", 7);
    CHECK(holds(&o, "x-7", 3), "printf");
    ob_free(&o);
}

/* Pieces of every short length (copied without memcpy) and longer ones. */
static void pieces(void)
{
    char src[64], want[64 * 64];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (char)('A' + i % 50);
    struct obuf o;
    ob_init(&o, NULL);
    size_t k = 0;
    for (size_t n = 0; n <= sizeof src; n++) {
        ob_put(&o, src, n);
        memcpy(want + k, src, n);
        k += n;
    }
    CHECK(holds(&o, want, k), "pieces of 0 to %zu bytes", sizeof src);
    ob_free(&o);
}

/* Only committed bytes reach the file; a rewound line never does; a line
 * longer than the buffer grows it and stays whole. */
static void commit_and_flush(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    struct obuf o;
    ob_init(&o, f);
    ob_str(&o, "kept\n");
    ob_commit(&o);
    ob_str(&o, "dropped\n");
    ob_rewind(&o);
    static char big[1 << 20];
    memset(big, 'z', sizeof big);
    ob_put(&o, big, sizeof big);    /* uncommitted, larger than the first buffer */
    ob_ch(&o, '\n');
    ob_commit(&o);
    ob_str(&o, "pending");          /* never committed: never written */
    CHECK(ob_flush(&o) == 0, "flush");
    ob_free(&o);
    fclose(f);
    CHECK(size == 5 + sizeof big + 1 && memcmp(text, "kept\n", 5) == 0 &&
          text[5] == 'z' && text[5 + sizeof big - 1] == 'z' && text[size - 1] == '\n',
          "written: %zu bytes", size);
    free(text);
}

int main(void)
{
    escaping();
    numbers();
    pieces();
    commit_and_flush();
    return t_summary("obuf");
}
