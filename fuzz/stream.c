/* Harness "stream": framing and decoding a byte stream fed in chunks.
 *
 * Input: a selector byte (modulo 5 picks the WV0 channel), a byte k, then
 * k % 8 chunk sizes (one byte each, 0 meaning 256), then the stream.  The
 * stream is delivered in chunks of those sizes (cycling).  The split
 * decoder sees a buffer that grows with every chunk (under ASan the bytes
 * not yet delivered are poisoned), decodes whenever a
 * whole message is present and, after a framing error, resyncs with
 * alb_resync() -- committing to a resync point only once enough bytes
 * follow it to judge the header.  A whole-buffer decoder runs over the
 * complete stream.  Both must produce the same sequence of messages:
 * kind, id, length, outcome and the hash of the field events. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 4096

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALB_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ALB_ASAN 1
#endif
#ifdef ALB_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct record {
    uint64_t pos;
    uint64_t kind;      /* enum alb_kind, or ~0 for a framing error */
    uint64_t id, length, hash;
    uint32_t ret, err;
};

struct seq {
    struct record r[MAX_RECORDS];
    size_t n;
    int overflow;
};

static struct seq whole, split;

static void add(struct seq *s, uint64_t pos, const struct fz_result *res)
{
    if (s->n == MAX_RECORDS) {
        s->overflow = 1;
        return;
    }
    struct record *r = &s->r[s->n++];
    memset(r, 0, sizeof *r);
    r->pos = pos;
    r->ret = (uint32_t)res->ret;
    r->err = (uint32_t)res->msg.err.code;
    if (res->ret == ALB_E_OK) {
        r->kind = (uint64_t)res->msg.kind;
        r->id = res->msg.id;
        r->length = res->msg.length;
        r->hash = res->hash;
    } else {
        r->kind = ~0ull;
    }
}

/* Bytes that must follow a resync candidate before we trust it: the
 * longest header, so the verdict cannot change when more bytes arrive. */
#define JUDGE 20

/* Decodes what can be decoded in buf[*pos, have).  final: no more bytes
 * will come. */
static void drain(struct seq *s, const uint8_t *buf, size_t have, size_t *pos, int *resyncing,
                  const struct alb_opts *o, int final)
{
    static struct fz_result res;
    while (*pos < have) {
        if (*resyncing) {
            size_t left = have - *pos;
            size_t i = alb_resync(buf + *pos, left, o);
            FZ_CHECK(i >= 1 && i <= left);
            if (!final && left - i < JUDGE)
                return;     /* wait: the candidate cannot be judged yet */
            *pos += i;
            *resyncing = 0;
            continue;
        }
        struct alb_frame fr;
        if (!final && alb_frame(buf + *pos, have - *pos, o, &fr) == ALB_E_NEED_MORE)
            return;     /* not a whole message yet: wait for the next chunk */
        fz_decode(buf + *pos, have - *pos, o, &res);
        if (res.ret == ALB_E_OK) {
            add(s, *pos, &res);
            FZ_CHECK(res.consumed >= 8 && res.consumed <= have - *pos);
            *pos += (size_t)res.consumed;
            continue;
        }
        if (res.ret == ALB_E_NEED_MORE)
            return;
        add(s, *pos, &res);
        *resyncing = 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct alb_opts o = { .channel = fz_channel(data[0]) };
    size_t k = data[1] % 8u;
    if (size < 2 + k)
        return 0;
    const uint8_t *sizes = data + 2;
    const uint8_t *s = data + 2 + k;
    size_t n = size - 2 - k;

    /* whole buffer */
    whole.n = 0;
    whole.overflow = 0;
    size_t wpos = 0;
    int wres = 0;
    drain(&whole, s, n, &wpos, &wres, &o, 1);

    /* split: the bytes not yet arrived are poisoned under ASan, so a read
     * beyond what was delivered is reported */
    split.n = 0;
    split.overflow = 0;
    size_t have = 0, spos = 0, ci = 0;
    int sres = 0;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    memcpy(buf, s, n);
    POISON(buf, n);
    while (have < n) {
        size_t c = n;
        if (k) {
            c = sizes[ci % k] ? sizes[ci % k] : 256u;
            ci++;
        }
        if (c > n - have)
            c = n - have;
        UNPOISON(buf + have, c);
        have += c;
        drain(&split, buf, have, &spos, &sres, &o, have == n);
    }
    free(buf);

    FZ_CHECK(whole.overflow == split.overflow);
    FZ_CHECK(whole.n == split.n);
    FZ_CHECK(wpos == spos);
    for (size_t i = 0; i < whole.n; i++)
        FZ_CHECK(memcmp(&whole.r[i], &split.r[i], sizeof whole.r[i]) == 0);
    return 0;
}
