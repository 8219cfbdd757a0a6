/* Harness "roundtrip": decode, encode, decode again.
 *
 * Input: a selector byte (modulo 5 picks the WV0 channel), then a message.
 * When the message decodes without error:
 *   - alb_encode() succeeds, reports the size it needs when the buffer is
 *     too small, and writes exactly that many bytes;
 *   - if the message was canonical (no warnings), the encoding is the
 *     input, byte for byte;
 *   - the encoding decodes without error to the same field events (apart
 *     from the header length and trailing bytes), and encoding that again
 *     gives the same bytes.
 * When it does not decode, the input is used as raw values for a typed
 * message instead (kind, id, integers, timestamps, strings taken from the
 * input, unchecked): the encoder either refuses it or writes a message that
 * decodes without error and encodes back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encodes m into a fresh buffer of exactly the size it needs. */
static uint8_t *encode(const struct alb_msg *m, size_t *len)
{
    struct alb_error err;
    size_t need = 0, wrote = 0;
    enum alb_err r = alb_encode(m, NULL, 0, &need, &err);
    FZ_CHECK(r == ALB_E_NO_SPACE && err.code == ALB_E_NO_SPACE);
    FZ_CHECK(need >= m->hdr_len);
    uint8_t *out = malloc(need);
    FZ_CHECK(out != NULL);
    r = alb_encode(m, out, need - 1, &wrote, &err);
    FZ_CHECK(r == ALB_E_NO_SPACE && wrote == need);
    r = alb_encode(m, out, need, &wrote, &err);
    FZ_CHECK(r == ALB_E_OK && err.code == ALB_E_OK && wrote == need);
    *len = need;
    return out;
}

/* Reads raw values from the input, zero when it runs out. */
struct src {
    const uint8_t *p;
    size_t n;
};

static uint64_t take_u64(struct src *s)
{
    uint64_t v = 0;
    for (int i = 0; i < 8 && s->n; i++, s->p++, s->n--)
        v = v << 8 | s->p[0];
    return v;
}

static struct alb_bytes take_str(struct src *s)
{
    size_t n = (size_t)(take_u64(s) % 24);
    if (n > s->n)
        n = s->n;
    struct alb_bytes b = { s->p, n };
    s->p += n;
    s->n -= n;
    return b;
}

static struct alb_list take_strs(struct src *s, struct alb_bytes *items, unsigned cap)
{
    unsigned n = (unsigned)(take_u64(s) % (cap + 1));
    for (unsigned i = 0; i < n; i++)
        items[i] = take_str(s);
    return (struct alb_list){ n, NULL, 0, n ? items : NULL, NULL };
}

/* A built list (items) and its decoded twin (wire) give the same elements. */
static void same_list(enum alb_field_id id, const struct alb_list *built, const struct alb_list *back)
{
    const struct alb_field_info *fi = alb_field_info(id);
    union { struct alb_vm_info vm; struct alb_ifdata d; struct alb_vmm_stat v; struct alb_bytes s; } a, b;
    struct alb_iter ia, ib;
    uint64_t n = 0;
    FZ_CHECK(fi && fi->type == ALB_T_LIST && fi->elem_size <= sizeof a);
    alb_iter_init(&ia, id, built);
    alb_iter_init(&ib, id, back);
    while (alb_iter_next(&ia, &a)) {
        FZ_CHECK(alb_iter_next(&ib, &b));
        n++;
        if (id == ALB_F_VMS) {
            FZ_CHECK(a.vm.cmd.n == b.vm.cmd.n && a.vm.pid == b.vm.pid && a.vm.taps.count == b.vm.taps.count);
            same_list(ALB_F_INFO_TAPS, &a.vm.taps, &b.vm.taps);
        } else if (id == ALB_F_IFDATA) {
            FZ_CHECK(a.d.name.n == b.d.name.n && a.d.mtu == b.d.mtu && a.d.output_dropped == b.d.output_dropped);
        } else if (id == ALB_F_VMM) {
            FZ_CHECK(a.v.key.n == b.v.key.n && a.v.value == b.v.value);
        } else {
            FZ_CHECK(a.s.n == b.s.n && (a.s.n == 0 || memcmp(a.s.p, b.s.p, a.s.n) == 0));
        }
    }
    FZ_CHECK(!alb_iter_next(&ib, &b));
    FZ_CHECK(n == built->count && n == back->count);
}

