/* The encoder: the same layouts, run the other way.  Values come from the
 * typed view; lists come from element arrays (items) or, for decoded
 * messages, are copied from the wire as they were. */
#include <string.h>

#include "cursor.h"
#include "layout.h"

struct writer {
    uint8_t *out;
    size_t cap;
    uint64_t pos;       /* keeps counting past cap, so the caller learns the size */
};

static uint8_t *room(struct writer *w, uint64_t n)
{
    uint8_t *p = NULL;
    if (w->pos <= w->cap && n <= w->cap - w->pos)
        p = w->out + w->pos;
    w->pos += n;
    return p;
}

static void put_bytes(struct writer *w, const uint8_t *src, uint64_t n)
{
    uint8_t *p = room(w, n);
    if (p && n)
        memcpy(p, src, (size_t)n);
}

static void put_u(struct writer *w, unsigned width, uint64_t v)
{
    uint8_t *p = room(w, width);
    if (!p)
        return;
    switch (width) {
    case 1: p[0] = (uint8_t)v; break;
    case 2: put16(p, (uint16_t)v); break;
    case 4: put32(p, (uint32_t)v); break;
    default: put64(p, v); break;
    }
}

struct eframe {
    const struct op *pc;
    const char *src;            /* struct the fields are read from */
    const struct layout *elem;  /* list frames */
    const char *items;
    uint64_t left;
    uint64_t patch;             /* sized repeat: where its byte length goes */
    uint64_t start;
    size_t size;
    int is_list, sized;
};

struct encoder {
    struct writer w;
    struct eframe st[ALB_MAX_DEPTH];
    int sp;
    unsigned version;
    struct alb_error err;
};

static const void *slot(const struct eframe *fr, uint16_t field)
{
    uint32_t s = alb_fields_[field].slot;
    return s ? fr->src + (s - 1) : NULL;
}

static int refuse(struct encoder *en, uint16_t field)
{
    if (en->err.code == ALB_E_OK) {
        en->err.code = ALB_E_ENCODE;
        en->err.field = (enum alb_field_id)field;
        en->err.offset = en->w.pos;
    }
    return 0;
}

static int64_t get_i(const struct eframe *fr, uint16_t field)
{
    int64_t v;
    memcpy(&v, slot(fr, field), sizeof v);
    return v;
}

static uint64_t get_u(const struct eframe *fr, uint16_t field)
{
    uint64_t v;
    memcpy(&v, slot(fr, field), sizeof v);
    return v;
}

static struct alb_bytes get_b(const struct eframe *fr, uint16_t field)
{
    struct alb_bytes b;
    memcpy(&b, slot(fr, field), sizeof b);
    return b;
}

static int put_str(struct encoder *en, uint16_t field, struct alb_bytes b)
{
    if (b.n > 0xFFFF || (b.n && !b.p))
        return refuse(en, field);
    put_u(&en->w, 2, b.n);
    put_bytes(&en->w, b.p, b.n);
    return 1;
}

static int put_int(struct encoder *en, uint16_t field, int64_t v)
{
    if (int63_check((uint64_t)v) != ALB_E_OK)
        return refuse(en, field);
    put_u(&en->w, 8, (uint64_t)v);
    return 1;
}

static int push(struct encoder *en, struct eframe f)
{
    if (en->sp + 1 >= ALB_MAX_DEPTH)
        return refuse(en, ALB_F_NONE);
    en->st[++en->sp] = f;
    return 1;
}

