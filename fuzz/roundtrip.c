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

static void typed_roundtrip(const uint8_t *data, size_t size, enum alb_channel ch)
{
    static struct alb_msg m;
    static struct alb_bytes strs[4][4];
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
        break;
    }
    case ALB_K_VM_INFO_REPLY: case ALB_K_V0_INFO_MSG:
        break;
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
