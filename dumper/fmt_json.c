/* JSON Lines: one object per message, keyed by the field names of the
 * table (docs/fields.md).  Byte strings map each byte to one code point, so
 * the output is valid JSON and loses nothing. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <string.h>

#include "dump.h"
#include "obuf.h"

#define IMAGE_HEAD 32u
#define JSON_STACK 16

enum jframe { J_OBJ, J_ARR, J_FLAT };

struct jstate {
    struct obuf *f;
    int sp;
    unsigned char kind[JSON_STACK];
    unsigned char first[JSON_STACK];
    unsigned ignore;            /* nesting deeper than the stack: dropped */
};

static void jstr(struct obuf *f, const uint8_t *p, size_t n)
{
    ob_ch(f, '"');
    ob_escaped(f, p, n, OB_ESC_JSON);
    ob_ch(f, '"');
}

void dump_json_str(struct obuf *f, const char *s)
{
    jstr(f, (const uint8_t *)s, strlen(s));
}

static void jstr0(struct obuf *f, const char *s)
{
    jstr(f, (const uint8_t *)s, strlen(s));
}

/* A comma before the next member of the innermost object or array. */
static void comma(struct jstate *st)
{
    int k = st->sp;
    while (k > 0 && st->kind[k] == J_FLAT)
        k--;
    if (!st->first[k])
        ob_ch(st->f, ',');
    st->first[k] = 0;
}

static void key(struct jstate *st, const struct alb_field *fd)
{
    comma(st);
    if (st->kind[st->sp] != J_ARR) {
        ob_ch(st->f, '"');
        dump_field_name(st->f, fd->id, 0);
        ob_str(st->f, "\":");
    }
}

static void jtime(struct obuf *f, struct alb_time t)
{
    char iso[48];
    ob_str(f, "{\"days\":\"");
    ob_i64(f, t.d);
    ob_str(f, "\",\"ps\":\"");
    ob_i64(f, t.ps);
    ob_ch(f, '"');
    if (dump_iso_time(t, iso, sizeof iso)) {
        ob_str(f, ",\"iso\":\"");
        ob_str(f, iso);
        ob_ch(f, '"');
    }
    ob_ch(f, '}');
}

static void jvalue(struct obuf *f, const struct alb_field *fd)
{
    switch (fd->type) {
    case ALB_T_UINT:
        if (fd->id == ALB_F_TAG) {
            ob_ch(f, '"');
            ob_hex_u64(f, fd->v.u, (unsigned)(fd->len * 2));
            ob_ch(f, '"');
        } else if (fd->len >= 8) {
            ob_ch(f, '"');
            ob_u64(f, fd->v.u);
            ob_ch(f, '"');
        } else {
            ob_u64(f, fd->v.u);
        }
        break;
    case ALB_T_INT:
        if (fd->len >= 8) {
            ob_ch(f, '"');
            ob_i64(f, fd->v.i);
            ob_ch(f, '"');
        } else {
            ob_i64(f, fd->v.i);
        }
        break;
    case ALB_T_STR:
        jstr(f, fd->v.b.p, fd->v.b.n);
        break;
    case ALB_T_BYTES:
        ob_ch(f, fd->id == ALB_F_VM_IMAGE ? '{' : '"');
        if (fd->id == ALB_F_VM_IMAGE) {
            ob_printf(f, "\"length\":%zu,\"head\":\"", fd->v.b.n);
            ob_hex(f, fd->v.b.p, fd->v.b.n < IMAGE_HEAD ? fd->v.b.n : IMAGE_HEAD);
            ob_str(f, "\"}");
        } else {
            ob_hex(f, fd->v.b.p, fd->v.b.n);
            ob_ch(f, '"');
        }
        break;
    case ALB_T_TIME:
        jtime(f, fd->v.t);
        break;
    case ALB_T_IPV4:
        ob_ch(f, '"');
        dump_ipv4(f, fd->v.u);
        ob_ch(f, '"');
        break;
    case ALB_T_LIST:
    case ALB_T_GROUP:
        ob_str(f, "null");
        break;
    }
}

static void push(struct jstate *st, enum jframe k)
{
    st->sp++;
    st->kind[st->sp] = (unsigned char)k;
    st->first[st->sp] = 1;
}

