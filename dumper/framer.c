/* Byte-stream reassembly: chunks in, messages out, with bounded memory.
 *
 * The framer never looks at protocol bytes itself: alb_frame says where a
 * message ends (or that the header is bad), alb_resync where the next
 * plausible header starts, alb_decode what a message holds. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

#define FIRST_SIZE (4u * 1024u)
#define KEEP_SIZE (64u * 1024u)     /* an empty buffer larger than this is given back */

int framer_init(struct framer *fr, const struct alb_opts *opts, size_t cap,
                dump_emit_fn emit, void *ctx)
{
    memset(fr, 0, sizeof *fr);
    fr->opts = *opts;
    fr->opts.partial = 0;
    fr->cap = cap < DUMP_MIN_BUFFER ? DUMP_MIN_BUFFER : cap;
    fr->buf = NULL;
    fr->size = 0;
    fr->emit = emit;
    fr->ctx = ctx;
    fr->state = FR_NORMAL;
    fr->version_seen = -1;
    return 0;
}

void framer_free(struct framer *fr)
{
    free(fr->buf);
    fr->buf = NULL;
    fr->size = 0;
}

static void item_fields(struct dump_item *it, alb_field_cb cb, void *ctx, int body_only)
{
    struct alb_opts o = *it->opts;
    o.partial = it->len < it->total;
    o.body_only = body_only;
    if (it->decoded) {
        struct alb_msg again;
        if (cb)
            alb_decode(it->data, it->len, &o, &again, cb, ctx);
        return;
    }
    alb_decode(it->data, it->len, &o, &it->msg, cb, ctx);
    it->decoded = 1;
    /* the whole message went by; only the buffer was too small for it,
     * so running out of bytes is not something the message did wrong */
    if (it->type == DUMP_MESSAGE && it->prefix_only && it->complete &&
        it->msg.err.code == ALB_E_TRUNCATED)
        it->msg.err = (struct alb_error){ ALB_E_OK, ALB_F_NONE, 0 };
}

void dump_item_fields(struct dump_item *it, alb_field_cb cb, void *ctx)
{
    item_fields(it, cb, ctx, 0);
}

void dump_item_body_fields(struct dump_item *it, alb_field_cb cb, void *ctx)
{
    item_fields(it, cb, ctx, 1);
}

/* Reports len bytes at buf[start] that start a message; f is their
 * framing when the caller has it (NULL: framed here). */
static void emit_message(struct framer *fr, const struct alb_frame *f, size_t len,
                         uint64_t total, uint64_t received, int prefix_only)
{
    struct dump_item it;
    /* msg is filled by the decode */
    memset(&it, 0, offsetof(struct dump_item, msg));
    it.offset = fr->base;
    it.data = fr->buf ? fr->buf + fr->start : (const uint8_t *)"";
    it.len = len;
    it.total = total;
    it.received = received;
    it.complete = received >= total;
    it.prefix_only = prefix_only;
    it.opts = &fr->opts;
    it.src = fr->src;

    struct alb_frame own;
    if (!f) {
        alb_frame(it.data, len, &fr->opts, &own);
        f = &own;
    }
    if (f->hdr_len == 0 || len < f->hdr_len) {
        it.type = DUMP_SHORT;
        it.total = 0;
    } else {
        it.type = DUMP_MESSAGE;
        /* a whole, well-formed message of a known kind sets the version the
         * stream speaks; only one of another version needs decoding here */
        if (fr->track_version && it.complete && (int)f->version != fr->version_seen) {
            dump_item_fields(&it, NULL, NULL);
            if (it.msg.err.code == ALB_E_OK && it.msg.kind != ALB_K_UNKNOWN &&
                it.msg.kind != ALB_K_V0_UNKNOWN && it.msg.kind != ALB_K_V1_UNSUPPORTED)
                fr->version_seen = (int)it.msg.version;
        }
    }
    fr->emit(fr->ctx, &it);
}

static void emit_framing(struct framer *fr)
{
    struct dump_item it;
    memset(&it, 0, sizeof it);
    it.type = DUMP_FRAMING;
    it.offset = fr->bad_off;
    it.skipped = fr->skipped;
    it.opts = &fr->opts;
    it.src = fr->src;
    it.decoded = 1;             /* the bad header was decoded when it was found */
    if (fr->at_gap) {
        it.type = DUMP_RESYNC;
        fr->at_gap = 0;
        if (fr->skipped == 0)
            return;             /* the stream went on at a header */
    } else {
        it.msg = fr->bad;
    }
    fr->emit(fr->ctx, &it);
}

static void drop(struct framer *fr, size_t n)
{
    fr->start += n;
    fr->base += n;
    if (fr->start == fr->end)
        fr->start = fr->end = 0;
}

/* Is the header at p complete, so that alb_resync's verdict on it is final? */
static int header_complete(const uint8_t *p, size_t n, const struct alb_opts *opts)
{
    struct alb_frame f;
    alb_frame(p, n, opts, &f);
    return f.hdr_len != 0 && n >= f.hdr_len;
}

