/* The layout interpreter: one loop, an explicit stack of at most
 * ALB_MAX_DEPTH frames, no recursion, no allocation. */
#include <string.h>

#include "cursor.h"
#include "layout.h"

enum mode { M_SEQ, M_LIST, M_REPEAT };

struct frame {
    const struct op *pc;
    const struct layout *elem;  /* M_LIST / M_REPEAT: element layout */
    void *store;                /* where this frame's fields go, NULL: nowhere */
    uint64_t end;               /* region end */
    uint64_t lim;               /* min(end, bytes present): the fast bound */
    uint64_t left;              /* M_LIST: elements still to read */
    uint64_t index;             /* elements read */
    uint64_t list_off;          /* where the list field starts */
    uint64_t elems_off;         /* where its first element starts */
    uint64_t elem_off;          /* where the current element starts */
    uint64_t group_off;
    uint16_t list_field;
    uint16_t list_slot;
    uint16_t group_field;       /* ALB_F_NONE when no group is open */
    uint8_t mode;
    uint8_t flags;
    int8_t outer_list;          /* list frames: the enclosing list frame, or -1 */
};

struct engine {
    struct cursor c;
    struct frame st[ALB_MAX_DEPTH];
    int sp;
    int list_sp;                /* innermost list frame, -1 when none */
    unsigned depth;             /* open lists and groups */
    unsigned version;
    alb_field_cb cb;
    void *ctx;
    struct alb_error err;       /* the first error */
    uint32_t warnings;
    int stop;                   /* a structural error or the callback ended the walk */
    int64_t exit_kind;          /* vm_stop: read before the code, checked after it */
    uint64_t exit_off;
    int exit_bad;
};

static void engine_init(struct engine *e, const uint8_t *base, uint64_t pos, uint64_t avail,
                        unsigned version, alb_field_cb cb, void *ctx)
{
    e->c.base = base;
    e->c.pos = pos;
    e->c.avail = avail;
    e->sp = 0;
    e->list_sp = -1;
    e->depth = 0;
    e->version = version;
    e->cb = cb;
    e->ctx = ctx;
    e->err = (struct alb_error){ ALB_E_OK, ALB_F_NONE, 0 };
    e->warnings = 0;
    e->stop = 0;
    e->exit_kind = 0;
    e->exit_off = 0;
    e->exit_bad = 0;
}

static void fail(struct engine *e, enum alb_err code, uint16_t field, uint64_t off, int structural)
{
    if (e->err.code == ALB_E_OK) {
        e->err.code = code;
        e->err.field = (enum alb_field_id)field;
        e->err.offset = off;
    }
    if (structural)
        e->stop = 1;
}

static inline void emit(struct engine *e, struct alb_field *f)
{
    if (!e->cb || e->stop)
        return;
    f->depth = e->depth;
    f->index = e->list_sp >= 0 ? e->st[e->list_sp].index : 0;
    if (e->cb(e->ctx, f))
        e->stop = 1;
}