static void pop(struct jstate *st)
{
    switch ((enum jframe)st->kind[st->sp]) {
    case J_ARR: ob_ch(st->f, ']'); break;
    case J_OBJ: ob_ch(st->f, '}'); break;
    case J_FLAT: break;
    }
    st->sp--;
}

static int on_field(void *ctx, const struct alb_field *fd)
{
    struct jstate *st = ctx;
    if (st->ignore) {
        if (fd->ev == ALB_FE_OPEN)
            st->ignore++;
        else if (fd->ev == ALB_FE_CLOSE)
            st->ignore--;
        return 0;
    }
    switch (fd->ev) {
    case ALB_FE_VALUE:
        key(st, fd);
        jvalue(st->f, fd);
        break;
    case ALB_FE_OPEN:
        if (st->sp + 1 >= JSON_STACK) {
            st->ignore = 1;
            break;
        }
        if (fd->type == ALB_T_GROUP) {
            if (st->kind[st->sp] == J_ARR) {
                comma(st);
                ob_ch(st->f, '{');
                push(st, J_OBJ);
            } else {
                push(st, J_FLAT);   /* rusage: its members become top-level keys */
            }
        } else {
            key(st, fd);
            ob_ch(st->f, '[');
            push(st, J_ARR);
        }
        break;
    case ALB_FE_CLOSE:
        if (st->sp > 0)
            pop(st);
        break;
    }
    return 0;
}

static void jerror(struct obuf *f, const struct alb_error *e)
{
    const struct alb_field_info *fi = e->field == ALB_F_NONE ? NULL : alb_field_info(e->field);
    ob_printf(f, ",\"error\":{\"code\":\"%s\",\"text\":", alb_err_name(e->code));
    jstr0(f, alb_err_str(e->code));
    ob_str(f, ",\"field\":");
    if (fi)
        ob_printf(f, "\"%s\"", fi->name);
    else
        ob_str(f, "null");
    ob_printf(f, ",\"offset\":%" PRIu64 "}", e->offset);
}

static const char *const transport_names[] = {
    [DUMP_TR_RAW] = "raw", [DUMP_TR_TCP] = "tcp", [DUMP_TR_UNIX] = "unix",
    [DUMP_TR_UNIX16] = "unix", [DUMP_TR_EXPORTED] = "exported_pdu",
};

static void jflow_object(struct obuf *f, const struct dump_src *s)
{
    ob_printf(f, ",\"flow\":{\"transport\":\"%s\"", transport_names[s->transport]);
    if (s->has_addr) {
        ob_str(f, ",\"src\":");
        jstr0(f, s->from);
        ob_str(f, ",\"dst\":");
        jstr0(f, s->to);
    }
    if (s->transport == DUMP_TR_UNIX) {
        ob_str(f, ",\"path\":");
        jstr0(f, s->path);
    }
    if (s->transport == DUMP_TR_UNIX || s->transport == DUMP_TR_UNIX16)
        ob_printf(f, ",\"pids\":{\"src\":%" PRIu64 ",\"dst\":%" PRIu64 "}", s->pid, s->peer);
    ob_printf(f, ",\"direction\":\"%s\"}",
            s->dir == DUMP_DIR_TO_SERVER ? "to_server"
            : s->dir == DUMP_DIR_TO_CLIENT ? "to_client" : "unknown");
}

static void jflow(struct obuf *f, const struct dump_src *cs)
{
    /* the flow changes rarely: kept as text in the source */
    struct dump_src *s = (struct dump_src *)cs;
    ob_str(f, ",\"frame\":");
    ob_u64(f, s->frame);
    ob_str(f, ",\"ts\":\"");
    dump_src_time(s, f);
    ob_ch(f, '"');
    if (s->flow_json_dir == s->dir && s->flow_json[0]) {
        ob_str(f, s->flow_json);
        return;
    }
    /* written once into the (uncommitted) line, and kept from there when
     * it fits; a flush moves the line but keeps its offset from mark */
    size_t from = (size_t)(f->p - f->mark);
    jflow_object(f, s);
    size_t n = (size_t)(f->p - f->mark) - from;
    s->flow_json[0] = '\0';
    if (n < sizeof s->flow_json) {
        memcpy(s->flow_json, f->mark + from, n);
        s->flow_json[n] = '\0';
    }
    s->flow_json_dir = s->dir;
}