/* Starts a list: count (counted lists), then elements from items or wire. */
static int put_list(struct encoder *en, const struct eframe *fr, const struct op *op, int counted,
                    int sized)
{
    struct alb_list l;
    memcpy(&l, slot(fr, op->field), sizeof l);
    if (counted && !put_int(en, op->field, (int64_t)l.count))
        return 0;
    uint64_t patch = en->w.pos;
    if (sized)
        put_u(&en->w, 8, 0);
    if (!l.items) {
        if (l.count && !l.wire)
            return refuse(en, op->field);
        put_bytes(&en->w, l.wire, l.wire_len);
        if (sized) {
            uint8_t *p = en->w.pos <= en->w.cap ? en->w.out + patch : NULL;
            if (p)
                put64(p, l.wire_len);
        }
        return 1;
    }
    struct eframe nf = { .pc = op->sub->ops, .src = l.items, .elem = op->sub, .items = l.items,
                         .left = l.count, .patch = patch, .start = en->w.pos,
                         .size = alb_fields_[op->field].info.elem_size, .is_list = 1,
                         .sized = sized };
    if (l.count == 0) {
        if (sized && en->w.pos <= en->w.cap)
            put64(en->w.out + patch, 0);
        return 1;
    }
    return push(en, nf);
}

static int step(struct encoder *en, struct eframe *fr, const struct op *op)
{
    struct alb_bytes b;
    int64_t i;
    uint64_t u;

    switch ((enum op_code)op->code) {
    case OP_END:
    case OP_GROUP:
    case OP_CHECK_EXIT:
        return 1;
    case OP_OPTSTR:
        b = get_b(fr, op->field);
        return b.p ? put_str(en, op->field, b) : 1;
    case OP_STR:
        return put_str(en, op->field, get_b(fr, op->field));
    case OP_INT:
        return put_int(en, op->field, get_i(fr, op->field));
    case OP_PID32:
        /* the wire holds any 32-bit value; the reference encoder refuses
         * the two extremes (quirk 22), the decoder does not */
        i = get_i(fr, op->field);
        if (i < INT32_MIN || i > INT32_MAX)
            return refuse(en, op->field);
        put_u(&en->w, 4, (uint32_t)(int32_t)i);
        return 1;
    case OP_U16:
    case OP_U32:
    case OP_IPV4:
    case OP_U64: {
        unsigned w = op->code == OP_U16 ? 2 : op->code == OP_U64 ? 8 : 4;
        u = get_u(fr, op->field);
        if (w < 8 && u >> (8 * w))
            return refuse(en, op->field);
        put_u(&en->w, w, u);
        return 1;
    }
    case OP_PTIME: {
        struct alb_time t;
        memcpy(&t, slot(fr, op->field), sizeof t);
        if (!alb_time_valid(t))
            return refuse(en, op->field);
        put_u(&en->w, 8, (uint64_t)t.d);
        put_u(&en->w, 8, (uint64_t)t.ps);
        return 1;
    }
    case OP_VMTYPE:
    case OP_EXIT_INT:
        i = get_i(fr, op->field);
        if (i < 0 || i > 2)
            return refuse(en, op->field);
        return put_int(en, op->field, i);
    case OP_EXIT_U8:
        i = get_i(fr, op->field);
        if (i < 0 || i > 2)
            return refuse(en, op->field);
        put_u(&en->w, 1, (uint64_t)i);
        return 1;
    case OP_IMAGE:
        b = get_b(fr, op->aux);
        if (b.n && !b.p)
            return refuse(en, op->aux);
        if (!put_int(en, op->field, (int64_t)b.n))
            return 0;
        put_bytes(&en->w, b.p, b.n);
        return 1;
    case OP_LIST:
        return put_list(en, fr, op, 1, 0);
    case OP_REPEAT:
        return put_list(en, fr, op, 0, 0);
    case OP_SIZED_REPEAT:
        return put_list(en, fr, op, 0, 1);
    case OP_CALL:
        return push(en, (struct eframe){ .pc = op->sub->ops, .src = fr->src });
    case OP_EVENT2:
    case OP_EVENT0: {
        u = get_u(fr, op->field);
        const struct layout *l = u <= 0xFFFF ? alb_event_layout_(en->version, u) : NULL;
        if (!l)
            return refuse(en, op->field);
        put_u(&en->w, 2, u);
        return push(en, (struct eframe){ .pc = l->ops, .src = fr->src });
    }
    case OP_REST:
        b = get_b(fr, op->field);
        if (b.n && !b.p)
            return refuse(en, op->field);
        put_bytes(&en->w, b.p, b.n);
        return 1;
    }
    return refuse(en, op->field);
}

