/* Harness "message": one input is one message.
 *
 * Input: a selector byte, then the message bytes.  The selector's value
 * modulo 5 picks the WV0 channel (any, console, stats, log, client); the
 * rest of it (value / 5, modulo 4) picks which extra decodes are made:
 *   0  with opts.partial: the same for a complete message, a prefix marked
 *      truncated for a cut one;
 *   1  of exactly the message bytes (the bytes after it do not matter), and
 *      one byte short (need more; with partial, truncated);
 *   2  against a body length limit just below and at the message's length;
 *   3  none.
 * The main decode goes through fz_decode(), which checks every field event,
 * decodes again with and without a callback, counts allocations and walks
 * the typed view (fuzz_util.h); the extra decodes check every event too. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz_result a, b, c;
    if (size < 1)
        return 0;
    struct alb_opts o = { .channel = fz_channel(data[0]) };
    unsigned extra = (data[0] / ALB_CH_COUNT) % 4;
    const uint8_t *p = data + 1;
    size_t n = size - 1;

    fz_decode(p, n, &o, &a);

    switch (extra) {
    case 0:
        o.partial = 1;
        fz_decode_light(p, n, &o, &b);
        FZ_CHECK(b.ret == a.ret);
        if (a.ret == ALB_E_OK)
            FZ_CHECK(b.hash == a.hash && b.msg.err.code == a.msg.err.code);
        if (a.ret == ALB_E_NEED_MORE && b.msg.hdr_len && n >= b.msg.hdr_len)
            FZ_CHECK(b.msg.err.code != ALB_E_OK && b.events >= a.events);
        break;
    case 1:
        if (a.ret != ALB_E_OK)
            break;
        if (a.consumed < n) {
            fz_decode_light(p, (size_t)a.consumed, &o, &c);
            FZ_CHECK(c.ret == ALB_E_OK && c.hash == a.hash);
        }
        fz_decode_light(p, (size_t)a.consumed - 1, &o, &c);
        FZ_CHECK(c.ret == ALB_E_NEED_MORE && c.events == 0);
        o.partial = 1;
        fz_decode_light(p, (size_t)a.consumed - 1, &o, &c);
        FZ_CHECK(c.ret == ALB_E_NEED_MORE);
        if (a.consumed - 1 >= a.msg.hdr_len)
            FZ_CHECK(c.msg.err.code != ALB_E_OK && c.events > 0);
        break;
    case 2:
        if (a.ret != ALB_E_OK)
            break;
        /* 0 would mean the default limit */
        if (a.msg.length > 1) {
            o.max_len = a.msg.length - 1;
            fz_decode_light(p, n, &o, &c);
            FZ_CHECK(c.ret == ALB_E_TOO_LONG && c.events == 0);
        }
        if (a.msg.length > 0) {
            o.max_len = a.msg.length;
            fz_decode_light(p, n, &o, &c);
            FZ_CHECK(c.ret == ALB_E_OK && c.hash == a.hash);
        }
        break;
    default:
        break;
    }
    return 0;
}