/* Does the header at p have the version the stream has been speaking?
 * (Unknown yet: yes.) */
static int version_ok(const struct framer *fr, const uint8_t *p, size_t n)
{
    struct alb_frame f;
    if (fr->version_seen < 0)
        return 1;
    alb_frame(p, n, &fr->opts, &f);
    return f.hdr_len == 0 || f.version == (unsigned)fr->version_seen;
}

/* The next plausible header after offset 0 of the right version, or n. */
static size_t next_header(const struct framer *fr, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (;;) {
        i += alb_resync(p + i, n - i, &fr->opts);
        if (i >= n || version_ok(fr, p + i, n - i))
            return i;
    }
}

/* Resynchronisation.  buf[start] is a byte known to be garbage (at first
 * the bad header itself); alb_resync looks at the positions after it.
 * Returns 1 when normal framing may go on. */
static int resync_step(struct framer *fr, int eof)
{
    size_t avail = fr->end - fr->start;
    if (avail == 0)
        return 0;
    const uint8_t *p = fr->buf + fr->start;
    if (fr->at_gap == 1) {
        /* after a gap the first byte is not known to be garbage */
        if (!alb_plausible(p, avail, &fr->opts) || !version_ok(fr, p, avail))
            fr->at_gap = 2;
        else if (header_complete(p, avail, &fr->opts)) {
            emit_framing(fr);
            fr->state = FR_NORMAL;
            return 1;
        } else if (!eof) {
            return 0;       /* wait for the rest of the header */
        } else {
            fr->at_gap = 2;
        }
    }
    size_t i = next_header(fr, p, avail);

    if (i < avail && header_complete(p + i, avail - i, &fr->opts)) {
        fr->skipped += i;
        drop(fr, i);
        emit_framing(fr);
        fr->state = FR_NORMAL;
        return 1;
    }
    if (eof) {
        /* nothing that looks like a whole header: the rest is garbage */
        fr->skipped += avail;
        drop(fr, avail);
        emit_framing(fr);
        fr->state = FR_NORMAL;
        return 0;
    }
    /* keep the byte before the candidate, so the next call looks at it again */
    if (i > 1 && i < avail) {
        fr->skipped += i - 1;
        drop(fr, i - 1);
    } else if (i >= avail && avail > 1) {
        fr->skipped += avail - 1;
        drop(fr, avail - 1);
    }
    return 0;
}

/* Frames and reports everything the buffer holds. */
static void process(struct framer *fr, int eof)
{
    for (;;) {
        if (fr->state == FR_RESYNC) {
            if (!resync_step(fr, eof))
                return;
            continue;
        }
        size_t avail = fr->end - fr->start;
        if (avail == 0)
            return;
        const uint8_t *p = fr->buf + fr->start;
        struct alb_frame f;
        enum alb_err r = alb_frame(p, avail, &fr->opts, &f);
        if (r == ALB_E_OK) {
            size_t n = (size_t)f.total_len;
            emit_message(fr, &f, n, f.total_len, f.total_len, 0);
            drop(fr, n);
            continue;
        }
        if (r == ALB_E_NEED_MORE) {
            if (eof) {
                emit_message(fr, &f, avail, f.total_len ? f.total_len : f.need, avail, 0);
                drop(fr, avail);
                return;
            }
            if (avail >= fr->cap) {
                /* longer than we may hold: keep the prefix, let the rest pass */
                fr->state = FR_SKIP;
                fr->skip_total = f.total_len;
                fr->skip_received = avail;
                fr->skip_left = f.total_len - avail;
            }
            return;
        }
        if (r == ALB_E_TOO_LONG && fr->skip_too_long) {
            /* a whole header with a length over the limit: reported, then
             * skipped by that length without being buffered */
            alb_decode(p, avail, &fr->opts, &fr->bad, NULL, NULL);
            fr->bad_off = fr->base;
            fr->skipped = f.total_len;
            emit_framing(fr);
            size_t k = avail < f.total_len ? avail : (size_t)f.total_len;
            drop(fr, k);
            if (k < f.total_len) {
                fr->discard_left = f.total_len - k;
                fr->state = FR_DISCARD;
                return;
            }
            continue;
        }
        /* UNKNOWN_VERSION, BAD_LENGTH, TOO_LONG: the stream is not trustworthy here */
        alb_decode(p, avail, &fr->opts, &fr->bad, NULL, NULL);
        fr->bad_off = fr->base;
        fr->skipped = 0;
        fr->state = FR_RESYNC;
    }
}

static void finish_skip(struct framer *fr)
{
    size_t held = fr->end - fr->start;
    emit_message(fr, NULL, held, fr->skip_total, fr->skip_received, held < fr->skip_received);
    fr->base += fr->skip_received + fr->skip_lost - held;
    drop(fr, held);
    fr->skip_lost = 0;
    fr->state = FR_NORMAL;
}

