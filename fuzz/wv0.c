/* Harness "wv0": wire version 0 on each channel.
 *
 * Input: a selector byte (modulo 5: any, console, stats, log, client), then
 * a message whose version field is forced to 0.  The message is decoded on
 * the chosen channel and on every other one: framing never depends on the
 * channel, channel-independent tags (0xFFF0-0xFFF3, 0xFFFE, 0xFFFF) decode
 * the same everywhere, and tags 0-7 are known only with a channel. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int channel_independent(uint32_t tag)
{
    return (tag >= 0xFFF0u && tag <= 0xFFF3u) || tag >= 0xFFFEu;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz_result a, b;
    if (size < 1)
        return 0;
    enum alb_channel ch = fz_channel(data[0]);
    size_t n = size - 1;
    uint8_t *p = malloc(n ? n : 1);
    if (!p)
        return 0;
    if (n)
        memcpy(p, data + 1, n);
    if (n >= 6)
        p[4] = p[5] = 0;

    struct alb_opts o = { .channel = ch };
    fz_decode(p, n, &o, &a);
    if (n >= 6)
        FZ_CHECK(a.msg.version == 0);
    if (a.ret == ALB_E_OK) {
        const struct alb_kind_info *ki = alb_kind_info(a.msg.kind);
        FZ_CHECK(a.msg.hdr_len == 8 && a.msg.id <= 0xFFFF && a.msg.length <= 0xFFFF);
        FZ_CHECK(ki->channel == ALB_CH_ANY || ki->channel == ch);
        if (a.msg.kind != ALB_K_V0_UNKNOWN)
            FZ_CHECK(ki->tag == a.msg.tag);
        if (ch == ALB_CH_ANY && a.msg.tag <= 7)
            FZ_CHECK(a.msg.kind == ALB_K_V0_UNKNOWN && (a.msg.warnings & ALB_W_NO_CHANNEL));
        if (ch != ALB_CH_ANY)
            FZ_CHECK(!(a.msg.warnings & ALB_W_NO_CHANNEL));
    }

    for (unsigned other = 0; other < ALB_CH_COUNT; other++) {
        if (other == (unsigned)ch)
            continue;
        o.channel = (enum alb_channel)other;
        fz_decode_light(p, n, &o, &b);
        FZ_CHECK(b.ret == a.ret && b.consumed == a.consumed);
        if (a.ret == ALB_E_OK && channel_independent(a.msg.tag))
            FZ_CHECK(b.msg.kind == a.msg.kind && b.hash == a.hash &&
                     b.msg.err.code == a.msg.err.code);
    }
    free(p);
    return 0;
}