static void check_lists(const struct alb_msg *m, const struct alb_msg *back)
{
    switch (m->kind) {
    case ALB_K_VM_INFO_REPLY: case ALB_K_V0_INFO_MSG:
        same_list(ALB_F_VMS, &m->u.vms, &back->u.vms);
        break;
    case ALB_K_STATS_DATA:
        same_list(ALB_F_VMM, &m->u.stats.vmm, &back->u.stats.vmm);
        /* fall through */
    case ALB_K_V0_STATS_STATREPLY: case ALB_K_V0_STAT_MSG:
        same_list(ALB_F_IFDATA, &m->u.stats.ifdata, &back->u.stats.ifdata);
        break;
    case ALB_K_VM_CREATE:
        same_list(ALB_F_VM_NETWORK, &m->u.vm.network, &back->u.vm.network);
        same_list(ALB_F_VM_ARGV, &m->u.vm.argv, &back->u.vm.argv);
        break;
    default:
        break;
    }
    if (m->version == 2 && m->kind != ALB_K_UNKNOWN && alb_kind_info(m->kind)->role != ALB_ROLE_REPLY)
        same_list(ALB_F_VM_NAME, &m->name, &back->name);
}

/* The name and lookup functions agree with each other for any input. */
static void names(struct src *s)
{
    struct alb_bytes path = take_str(s);
    enum alb_channel ch = alb_channel_from_path((const char *)path.p, path.n);
    FZ_CHECK((unsigned)ch < ALB_CH_COUNT);
    for (unsigned c = 0; c < ALB_CH_COUNT; c++)
        FZ_CHECK(c == 0 || alb_channel_from_name(alb_channel_name((enum alb_channel)c)) == c);
    int64_t v = (int64_t)take_u64(s);
    FZ_CHECK((alb_vmtype_name(v) != NULL) == (v >= 0 && v <= 2));
    FZ_CHECK((alb_exit_name(v) != NULL) == (v >= 0 && v <= 2));
    FZ_CHECK((alb_event_name((uint64_t)v) != NULL) == ((uint64_t)v < ALB_EV_COUNT));
    FZ_CHECK((alb_event_snake((uint64_t)v) != NULL) == ((uint64_t)v < ALB_EV_COUNT));
    FZ_CHECK(alb_err_str((enum alb_err)(v & 63)) != NULL && alb_err_name((enum alb_err)(v & 63)) != NULL);
    FZ_CHECK((alb_warning_str((unsigned)v & 15) != NULL) == (((unsigned)v & 15) < ALB_W_COUNT));
    uint32_t tag = (uint32_t)take_u64(s);
    enum alb_kind op = alb_reply_op(tag);
    FZ_CHECK(op == ALB_K_UNKNOWN || alb_kind_of(2, tag & 0x7FFFFFFFu, ALB_CH_ANY) == op);
}

static int stop_after(void *ctx, const struct alb_field *f)
{
    unsigned *left = ctx;
    (void)f;
    return (*left)-- == 0;
}

/* The API's edges, with values from the input: out-of-range ids, views that
 * do not hold what they claim, a walk stopped by its callback, decoding
 * without options.  Nothing may crash or read outside the given bytes. */
