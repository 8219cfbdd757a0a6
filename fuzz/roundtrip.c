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
 *     gives the same bytes. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fz_result a, b, c;
    if (size < 1)
        return 0;
    struct alb_opts o = { .channel = fz_channel(data[0]) };
    const uint8_t *p = data + 1;
    size_t n = size - 1;

    fz_decode(p, n, &o, &a);
    if (a.ret != ALB_E_OK || a.msg.err.code != ALB_E_OK)
        return 0;

    size_t len1;
    uint8_t *e1 = encode(&a.msg, &len1);
    if (a.msg.warnings == 0)
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