static int run(struct encoder *en, const struct layout *l, const void *src)
{
    en->sp = 0;
    en->st[0] = (struct eframe){ .pc = l->ops, .src = src };
    for (;;) {
        struct eframe *fr = &en->st[en->sp];
        const struct op *op = fr->pc;
        if (op->code != OP_END) {
            fr->pc++;
            if (!step(en, fr, op))
                return 0;
            continue;
        }
        if (!fr->is_list) {
            if (en->sp == 0)
                return 1;
            en->sp--;
            continue;
        }
        if (--fr->left > 0) {
            fr->items += fr->size;
            fr->src = fr->items;
            fr->pc = fr->elem->ops;
            continue;
        }
        if (fr->sized && en->w.pos <= en->w.cap)
            put64(en->w.out + fr->patch, en->w.pos - fr->start);
        en->sp--;
    }
}

enum alb_err alb_encode(const struct alb_msg *msg, uint8_t *out, size_t cap, size_t *written,
                        struct alb_error *err)
{
    struct encoder en = { .w = { out, out ? cap : 0, 0 } };
    en.err = (struct alb_error){ ALB_E_OK, ALB_F_NONE, 0 };
    *written = 0;
    if ((unsigned)msg->kind >= ALB_K_COUNT)
        goto refused;
    const struct kind_def *kd = &alb_kinds_[msg->kind];
    en.version = kd->info.version;
    if (msg->version != en.version || en.version == 1 ||
        alb_kind_of(msg->version, msg->tag, msg->channel) != msg->kind) {
        en.err.field = ALB_F_TAG;
        goto refused;
    }
    unsigned hdr = en.version == 2 ? 20 : 8;
    if (en.version == 0 && msg->id > 0xFFFF) {
        en.err.field = ALB_F_ID;
        goto refused;
    }
    if (en.version == 0 && msg->tag > 0xFFFF) {
        en.err.field = ALB_F_TAG;
        goto refused;
    }
    en.w.pos = hdr;
    if (!run(&en, kd->layout, msg))
        goto refused;

    uint64_t body = en.w.pos - hdr;
    /* WV0 lengths are 16 bits (the reference truncates silently, quirk 21);
     * WV2 lengths must stay below 2^31 (quirk 5) */
    if ((en.version == 0 && body > 0xFFFF) || (en.version == 2 && body >= 0x80000000u)) {
        en.err.field = ALB_F_LENGTH;
        goto refused;
    }
    if (en.w.pos > en.w.cap) {
        *written = (size_t)en.w.pos;
        if (err)
            *err = (struct alb_error){ ALB_E_NO_SPACE, ALB_F_NONE, en.w.cap };
        return ALB_E_NO_SPACE;
    }
    if (en.version == 2) {
        put32(out, msg->tag);
        put16(out + 4, 2);
        put16(out + 6, (uint16_t)msg->padding);
        put64(out + 8, msg->id);
        put32(out + 16, (uint32_t)body);
    } else {
        put16(out, (uint16_t)body);
        put16(out + 2, (uint16_t)msg->id);
        put16(out + 4, 0);
        put16(out + 6, (uint16_t)msg->tag);
    }
    *written = (size_t)en.w.pos;
    if (err)
        *err = en.err;
    return ALB_E_OK;

refused:
    en.err.code = ALB_E_ENCODE;
    if (err)
        *err = en.err;
    return ALB_E_ENCODE;
}

void alb_msg_init(struct alb_msg *msg, enum alb_kind kind)
{
    memset(msg, 0, sizeof *msg);
    msg->err.field = ALB_F_NONE;
    if ((unsigned)kind >= ALB_K_COUNT)
        return;
    const struct alb_kind_info *k = &alb_kinds_[kind].info;
    msg->kind = kind;
    msg->version = k->version;
    msg->hdr_len = k->version == 2 ? 20 : 8;
    msg->tag = k->tag;
    msg->channel = k->channel;
}