static void api_edges(struct src *s)
{
    uint64_t v = take_u64(s);
    unsigned id = (unsigned)(v & 0x3ff);
    FZ_CHECK((alb_field_info((enum alb_field_id)id) != NULL) == (id < ALB_F_COUNT));
    FZ_CHECK((alb_kind_info((enum alb_kind)id) != NULL) == (id < ALB_K_COUNT));
    FZ_CHECK(alb_channel_name((enum alb_channel)(v >> 10 & 7)) != NULL);
    FZ_CHECK(alb_channel_from_name("tls") == ALB_CH_ANY);
    FZ_CHECK(alb_vmtype_name((int64_t)(v >> 13 & 3)) != NULL || (v >> 13 & 3) == 3);
    FZ_CHECK(alb_kind_of(3 + (unsigned)(v >> 15 & 7), (uint32_t)v, ALB_CH_ANY) == ALB_K_UNKNOWN);

    /* a list view of another field, or claiming elements it does not hold */
    struct alb_bytes bogus = take_str(s);
    union { struct alb_vm_info vm; struct alb_ifdata d; struct alb_vmm_stat st; struct alb_bytes b; } e;
    static const enum alb_field_id lists[] = { ALB_F_VM_NAME, ALB_F_VMS, ALB_F_IFDATA, ALB_F_VMM,
                                               ALB_F_TS, (enum alb_field_id)ALB_F_COUNT };
    enum alb_field_id lid = lists[(v >> 18) % (sizeof lists / sizeof lists[0])];
    struct alb_list l = { 1 + (v >> 21 & 3), bogus.n ? bogus.p : NULL, bogus.n, NULL, NULL };
    struct alb_iter it;
    alb_iter_init(&it, lid, &l);
    FZ_CHECK(!alb_iter_next(&it, &e));      /* no layout: nothing to walk */
    struct alb_msg m;
    if (bogus.n) {
        /* the layout of a real list over bytes that need not be one */
        struct alb_msg tmp;
        static const uint8_t one_name[] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 'x' };
        uint8_t hdr[20 + sizeof one_name];
        memcpy(hdr, "\0\0\x04\x01\0\x02\0\0\0\0\0\0\0\0\0\x01\0\0\0\x0b", 20);
        memcpy(hdr + 20, one_name, sizeof one_name);
        if (alb_decode(hdr, sizeof hdr, NULL, &tmp, NULL, NULL) == ALB_E_OK && tmp.name.layout_) {
            l.layout_ = tmp.name.layout_;
            alb_iter_init(&it, ALB_F_VM_NAME, &l);
            uint64_t n = 0;
            while (alb_iter_next(&it, &e.b)) {
                FZ_CHECK(e.b.p >= bogus.p && e.b.p + e.b.n <= bogus.p + bogus.n);
                n++;
            }
            FZ_CHECK(n <= l.count);
        }
    }

    /* a walk its callback stops, and decoding without options */
    unsigned left = (unsigned)(v >> 23 & 15);
    alb_decode(bogus.p, bogus.n, NULL, &m, stop_after, &left);

    /* views that point nowhere cannot be encoded */
    uint8_t out[64];
    size_t w;
    struct alb_error err;
    alb_msg_init(&m, ALB_K_CONSOLE_DATA);
    m.u.line = (struct alb_bytes){ NULL, 1 + (v >> 27 & 7) };
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE &&
             err.field == ALB_F_CONSOLE_LINE);
    alb_msg_init(&m, ALB_K_VM_CREATE);
    m.u.vm.image = (struct alb_bytes){ NULL, 1 + (v >> 30 & 7) };
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE && err.field == ALB_F_VM_IMAGE);
    alb_msg_init(&m, ALB_K_UNKNOWN);
    m.tag = 0x999;
    m.u.body = (struct alb_bytes){ NULL, 1 + (v >> 36 & 7) };
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE && err.field == ALB_F_BODY);
    alb_msg_init(&m, ALB_K_VM_INFO_REPLY);
    m.u.vms = (struct alb_list){ 2, NULL, 0, NULL, NULL };
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE && err.field == ALB_F_VMS);
    alb_msg_init(&m, ALB_K_LOG_LOG);
    m.u.log.ev.tag = 0x10000 + (v >> 33 & 0xff);
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE && err.field == ALB_F_EVENT);
    alb_msg_init(&m, (enum alb_kind)(ALB_K_COUNT + (v >> 41 & 3)));
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE);
    alb_msg_init(&m, ALB_K_V1_UNSUPPORTED);
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE);
    alb_msg_init(&m, ALB_K_VM_INFO);
    m.kind = ALB_K_COUNT;
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE);

    /* counts and sizes beyond OCaml's int are refused before anything is read */
    alb_msg_init(&m, ALB_K_VM_INFO_REPLY);
    m.u.vms = (struct alb_list){ 1ull << 62, NULL, 0, NULL, NULL };
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE && err.field == ALB_F_VMS);
    alb_msg_init(&m, ALB_K_VM_CREATE);
    m.u.vm.image = (struct alb_bytes){ out, (size_t)1 << 62 };
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE &&
             err.field == ALB_F_VM_IMAGE_SIZE);
    alb_msg_init(&m, ALB_K_V0_LOG_DATA);
    m.u.log.ev.tag = 8 + (v >> 43 & 0xff);  /* no such event */
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_ENCODE && err.field == ALB_F_EVENT);

    /* an empty item array in a sized WV0 list, and a WV0 body over 16 bits */
    static struct alb_vm_info vm;
    static struct alb_bytes no_taps[1];
    static uint8_t big[70000];
    memset(&vm, 0, sizeof vm);
    vm.taps = (struct alb_list){ 0, NULL, 0, no_taps, NULL };
    alb_msg_init(&m, ALB_K_V0_INFO_MSG);
    m.u.vms = (struct alb_list){ 1, NULL, 0, &vm, NULL };
    FZ_CHECK(alb_encode(&m, out, sizeof out, &w, &err) == ALB_E_OK && w == 8 + 2 + 2 + 4 + 8);
    alb_msg_init(&m, ALB_K_V0_CONSOLE_MSG);
    m.name_str = (struct alb_bytes){ big, 600 + (v >> 51 & 0xff) };
    m.u.line = (struct alb_bytes){ big, 65000 };
    FZ_CHECK(alb_encode(&m, NULL, 0, &w, &err) == ALB_E_ENCODE && err.field == ALB_F_LENGTH);

    /* resynchronising a buffer too short to hold anything after offset 0 */
    FZ_CHECK(alb_resync(bogus.p, bogus.n ? 1 : 0, NULL) == (bogus.n ? 1u : 0u));
}

