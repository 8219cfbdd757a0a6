/* Invariant checks shared by the fuzz harnesses (see fuzz_util.h). */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "albatross fuzz invariant violated at %s:%d: %s\n", file, line, what);
    fflush(stderr);
    abort();
}

/* A fast multiply-xorshift hash: good enough to tell event sequences
 * apart, cheap enough to run on every event. */
uint64_t fz_hash_u64(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 31);
}

uint64_t fz_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t v;
    while (n >= 8) {
        memcpy(&v, b, 8);
        h = fz_hash_u64(h, v);
        b += 8;
        n -= 8;
    }
    v = 0x80;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | b[i];
    return fz_hash_u64(h, v);
}

enum alb_channel fz_channel(uint8_t sel)
{
    return (enum alb_channel)(sel % ALB_CH_COUNT);
}

/* ------------------------------------------------------------ the walker */

static void walk_init(struct fz_walk *w, const uint8_t *buf, size_t len)
{
    memset(w->closed, 0, sizeof w->closed);
    w->sp = 0;
    w->events = 0;
    w->st[0].off = 0;
    w->st[0].last_end = 0;
    w->st[0].children = 0;
    w->buf = buf;
    w->len = len;
    w->limit = len;
    w->hash = FZ_HASH_INIT;
    w->sem_hash = FZ_HASH_INIT;
    w->st[0].id = ALB_F_NONE;
    w->st[0].type = ALB_T_GROUP;
}

static uint64_t hash_event(uint64_t h, const struct alb_field *f)
{
    h = fz_hash_u64(h, (uint64_t)f->id << 40 ^ (uint64_t)f->type << 32 ^ (uint64_t)f->ev << 28 ^
                       (uint64_t)f->depth << 20 ^ (uint64_t)(f->bad != 0) << 19 ^ f->index);
    h = fz_hash_u64(h, f->off << 32 ^ f->len);
    switch (f->type) {
    case ALB_T_STR:
    case ALB_T_BYTES:
        if (f->ev == ALB_FE_VALUE)
            h = fz_hash_bytes(h, f->v.b.p, f->v.b.n);
        break;
    case ALB_T_TIME:
        h = fz_hash_u64(h, (uint64_t)f->v.t.d ^ (uint64_t)f->v.t.ps << 1);
        break;
    case ALB_T_GROUP:
        break;
    default:
        h = fz_hash_u64(h, f->v.u);
        break;
    }
    return h;
}

/* Whether a field id names a field of the table with an "albatross." name
 * (checked once per id). */
static int known_field(enum alb_field_id id)
{
    static uint8_t seen[ALB_F_COUNT];
    if ((unsigned)id >= ALB_F_COUNT)
        return 0;
    if (!seen[id]) {
        const struct alb_field_info *fi = alb_field_info(id);
        seen[id] = fi && fi->name && strncmp(fi->name, "albatross.", 10) == 0 ? 1 : 2;
    }
    return seen[id] == 1;
}

