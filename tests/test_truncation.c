/* Every vector cut at every offset: the decoder asks for more bytes, never
 * reads past the end (each prefix sits in its own exactly-sized heap block,
 * so ASan sees any overread), and with partial decoding reports what the
 * prefix holds and the error TRUNCATED.  Also the walker's invariants on
 * every whole vector. */
#include <inttypes.h>

#include "albatross/wire.h"
#include "testlib.h"

struct walk {
    uint64_t limit;         /* no field may reach past this */
    uint64_t last_off;
    int depth;
    int open_ids[ALB_MAX_DEPTH * 2 + 2];
    unsigned values;
    int bad;
    char why[160];
};

static int on_field(void *ctx, const struct alb_field *f)
{
    struct walk *w = ctx;
    if (w->bad)
        return 1;
    if (f->off > w->limit || f->len > w->limit - f->off) {
        snprintf(w->why, sizeof w->why, "%s at %" PRIu64 "+%" PRIu64 " beyond %" PRIu64,
                 alb_field_info(f->id)->name, f->off, f->len, w->limit);
        w->bad = 1;
    }
    if (f->ev != ALB_FE_CLOSE && f->off < w->last_off && f->id != ALB_F_TRAILING) {
        snprintf(w->why, sizeof w->why, "%s at %" PRIu64 " goes back from %" PRIu64,
                 alb_field_info(f->id)->name, f->off, w->last_off);
        w->bad = 1;
    }
    if (f->ev != ALB_FE_CLOSE)
        w->last_off = f->off;
    if (f->ev == ALB_FE_OPEN) {
        if (w->depth >= (int)(sizeof w->open_ids / sizeof w->open_ids[0])) {
            snprintf(w->why, sizeof w->why, "nesting too deep");
            w->bad = 1;
        } else {
            w->open_ids[w->depth++] = f->id;
        }
    } else if (f->ev == ALB_FE_CLOSE) {
        if (w->depth == 0 || w->open_ids[w->depth - 1] != (int)f->id) {
            snprintf(w->why, sizeof w->why, "unbalanced close of %s", alb_field_info(f->id)->name);
            w->bad = 1;
        } else {
            w->depth--;
        }
    } else {
        w->values++;
    }
    return 0;
}

static void one(const char *name, const unsigned char *bin, size_t n, const struct alb_opts *base)
{
    struct alb_msg whole, again;
    struct walk w = { .limit = n };
    CHECK(alb_decode(bin, n, base, &whole, on_field, &w) == ALB_E_OK, "%s", name);
    CHECK(!w.bad, "%s: %s", name, w.why);
    CHECK(w.depth == 0, "%s: %d groups left open", name, w.depth);
    /* the typed view does not depend on the callback */
    alb_decode(bin, n, base, &again, NULL, NULL);
    CHECK(memcmp(&whole, &again, sizeof whole) == 0, "%s: decode with and without walk differ", name);

    unsigned failures = t_failed;
    for (size_t k = 0; k < n && t_failed == failures; k++) {
        unsigned char *cut = malloc(k ? k : 1);
        memcpy(cut, bin, k);
        struct alb_frame fr;
        struct alb_msg m;
        enum alb_err r = alb_frame(cut, k, base, &fr);
        CHECK(r == ALB_E_NEED_MORE && fr.need > k, "%s cut at %zu: frame %s need %" PRIu64, name,
              k, alb_err_name(r), fr.need);
        r = alb_decode(cut, k, base, &m, NULL, NULL);
        CHECK(r == ALB_E_NEED_MORE, "%s cut at %zu: %s", name, k, alb_err_name(r));

        struct alb_opts o = *base;
        o.partial = 1;
        struct walk pw = { .limit = k };
        r = alb_decode(cut, k, &o, &m, on_field, &pw);
        CHECK(r == ALB_E_NEED_MORE, "%s partial at %zu: %s", name, k, alb_err_name(r));
        CHECK(!pw.bad, "%s partial at %zu: %s", name, k, pw.why);
        if (k >= whole.hdr_len) {
            CHECK(m.err.code == ALB_E_TRUNCATED, "%s partial at %zu: error %s", name, k,
                  alb_err_name(m.err.code));
            CHECK(m.kind == whole.kind && m.id == whole.id && m.length == whole.length,
                  "%s partial at %zu: header differs", name, k);
            CHECK(pw.values <= w.values, "%s partial at %zu: more fields than whole", name, k);
        }
        free(cut);
    }
}

static void each(const struct t_vector *v, void *ctx)
{
    (void)ctx;
    one(v->name, v->bin, v->len, &v->opts);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    unsigned n = t_each_vector(argv[1], each, NULL);
    CHECK(n >= 285, "only %u vectors", n);
    return t_summary("truncation");
}
