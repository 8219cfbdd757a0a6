/* Every reference vector decodes, and its typed view, written in the
 * reference's JSON terms (tests/vectors/README.md), equals the .json the
 * reference decoder produced, byte for byte.  The *_multi vectors, which
 * the reference rejects, must decode fully.  Also: encode(decode(b)) == b. */
#include <inttypes.h>
#include <stdarg.h>

#include "albatross/wire.h"
#include "testlib.h"

/* ---- a growing output string */
static char out[1 << 22];
static size_t olen;

static void put(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + olen, sizeof out - olen, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof out - olen)
        olen += (size_t)n;
}

static void jstr(struct alb_bytes b)
{
    put("\"");
    for (size_t i = 0; i < b.n; i++) {
        unsigned c = b.p[i];
        if (c == '"' || c == '\\')
            put("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            put("\\u%04x", c);
        else
            put("%c", c);
    }
    put("\"");
}

/* "" is None in the reference's view of optional strings */
static void jopt(struct alb_bytes b)
{
    if (b.n == 0)
        put("null");
    else
        jstr(b);
}

static void jstrs(enum alb_field_id id, const struct alb_list *l)
{
    struct alb_iter it;
    struct alb_bytes s;
    int first = 1;
    alb_iter_init(&it, id, l);
    put("[");
    while (alb_iter_next(&it, &s)) {
        put(first ? "" : ",");
        first = 0;
        jstr(s);
    }
    put("]");
}

static void key(const char *k)
{
    put(",\"%s\":", k);
}

static void jts(const char *prefix, struct alb_time t)
{
    put(",\"%sd\":\"%" PRId64 "\",\"%sps\":\"%" PRId64 "\"", prefix, t.d, prefix, t.ps);
}

static void jrusage(const struct alb_rusage *r)
{
    put(",\"ru.utime_sec\":\"%" PRIu64 "\",\"ru.utime_usec\":\"%" PRId64 "\"", r->utime_sec, r->utime_usec);
    put(",\"ru.stime_sec\":\"%" PRIu64 "\",\"ru.stime_usec\":\"%" PRId64 "\"", r->stime_sec, r->stime_usec);
    const uint64_t v[] = { r->maxrss, r->ixrss, r->idrss, r->isrss, r->minflt, r->majflt,
                           r->nswap, r->inblock, r->outblock, r->msgsnd, r->msgrcv,
                           r->nsignals, r->nvcsw, r->nivcsw };
    const char *k[] = { "maxrss", "ixrss", "idrss", "isrss", "minflt", "majflt", "nswap",
                        "inblock", "outblock", "msgsnd", "msgrcv", "nsignals", "nvcsw", "nivcsw" };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        put(",\"ru.%s\":\"%" PRIu64 "\"", k[i], v[i]);
}

static void jifdata(const struct alb_list *l)
{
    struct alb_iter it;
    struct alb_ifdata d;
    int first = 1;
    alb_iter_init(&it, ALB_F_IFDATA, l);
    put(",\"ifdata\":[");
    while (alb_iter_next(&it, &d)) {
        put(first ? "{\"name\":" : ",{\"name\":");
        first = 0;
        jstr(d.name);
        put(",\"flags\":%" PRIu64 ",\"send_length\":%" PRIu64 ",\"max_send_length\":%" PRIu64
            ",\"send_drops\":%" PRIu64 ",\"mtu\":%" PRIu64,
            d.flags, d.send_length, d.max_send_length, d.send_drops, d.mtu);
        const uint64_t v[] = { d.baudrate, d.input_packets, d.input_errors, d.output_packets,
                               d.output_errors, d.collisions, d.input_bytes, d.output_bytes,
                               d.input_mcast, d.output_mcast, d.input_dropped, d.output_dropped };
        const char *k[] = { "baudrate", "input_packets", "input_errors", "output_packets",
                            "output_errors", "collisions", "input_bytes", "output_bytes",
                            "input_mcast", "output_mcast", "input_dropped", "output_dropped" };
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
            put(",\"%s\":\"%" PRIu64 "\"", k[i], v[i]);
        put("}");
    }
    put("]");
}

static void jevent(const struct alb_msg *m)
{
    const struct alb_log_event *ev = &m->u.log.ev;
    int v0 = m->version == 0;
    put(",\"event\":\"%s\"", alb_event_snake(ev->tag));
    switch (ev->tag) {
    case ALB_EV_LOGIN:
    case ALB_EV_LOGOUT:
        put(",\"ev.ip\":\"%u.%u.%u.%u\",\"ev.port\":%" PRIu64, (unsigned)(ev->ip >> 24) & 255,
            (unsigned)(ev->ip >> 16) & 255, (unsigned)(ev->ip >> 8) & 255, (unsigned)ev->ip & 255,
            ev->port);
        break;
    case ALB_EV_VM_START:
        put(v0 ? ",\"ev.pid\":%" PRId64 : ",\"ev.pid\":\"%" PRId64 "\"", ev->pid);
        key("ev.taps");
        jstrs(ALB_F_EV_TAPS, &ev->taps);
        key("ev.block");
        jopt(ev->block);
        break;
    case ALB_EV_VM_STOP:
        put(v0 ? ",\"ev.pid\":%" PRId64 : ",\"ev.pid\":\"%" PRId64 "\"", ev->pid);
        put(",\"ev.exit\":\"%s\",\"ev.code\":\"%" PRId64 "\"", alb_exit_name(ev->exit_kind),
            ev->code);
        break;
    case ALB_EV_BLOCK_CREATE:
        key("ev.block_name");
        jstr(ev->block_name);
        put(",\"ev.size\":\"%" PRId64 "\"", ev->size);
        break;
    case ALB_EV_BLOCK_DESTROY:
        key("ev.block_name");
        jstr(ev->block_name);
        break;
    case ALB_EV_DELEGATE:
        key("ev.bridges");
        jstrs(ALB_F_EV_BRIDGES, &ev->bridges);
        key("ev.block");
        jopt(ev->block);
        break;
    default:
        break;
    }
}

static void jvms(const struct alb_msg *m)
{
    struct alb_iter it;
    struct alb_vm_info vm;
    int first = 1;
    alb_iter_init(&it, ALB_F_VMS, &m->u.vms);
    put(",\"vms\":[");
    while (alb_iter_next(&it, &vm)) {
        put(first ? "{" : ",{");
        first = 0;
        put("\"name\":");
        if (m->version == 2) {
            jstrs(ALB_F_INFO_NAME, &vm.name);
            put(",\"memory\":\"%" PRId64 "\",\"cmd\":", vm.memory);
            jstr(vm.cmd);
            put(",\"pid\":\"%" PRId64 "\",\"taps\":", vm.pid);
        } else {
            jstr(vm.leaf);
            put(",\"cmd\":");
            jstr(vm.cmd);
            put(",\"pid\":%" PRId64 ",\"taps\":", vm.pid);
        }
        jstrs(ALB_F_INFO_TAPS, &vm.taps);
        put("}");
    }
    put("]");
}

/* the reference splits the WV0 log context on dots (String.cuts) */
static void jcontext(struct alb_bytes b)
{
    put(",\"context\":[");
    size_t start = 0;
    for (size_t i = 0; i <= b.n; i++) {
        if (i == b.n || b.p[i] == '.') {
            if (start)
                put(",");
            jstr((struct alb_bytes){ b.p + start, i - start });
            start = i + 1;
        }
    }
    put("]");
}

static void reference_json(const struct alb_msg *m)
{
    const char *kind = alb_kind_info(m->kind)->snake;
    olen = 0;
    if (m->version == 2)
        put("{\"kind\":\"%s\",\"version\":2,\"tag\":\"0x%08x\",\"id\":\"%" PRIu64 "\",\"length\":%" PRIu64,
            kind, m->tag, m->id, m->length);
    else
        put("{\"kind\":\"%s\",\"version\":0,\"channel\":\"%s\",\"tag\":\"0x%04x\",\"id\":%" PRIu64
            ",\"length\":%" PRIu64, kind, alb_channel_name(m->channel), m->tag, m->id, m->length);

    switch (m->kind) {
    case ALB_K_CONSOLE_ADD: case ALB_K_CONSOLE_ATTACH: case ALB_K_STATS_REMOVE:
    case ALB_K_STATS_SUBSCRIBE: case ALB_K_LOG_SUBSCRIBE: case ALB_K_VM_DESTROY: case ALB_K_VM_INFO:
        key("name");
        jstrs(ALB_F_VM_NAME, &m->name);
        break;
    case ALB_K_CONSOLE_DATA:
        key("name");
        jstrs(ALB_F_VM_NAME, &m->name);
        jts("ts_", m->ts);
        key("msg");
        jstr(m->u.line);
        break;
    case ALB_K_STATS_ADD:
        key("name");
        jstrs(ALB_F_VM_NAME, &m->name);
        put(",\"pid\":\"%" PRId64 "\"", m->pid);
        key("taps");
        jstrs(ALB_F_STATS_TAPS, &m->u.taps);
        break;
    case ALB_K_STATS_DATA: {
        key("name");
        jstrs(ALB_F_VM_NAME, &m->name);
        jrusage(&m->u.stats.ru);
        struct alb_iter it;
        struct alb_vmm_stat s;
        int first = 1;
        alb_iter_init(&it, ALB_F_VMM, &m->u.stats.vmm);
        put(",\"vmm\":[");
        while (alb_iter_next(&it, &s)) {
            put(first ? "[" : ",[");
            first = 0;
            jstr(s.key);
            put(",\"%" PRIu64 "\"]", s.value);
        }
        put("]");
        jifdata(&m->u.stats.ifdata);
        break;
    }
    case ALB_K_LOG_LOG: case ALB_K_LOG_BROADCAST:
        key("name");
        jstrs(ALB_F_VM_NAME, &m->name);
        jts("ts_", m->ts);
        jevent(m);
        break;
    case ALB_K_VM_CREATE: {
        const struct alb_vm_config *vm = &m->u.vm;
        key("name");
        jstrs(ALB_F_VM_NAME, &m->name);
        put(",\"vm.cpuid\":\"%" PRId64 "\",\"vm.memory\":\"%" PRId64 "\"", vm->cpuid, vm->memory);
        key("vm.block");
        jopt(vm->block);
        key("vm.network");
        jstrs(ALB_F_VM_NETWORK, &vm->network);
        put(",\"vm.vmtype\":\"%s\",\"vm.image_len\":\"%zu\",\"vm.image\":\"",
            alb_vmtype_name(vm->vmtype), vm->image.n);
        for (size_t i = 0; i < vm->image.n; i++)
            put("%02x", vm->image.p[i]);
        put("\"");
        key("vm.argv");
        if (vm->argv.count == 0)
            put("null");
        else
            jstrs(ALB_F_VM_ARGV, &vm->argv);
        break;
    }
    case ALB_K_VM_INFO_REPLY: case ALB_K_V0_INFO_MSG:
        jvms(m);
        break;
    case ALB_K_SUCCESS: case ALB_K_FAILURE:
        key("msg");
        if (m->u.msg.p)
            jstr(m->u.msg);
        else
            put("null");
        break;
    case ALB_K_V0_SUCCESS: case ALB_K_V0_FAILURE:
        key("msg");     /* decode_str: an empty body is "" */
        jstr(m->u.msg.p ? m->u.msg : (struct alb_bytes){ (const uint8_t *)"", 0 });
        break;
    case ALB_K_V0_CONSOLE_ADD: case ALB_K_V0_CONSOLE_ATTACH: case ALB_K_V0_CONSOLE_DETACH:
        key("name");
        jstr(m->name_str.p ? m->name_str : (struct alb_bytes){ (const uint8_t *)"", 0 });
        break;
    case ALB_K_V0_CONSOLE_HISTORY:
        key("name");
        jstr(m->name_str.p ? m->name_str : (struct alb_bytes){ (const uint8_t *)"", 0 });
        jts("ts_", m->ts);
        break;
    case ALB_K_V0_CONSOLE_DATA: case ALB_K_V0_CONSOLE_MSG:
        key("name");
        jstr(m->name_str);
        jts("ts_", m->ts);
        key("msg");
        jstr(m->u.line);
        break;
    case ALB_K_V0_STATS_ADD:
        put(",\"pid\":%" PRId64, m->pid);
        key("taps");
        jstrs(ALB_F_STATS_TAPS, &m->u.taps);
        break;
    case ALB_K_V0_STATS_REMOVE: case ALB_K_V0_STATS_STATISTICS:
        put(",\"pid\":%" PRId64, m->pid);
        break;
    case ALB_K_V0_STATS_STATREPLY: case ALB_K_V0_STAT_MSG:
        jrusage(&m->u.stats.ru);
        jifdata(&m->u.stats.ifdata);
        break;
    case ALB_K_V0_LOG_DATA: case ALB_K_V0_LOG_MSG:
        jts("ts_", m->ts);
        jcontext(m->u.log.context);
        key("name");
        jstr(m->name_str);
        jevent(m);
        break;
    case ALB_K_V0_LOG_HISTORY:
        key("ctx");
        jstr(m->u.log.context);
        jts("ts_", m->ts);
        break;
    case ALB_K_V0_CLIENT_INFO: case ALB_K_V0_CLIENT_DESTROY_IMAGE: case ALB_K_V0_CLIENT_CREATE_BLOCK:
    case ALB_K_V0_CLIENT_DESTROY_BLOCK: case ALB_K_V0_CLIENT_STATISTICS: case ALB_K_V0_CLIENT_ATTACH:
    case ALB_K_V0_CLIENT_DETACH: case ALB_K_V0_CLIENT_LOG:
        key("arg");
        jstr(m->u.arg.p ? m->u.arg : (struct alb_bytes){ (const uint8_t *)"", 0 });
        break;
    default:
        put(",\"unexpected\":true");
        break;
    }
    put("}");
}

/* ---- the reference's _multi vectors: valid messages it cannot decode */
static void check_multi(const char *name, const struct alb_msg *m)
{
    CHECK(m->err.code == ALB_E_OK, "%s: %s", name, alb_err_name(m->err.code));
    CHECK(m->warnings & ALB_W_REF_REJECTS, "%s: reference-rejects warning missing", name);
    const struct alb_list *l = m->kind == ALB_K_VM_INFO_REPLY ? &m->u.vms : &m->u.stats.ifdata;
    enum alb_field_id id = m->kind == ALB_K_VM_INFO_REPLY ? ALB_F_VMS : ALB_F_IFDATA;
    CHECK(l->count >= 2, "%s: %" PRIu64 " elements", name, l->count);
    /* every element is reached, and they tile the list bytes exactly */
    struct alb_iter it;
    union { struct alb_vm_info vm; struct alb_ifdata ifd; } e;
    uint64_t n = 0;
    alb_iter_init(&it, id, l);
    while (alb_iter_next(&it, &e))
        n++;
    CHECK(n == l->count && it.p == it.end, "%s: iterated %" PRIu64 " of %" PRIu64, name, n, l->count);
    reference_json(m);
    CHECK(strstr(out, "\"unexpected\"") == NULL, "%s", name);
}

/* The header members a callback sees at its first call (alb_decode
 * promises they are set by then). */
struct first_call {
    const struct alb_msg *m;
    int called;
    struct alb_msg seen;
};

static int on_first(void *ctx, const struct alb_field *f)
{
    struct first_call *fc = ctx;
    (void)f;
    if (!fc->called++)
        fc->seen = *fc->m;
    return 0;
}

static void check_header_first(const char *name, const struct t_vector *v,
                               const struct alb_msg *want)
{
    struct alb_msg m;
    struct first_call fc = { &m, 0, { 0 } };
    alb_decode(v->bin, v->len, &v->opts, &m, on_first, &fc);
    const struct alb_msg *s = &fc.seen;
    CHECK(fc.called && s->version == want->version && s->hdr_len == want->hdr_len &&
          s->tag == want->tag && s->id == want->id && s->length == want->length &&
          s->padding == want->padding && s->channel == want->channel && s->kind == want->kind,
          "%s: header members not set at the first callback", name);
}

/* Counts the events of a walk, and those of header fields apart. */
struct counts {
    unsigned all, header;
};

static int on_count(void *ctx, const struct alb_field *f)
{
    struct counts *c = ctx;
    c->all++;
    c->header += f->id == ALB_F_TAG || f->id == ALB_F_VERSION || f->id == ALB_F_PADDING ||
                 f->id == ALB_F_ID || f->id == ALB_F_LENGTH;
    return 0;
}

/* opts.body_only: the same walk without the header's fields. */
static void check_body_only(const char *name, const struct t_vector *v)
{
    struct alb_msg m;
    struct alb_opts o = v->opts;
    struct counts full = { 0, 0 }, body = { 0, 0 };
    alb_decode(v->bin, v->len, &o, &m, on_count, &full);
    o.body_only = 1;
    alb_decode(v->bin, v->len, &o, &m, on_count, &body);
    unsigned header = m.version == 2 ? 5 : 4;
    CHECK(full.header == header && body.header == 0 && body.all + header == full.all,
          "%s: body-only walk has %u of %u events (%u header)", name, body.all, full.all,
          body.header);
}

static void one(const struct t_vector *v, void *ctx)
{
    (void)ctx;
    const char *name = v->name;
    CHECK(!v->wv0 || v->opts.channel != ALB_CH_ANY, "%s: channel", name);
    struct alb_msg m;
    enum alb_err r = alb_decode(v->bin, v->len, &v->opts, &m, NULL, NULL);
    CHECK(r == ALB_E_OK, "%s: decode returned %s", name, alb_err_name(r));
    CHECK(m.hdr_len + m.length == v->len, "%s: framed %u+%" PRIu64 " of %zu", name, m.hdr_len,
          m.length, v->len);
    check_header_first(name, v, &m);
    check_body_only(name, v);

    if (strstr(v->json, "\"result\":\"ERR\"")) {
        check_multi(name, &m);
    } else {
        CHECK(m.err.code == ALB_E_OK, "%s: %s at %s +%" PRIu64, name, alb_err_name(m.err.code),
              alb_field_info(m.err.field) ? alb_field_info(m.err.field)->name : "-", m.err.offset);
        CHECK(m.warnings == 0 || m.warnings == ALB_W_VMTYPE_ARM64, "%s: warnings %x", name,
              m.warnings);
        reference_json(&m);
        CHECK(olen == v->json_len && memcmp(out, v->json, olen) == 0,
              "%s:\n  expected %s\n  decoded  %.*s", name, v->json, (int)olen, out);
    }

    /* encode(decode(b)) == b */
    static unsigned char enc[1 << 20];
    size_t w = 0;
    struct alb_error ee;
    enum alb_err er = alb_encode(&m, enc, sizeof enc, &w, &ee);
    CHECK(er == ALB_E_OK && w == v->len && memcmp(enc, v->bin, v->len) == 0,
          "%s: re-encoding gave %s (%zu bytes, field %d)", name, alb_err_name(er), w, (int)ee.field);
    /* a too small buffer reports the size needed and writes nothing past it */
    if (v->len > 1) {
        size_t need = 0;
        er = alb_encode(&m, enc, v->len - 1, &need, NULL);
        CHECK(er == ALB_E_NO_SPACE && need == v->len, "%s: short buffer: %s need %zu", name,
              alb_err_name(er), need);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    unsigned n = t_each_vector(argv[1], one, NULL);
    CHECK(n >= 285, "only %u vectors", n);
    return t_summary("vectors");
}
