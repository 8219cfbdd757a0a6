/* Harness "message": one input is one message.
 *
 * Input: a selector byte, then the message bytes.  The selector's value
 * modulo 5 picks the WV0 channel (any, console, stats, log, client); the
 * rest of it (value / 5, modulo 4) picks which extra decodes are made:
 *   0  with opts.partial: the same for a complete message, a prefix marked
 *      truncated for a cut one;
 *   1  of exactly the message bytes (the bytes after it do not matter),
 *      one byte short (need more; with partial, truncated), and with a
 *      callback that ends the walk at each of its events in turn;
 *   2  against a body length limit just below and at the message's length;
 *   3  the name tables for every value the message holds, and a walk
 *      without the header fields (opts.body_only).
 * Every input also checks alb_plausible() and alb_plausible_strict() on
 * the bytes and on prefixes of them.
 * The main decode goes through fz_decode(), which checks every field event,
 * decodes again with and without a callback, counts allocations and walks
 * the typed view (fuzz_util.h); the extra decodes check every event too. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the walk at event number `at` (counted from 1). */
struct stop_walk {
    uint64_t seen, at;
};

static int stop_cb(void *ctx, const struct alb_field *f)
{
    struct stop_walk *w = ctx;
    (void)f;
    return ++w->seen == w->at;
}

/* Hashes the events that are not header fields; counts those that are. */
struct body_walk {
    uint64_t hash;
    uint64_t header_events;
};

static int body_cb(void *ctx, const struct alb_field *f)
{
    struct body_walk *w = ctx;
    if (f->id == ALB_F_TAG || f->id == ALB_F_VERSION || f->id == ALB_F_PADDING ||
        f->id == ALB_F_ID || f->id == ALB_F_LENGTH) {
        w->header_events++;
        return 0;
    }
    uint64_t h = fz_hash_u64(w->hash, (uint64_t)f->id << 32 | (uint64_t)f->ev << 16 | f->depth);
    h = fz_hash_u64(h, f->off);
    h = fz_hash_u64(h, f->len);
    w->hash = fz_hash_u64(h, f->index);
    return 0;
}

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

    /* a plausible start stays plausible when cut shorter; the strict test
     * needs 8 bytes (a WV2 tag, version and padding, or a WV0 header) */
    int plausible = alb_plausible(p, n, &o);
    FZ_CHECK(!alb_plausible_strict(p, n, &o) || (plausible && n >= 8));
    static const size_t cuts[] = { 0, 5, 7, 8, 19 };
    for (size_t i = 0; plausible && i < sizeof cuts / sizeof cuts[0] && cuts[i] < n; i++)
        FZ_CHECK(alb_plausible(p, cuts[i], &o));

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
        /* a callback that ends the walk at any event: no event after it,
         * the same framing, and the message's kind as before */
        for (uint64_t at = 1; at <= a.events && at <= 256; at++) {
            struct stop_walk sw = { 0, at };
            struct alb_msg ms;
            FZ_CHECK(alb_decode(p, n, &o, &ms, stop_cb, &sw) == a.ret);
            FZ_CHECK(sw.seen == at && ms.kind == a.msg.kind && ms.length == a.msg.length);
        }
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
    default: {
        const struct alb_msg *mm = &a.msg;
        FZ_CHECK(alb_channel_name(mm->channel) != NULL);
        FZ_CHECK(alb_kind_info(mm->kind)->snake != NULL);
        if (mm->err.code != ALB_E_OK)
            FZ_CHECK(alb_err_str(mm->err.code) != NULL && alb_err_name(mm->err.code) != NULL);
        for (unsigned bit = 0; bit < ALB_W_COUNT; bit++)
            if (mm->warnings & (1u << bit))
                FZ_CHECK(alb_warning_str(bit) != NULL);
        if (mm->version == 2 && (mm->tag & 0x80000000u)) {
            enum alb_kind op = alb_reply_op(mm->tag);
            FZ_CHECK(op == ALB_K_UNKNOWN || alb_kind_info(op)->role != ALB_ROLE_REPLY);
        }
        if (a.ret == ALB_E_OK && mm->err.code == ALB_E_OK) {
            int log = mm->kind == ALB_K_LOG_LOG || mm->kind == ALB_K_LOG_BROADCAST ||
                      mm->kind == ALB_K_V0_LOG_DATA || mm->kind == ALB_K_V0_LOG_MSG;
            if (log) {
                FZ_CHECK(alb_event_name(mm->u.log.ev.tag) != NULL);
                FZ_CHECK(alb_event_snake(mm->u.log.ev.tag) != NULL);
                if (mm->u.log.ev.tag == ALB_EV_VM_STOP)
                    FZ_CHECK(alb_exit_name(mm->u.log.ev.exit_kind) != NULL);
            }
            if (mm->kind == ALB_K_VM_CREATE)
                FZ_CHECK(alb_vmtype_name(mm->u.vm.vmtype) != NULL);
            if (mm->kind == ALB_K_CONSOLE_DATA || log) {
                int64_t sec;
                uint64_t ps;
                alb_time_to_unix(mm->ts, &sec, &ps);
                FZ_CHECK(ps < 1000000000000ull);
            }
        }
        /* body_only: the same walk without the header fields */
        struct body_walk full = { FZ_HASH_INIT, 0 }, body = { FZ_HASH_INIT, 0 };
        struct alb_msg mb;
        enum alb_err rf = alb_decode(p, n, &o, &mb, body_cb, &full);
        o.body_only = 1;
        enum alb_err rb = alb_decode(p, n, &o, &mb, body_cb, &body);
        o.body_only = 0;
        FZ_CHECK(rf == rb && full.hash == body.hash && body.header_events == 0);
        FZ_CHECK(mb.err.code == a.msg.err.code && mb.warnings == a.msg.warnings);
        /* the channel named by a socket path or a name taken from the input */
        size_t k = n < 24 ? n : 24;
        enum alb_channel cp = alb_channel_from_path((const char *)p, k);
        FZ_CHECK((unsigned)cp < ALB_CH_COUNT);
        break;
    }
    }
    return 0;
}