/* Gives back a large buffer once it is empty. */
static void shrink(struct framer *fr)
{
    if (fr->start == fr->end && fr->size > KEEP_SIZE && fr->state != FR_SKIP) {
        /* (in FR_DISCARD nothing is held either) */
        free(fr->buf);
        fr->buf = NULL;
        fr->size = 0;
        fr->start = fr->end = 0;
    }
}

size_t framer_held(const struct framer *fr)
{
    return fr->size;
}

void framer_midstream(struct framer *fr)
{
    fr->state = FR_RESYNC;
    fr->at_gap = 1;
    fr->skipped = 0;
    fr->bad_off = fr->base;
}

void framer_gap(struct framer *fr, uint64_t lost)
{
    if (lost == 0)
        return;
    if (fr->state == FR_DISCARD) {
        if (lost <= fr->discard_left) {
            fr->discard_left -= lost;
            fr->base += lost;
            if (fr->discard_left == 0)
                fr->state = FR_NORMAL;
            return;
        }
        lost -= fr->discard_left;
        fr->base += fr->discard_left;
        fr->discard_left = 0;
        fr->state = FR_NORMAL;
    }
    if (fr->state == FR_SKIP) {
        if (lost < fr->skip_left) {
            fr->skip_left -= lost;
            fr->skip_lost += lost;
            return;
        }
        lost -= fr->skip_left;
        fr->skip_lost += fr->skip_left;
        fr->skip_left = 0;
        finish_skip(fr);
    } else if (fr->state == FR_NORMAL && fr->end > fr->start) {
        size_t avail = fr->end - fr->start;
        struct alb_frame f;
        enum alb_err r = alb_frame(fr->buf + fr->start, avail, &fr->opts, &f);
        if (r == ALB_E_NEED_MORE && f.total_len && f.total_len - avail > lost) {
            /* the gap lies inside this message: skip to its end */
            fr->state = FR_SKIP;
            fr->skip_total = f.total_len;
            fr->skip_received = avail;
            fr->skip_lost = lost;
            fr->skip_left = f.total_len - avail - lost;
            return;
        }
        if (r == ALB_E_NEED_MORE && f.total_len && f.total_len - avail == lost) {
            emit_message(fr, &f, avail, f.total_len, avail, 0);
            fr->base += lost;
            drop(fr, avail);
            return;         /* the gap ends where the message ends */
        }
        /* a header cut by the gap, or a message running past it */
        emit_message(fr, &f, avail, f.total_len ? f.total_len : f.need, avail, 0);
        drop(fr, avail);
    } else if (fr->state == FR_RESYNC) {
        /* what is held is garbage: report it with the bad header (if any) */
        size_t avail = fr->end - fr->start;
        fr->skipped += avail;
        drop(fr, avail);
        emit_framing(fr);
    }
    fr->base += lost;
    fr->state = FR_RESYNC;
    fr->at_gap = 1;
    fr->skipped = 0;
    fr->bad_off = fr->base;
    shrink(fr);
}

int framer_feed(struct framer *fr, const uint8_t *data, size_t n)
{
    while (n > 0) {
        if (fr->state == FR_DISCARD) {
            size_t k = n;
            if (k > fr->discard_left)
                k = (size_t)fr->discard_left;
            fr->discard_left -= k;
            fr->base += k;
            data += k;
            n -= k;
            if (fr->discard_left == 0)
                fr->state = FR_NORMAL;
            continue;
        }
        if (fr->state == FR_SKIP) {
            size_t k = n;
            if (k > fr->skip_left)
                k = (size_t)fr->skip_left;
            fr->skip_left -= k;
            fr->skip_received += k;
            data += k;
            n -= k;
            if (fr->skip_left == 0)
                finish_skip(fr);
            continue;
        }
        if (fr->start > 0) {
            memmove(fr->buf, fr->buf + fr->start, fr->end - fr->start);
            fr->end -= fr->start;
            fr->start = 0;
        }
        if (fr->end == fr->size) {
            /* only a message that does not fit yet fills the buffer; at the
             * cap, process() has always made room (skip or resync) */
            if (fr->size >= fr->cap)
                return -1;
            size_t size = fr->size ? fr->size * 2 : FIRST_SIZE;
            if (size > fr->cap || size < fr->size)
                size = fr->cap;
            uint8_t *b = realloc(fr->buf, size);
            if (!b)
                return -1;
            fr->buf = b;
            fr->size = size;
        }
        size_t k = fr->size - fr->end;
        if (k > n)
            k = n;
        memcpy(fr->buf + fr->end, data, k);
        fr->end += k;
        data += k;
        n -= k;
        process(fr, 0);
    }
    shrink(fr);
    return 0;
}

void framer_finish(struct framer *fr)
{
    if (fr->state == FR_SKIP)
        finish_skip(fr);
    else if (fr->state != FR_DISCARD)
        process(fr, 1);
    fr->discard_left = 0;
    fr->start = fr->end = 0;
    fr->base = 0;
    fr->state = FR_NORMAL;
    fr->at_gap = 0;
    fr->skip_lost = 0;
    shrink(fr);
}