static int walk_cb(void *ctx, const struct alb_field *f)
{
    struct fz_walk *w = ctx;
    w->events++;
    w->hash = hash_event(w->hash, f);
    if (f->id != ALB_F_LENGTH && f->id != ALB_F_TRAILING)
        w->sem_hash = hash_event(w->sem_hash, f);

    /* the field exists, and its type is the one the table declares */
    FZ_CHECK(known_field(f->id));
    FZ_CHECK(f->type == alb_field_info(f->id)->type);
    FZ_CHECK((unsigned)f->ev <= ALB_FE_CLOSE);
    FZ_CHECK(f->ev == ALB_FE_VALUE ? f->type != ALB_T_LIST && f->type != ALB_T_GROUP
                                   : f->type == ALB_T_LIST || f->type == ALB_T_GROUP);

    /* nothing reported lies outside the input (subtract-then-compare) */
    FZ_CHECK(f->off <= w->limit && f->len <= w->limit - f->off);

    /* views point at the reported bytes of the input */
    if (f->ev == ALB_FE_VALUE && (f->type == ALB_T_STR || f->type == ALB_T_BYTES)) {
        uint64_t skip = f->type == ALB_T_STR ? 2 : 0;
        FZ_CHECK(f->len >= skip);
        FZ_CHECK(f->v.b.n == f->len - skip);
        FZ_CHECK(f->v.b.n == 0 || f->v.b.p == w->buf + f->off + skip);
        if (f->type == ALB_T_STR) {
            uint64_t n = (uint64_t)w->buf[f->off] << 8 | w->buf[f->off + 1];
            FZ_CHECK(n == f->v.b.n);
        }
    }
    if (f->ev == ALB_FE_VALUE && f->type == ALB_T_TIME)
        FZ_CHECK(f->len == 16 && (f->bad || alb_time_valid(f->v.t)));

    /* nesting: a stack of open lists and groups */
    FZ_CHECK(w->sp >= 0 && w->sp < FZ_MAX_NEST);
    if (f->ev == ALB_FE_CLOSE) {
        FZ_CHECK(w->sp > 0);
        FZ_CHECK(w->st[w->sp].id == f->id);
        FZ_CHECK(w->st[w->sp].off == f->off);
        FZ_CHECK(f->off + f->len >= w->st[w->sp].last_end);
        if (f->type == ALB_T_LIST)
            FZ_CHECK(f->v.u == w->st[w->sp].children);
        uint64_t end = f->off + f->len;
        uint64_t n = f->v.u;
        w->sp--;
        FZ_CHECK(f->depth == (unsigned)w->sp);
        FZ_CHECK(end >= w->st[w->sp].last_end);
        w->st[w->sp].last_end = end;
        if (w->sp == 0 && f->type == ALB_T_LIST) {
            w->closed[f->id] = 1;
            w->closed_count[f->id] = n;
        }
        return 0;
    }

    /* offsets never go backwards within a container */
    FZ_CHECK(f->off >= w->st[w->sp].off);
    FZ_CHECK(f->off >= w->st[w->sp].last_end);
    if (w->st[w->sp].type == ALB_T_LIST) {
        w->st[w->sp].children++;
        FZ_CHECK(f->index + 1 == w->st[w->sp].children);
    }
    if (f->ev == ALB_FE_OPEN) {
        /* lists and groups open (and close) at the depth of their siblings */
        FZ_CHECK(f->depth == (unsigned)w->sp);
        FZ_CHECK(w->sp + 1 < FZ_MAX_NEST);
        w->sp++;
        w->st[w->sp].id = f->id;
        w->st[w->sp].type = f->type;
        w->st[w->sp].off = f->off;
        w->st[w->sp].last_end = f->off;
        w->st[w->sp].children = 0;
        return 0;
    }
    FZ_CHECK(f->depth == (unsigned)w->sp);
    w->st[w->sp].last_end = f->off + f->len;
    return 0;
}

/* ------------------------------------------------------------ typed view */

static void check_view(const struct fz_walk *w, struct alb_bytes b)
{
    if (b.n == 0)
        return;
    FZ_CHECK(b.p != NULL);
    FZ_CHECK(b.p >= w->buf && (size_t)(b.p - w->buf) <= w->len && b.n <= w->len - (size_t)(b.p - w->buf));
}

static const struct alb_list *list_of(const struct alb_msg *m, enum alb_field_id id)
{
    switch (id) {
    case ALB_F_VM_NAME: return &m->name;
    case ALB_F_STATS_TAPS: return &m->u.taps;
    case ALB_F_VMM: return &m->u.stats.vmm;
    case ALB_F_IFDATA: return &m->u.stats.ifdata;
    case ALB_F_EV_TAPS: return &m->u.log.ev.taps;
    case ALB_F_EV_BRIDGES: return &m->u.log.ev.bridges;
    case ALB_F_VM_NETWORK: return &m->u.vm.network;
    case ALB_F_VM_ARGV: return &m->u.vm.argv;
    case ALB_F_VMS: return &m->u.vms;
    default: return NULL;
    }
}