static void typed_roundtrip(const uint8_t *data, size_t size, enum alb_channel ch)
{
    static struct alb_msg m;
    static struct alb_bytes strs[4][4], taps[3][3];
    static struct fz_result r1, r2;
    struct src s = { data, size };
    enum alb_kind k = (enum alb_kind)(take_u64(&s) % ALB_K_COUNT);
    alb_msg_init(&m, k);
    if (k == ALB_K_SUCCESS || k == ALB_K_UNKNOWN || k == ALB_K_V0_UNKNOWN)
        m.tag = (uint32_t)take_u64(&s);
    if (m.version == 0 && m.channel == ALB_CH_ANY)
        m.channel = ch;
    m.id = take_u64(&s);
    m.padding = (uint32_t)(take_u64(&s) & 1);
    m.name = take_strs(&s, strs[0], 4);
    m.name_str = take_str(&s);
    m.ts.d = (int64_t)take_u64(&s);
    m.ts.ps = (int64_t)take_u64(&s);
    m.pid = (int64_t)take_u64(&s);
    names(&s);
    api_edges(&s);
    switch (k) {
    case ALB_K_VM_CREATE:
        m.u.vm.cpuid = (int64_t)take_u64(&s);
        m.u.vm.memory = (int64_t)take_u64(&s);
        m.u.vm.block = take_str(&s);
        m.u.vm.network = take_strs(&s, strs[1], 4);
        m.u.vm.vmtype = (int64_t)take_u64(&s);
        m.u.vm.image = take_str(&s);
        m.u.vm.argv = take_strs(&s, strs[2], 4);
        break;
    case ALB_K_LOG_LOG: case ALB_K_LOG_BROADCAST: case ALB_K_V0_LOG_DATA: case ALB_K_V0_LOG_MSG:
        m.u.log.context = take_str(&s);
        m.u.log.ev.tag = take_u64(&s) % 10;
        m.u.log.ev.ip = take_u64(&s);
        m.u.log.ev.port = take_u64(&s);
        m.u.log.ev.pid = (int64_t)take_u64(&s);
        m.u.log.ev.block = take_str(&s);
        m.u.log.ev.taps = take_strs(&s, strs[1], 4);
        m.u.log.ev.exit_kind = (int64_t)take_u64(&s);
        m.u.log.ev.code = (int64_t)take_u64(&s);
        m.u.log.ev.block_name = take_str(&s);
        m.u.log.ev.size = (int64_t)take_u64(&s);
        m.u.log.ev.bridges = take_strs(&s, strs[2], 4);
        break;
    case ALB_K_STATS_ADD: case ALB_K_V0_STATS_ADD:
        m.u.taps = take_strs(&s, strs[1], 4);
        break;
    case ALB_K_STATS_DATA: case ALB_K_V0_STATS_STATREPLY: case ALB_K_V0_STAT_MSG: {
        uint64_t *ru = &m.u.stats.ru.utime_sec;
        for (int i = 0; i < 18; i++)
            ru[i] = take_u64(&s);
        static struct alb_vmm_stat vmm[3];
        static struct alb_ifdata ifd[3];
        unsigned nv = (unsigned)(take_u64(&s) % 4), ni = (unsigned)(take_u64(&s) % 4);
        for (unsigned i = 0; i < nv; i++) {
            vmm[i].key = take_str(&s);
            vmm[i].value = take_u64(&s);
        }
        for (unsigned i = 0; i < ni; i++) {
            memset(&ifd[i], 0, sizeof ifd[i]);
            ifd[i].name = take_str(&s);
            ifd[i].flags = take_u64(&s) >> 31;  /* now and then too big for a u32 */
            ifd[i].mtu = take_u64(&s) & 0xffffffffu;
            ifd[i].input_bytes = take_u64(&s);
            ifd[i].output_dropped = take_u64(&s);
        }
        m.u.stats.vmm = (struct alb_list){ nv, NULL, 0, nv ? vmm : NULL, NULL };
        m.u.stats.ifdata = (struct alb_list){ ni, NULL, 0, ni ? ifd : NULL, NULL };
        break;
    }
    case ALB_K_VM_INFO_REPLY: case ALB_K_V0_INFO_MSG: {
        static struct alb_vm_info vms[3];
        unsigned n = (unsigned)(take_u64(&s) % 4);
        for (unsigned i = 0; i < n; i++) {
            memset(&vms[i], 0, sizeof vms[i]);
            vms[i].name = take_strs(&s, strs[1 + i], 3);
            vms[i].leaf = take_str(&s);
            vms[i].memory = (int64_t)take_u64(&s);
            vms[i].cmd = take_str(&s);
            vms[i].pid = (int64_t)take_u64(&s);
            vms[i].taps = take_strs(&s, taps[i], 3);
        }
        m.u.vms = (struct alb_list){ n, NULL, 0, n ? vms : NULL, NULL };
        break;
    }
    default:
        m.u.msg = take_str(&s);     /* line, msg, arg and body share this place */
        if (take_u64(&s) & 1)
            m.u.msg.p = NULL, m.u.msg.n = 0;
        break;
    }

    size_t need = 0;
    struct alb_error err;
    enum alb_err r = alb_encode(&m, NULL, 0, &need, &err);
    if (r == ALB_E_ENCODE) {
        FZ_CHECK(err.code == ALB_E_ENCODE);
        FZ_CHECK(err.field == ALB_F_NONE || alb_field_info(err.field) != NULL);
        return;
    }
    FZ_CHECK(r == ALB_E_NO_SPACE);
    size_t len1;
    uint8_t *e1 = encode(&m, &len1);
    struct alb_opts o = { .channel = m.channel };
    fz_decode(e1, len1, &o, &r1);
    FZ_CHECK(r1.ret == ALB_E_OK && r1.msg.err.code == ALB_E_OK && r1.consumed == len1);
    FZ_CHECK(r1.msg.kind == m.kind && r1.msg.id == m.id);
    check_lists(&m, &r1.msg);
    size_t len2;
    uint8_t *e2 = encode(&r1.msg, &len2);
    FZ_CHECK(len2 == len1 && memcmp(e1, e2, len1) == 0);
    fz_decode(e2, len2, &o, &r2);
    FZ_CHECK(r2.hash == r1.hash);
    free(e2);
    free(e1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz_result a, b, c;
    if (size < 1)
        return 0;
    struct alb_opts o = { .channel = fz_channel(data[0]) };
    const uint8_t *p = data + 1;
    size_t n = size - 1;

    fz_decode(p, n, &o, &a);
    if (a.ret != ALB_E_OK || a.msg.err.code != ALB_E_OK) {
        typed_roundtrip(p, n, o.channel);
        return 0;
    }

    size_t len1;
    uint8_t *e1 = encode(&a.msg, &len1);
    /* only trailing bytes are not carried by the typed view */
    if (!(a.msg.warnings & ALB_W_TRAILING))
        FZ_CHECK(len1 == a.consumed && memcmp(e1, p, len1) == 0);

    fz_decode(e1, len1, &o, &b);
    FZ_CHECK(b.ret == ALB_E_OK && b.msg.err.code == ALB_E_OK && b.consumed == len1);
    FZ_CHECK(b.msg.kind == a.msg.kind && b.msg.id == a.msg.id && b.msg.tag == a.msg.tag);
    FZ_CHECK(b.sem_hash == a.sem_hash);
    FZ_CHECK((b.msg.warnings & ~(uint32_t)ALB_W_TRAILING) == (a.msg.warnings & ~(uint32_t)ALB_W_TRAILING));
    FZ_CHECK(!(b.msg.warnings & ALB_W_TRAILING));

    size_t len2;
    uint8_t *e2 = encode(&b.msg, &len2);
    FZ_CHECK(len2 == len1 && memcmp(e1, e2, len1) == 0);
    fz_decode(e2, len2, &o, &c);
    FZ_CHECK(c.hash == b.hash);
    free(e2);
    free(e1);
    return 0;
}
