/* Harness "message": one input is one message.
 *
 * Input: a selector byte (its value modulo 5 picks the WV0 channel: any,
 * console, stats, log, client), then the message bytes.  The message is
 * decoded with and without a field callback, complete and with
 * opts.partial, exactly cut and with the extra bytes that follow it, and
 * against a body length limit; fz_decode() checks every field event and the
 * typed view (fuzz_util.h). */
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
    const uint8_t *p = data + 1;
    size_t n = size - 1;

    fz_decode(p, n, &o, &a);

    /* partial decoding changes nothing for a complete message; for a cut
     * one it decodes the prefix and says it is truncated */
    o.partial = 1;
    fz_decode(p, n, &o, &b);
    FZ_CHECK(b.ret == a.ret);
    if (a.ret == ALB_E_OK)
        FZ_CHECK(b.hash == a.hash && b.msg.err.code == a.msg.err.code);
    if (a.ret == ALB_E_NEED_MORE && b.msg.hdr_len && n >= b.msg.hdr_len)
        FZ_CHECK(b.msg.err.code != ALB_E_OK && b.events >= a.events);
    o.partial = 0;

    if (a.ret != ALB_E_OK)
        return 0;

    /* the bytes after the message do not matter */
    if (a.consumed < n) {
        fz_decode(p, (size_t)a.consumed, &o, &c);
        FZ_CHECK(c.ret == ALB_E_OK && c.hash == a.hash);
    }

    /* one byte short: need more; with partial, a prefix of the events */
    fz_decode(p, (size_t)a.consumed - 1, &o, &c);
    FZ_CHECK(c.ret == ALB_E_NEED_MORE);
    o.partial = 1;
    fz_decode(p, (size_t)a.consumed - 1, &o, &c);
    FZ_CHECK(c.ret == ALB_E_NEED_MORE);
    if (c.msg.hdr_len)
        FZ_CHECK(c.msg.err.code != ALB_E_OK);
    o.partial = 0;

    /* the body length limit (0 would mean the default) */
    if (a.msg.length > 1) {
        o.max_len = a.msg.length - 1;
        fz_decode(p, n, &o, &c);
        FZ_CHECK(c.ret == ALB_E_TOO_LONG && c.events == 0);
    }
    if (a.msg.length > 0) {
        o.max_len = a.msg.length;
        fz_decode(p, n, &o, &c);
        FZ_CHECK(c.ret == ALB_E_OK && c.hash == a.hash);
    }
    return 0;
}