static uint64_t iterate(const struct fz_walk *w, enum alb_field_id id, const struct alb_list *l)
{
    struct alb_iter it;
    union {
        struct alb_bytes b;
        struct alb_vmm_stat vmm;
        struct alb_ifdata ifd;
        struct alb_vm_info vi;
    } el;
    uint64_t n = 0;
    FZ_CHECK(alb_field_info(id)->elem_size <= sizeof el);
    alb_iter_init(&it, id, l);
    while (alb_iter_next(&it, &el)) {
        FZ_CHECK(n < l->count);
        n++;
        switch (id) {
        case ALB_F_VMM: check_view(w, el.vmm.key); break;
        case ALB_F_IFDATA: check_view(w, el.ifd.name); break;
        case ALB_F_VMS:
            check_view(w, el.vi.leaf);
            check_view(w, el.vi.cmd);
            if (el.vi.name.count)
                FZ_CHECK(iterate(w, ALB_F_INFO_NAME, &el.vi.name) == el.vi.name.count);
            if (el.vi.taps.count)
                FZ_CHECK(iterate(w, ALB_F_INFO_TAPS, &el.vi.taps) == el.vi.taps.count);
            break;
        default: check_view(w, el.b); break;
        }
    }
    return n;
}

static void check_typed(const struct fz_walk *w, const struct alb_msg *m)
{
    for (unsigned id = 0; id < ALB_F_COUNT; id++) {
        if (!w->closed[id])
            continue;
        const struct alb_list *l = list_of(m, (enum alb_field_id)id);
        FZ_CHECK(l != NULL);
        FZ_CHECK(l->count == w->closed_count[id]);
        check_view(w, (struct alb_bytes){ l->wire, l->wire_len });
        FZ_CHECK(iterate(w, (enum alb_field_id)id, l) == l->count);
    }
}

/* ------------------------------------------------------------ decoding */

static uint64_t msg_summary(const struct alb_msg *m, enum alb_err r)
{
    uint64_t h = FZ_HASH_INIT;
    h = fz_hash_u64(h, (uint64_t)r);
    h = fz_hash_u64(h, m->version);
    h = fz_hash_u64(h, m->hdr_len);
    h = fz_hash_u64(h, m->tag);
    h = fz_hash_u64(h, m->id);
    h = fz_hash_u64(h, m->length);
    h = fz_hash_u64(h, m->padding);
    h = fz_hash_u64(h, (uint64_t)m->channel);
    h = fz_hash_u64(h, (uint64_t)m->kind);
    h = fz_hash_u64(h, (uint64_t)m->err.code);
    h = fz_hash_u64(h, (uint64_t)m->err.field);
    h = fz_hash_u64(h, m->err.offset);
    h = fz_hash_u64(h, m->warnings);
    h = fz_hash_u64(h, m->trailing);
    h = fz_hash_u64(h, m->trailing_off);
    return h;
}

void fz_decode_light(const uint8_t *buf, size_t len, const struct alb_opts *opts,
                     struct fz_result *out)
{
    static struct fz_walk w;
    struct alb_frame fr;
    enum alb_err fret = alb_frame(buf, len, opts, &fr);
    walk_init(&w, buf, len);
    if (fr.hdr_len && fr.total_len < len)
        w.limit = fr.total_len;
    out->ret = alb_decode(buf, len, opts, &out->msg, walk_cb, &w);
    FZ_CHECK(out->ret == fret);
    out->hash = w.hash;
    out->sem_hash = w.sem_hash;
    out->events = w.events;
    out->consumed = out->ret == ALB_E_OK ? fr.total_len : 0;
    if (out->ret == ALB_E_OK && (out->msg.err.code == ALB_E_OK || out->msg.err.code == ALB_E_UNSUPPORTED))
        FZ_CHECK(w.sp == 0 && w.st[0].last_end == fr.total_len);
}

