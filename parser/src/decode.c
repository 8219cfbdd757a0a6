/* The layout interpreter: one loop, an explicit stack of at most
 * ALB_MAX_DEPTH frames, no recursion, no allocation. */
#include <string.h>

#include "cursor.h"
#include "layout.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

enum mode { M_SEQ, M_LIST, M_REPEAT };

/* An open layout.  The running frame's pc, store, end and lim are kept in
 * the interpreter's locals; a frame holds them only while a child runs. */
struct frame {
    const struct op *pc;        /* where to go on when the child ends */
    void *store;                /* where this frame's fields go */
    uint64_t end;               /* region end */
    uint64_t lim;               /* min(end, bytes present): the fast bound */
    /* list frames */
    const struct layout *elem;  /* element layout */
    const struct frame *outer_list; /* the enclosing list frame (walk only) */
    uint64_t left;              /* M_LIST: elements still to read */
    uint64_t index;             /* elements read */
    uint64_t list_off;          /* where the list field starts */
    uint64_t elems_off;         /* where its first element starts */
    uint64_t elem_off;          /* where the current element starts */
    uint16_t list_field;
    uint16_t list_slot;
    uint8_t mode;
    uint8_t flags;
    /* walk only */
    uint16_t group_field;       /* ALB_F_NONE when no group is open */
    uint64_t group_off;
};

/* Where a frame that keeps nothing (a list element, the name guess) stores
 * its fields, so that no store has to ask: as big as the typed view and as
 * every list element struct in fields.def. */
union sink {
    struct alb_msg msg;
#define EL(type) sizeof(type)
#define NOELEM 0
#define FIELD(id, name, type, slot, elem, desc) char elem_##id[elem + 1];
#include "albatross/fields.def"
#undef FIELD
#undef NOELEM
#undef EL
};

struct engine {
    const uint8_t *base;
    uint64_t pos;               /* offset of the next byte to read */
    uint64_t avail;             /* bytes present from base */
    unsigned version;
    unsigned depth;             /* open lists and groups, when run returns */
    alb_field_cb cb;
    void *ctx;
    struct alb_error err;       /* the first error */
    uint32_t warnings;
    int stop;                   /* a structural error or the callback ended the walk */
    int64_t exit_kind;          /* vm_stop: read before the code, checked after it */
    uint64_t exit_off;
    int exit_bad;
    struct frame st[ALB_MAX_DEPTH];
    union sink sink;            /* written, never read */
};

static void engine_init(struct engine *e, const uint8_t *base, uint64_t pos, uint64_t avail,
                        unsigned version, alb_field_cb cb, void *ctx)
{
    /* the frames are written as they are opened */
    e->base = base;
    e->pos = pos;
    e->avail = avail;
    e->version = version;
    e->depth = 0;
    e->cb = cb;
    e->ctx = ctx;
    e->err = (struct alb_error){ ALB_E_OK, ALB_F_NONE, 0 };
    e->warnings = 0;
    e->stop = 0;
    e->exit_kind = 0;
    e->exit_off = 0;
    e->exit_bad = 0;
}