/* The start of a message's object, up to its kind. */
static void json_head(struct obuf *f, const struct dump_out *o, const struct dump_item *it)
{
    ob_str(f, "{\"offset\":");
    ob_u64(f, it->offset);
    if (o->file) {
        ob_str(f, ",\"file\":");
        jstr0(f, o->file);
    }
    if (it->src)
        jflow(f, it->src);
}

/* A message's object: the head once the decoder has read the header (it
 * fills the header members of the message before the first field). */
struct jmsg {
    struct jstate st;
    const struct dump_out *o;
    const struct dump_item *it;
    int head_done;
};

static void json_msg_head(struct jmsg *j)
{
    struct obuf *f = j->st.f;
    const struct alb_msg *m = &j->it->msg;
    const struct alb_kind_info *k = alb_kind_info(m->kind);
    size_t name_len;
    json_head(f, j->o, j->it);
    const char *name = dump_kind_name(m, &name_len);
    ob_str(f, ",\"albatross.kind\":\"");
    ob_str(f, k ? k->snake : "?");
    ob_str(f, "\",\"albatross.kind_name\":");
    jstr(f, (const uint8_t *)name, name_len);
    j->head_done = 1;
}

static int on_msg_field(void *ctx, const struct alb_field *fd)
{
    struct jmsg *j = ctx;
    if (!j->head_done)
        json_msg_head(j);
    return on_field(&j->st, fd);
}

void json_item(struct dump_out *o, struct dump_item *it)
{
    struct obuf *f = &o->ob;
    const struct alb_msg *m = &it->msg;

    if (it->type == DUMP_MESSAGE) {
        struct jmsg j;
        memset(&j, 0, sizeof j);
        j.st.f = f;
        j.st.kind[0] = J_OBJ;
        j.st.first[0] = 0;
        j.o = o;
        j.it = it;
        dump_item_fields(it, on_msg_field, &j);
        if (!j.head_done)
            json_msg_head(&j);
        while (j.st.sp > 0)     /* a walk cut short leaves lists open */
            pop(&j.st);
    } else {
        dump_item_fields(it, NULL, NULL);
        json_head(f, o, it);
        if (it->type == DUMP_GAP || it->type == DUMP_RESYNC) {
            ob_printf(f, ",\"%s\":%" PRIu64 "}\n",
                      it->type == DUMP_GAP ? "gap" : "resync_skipped", it->skipped);
            return;
        }
        if (m->hdr_len || m->err.code == ALB_E_UNKNOWN_VERSION) {
            ob_printf(f, ",\"albatross.version\":%u", m->version);
            if (m->err.code == ALB_E_BAD_LENGTH || m->err.code == ALB_E_TOO_LONG) {
                /* the whole header was read: say which message was refused */
                const struct alb_kind_info *ki = alb_kind_info(m->kind);
                size_t kn;
                const char *kname = dump_kind_name(m, &kn);
                ob_printf(f, ",\"albatross.kind\":\"%s\",\"albatross.kind_name\":",
                          ki ? ki->snake : "?");
                jstr(f, (const uint8_t *)kname, kn);
                ob_printf(f, ",\"albatross.tag\":\"0x%0*" PRIx32 "\",\"albatross.id\":\"%" PRIu64
                          "\",\"albatross.length\":%" PRIu64, m->version == 2 ? 8 : 4, m->tag,
                          m->id, m->length);
            }
        }
    }

    struct alb_error err;
    if (dump_item_error(it, &err))
        jerror(f, &err);
    if (it->type == DUMP_MESSAGE && m->warnings) {
        ob_str(f, ",\"warnings\":[");
        int first = 1;
        for (unsigned i = 0; i < ALB_W_COUNT; i++) {
            if (!(m->warnings & (1u << i)))
                continue;
            if (!first)
                ob_ch(f, ',');
            first = 0;
            jstr0(f, alb_warning_name(i));
        }
        ob_ch(f, ']');
    }
    if (it->type != DUMP_FRAMING && !it->complete)
        ob_printf(f, ",\"captured\":%" PRIu64, it->received);
    if (it->prefix_only)
        ob_printf(f, ",\"decoded_prefix\":%zu", it->len);
    if (it->type == DUMP_FRAMING)
        ob_printf(f, ",\"skipped\":%" PRIu64, it->skipped);
    ob_str(f, "}\n");
}