void fz_decode(const uint8_t *buf, size_t len, const struct alb_opts *opts, struct fz_result *out)
{
    static struct fz_walk w1, w2;
    struct alb_msg m2, m3;
    struct alb_frame fr;

    /* the walk may not go past the message, nor past the input */
    enum alb_err fret = alb_frame(buf, len, opts, &fr);
    walk_init(&w1, buf, len);
    walk_init(&w2, buf, len);
    if (fr.hdr_len && fr.total_len < len) {
        w1.limit = fr.total_len;
        w2.limit = fr.total_len;
    }

    fz_alloc_begin();
    enum alb_err r1 = alb_decode(buf, len, opts, &out->msg, walk_cb, &w1);
    enum alb_err r2 = alb_decode(buf, len, opts, &m2, walk_cb, &w2);
    enum alb_err r3 = alb_decode(buf, len, opts, &m3, NULL, NULL);
    unsigned long allocs = fz_alloc_end();
    FZ_CHECK(allocs == 0);

    /* deterministic, and the callback changes nothing */
    FZ_CHECK(r1 == r2 && r1 == r3);
    FZ_CHECK(w1.hash == w2.hash && w1.events == w2.events);
    uint64_t s1 = msg_summary(&out->msg, r1);
    FZ_CHECK(s1 == msg_summary(&m2, r2));
    FZ_CHECK(s1 == msg_summary(&m3, r3));

    const struct alb_msg *m = &out->msg;
    FZ_CHECK((unsigned)r1 < ALB_E_COUNT && (unsigned)m->err.code < ALB_E_COUNT);
    FZ_CHECK(alb_err_name(r1) != NULL && alb_err_str(m->err.code) != NULL);
    FZ_CHECK(m->err.field == ALB_F_NONE || (unsigned)m->err.field < ALB_F_COUNT);
    FZ_CHECK((unsigned)m->kind < ALB_K_COUNT && alb_kind_info(m->kind) != NULL);
    FZ_CHECK(m->warnings < (1u << ALB_W_COUNT));
    for (unsigned b = 0; b < ALB_W_COUNT; b++)
        if (m->warnings & (1u << b))
            FZ_CHECK(alb_warning_name(b) != NULL);

    /* the decoder and the framer agree */
    if (fret == ALB_E_OK || fret == ALB_E_NEED_MORE)
        FZ_CHECK(r1 == fret);
    else
        FZ_CHECK(r1 == fret && m->err.code == fret && w1.events == 0);
    if (fret == ALB_E_NEED_MORE)
        FZ_CHECK(fr.need > len);

    out->ret = r1;
    out->hash = w1.hash;
    out->sem_hash = w1.sem_hash;
    out->events = w1.events;
    out->consumed = 0;

    if (r1 == ALB_E_OK) {
        /* message length <= input length */
        FZ_CHECK(m->hdr_len == (m->version == 2 ? 20u : 8u));
        FZ_CHECK(m->length <= len - m->hdr_len);
        out->consumed = m->hdr_len + m->length;
        FZ_CHECK(out->consumed == fr.total_len);
        FZ_CHECK(m->err.offset <= out->consumed);
        FZ_CHECK(m->err.code != ALB_E_NEED_MORE && m->err.code != ALB_E_TRUNCATED);
        if (m->err.code == ALB_E_OK || m->err.code == ALB_E_UNSUPPORTED) {
            /* balanced, and the fields (with any trailing bytes) cover the message */
            FZ_CHECK(w1.sp == 0);
            FZ_CHECK(w1.st[0].last_end == out->consumed);
        }
        if (m->warnings & ALB_W_TRAILING)
            FZ_CHECK(m->trailing > 0 && m->trailing_off + m->trailing == out->consumed);
        const struct alb_kind_info *ki = alb_kind_info(m->kind);
        FZ_CHECK(ki->version == m->version);
        FZ_CHECK(ki->channel == ALB_CH_ANY || ki->channel == m->channel);
        FZ_CHECK(alb_kind_of(m->version, m->tag, m->channel) == m->kind);
    } else if (r1 == ALB_E_NEED_MORE && opts && opts->partial && m->hdr_len) {
        FZ_CHECK(m->err.code != ALB_E_OK);
    }
    check_typed(&w1, m);
}