static inline void store(const struct frame *fr, uint16_t slot, const void *v, size_t n)
{
    if (fr->store && slot)
        memcpy((char *)fr->store + (slot - 1), v, n);
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Reads n bytes for field at the cursor; on failure records the error.
 * The frame's lim is min(region end, bytes present); only a failing read
 * asks cur_need which of the two it ran into. */
static inline const uint8_t *take(struct engine *e, const struct frame *fr, uint16_t field,
                                  uint64_t n)
{
    if (e->c.pos > fr->lim || n > fr->lim - e->c.pos) {
        enum alb_err r = cur_need(&e->c, fr->end, n);
        fail(e, r == ALB_E_OK ? ALB_E_UNDERFLOW : r, field, e->c.pos, 1);
        return NULL;
    }
    const uint8_t *p = e->c.base + e->c.pos;
    e->c.pos += n;
    return p;
}

static inline void value(struct engine *e, uint16_t field, enum alb_ftype t, uint64_t off,
                         uint64_t len, uint64_t u, int bad)
{
    if (!e->cb)
        return;
    struct alb_field f = { .id = (enum alb_field_id)field, .type = t, .ev = ALB_FE_VALUE,
                           .off = off, .len = len, .bad = bad };
    f.v.u = u;
    emit(e, &f);
}

/* int (§1.2): returns 1 with the value, or 0 after a read error.  A range
 * error is recorded; structural callers stop on it. */
static int read_int(struct engine *e, struct frame *fr, uint16_t field, int structural,
                    int64_t *out, int *bad)
{
    uint64_t off = e->c.pos;
    const uint8_t *p = take(e, fr, field, 8);
    if (!p)
        return 0;
    uint64_t raw = be64(p);
    enum alb_err r = int63_check(raw);
    *out = (int64_t)raw;
    *bad = r != ALB_E_OK;
    if (r != ALB_E_OK)
        fail(e, r, field, off, structural);
    return 1;
}

/* Reports the end of a list and stores its view in the enclosing struct. */
static void finish_list(struct engine *e, const struct frame *parent, uint16_t field,
                        uint16_t slot, const struct layout *elem, uint8_t flags,
                        uint64_t list_off, uint64_t elems_off, uint64_t n)
{
    struct alb_field f = { .id = (enum alb_field_id)field, .type = ALB_T_LIST,
                           .ev = ALB_FE_CLOSE, .off = list_off, .len = e->c.pos - list_off };
    f.v.u = n;
    emit(e, &f);
    if ((flags & LF_REF_MULTI) && n >= 2)
        e->warnings |= ALB_W_REF_REJECTS;
    if (parent->store) {
        struct alb_list l = { n, e->c.base + elems_off, (size_t)(e->c.pos - elems_off),
                              NULL, elem };
        store(parent, slot, &l, sizeof l);
    }
}

static void open_list(struct engine *e, struct frame *fr, const struct op *op, uint64_t list_off,
                      uint64_t count, uint64_t end, int counted)
{
    struct alb_field f = { .id = (enum alb_field_id)op->field, .type = ALB_T_LIST,
                           .ev = ALB_FE_OPEN, .off = list_off, .len = 0 };
    f.v.u = count;
    emit(e, &f);
    if (counted ? count == 0 : e->c.pos >= end) {
        finish_list(e, fr, op->field, op->slot, op->sub, op->flags, list_off, e->c.pos, 0);
        return;
    }
    if (e->sp + 1 >= ALB_MAX_DEPTH) {
        fail(e, ALB_E_BAD_COUNT, op->field, list_off, 1);
        return;
    }
    /* elements are reached through iterators: their fields are not stored */
    e->st[++e->sp] = (struct frame){
        .pc = op->sub->ops, .elem = op->sub, .store = NULL, .end = end,
        .lim = min64(end, e->c.avail), .left = count, .list_slot = op->slot,
        .list_off = list_off, .elems_off = e->c.pos, .elem_off = e->c.pos,
        .list_field = op->field, .group_field = ALB_F_NONE,
        .mode = (uint8_t)(counted ? M_LIST : M_REPEAT), .flags = op->flags,
        .outer_list = (int8_t)e->list_sp,
    };
    e->list_sp = e->sp;
    e->depth++;
}

/* A list frame reached the end of its element layout. */
static void next_element(struct engine *e, struct frame *fr)
{
    fr->index++;
    if (e->c.pos == fr->elem_off) {     /* cannot happen with our layouts; never loop */
        fail(e, ALB_E_UNDERFLOW, fr->list_field, e->c.pos, 1);
        return;
    }
    int more = fr->mode == M_LIST ? --fr->left > 0 : e->c.pos < fr->end;
    if (more) {
        fr->pc = fr->elem->ops;
        fr->elem_off = e->c.pos;
        return;
    }
    struct frame done = *fr;
    e->sp--;
    e->list_sp = done.outer_list;
    e->depth--;
    /* a sized region (WV0 taps) ends where its elements end */
    finish_list(e, &e->st[e->sp], done.list_field, done.list_slot, done.elem, done.flags,
                done.list_off, done.elems_off, done.index);
}

static void close_group(struct engine *e, struct frame *fr)
{
    if (fr->group_field == ALB_F_NONE)
        return;
    struct alb_field f = { .id = (enum alb_field_id)fr->group_field, .type = ALB_T_GROUP,
                           .ev = ALB_FE_CLOSE, .off = fr->group_off,
                           .len = e->c.pos - fr->group_off };
    fr->group_field = ALB_F_NONE;
    e->depth--;
    emit(e, &f);
}

static void push_seq(struct engine *e, const struct frame *fr, const struct layout *l)
{
    if (e->sp + 1 >= ALB_MAX_DEPTH) {
        fail(e, ALB_E_BAD_COUNT, ALB_F_NONE, e->c.pos, 1);
        return;
    }
    struct frame nf = { .pc = l->ops, .store = fr->store, .end = fr->end, .lim = fr->lim,
                        .group_field = ALB_F_NONE, .mode = M_SEQ };
    e->st[++e->sp] = nf;
}

static inline __attribute__((always_inline)) void step(struct engine *e, struct frame *fr,
                                                      const struct op *op)
{
    uint64_t off = e->c.pos;
    const uint8_t *p;
    int64_t iv;
    int bad;

    switch ((enum op_code)op->code) {
    case OP_END:
        break;
    case OP_OPTSTR:
        if (e->c.pos >= fr->end)
            break;      /* absent: nothing left in the body */
        /* fall through */
    case OP_STR: {
        if (!(p = take(e, fr, op->field, 2)))
            break;
        uint16_t n = be16(p);
        const uint8_t *s = take(e, fr, op->field, n);
        if (!s)
            break;
        if (n == 0xFFFF && e->version == 2)
            e->warnings |= ALB_W_STR_65535;
        struct alb_bytes b = { s, n };
        store(fr, op->slot, &b, sizeof b);
        struct alb_field f = { .id = (enum alb_field_id)op->field, .type = ALB_T_STR,
                               .ev = ALB_FE_VALUE, .off = off, .len = 2u + n };
        f.v.b = b;
        emit(e, &f);
        break;
    }
    case OP_INT:
        if (read_int(e, fr, op->field, 0, &iv, &bad)) {
            store(fr, op->slot, &iv, sizeof iv);
            value(e, op->field, ALB_T_INT, off, 8, (uint64_t)iv, bad);
        }
        break;
    case OP_PID32:
        if ((p = take(e, fr, op->field, 4))) {
            iv = (int32_t)be32(p);
            store(fr, op->slot, &iv, sizeof iv);
            value(e, op->field, ALB_T_INT, off, 4, (uint64_t)iv, 0);
        }
        break;
    case OP_U16:
    case OP_U32:
    case OP_U64:
    case OP_IPV4: {
        unsigned w = op->code == OP_U16 ? 2 : op->code == OP_U64 ? 8 : 4;
        if (!(p = take(e, fr, op->field, w)))
            break;
        uint64_t u = w == 2 ? be16(p) : w == 4 ? be32(p) : be64(p);
        store(fr, op->slot, &u, sizeof u);
        value(e, op->field, op->code == OP_IPV4 ? ALB_T_IPV4 : ALB_T_UINT, off, w, u, 0);
        break;
    }
    case OP_PTIME: {
        if (!(p = take(e, fr, op->field, 16)))
            break;
        struct alb_time t = { (int64_t)be64(p), (int64_t)be64(p + 8) };
        enum alb_err r = int63_check((uint64_t)t.d);
        if (r == ALB_E_OK && !alb_time_valid(t))
            r = ALB_E_TIME_RANGE;
        if (r != ALB_E_OK)
            fail(e, r, op->field, off, 0);
        store(fr, op->slot, &t, sizeof t);
        struct alb_field f = { .id = (enum alb_field_id)op->field, .type = ALB_T_TIME,
                               .ev = ALB_FE_VALUE, .off = off, .len = 16, .bad = r != ALB_E_OK };
        f.v.t = t;
        emit(e, &f);
        break;
    }
    case OP_VMTYPE:
        if (read_int(e, fr, op->field, 0, &iv, &bad)) {
            if (!bad && (iv < 0 || iv > 2)) {
                fail(e, ALB_E_VMTYPE, op->field, off, 0);
                bad = 1;
            }
            if (iv == ALB_VMTYPE_HVT_ARM64)
                e->warnings |= ALB_W_VMTYPE_ARM64;
            store(fr, op->slot, &iv, sizeof iv);
            value(e, op->field, ALB_T_INT, off, 8, (uint64_t)iv, bad);
        }
        break;
    case OP_EXIT_INT:
    case OP_EXIT_U8:
        if (op->code == OP_EXIT_INT) {
            if (!read_int(e, fr, op->field, 0, &iv, &bad))
                break;
        } else {
            if (!(p = take(e, fr, op->field, 1)))
                break;
            iv = p[0];
            bad = 0;
        }
        e->exit_kind = iv;
        e->exit_off = off;
        e->exit_bad = bad;
        store(fr, op->slot, &iv, sizeof iv);
        value(e, op->field, ALB_T_INT, off, e->c.pos - off, (uint64_t)iv, bad);
        break;
    case OP_CHECK_EXIT:
        if (!e->exit_bad && (e->exit_kind < 0 || e->exit_kind > 2))
            fail(e, ALB_E_EXIT_KIND, op->field, e->exit_off, 0);
        break;
    case OP_IMAGE: {
        if (!read_int(e, fr, op->field, 1, &iv, &bad))
            break;
        store(fr, op->slot, &iv, sizeof iv);
        value(e, op->field, ALB_T_INT, off, 8, (uint64_t)iv, bad);
        if (bad)
            break;
        /* quirk 2: the reference compares with the wrong bound through a
         * 32-bit copy and may raise; the image must fit what is left */
        if (iv < 0 || (uint64_t)iv > fr->end - e->c.pos) {
            fail(e, ALB_E_IMAGE_SIZE, op->field, off, 1);
            break;
        }
        uint64_t ioff = e->c.pos;
        if (!(p = take(e, fr, op->aux, (uint64_t)iv)))
            break;
        struct alb_bytes b = { p, (size_t)iv };
        store(fr, op->aux_slot, &b, sizeof b);
        struct alb_field f = { .id = (enum alb_field_id)op->aux, .type = ALB_T_BYTES,
                               .ev = ALB_FE_VALUE, .off = ioff, .len = (uint64_t)iv };
        f.v.b = b;
        emit(e, &f);
        break;
    }
    case OP_LIST: {
        if (!read_int(e, fr, op->field, 1, &iv, &bad))
            break;
        /* quirk 7: a count that cannot fit the bytes left is rejected before
         * any element is read */
        uint64_t left = fr->end - e->c.pos;
        if (iv < 0 || (uint64_t)iv > left / op->sub->min_size) {
            fail(e, ALB_E_BAD_COUNT, op->field, off, 1);
            break;
        }
        open_list(e, fr, op, off, (uint64_t)iv, fr->end, 1);
        break;
    }
    case OP_REPEAT:
        open_list(e, fr, op, off, 0, fr->end, 0);
        break;
    case OP_SIZED_REPEAT: {
        if (!read_int(e, fr, op->aux, 1, &iv, &bad))
            break;
        store(fr, op->aux_slot, &iv, sizeof iv);
        value(e, op->aux, ALB_T_INT, off, 8, (uint64_t)iv, bad);
        if (bad)
            break;
        if (iv < 0 || (uint64_t)iv > fr->end - e->c.pos) {
            fail(e, ALB_E_TAP_LENGTH, op->aux, off, 1);
            break;
        }
        open_list(e, fr, op, e->c.pos, 0, e->c.pos + (uint64_t)iv, 0);
        break;
    }
    case OP_GROUP: {
        fr->group_field = op->field;
        fr->group_off = off;
        struct alb_field f = { .id = (enum alb_field_id)op->field, .type = ALB_T_GROUP,
                               .ev = ALB_FE_OPEN, .off = off, .len = 0 };
        emit(e, &f);
        e->depth++;
        break;
    }
    case OP_CALL:
        push_seq(e, fr, op->sub);
        break;
    case OP_EVENT2:
    case OP_EVENT0: {
        if (!(p = take(e, fr, op->field, 2)))
            break;
        uint64_t tag = be16(p);
        store(fr, op->slot, &tag, sizeof tag);
        value(e, op->field, ALB_T_UINT, off, 2, tag, 0);
        const struct layout *l = alb_event_layout_(op->code == OP_EVENT2 ? 2 : 0, tag);
        if (!l) {
            fail(e, ALB_E_EVENT, op->field, off, 1);
            break;
        }
        push_seq(e, fr, l);
        break;
    }
    case OP_REST: {
        uint64_t n = fr->end - e->c.pos;
        uint64_t have = e->c.avail > e->c.pos ? e->c.avail - e->c.pos : 0;
        struct alb_bytes b = { e->c.base + e->c.pos, (size_t)(have < n ? have : n) };
        e->c.pos += b.n;
        store(fr, op->slot, &b, sizeof b);
        struct alb_field f = { .id = (enum alb_field_id)op->field, .type = ALB_T_BYTES,
                               .ev = ALB_FE_VALUE, .off = off, .len = b.n };
        f.v.b = b;
        emit(e, &f);
        if (have < n)
            fail(e, ALB_E_TRUNCATED, op->field, e->c.pos, 1);
        break;
    }
    }
}

/* Runs layout l over [c.pos, end), storing fields into dst. */
static void run(struct engine *e, const struct layout *l, void *dst, uint64_t end)
{
    e->sp = 0;
    e->list_sp = -1;
    e->depth = 0;
    e->st[0] = (struct frame){ .pc = l->ops, .store = dst, .end = end,
                               .lim = min64(end, e->c.avail),
                               .group_field = ALB_F_NONE, .mode = M_SEQ };
    while (!e->stop) {
        struct frame *fr = &e->st[e->sp];
        const struct op *op = fr->pc;
        if (op->code != OP_END) {
            fr->pc++;
            step(e, fr, op);
            continue;
        }
        close_group(e, fr);
        if (fr->mode == M_SEQ) {
            if (e->sp == 0)
                return;
            e->sp--;
            continue;
        }
        next_element(e, fr);
    }
}

int alb_time_valid(struct alb_time t)
{
    /* Ptime.min = (-719528, 0), Ptime.max = (2932896, 86_399_999_999_999_999) */
    return t.ps >= 0 && t.ps <= 86399999999999999LL && t.d >= -719528 && t.d <= 2932896;
}

/* ---------------------------------------------------------------- framing */

static uint64_t max_len(const struct alb_opts *o)
{
    return o && o->max_len ? o->max_len : ALB_DEFAULT_MAX_LEN;
}

enum alb_err alb_frame(const uint8_t *buf, size_t len, const struct alb_opts *opts,
                       struct alb_frame *out)
{
    memset(out, 0, sizeof *out);
    if (len < 6) {
        out->need = 8;
        return out->status = ALB_E_NEED_MORE;
    }
    unsigned v = be16(buf + 4);
    out->version = v;
    if (v > 2)
        return out->status = ALB_E_UNKNOWN_VERSION;
    out->hdr_len = v == 2 ? 20 : 8;
    if (len < out->hdr_len) {
        out->need = out->hdr_len;
        return out->status = ALB_E_NEED_MORE;
    }
    out->body_len = v == 2 ? be32(buf + 16) : be16(buf);
    out->total_len = out->hdr_len + out->body_len;
    /* the reference holds the WV2 length as a signed int32 (quirk 5) */
    if (v == 2 && out->body_len >= 0x80000000u)
        return out->status = ALB_E_BAD_LENGTH;
    if (out->body_len > max_len(opts))
        return out->status = ALB_E_TOO_LONG;
    if (len - out->hdr_len < out->body_len) {
        out->need = out->total_len;
        return out->status = ALB_E_NEED_MORE;
    }
    return out->status = ALB_E_OK;
}

/* The first 8 bytes of a WV2 header: zero padding and a tag WV2 knows. */
static int v2_start_plausible(const uint8_t *p)
{
    if (be16(p + 6) != 0)
        return 0;
    return alb_kind_of(2, be32(p), ALB_CH_ANY) != ALB_K_UNKNOWN;
}

int alb_plausible(const uint8_t *p, size_t len, const struct alb_opts *opts)
{
    struct alb_frame f;
    enum alb_err r = alb_frame(p, len, opts, &f);
    if (r != ALB_E_OK && r != ALB_E_NEED_MORE)
        return 0;
    if (f.hdr_len == 0 || len < f.hdr_len) {
        /* too short to frame: judge what is there */
        if (f.version == 2 && len >= 8)
            return v2_start_plausible(p);
        return len < 6 || be16(p + 4) <= 2;
    }
    if (f.version == 1)
        return 0;
    if (f.version == 2)
        return v2_start_plausible(p);
    enum alb_kind k = alb_kind_of(0, be16(p + 6), opts ? opts->channel : ALB_CH_ANY);
    return k != ALB_K_UNKNOWN && k != ALB_K_V0_UNKNOWN;
}

int alb_plausible_strict(const uint8_t *p, size_t len, const struct alb_opts *opts)
{
    /* 8 bytes: a WV2 tag, version and padding, or a whole WV0 header */
    return len >= 8 && alb_plausible(p, len, opts);
}

size_t alb_resync(const uint8_t *buf, size_t len, const struct alb_opts *opts)
{
    for (size_t i = 1; i < len; i++)
        if (alb_plausible(buf + i, len - i, opts))
            return i;
    return len;
}

/* ---------------------------------------------------------------- decoding */

static void header_field(struct engine *e, enum alb_field_id id, uint64_t off, uint64_t len,
                         uint64_t v)
{
    value(e, (uint16_t)id, ALB_T_UINT, off, len, v, 0);
}

/* Does the body of an unknown request start with a well-formed name? */
static int guess_name(const struct engine *e, uint64_t end)
{
    struct engine g = *e;
    g.cb = NULL;
    g.stop = 0;
    g.err = (struct alb_error){ ALB_E_OK, ALB_F_NONE, 0 };
    run(&g, &LAYOUT_NAME, NULL, end);
    return g.err.code == ALB_E_OK;
}

enum alb_err alb_decode(const uint8_t *buf, size_t len, const struct alb_opts *opts,
                        struct alb_msg *msg, alb_field_cb cb, void *ctx)
{
    struct alb_frame fr;
    enum alb_err r = alb_frame(buf, len, opts, &fr);

    memset(msg, 0, sizeof *msg);
    msg->err.field = ALB_F_NONE;
    msg->version = fr.version;
    msg->hdr_len = fr.hdr_len;
    msg->channel = opts ? opts->channel : ALB_CH_ANY;
    int have_header = fr.hdr_len && len >= fr.hdr_len;
    int v2 = fr.version == 2;
    msg->length = fr.body_len;
    if (have_header) {
        /* a header refused for its length is still shown whole */
        msg->tag = v2 ? be32(buf) : be16(buf + 6);
        msg->id = v2 ? be64(buf + 8) : be16(buf + 2);
        msg->padding = v2 ? be16(buf + 6) : 0;
        msg->kind = alb_kind_of(fr.version, msg->tag, msg->channel);
        if (msg->kind == ALB_K_V0_UNKNOWN && msg->channel == ALB_CH_ANY && msg->tag <= 7)
            msg->warnings |= ALB_W_NO_CHANNEL;
        if (msg->padding)
            msg->warnings |= ALB_W_PADDING;
    }
    if (r != ALB_E_OK && !(r == ALB_E_NEED_MORE && have_header)) {
        msg->err.code = r;
        msg->err.field = r == ALB_E_UNKNOWN_VERSION ? ALB_F_VERSION
                       : r == ALB_E_NEED_MORE ? ALB_F_NONE : ALB_F_LENGTH;
        msg->err.offset = r == ALB_E_UNKNOWN_VERSION ? 4 : v2 ? 16 : 0;
        return r;
    }
    if (r == ALB_E_NEED_MORE && !(opts && opts->partial)) {
        msg->err.code = ALB_E_NEED_MORE;
        return r;
    }

    struct engine e;
    engine_init(&e, buf, fr.hdr_len, len < fr.total_len ? len : fr.total_len, fr.version, cb, ctx);
    e.warnings = msg->warnings;

    if (cb && v2) {
        header_field(&e, ALB_F_TAG, 0, 4, msg->tag);
        header_field(&e, ALB_F_VERSION, 4, 2, 2);
        header_field(&e, ALB_F_PADDING, 6, 2, msg->padding);
        header_field(&e, ALB_F_ID, 8, 8, msg->id);
        header_field(&e, ALB_F_LENGTH, 16, 4, msg->length);
    } else if (cb) {
        header_field(&e, ALB_F_LENGTH, 0, 2, msg->length);
        header_field(&e, ALB_F_ID, 2, 2, msg->id);
        header_field(&e, ALB_F_VERSION, 4, 2, fr.version);
        header_field(&e, ALB_F_TAG, 6, 2, msg->tag);
    }

    const struct layout *layout = alb_kinds_[msg->kind].layout;
    if (msg->kind == ALB_K_UNKNOWN && !(msg->tag & 0x80000000u) && guess_name(&e, fr.total_len)) {
        layout = &LAYOUT_GUESS_NAME;
        e.warnings |= ALB_W_HEURISTIC;
    }
    run(&e, layout, msg, fr.total_len);
    if (layout == &LAYOUT_GUESS_NAME) {
        /* the guessed name is a reading aid: the body stays the whole body,
         * so the message re-encodes as it came */
        uint64_t have = e.c.avail - fr.hdr_len;
        msg->u.body = (struct alb_bytes){ buf + fr.hdr_len, (size_t)have };
    }

    if (!e.stop && e.c.pos < fr.total_len) {
        /* quirk 8: the reference never rejects trailing bytes; we say so */
        msg->trailing = fr.total_len - e.c.pos;
        msg->trailing_off = e.c.pos;
        e.warnings |= ALB_W_TRAILING;
        uint64_t have = e.c.avail - e.c.pos;
        struct alb_field f = { .id = ALB_F_TRAILING, .type = ALB_T_BYTES, .ev = ALB_FE_VALUE,
                               .off = e.c.pos, .len = have };
        f.v.b = (struct alb_bytes){ buf + e.c.pos, (size_t)have };
        emit(&e, &f);
    }
    if (fr.version == 1 && e.err.code == ALB_E_OK)
        e.err = (struct alb_error){ ALB_E_UNSUPPORTED, ALB_F_VERSION, 4 };
    if (r == ALB_E_NEED_MORE && e.err.code == ALB_E_OK)
        e.err = (struct alb_error){ ALB_E_TRUNCATED, ALB_F_NONE, e.c.avail };
    msg->err = e.err;
    msg->warnings = e.warnings;
    return r;
}

/* ---------------------------------------------------------------- iterators */

void alb_iter_init(struct alb_iter *it, enum alb_field_id list, const struct alb_list *l)
{
    it->p = l->wire;
    it->end = l->wire ? l->wire + l->wire_len : NULL;
    it->items = (const uint8_t *)l->items;
    it->left = l->count;
    it->list = list;
    it->layout = l->layout_;
}

int alb_iter_next(struct alb_iter *it, void *elem)
{
    if (it->left == 0 || (unsigned)it->list >= ALB_F_COUNT)
        return 0;
    size_t size = alb_fields_[it->list].info.elem_size;
    if (size == 0)
        return 0;
    if (it->items) {
        memcpy(elem, it->items, size);
        it->items += size;
        it->left--;
        return 1;
    }
    if (!it->p || !it->layout)
        return 0;
    memset(elem, 0, size);
    struct engine e;
    engine_init(&e, it->p, 0, (uint64_t)(it->end - it->p), 2, NULL, NULL);
    run(&e, (const struct layout *)it->layout, elem, e.c.avail);
    if (e.stop || e.c.pos == 0) {
        it->left = 0;
        return 0;
    }
    it->p += e.c.pos;
    it->left--;
    return 1;
}
