/* JSON Lines: one object per message, keyed by the field names of the
 * table (docs/fields.md).  Byte strings map each byte to one code point, so
 * the output is valid JSON and loses nothing. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <string.h>

#include "dump.h"

#define IMAGE_HEAD 32u
#define JSON_STACK 16

enum jframe { J_OBJ, J_ARR, J_FLAT };

struct jstate {
    FILE *f;
    int sp;
    unsigned char kind[JSON_STACK];
    unsigned char first[JSON_STACK];
    unsigned ignore;            /* nesting deeper than the stack: dropped */
};

static void jstr(FILE *f, const uint8_t *p, size_t n)
{
    putc('"', f);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            putc('\\', f);
            putc(c, f);
        } else if (c < 0x20 || c >= 0x7f) {
            fprintf(f, "\\u%04x", c);
        } else {
            putc(c, f);
        }
    }
    putc('"', f);
}

void dump_json_str(FILE *f, const char *s)
{
    jstr(f, (const uint8_t *)s, strlen(s));
}

static void jstr0(FILE *f, const char *s)
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
        putc(',', st->f);
    st->first[k] = 0;
}

static void key(struct jstate *st, const struct alb_field *fd)
{
    comma(st);
    if (st->kind[st->sp] != J_ARR) {
        const struct alb_field_info *fi = alb_field_info(fd->id);
        putc('"', st->f);
        fputs(fi ? fi->name : "albatross.unknown", st->f);
        fputs("\":", st->f);
    }
}

static void jtime(FILE *f, struct alb_time t)
{
    char iso[48];
    fprintf(f, "{\"days\":\"%" PRId64 "\",\"ps\":\"%" PRId64 "\"", t.d, t.ps);
    if (dump_iso_time(t, iso, sizeof iso))
        fprintf(f, ",\"iso\":\"%s\"", iso);
    putc('}', f);
}