static void fail(struct engine *e, enum alb_err code, uint16_t field, uint64_t off)
{
    if (e->err.code == ALB_E_OK) {
        e->err.code = code;
        e->err.field = (enum alb_field_id)field;
        e->err.offset = off;
    }
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Whether n bytes at pos lie within lim (subtract-then-compare). */
static ALWAYS_INLINE int fits(uint64_t pos, uint64_t lim, uint64_t n)
{
    return pos <= lim && n <= lim - pos;
}

/* A read of n bytes at pos did not fit the frame's lim: cur_need says which
 * bound it ran into, the region's end or the bytes present. */
static __attribute__((noinline, cold)) void short_read(struct engine *e, uint64_t pos,
                                                       uint64_t end, uint16_t field, uint64_t n)
{
    struct cursor c = { e->base, pos, e->avail };
    enum alb_err r = cur_need(&c, end, n);
    fail(e, r == ALB_E_OK ? ALB_E_UNDERFLOW : r, field, pos);
}

/* Stores a field: store is never NULL and an op that stores has a slot
 * (layouts.c checks that at compile time). */
static ALWAYS_INLINE void put(void *store, uint16_t slot, const void *v, size_t n)
{
    memcpy((char *)store + ((size_t)slot - 1), v, n);
}

/* The interpreter's registers: the running frame and the cursor, and for
 * the walk the callback and where in the nesting the next field is. */
struct state {
    struct frame *fr;
    const struct op *pc;
    void *store;                /* the typed view, an element struct or the sink */
    uint64_t pos, end, lim;
    int stop;
    unsigned depth;
    const struct frame *list;   /* innermost list frame, NULL when none */
    uint64_t index;             /* its element index, 0 when none */
    alb_field_cb cb;
    void *ctx;
};

/* Field events.  Every member but depth and index is set here, the whole
 * value union included, so no event carries anything from the one before. */
static ALWAYS_INLINE void field_at(struct alb_field *f, uint16_t id, enum alb_ftype t,
                                   enum alb_fevent ev, uint64_t off, uint64_t len)
{
    f->id = (enum alb_field_id)id;
    f->type = t;
    f->ev = ev;
    f->off = off;
    f->len = len;
    f->bad = 0;
}

static ALWAYS_INLINE void field_u(struct alb_field *f, uint64_t u)
{
    memset(&f->v, 0, sizeof f->v);
    f->v.u = u;
}

/* Reports f at the given nesting; returns non-zero when the callback ends
 * the walk. */
static ALWAYS_INLINE int report_at(const struct state *s, struct alb_field *f, unsigned depth,
                                   uint64_t index)
{
    f->depth = depth;
    f->index = index;
    return s->cb(s->ctx, f) != 0;
}

/* Reports f where the interpreter is: in the innermost open list. */
static ALWAYS_INLINE int report(const struct state *s, struct alb_field *f)
{
    return report_at(s, f, s->depth, s->index);
}

static ALWAYS_INLINE void report_value(struct state *s, struct alb_field *f, uint16_t id,
                                       enum alb_ftype t, uint64_t off, uint64_t len, uint64_t u,
                                       int bad)
{
    field_at(f, id, t, ALB_FE_VALUE, off, len);
    field_u(f, u);
    f->bad = bad;
    if (report(s, f))
        s->stop = 1;
}

static ALWAYS_INLINE void report_bytes(struct state *s, struct alb_field *f, uint16_t id,
                                       enum alb_ftype t, uint64_t off, uint64_t len,
                                       struct alb_bytes b)
{
    field_at(f, id, t, ALB_FE_VALUE, off, len);
    f->v.b = b;
    if (report(s, f))
        s->stop = 1;
}

/* Whether n bytes may be read where the interpreter is; when not, the
 * short read is recorded (underflow or truncation) and the walk stops. */
static ALWAYS_INLINE int need(struct engine *e, struct state *s, uint16_t field, uint64_t n)
{
    if (fits(s->pos, s->lim, n))
        return 1;
    short_read(e, s->pos, s->end, field, n);
    s->stop = 1;
    return 0;
}

/* int (§1.2): returns 0 when the 8 bytes are not there (the read error is
 * recorded and the walk stops), else 1 with the value and its range check. */
static ALWAYS_INLINE int read_int(struct engine *e, struct state *s, uint16_t field,
                                  int64_t *out, enum alb_err *range)
{
    if (!need(e, s, field, 8))
        return 0;
    uint64_t raw = be64(e->base + s->pos);
    s->pos += 8;
    *out = (int64_t)raw;
    *range = int63_ok(raw) ? ALB_E_OK : int63_check(raw);
    return 1;
}

/* An int giving the length of the bytes that follow it (an image, the
 * bytes of a sized repeat): read, range-checked, stored at slot and
 * reported.  Returns 1 when the length fits what is left of the enclosing
 * bytes; else the error (too_long when it does not fit) is recorded, the
 * walk stops and 0 is returned. */
static ALWAYS_INLINE int length_int(struct engine *e, struct state *s, struct alb_field *f,
                                    uint16_t field, uint16_t slot, enum alb_err too_long,
                                    int64_t *iv, const int walk)
{
    const uint64_t off = s->pos;
    enum alb_err range;
    if (!read_int(e, s, field, iv, &range))
        return 0;
    int bad = range != ALB_E_OK;
    if (bad) {
        fail(e, range, field, off);
        s->stop = 1;
    }
    put(s->store, slot, iv, sizeof *iv);
    if (walk && !s->stop)
        report_value(s, f, field, ALB_T_INT, off, 8, (uint64_t)*iv, bad);
    if (bad)
        return 0;
    if (*iv < 0 || (uint64_t)*iv > s->end - s->pos) {
        fail(e, too_long, field, off);
        s->stop = 1;
        return 0;
    }
    return 1;
}

/* An unsigned field of 2, 4 or 8 bytes (width and type are constants). */
static ALWAYS_INLINE void read_uint(struct engine *e, struct state *s, struct alb_field *f,
                                    const struct op *op, unsigned width, enum alb_ftype type,
                                    const int walk)
{
    const uint64_t off = s->pos;
    if (!need(e, s, op->field, width))
        return;
    const uint8_t *p = e->base + s->pos;
    uint64_t u = width == 2 ? be16(p) : width == 4 ? be32(p) : be64(p);
    s->pos += width;
    put(s->store, op->slot, &u, sizeof u);
    if (walk)
        report_value(s, f, op->field, type, off, width, u, 0);
}

/* A child frame starts: the running frame keeps where it was. */
static ALWAYS_INLINE struct frame *push(struct state *s)
{
    struct frame *parent = s->fr;
    parent->pc = s->pc;
    parent->store = s->store;
    parent->end = s->end;
    parent->lim = s->lim;
    return s->fr = parent + 1;
}

static ALWAYS_INLINE void pop(struct state *s)
{
    struct frame *fr = --s->fr;
    s->pc = fr->pc;
    s->store = fr->store;
    s->end = fr->end;
    s->lim = fr->lim;
}

/* Reports the end of a list and stores its view in the enclosing struct. */
static ALWAYS_INLINE void finish_list(struct engine *e, struct state *s, struct alb_field *f,
                                      uint16_t field, uint16_t slot, const struct layout *elem,
                                      uint8_t flags, uint64_t list_off, uint64_t elems_off,
                                      uint64_t n, const int walk)
{
    if (walk && !s->stop) {
        field_at(f, field, ALB_T_LIST, ALB_FE_CLOSE, list_off, s->pos - list_off);
        field_u(f, n);
        if (report(s, f))
            s->stop = 1;
    }
    if ((flags & LF_REF_MULTI) && n >= 2)
        e->warnings |= ALB_W_REF_REJECTS;
    {
        /* member by member: gcc copies a whole struct alb_list with rep movs */
        char *p = (char *)s->store + ((size_t)slot - 1);
        const uint8_t *wire = e->base + elems_off;
        size_t wire_len = (size_t)(s->pos - elems_off);
        const void *items = NULL, *layout = elem;
        memcpy(p + offsetof(struct alb_list, count), &n, sizeof n);
        memcpy(p + offsetof(struct alb_list, wire), &wire, sizeof wire);
        memcpy(p + offsetof(struct alb_list, wire_len), &wire_len, sizeof wire_len);
        memcpy(p + offsetof(struct alb_list, items), &items, sizeof items);
        memcpy(p + offsetof(struct alb_list, layout_), &layout, sizeof layout);
    }
}

/* The elements of a list of strings, read in one loop: the same reads,
 * errors, warnings and field events as running the element layout { STR }
 * in a list frame of its own, without the frame.  The list is not empty. */
static ALWAYS_INLINE void strings_list(struct engine *e, struct state *s, struct alb_field *f,
                                       const struct op *op, uint64_t list_off, uint64_t count,
                                       uint64_t end, int counted, const int walk)
{
    const uint8_t *const base = e->base;
    const uint16_t field = op->sub->ops[0].field;
    const uint64_t lim = min64(end, e->avail), elems_off = s->pos;
    /* as the elements would be, one level down and numbered from 0 */
    const unsigned depth = s->depth + 1;
    uint64_t pos = s->pos, index = 0;

    for (;;) {
        const uint64_t off = pos;
        if (!fits(pos, lim, 2)) {
            short_read(e, pos, end, field, 2);
            goto stopped;
        }
        uint16_t n = be16(base + pos);
        pos += 2;
        if (!fits(pos, lim, n)) {
            short_read(e, pos, end, field, n);
            goto stopped;
        }
        struct alb_bytes b = { base + pos, n };
        pos += n;
        if (n == 0xFFFF && e->version == 2)
            e->warnings |= ALB_W_STR_65535;
        if (walk) {
            field_at(f, field, ALB_T_STR, ALB_FE_VALUE, off, 2u + n);
            f->v.b = b;
            if (report_at(s, f, depth, index))
                goto stopped;
        }
        index++;
        if (counted ? index == count : pos >= end)
            break;
    }
    s->pos = pos;
    finish_list(e, s, f, op->field, op->slot, op->sub, op->flags, list_off, elems_off, index,
                walk);
    return;
stopped:
    /* the decode ends inside the list, which stays open */
    s->pos = pos;
    if (walk)
        s->depth = depth;
    s->stop = 1;
}

static ALWAYS_INLINE void open_list(struct engine *e, struct state *s, struct alb_field *f,
                                    const struct op *op, uint64_t list_off, uint64_t count,
                                    uint64_t end, int counted, const int walk)
{
    if (walk && !s->stop) {
        field_at(f, op->field, ALB_T_LIST, ALB_FE_OPEN, list_off, 0);
        field_u(f, count);
        if (report(s, f))
            s->stop = 1;
    }
    if (counted ? count == 0 : s->pos >= end) {
        finish_list(e, s, f, op->field, op->slot, op->sub, op->flags, list_off, s->pos, 0, walk);
        return;
    }
    if (s->fr == &e->st[ALB_MAX_DEPTH - 1]) {
        fail(e, ALB_E_BAD_COUNT, op->field, list_off);
        s->stop = 1;
        return;
    }
    if (op->sub->strings) {
        if (s->stop) {
            /* the callback ended the walk at the list's start */
            if (walk)
                s->depth++;
            return;
        }
        strings_list(e, s, f, op, list_off, count, end, counted, walk);
        return;
    }
    /* elements are reached through iterators: their fields are not stored */
    struct frame *fr = push(s);
    fr->elem = op->sub;
    fr->left = count;
    fr->index = 0;
    fr->list_off = list_off;
    fr->elems_off = s->pos;
    fr->elem_off = s->pos;
    fr->list_field = op->field;
    fr->list_slot = op->slot;
    fr->mode = (uint8_t)(counted ? M_LIST : M_REPEAT);
    fr->flags = op->flags;
    if (walk) {
        fr->group_field = ALB_F_NONE;
        fr->outer_list = s->list;
        s->list = fr;
        s->index = 0;
        s->depth++;
    }
    s->pc = op->sub->ops;
    s->store = &e->sink;
    s->end = end;
    s->lim = min64(end, e->avail);
}

/* A list frame reached the end of its element layout. */
static ALWAYS_INLINE void next_element(struct engine *e, struct state *s, struct alb_field *f,
                                       const int walk)
{
    struct frame *fr = s->fr;
    s->index = ++fr->index;
    if (s->pos == fr->elem_off) {       /* cannot happen with our layouts; never loop */
        fail(e, ALB_E_UNDERFLOW, fr->list_field, s->pos);
        s->stop = 1;
        return;
    }
    int more = fr->mode == M_LIST ? --fr->left > 0 : s->pos < s->end;
    if (more) {
        s->pc = fr->elem->ops;
        fr->elem_off = s->pos;
        return;
    }
    /* the popped frame stays intact until the next push */
    pop(s);
    if (walk) {
        s->list = fr->outer_list;
        s->index = s->list ? s->list->index : 0;
        s->depth--;
    }
    /* a sized region (WV0 taps) ends where its elements end */
    finish_list(e, s, f, fr->list_field, fr->list_slot, fr->elem, fr->flags, fr->list_off,
                fr->elems_off, fr->index, walk);
}

static ALWAYS_INLINE void push_seq(struct engine *e, struct state *s, const struct layout *l,
                                   const int walk)
{
    if (s->fr == &e->st[ALB_MAX_DEPTH - 1]) {
        fail(e, ALB_E_BAD_COUNT, ALB_F_NONE, s->pos);
        s->stop = 1;
        return;
    }
    struct frame *fr = push(s);
    fr->mode = M_SEQ;
    if (walk)
        fr->group_field = ALB_F_NONE;
    s->pc = l->ops;
}

/* Runs layout l over [pos, end), storing fields into dst.  walk is a
 * constant in each of the two copies: the copy without a callback builds no
 * field events and keeps no nesting. */
static ALWAYS_INLINE void interpret(struct engine *e, const struct layout *l, void *dst,
                                    uint64_t end, const int walk)
{
    const uint8_t *const base = e->base;
    struct alb_field f;
    struct state s = { .fr = e->st, .pc = l->ops, .store = dst ? dst : &e->sink,
                       .pos = e->pos, .end = end,
                       .lim = min64(end, e->avail), .stop = 0, .depth = 0, .list = NULL, .index = 0,
                       .cb = e->cb, .ctx = e->ctx };
    s.fr->mode = M_SEQ;
    if (walk)
        s.fr->group_field = ALB_F_NONE;

    for (;;) {
        const struct op *op = s.pc++;
        const uint64_t off = s.pos;
        int64_t iv;
        enum alb_err range;

        switch ((enum op_code)op->code) {
        default:
            __builtin_unreachable();    /* the ops are ours, never read from the wire */
        case OP_END:
            if (walk && s.fr->group_field != ALB_F_NONE) {
                struct frame *fr = s.fr;
                field_at(&f, fr->group_field, ALB_T_GROUP, ALB_FE_CLOSE, fr->group_off,
                         s.pos - fr->group_off);
                field_u(&f, 0);
                fr->group_field = ALB_F_NONE;
                s.depth--;
                if (report(&s, &f))
                    s.stop = 1;
            }
            if (s.fr->mode == M_SEQ) {
                if (s.fr == e->st)
                    goto done;
                pop(&s);
                break;
            }
            next_element(e, &s, &f, walk);
            break;
        case OP_OPTSTR:
            if (s.pos >= s.end)
                break;      /* absent: nothing left in the body */
            /* fall through */
        case OP_STR: {
            if (!need(e, &s, op->field, 2))
                break;
            uint16_t n = be16(base + s.pos);
            s.pos += 2;
            if (!need(e, &s, op->field, n))
                break;
            struct alb_bytes b = { base + s.pos, n };
            s.pos += n;
            if (n == 0xFFFF && e->version == 2)
                e->warnings |= ALB_W_STR_65535;
            put(s.store, op->slot, &b, sizeof b);
            if (walk)
                report_bytes(&s, &f, op->field, ALB_T_STR, off, 2u + n, b);
            break;
        }
        case OP_INT:
            if (!read_int(e, &s, op->field, &iv, &range))
                break;
            if (range != ALB_E_OK)
                fail(e, range, op->field, off);
            put(s.store, op->slot, &iv, sizeof iv);
            if (walk)
                report_value(&s, &f, op->field, ALB_T_INT, off, 8, (uint64_t)iv,
                             range != ALB_E_OK);
            break;
        case OP_PID32:
            if (!need(e, &s, op->field, 4))
                break;
            iv = (int32_t)be32(base + s.pos);
            s.pos += 4;
            put(s.store, op->slot, &iv, sizeof iv);
            if (walk)
                report_value(&s, &f, op->field, ALB_T_INT, off, 4, (uint64_t)iv, 0);
            break;
        case OP_U16:
            read_uint(e, &s, &f, op, 2, ALB_T_UINT, walk);
            break;
        case OP_U32:
            read_uint(e, &s, &f, op, 4, ALB_T_UINT, walk);
            break;
        case OP_IPV4:
            read_uint(e, &s, &f, op, 4, ALB_T_IPV4, walk);
            break;
        case OP_U64:
            read_uint(e, &s, &f, op, 8, ALB_T_UINT, walk);
            break;
        case OP_PTIME: {
            if (!need(e, &s, op->field, 16))
                break;
            struct alb_time t = { (int64_t)be64(base + s.pos), (int64_t)be64(base + s.pos + 8) };
            s.pos += 16;
            enum alb_err r = int63_ok((uint64_t)t.d) ? ALB_E_OK : int63_check((uint64_t)t.d);
            if (r == ALB_E_OK && !alb_time_valid(t))
                r = ALB_E_TIME_RANGE;
            if (r != ALB_E_OK)
                fail(e, r, op->field, off);
            put(s.store, op->slot, &t, sizeof t);
            if (walk) {
                field_at(&f, op->field, ALB_T_TIME, ALB_FE_VALUE, off, 16);
                f.v.t = t;
                f.bad = r != ALB_E_OK;
                if (report(&s, &f))
                    s.stop = 1;
            }
            break;
        }
        case OP_VMTYPE: {
            if (!read_int(e, &s, op->field, &iv, &range))
                break;
            int bad = range != ALB_E_OK;
            if (bad)
                fail(e, range, op->field, off);
            if (!bad && (iv < 0 || iv > 2)) {
                fail(e, ALB_E_VMTYPE, op->field, off);
                bad = 1;
            }
            if (iv == ALB_VMTYPE_HVT_ARM64)
                e->warnings |= ALB_W_VMTYPE_ARM64;
            put(s.store, op->slot, &iv, sizeof iv);
            if (walk)
                report_value(&s, &f, op->field, ALB_T_INT, off, 8, (uint64_t)iv, bad);
            break;
        }
        case OP_EXIT_INT:
        case OP_EXIT_U8: {
            int bad = 0;
            if (op->code == OP_EXIT_INT) {
                if (!read_int(e, &s, op->field, &iv, &range))
                    break;
                bad = range != ALB_E_OK;
                if (bad)
                    fail(e, range, op->field, off);
            } else {
                if (!need(e, &s, op->field, 1))
                    break;
                iv = base[s.pos];
                s.pos += 1;
            }
            e->exit_kind = iv;
            e->exit_off = off;
            e->exit_bad = bad;
            put(s.store, op->slot, &iv, sizeof iv);
            if (walk)
                report_value(&s, &f, op->field, ALB_T_INT, off, s.pos - off, (uint64_t)iv, bad);
            break;
        }
        case OP_CHECK_EXIT:
            if (!e->exit_bad && (e->exit_kind < 0 || e->exit_kind > 2))
                fail(e, ALB_E_EXIT_KIND, op->field, e->exit_off);
            break;
        case OP_IMAGE: {
            /* quirk 2: the reference compares with the wrong bound through a
             * 32-bit copy and may raise; the image must fit what is left */
            if (!length_int(e, &s, &f, op->field, op->slot, ALB_E_IMAGE_SIZE, &iv, walk))
                break;
            uint64_t ioff = s.pos;
            if (!need(e, &s, op->aux, (uint64_t)iv))
                break;
            struct alb_bytes b = { base + s.pos, (size_t)iv };
            s.pos += (uint64_t)iv;
            put(s.store, op->aux_slot, &b, sizeof b);
            if (walk && !s.stop)
                report_bytes(&s, &f, op->aux, ALB_T_BYTES, ioff, (uint64_t)iv, b);
            break;
        }
        case OP_LIST: {
            if (!read_int(e, &s, op->field, &iv, &range))
                break;
            if (range != ALB_E_OK) {
                fail(e, range, op->field, off);
                s.stop = 1;
            }
            /* quirk 7: a count that cannot fit the bytes left is rejected
             * before any element is read.  count > left / min_size, without
             * the division: count * min_size > left, or the product does
             * not fit 64 bits (every element layout has a min_size). */
            uint64_t left = s.end - s.pos, need;
            if (iv < 0 || __builtin_mul_overflow((uint64_t)iv, (uint64_t)op->sub->min_size, &need) ||
                need > left) {
                fail(e, ALB_E_BAD_COUNT, op->field, off);
                s.stop = 1;
                break;
            }
            open_list(e, &s, &f, op, off, (uint64_t)iv, s.end, 1, walk);
            break;
        }
        case OP_REPEAT:
            open_list(e, &s, &f, op, off, 0, s.end, 0, walk);
            break;
        case OP_SIZED_REPEAT: {
            if (!length_int(e, &s, &f, op->aux, op->aux_slot, ALB_E_TAP_LENGTH, &iv, walk))
                break;
            open_list(e, &s, &f, op, s.pos, 0, s.pos + (uint64_t)iv, 0, walk);
            break;
        }
        case OP_GROUP:
            /* a group only shapes the walk */
            if (walk) {
                s.fr->group_field = op->field;
                s.fr->group_off = off;
                field_at(&f, op->field, ALB_T_GROUP, ALB_FE_OPEN, off, 0);
                field_u(&f, 0);
                if (report(&s, &f))
                    s.stop = 1;
                s.depth++;
            }
            break;
        case OP_CALL:
            push_seq(e, &s, op->sub, walk);
            break;
        case OP_EVENT2:
        case OP_EVENT0: {
            if (!need(e, &s, op->field, 2))
                break;
            uint64_t tag = be16(base + s.pos);
            s.pos += 2;
            put(s.store, op->slot, &tag, sizeof tag);
            if (walk)
                report_value(&s, &f, op->field, ALB_T_UINT, off, 2, tag, 0);
            const struct layout *el = alb_event_layout_(op->code == OP_EVENT2 ? 2 : 0, tag);
            if (!el) {
                fail(e, ALB_E_EVENT, op->field, off);
                s.stop = 1;
                break;
            }
            push_seq(e, &s, el, walk);
            break;
        }
        case OP_REST: {
            uint64_t n = s.end - s.pos;
            uint64_t have = e->avail > s.pos ? e->avail - s.pos : 0;
            struct alb_bytes b = { base + s.pos, (size_t)(have < n ? have : n) };
            s.pos += b.n;
            put(s.store, op->slot, &b, sizeof b);
            if (walk)
                report_bytes(&s, &f, op->field, ALB_T_BYTES, off, b.n, b);
            if (have < n) {
                fail(e, ALB_E_TRUNCATED, op->field, s.pos);
                s.stop = 1;
            }
            break;
        }
        }
        if (s.stop)
            break;
    }
done:
    e->pos = s.pos;
    e->depth = s.depth;
    e->stop = s.stop;
}

/* The two copies of the interpreter: with walk a constant, the one without
 * a callback builds no field events and keeps no nesting. */
static __attribute__((noinline)) void run_plain(struct engine *e, const struct layout *l,
                                                void *dst, uint64_t end)
{
    interpret(e, l, dst, end, 0);
}

static __attribute__((noinline)) void run_walk(struct engine *e, const struct layout *l,
                                               void *dst, uint64_t end)
{
    interpret(e, l, dst, end, 1);
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

/* alb_frame, inlined into alb_decode. */
static ALWAYS_INLINE enum alb_err frame(const uint8_t *buf, size_t len,
                                        const struct alb_opts *opts, struct alb_frame *out)
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

enum alb_err alb_frame(const uint8_t *buf, size_t len, const struct alb_opts *opts,
                       struct alb_frame *out)
{
    return frame(buf, len, opts, out);
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

static void header_field(struct engine *e, struct alb_field *f, enum alb_field_id id,
                         uint64_t off, uint64_t len, uint64_t v)
{
    if (e->stop)
        return;
    field_at(f, (uint16_t)id, ALB_T_UINT, ALB_FE_VALUE, off, len);
    field_u(f, v);
    f->depth = 0;
    f->index = 0;
    if (e->cb(e->ctx, f))
        e->stop = 1;
}

/* Does the body of an unknown request start with a well-formed name? */
static int guess_name(const struct engine *e, uint64_t end)
{
    struct engine g;
    engine_init(&g, e->base, e->pos, e->avail, e->version, NULL, NULL);
    run_plain(&g, &LAYOUT_NAME, NULL, end);
    return g.err.code == ALB_E_OK;
}

/* Zeroes the typed view.  The size goes through an empty asm so that the
 * compiler calls memset: gcc would otherwise inline a rep stos, which costs
 * several times as much for these few hundred bytes. */
static ALWAYS_INLINE void clear_msg(struct alb_msg *msg)
{
    size_t n = sizeof *msg;
    __asm__("" : "+r"(n));
    memset(msg, 0, n);
}

/* alb_decode, with walk a constant: one copy with the callback, one without
 * (which builds no field events at all). */
static ALWAYS_INLINE enum alb_err decode(const uint8_t *buf, size_t len,
                                         const struct alb_opts *opts, struct alb_msg *msg,
                                         alb_field_cb cb, void *ctx, const int walk)
{
    struct alb_frame fr;
    enum alb_err r = frame(buf, len, opts, &fr);

    clear_msg(msg);
    msg->err.field = ALB_F_NONE;
    msg->version = fr.version;
    msg->hdr_len = fr.hdr_len;
    msg->channel = opts && (unsigned)opts->channel < ALB_CH_COUNT ? opts->channel : ALB_CH_ANY;
    int have_header = fr.hdr_len && len >= fr.hdr_len;
    int v2 = fr.version == 2;
    msg->length = fr.body_len;
    if (have_header) {
        /* a header refused for its length is still shown whole */
        msg->tag = v2 ? be32(buf) : be16(buf + 6);
        msg->id = v2 ? be64(buf + 8) : be16(buf + 2);
        msg->padding = v2 ? be16(buf + 6) : 0;
        msg->kind = kind_of(fr.version, msg->tag, msg->channel);
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

    struct alb_field f;
    if (opts && opts->body_only) {
        /* no header fields */
    } else if (walk && v2) {
        header_field(&e, &f, ALB_F_TAG, 0, 4, msg->tag);
        header_field(&e, &f, ALB_F_VERSION, 4, 2, 2);
        header_field(&e, &f, ALB_F_PADDING, 6, 2, msg->padding);
        header_field(&e, &f, ALB_F_ID, 8, 8, msg->id);
        header_field(&e, &f, ALB_F_LENGTH, 16, 4, msg->length);
    } else if (walk) {
        header_field(&e, &f, ALB_F_LENGTH, 0, 2, msg->length);
        header_field(&e, &f, ALB_F_ID, 2, 2, msg->id);
        header_field(&e, &f, ALB_F_VERSION, 4, 2, fr.version);
        header_field(&e, &f, ALB_F_TAG, 6, 2, msg->tag);
    }

    const struct layout *layout = alb_kinds_[msg->kind].layout;
    if (msg->kind == ALB_K_UNKNOWN && !(msg->tag & 0x80000000u) && guess_name(&e, fr.total_len)) {
        layout = &LAYOUT_GUESS_NAME;
        e.warnings |= ALB_W_HEURISTIC;
    }
    /* a callback that ended the walk in the header ends the decode too */
    if (!e.stop) {
        if (walk)
            run_walk(&e, layout, msg, fr.total_len);
        else
            run_plain(&e, layout, msg, fr.total_len);
    }
    if (layout == &LAYOUT_GUESS_NAME) {
        /* the guessed name is a reading aid: the body stays the whole body,
         * so the message re-encodes as it came */
        uint64_t have = e.avail - fr.hdr_len;
        msg->u.body = (struct alb_bytes){ buf + fr.hdr_len, (size_t)have };
    }

    if (!e.stop && e.pos < fr.total_len) {
        /* quirk 8: the reference never rejects trailing bytes; we say so */
        msg->trailing = fr.total_len - e.pos;
        msg->trailing_off = e.pos;
        e.warnings |= ALB_W_TRAILING;
        if (walk) {
            uint64_t have = e.avail - e.pos;
            field_at(&f, ALB_F_TRAILING, ALB_T_BYTES, ALB_FE_VALUE, e.pos, have);
            f.v.b = (struct alb_bytes){ buf + e.pos, (size_t)have };
            f.depth = e.depth;
            f.index = 0;
            if (cb(ctx, &f))
                e.stop = 1;
        }
    }
    if (fr.version == 1 && e.err.code == ALB_E_OK)
        e.err = (struct alb_error){ ALB_E_UNSUPPORTED, ALB_F_VERSION, 4 };
    if (r == ALB_E_NEED_MORE && e.err.code == ALB_E_OK)
        e.err = (struct alb_error){ ALB_E_TRUNCATED, ALB_F_NONE, e.avail };
    msg->err = e.err;
    msg->warnings = e.warnings;
    return r;
}

static __attribute__((noinline)) enum alb_err decode_plain(const uint8_t *buf, size_t len,
                                                           const struct alb_opts *opts,
                                                           struct alb_msg *msg)
{
    return decode(buf, len, opts, msg, NULL, NULL, 0);
}

static __attribute__((noinline)) enum alb_err decode_walk(const uint8_t *buf, size_t len,
                                                          const struct alb_opts *opts,
                                                          struct alb_msg *msg, alb_field_cb cb,
                                                          void *ctx)
{
    return decode(buf, len, opts, msg, cb, ctx, 1);
}

enum alb_err alb_decode(const uint8_t *buf, size_t len, const struct alb_opts *opts,
                        struct alb_msg *msg, alb_field_cb cb, void *ctx)
{
    return cb ? decode_walk(buf, len, opts, msg, cb, ctx) : decode_plain(buf, len, opts, msg);
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
    run_plain(&e, (const struct layout *)it->layout, elem, e.avail);
    if (e.stop || e.pos == 0) {
        it->left = 0;
        return 0;
    }
    it->p += e.pos;
    it->left--;
    return 1;
}