static void jvalue(FILE *f, const struct alb_field *fd)
{
    switch (fd->type) {
    case ALB_T_UINT:
        if (fd->id == ALB_F_TAG)
            fprintf(f, "\"0x%0*" PRIx64 "\"", (int)(fd->len * 2), fd->v.u);
        else if (fd->len >= 8) {
            putc('"', f);
            dump_u64(f, fd->v.u);
            putc('"', f);
        } else {
            dump_u64(f, fd->v.u);
        }
        break;
    case ALB_T_INT:
        if (fd->len >= 8) {
            putc('"', f);
            dump_i64(f, fd->v.i);
            putc('"', f);
        } else {
            dump_i64(f, fd->v.i);
        }
        break;
    case ALB_T_STR:
        jstr(f, fd->v.b.p, fd->v.b.n);
        break;
    case ALB_T_BYTES:
        putc(fd->id == ALB_F_VM_IMAGE ? '{' : '"', f);
        if (fd->id == ALB_F_VM_IMAGE) {
            fprintf(f, "\"length\":%zu,\"head\":\"", fd->v.b.n);
            dump_hex(f, fd->v.b.p, fd->v.b.n < IMAGE_HEAD ? fd->v.b.n : IMAGE_HEAD);
            fputs("\"}", f);
        } else {
            dump_hex(f, fd->v.b.p, fd->v.b.n);
            putc('"', f);
        }
        break;
    case ALB_T_TIME:
        jtime(f, fd->v.t);
        break;
    case ALB_T_IPV4:
        putc('"', f);
        dump_ipv4(f, fd->v.u);
        putc('"', f);
        break;
    case ALB_T_LIST:
    case ALB_T_GROUP:
        fputs("null", f);
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
    case J_ARR: putc(']', st->f); break;
    case J_OBJ: putc('}', st->f); break;
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
                putc('{', st->f);
                push(st, J_OBJ);
            } else {
                push(st, J_FLAT);   /* rusage: its members become top-level keys */
            }
        } else {
            key(st, fd);
            putc('[', st->f);
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

static void jerror(FILE *f, const struct alb_error *e)
{
    const struct alb_field_info *fi = e->field == ALB_F_NONE ? NULL : alb_field_info(e->field);
    fprintf(f, ",\"error\":{\"code\":\"%s\",\"text\":", alb_err_name(e->code));
    jstr0(f, alb_err_str(e->code));
    fputs(",\"field\":", f);
    if (fi)
        fprintf(f, "\"%s\"", fi->name);
    else
        fputs("null", f);
    fprintf(f, ",\"offset\":%" PRIu64 "}", e->offset);
}

static const char *const transport_names[] = {
    [DUMP_TR_RAW] = "raw", [DUMP_TR_TCP] = "tcp", [DUMP_TR_UNIX] = "unix",
    [DUMP_TR_UNIX16] = "unix", [DUMP_TR_EXPORTED] = "exported_pdu",
};

static void jflow_object(FILE *f, const struct dump_src *s)
{
    fprintf(f, ",\"flow\":{\"transport\":\"%s\"", transport_names[s->transport]);
    if (s->has_addr) {
        fputs(",\"src\":", f);
        jstr0(f, s->from);
        fputs(",\"dst\":", f);
        jstr0(f, s->to);
    }
    if (s->transport == DUMP_TR_UNIX) {
        fputs(",\"path\":", f);
        jstr0(f, s->path);
    }
    if (s->transport == DUMP_TR_UNIX || s->transport == DUMP_TR_UNIX16)
        fprintf(f, ",\"pids\":{\"src\":%" PRIu64 ",\"dst\":%" PRIu64 "}", s->pid, s->peer);
    fprintf(f, ",\"direction\":\"%s\"}",
            s->dir == DUMP_DIR_TO_SERVER ? "to_server"
            : s->dir == DUMP_DIR_TO_CLIENT ? "to_client" : "unknown");
}

static void jflow(FILE *f, const struct dump_src *cs)
{
    /* time and flow change rarely: kept as text in the source */
    struct dump_src *s = (struct dump_src *)cs;
    if (s->ts_frame != s->frame || !s->ts_text[0]) {
        dump_cap_time(s->ts_sec, s->ts_usec, s->ts_text, sizeof s->ts_text);
        s->ts_frame = s->frame;
    }
    fputs(",\"frame\":", f);
    dump_u64(f, s->frame);
    fputs(",\"ts\":\"", f);
    fputs(s->ts_text, f);
    putc('"', f);
    if (s->flow_json_dir != s->dir || !s->flow_json[0]) {
        FILE *m = fmemopen(s->flow_json, sizeof s->flow_json, "w");
        s->flow_json[0] = '\0';
        if (m) {
            jflow_object(m, s);
            if (fclose(m) != 0 || strlen(s->flow_json) >= sizeof s->flow_json - 1)
                s->flow_json[0] = '\0';
        }
        s->flow_json_dir = s->dir;
        if (!s->flow_json[0]) {
            jflow_object(f, s);
            return;
        }
    }
    fputs(s->flow_json, f);
}

void json_item(struct dump_out *o, const struct dump_item *it)
{
    FILE *f = o->f;
    const struct alb_msg *m = &it->msg;

    fputs("{\"offset\":", f);
    dump_u64(f, it->offset);
    if (o->file) {
        fputs(",\"file\":", f);
        jstr0(f, o->file);
    }
    if (it->src)
        jflow(f, it->src);
    if (it->type == DUMP_GAP || it->type == DUMP_RESYNC) {
        fprintf(f, ",\"%s\":%" PRIu64 "}\n", it->type == DUMP_GAP ? "gap" : "resync_skipped",
                it->skipped);
        return;
    }
    if (it->type == DUMP_MESSAGE) {
        const struct alb_kind_info *k = alb_kind_info(m->kind);
        char name[96];
        dump_kind_name(m, name, sizeof name);
        fprintf(f, ",\"albatross.kind\":\"%s\",\"albatross.kind_name\":", k ? k->snake : "?");
        jstr0(f, name);
        struct jstate st;
        memset(&st, 0, sizeof st);
        st.f = f;
        st.kind[0] = J_OBJ;
        st.first[0] = 0;
        dump_walk(it, on_field, &st);
        while (st.sp > 0)       /* a walk cut short leaves lists open */
            pop(&st);
    } else if (m->hdr_len || m->err.code == ALB_E_UNKNOWN_VERSION) {
        fprintf(f, ",\"albatross.version\":%u", m->version);
        if (m->err.code == ALB_E_BAD_LENGTH || m->err.code == ALB_E_TOO_LONG) {
            /* the whole header was read: say which message was refused */
            const struct alb_kind_info *ki = alb_kind_info(m->kind);
            char kname[96];
            dump_kind_name(m, kname, sizeof kname);
            fprintf(f, ",\"albatross.kind\":\"%s\",\"albatross.kind_name\":", ki ? ki->snake : "?");
            jstr0(f, kname);
            fprintf(f, ",\"albatross.tag\":\"0x%0*" PRIx32 "\",\"albatross.id\":\"%" PRIu64
                    "\",\"albatross.length\":%" PRIu64, m->version == 2 ? 8 : 4, m->tag, m->id,
                    m->length);
        }
    }

    struct alb_error err;
    if (dump_item_error(it, &err))
        jerror(f, &err);
    if (it->type == DUMP_MESSAGE && m->warnings) {
        fputs(",\"warnings\":[", f);
        int first = 1;
        for (unsigned i = 0; i < ALB_W_COUNT; i++) {
            if (!(m->warnings & (1u << i)))
                continue;
            if (!first)
                putc(',', f);
            first = 0;
            jstr0(f, alb_warning_name(i));
        }
        putc(']', f);
    }
    if (it->type != DUMP_FRAMING && !it->complete)
        fprintf(f, ",\"captured\":%" PRIu64, it->received);
    if (it->prefix_only)
        fprintf(f, ",\"decoded_prefix\":%zu", it->len);
    if (it->type == DUMP_FRAMING)
        fprintf(f, ",\"skipped\":%" PRIu64, it->skipped);
    fputs("}\n", f);
}
