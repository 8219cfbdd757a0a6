#define _GNU_SOURCE
#include "capread.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap_format.h"

uint64_t cap_fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

static int append(struct cap_stream *s, const uint8_t *p, size_t n)
{
    if (grow((void **)&s->data, &s->cap, s->n + n + 1, 1) != 0)
        return -1;
    memcpy(s->data + s->n, p, n);
    s->n += n;
    return 0;
}

static struct cap_stream *find(struct cap *c, const struct cap_stream *key)
{
    for (size_t i = 0; i < c->n; i++) {
        struct cap_stream *s = &c->s[i];
        if (s->is_tcp == key->is_tcp && s->has_path == key->has_path && s->pid == key->pid &&
            s->peer == key->peer && strcmp(s->path, key->path) == 0 && s->saddr == key->saddr &&
            s->daddr == key->daddr && s->sport == key->sport && s->dport == key->dport)
            return s;
    }
    if (grow((void **)&c->s, &c->cap, c->n + 1, sizeof *c->s) != 0)
        return NULL;
    struct cap_stream *s = &c->s[c->n++];
    *s = *key;
    s->data = NULL;
    s->n = s->cap = 0;
    s->segs = NULL;
    s->nsegs = s->segcap = 0;
    return s;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int add_ipv4(struct cap *c, const uint8_t *p, size_t n)
{
    if (n < 20 || (p[0] >> 4) != 4 || p[9] != 6)
        return 0;
    size_t ihl = (size_t)(p[0] & 15) * 4;
    size_t tot = (size_t)(p[2] << 8 | p[3]);
    if (ihl < 20 || tot > n || tot < ihl + 20)
        return 0;
    const uint8_t *t = p + ihl;
    size_t thl = (size_t)(t[12] >> 4) * 4;
    if (thl < 20 || ihl + thl > tot)
        return 0;
    struct cap_stream key;
    memset(&key, 0, sizeof key);
    key.is_tcp = 1;
    key.saddr = be32(p + 12);
    key.daddr = be32(p + 16);
    key.sport = (uint16_t)(t[0] << 8 | t[1]);
    key.dport = (uint16_t)(t[2] << 8 | t[3]);
    struct cap_stream *s = find(c, &key);
    if (!s)
        return -1;
    uint32_t seq = be32(t + 4);
    if (t[13] & 2) {    /* SYN */
        s->isn = seq;
        s->have_isn = 1;
        return 0;
    }
    size_t dl = tot - ihl - thl;
    if (dl == 0)
        return 0;
    if (grow((void **)&s->segs, &s->segcap, s->nsegs + 1, sizeof *s->segs) != 0)
        return -1;
    s->segs[s->nsegs++] = (struct cap_seg){ seq, s->n, dl };
    s->records++;
    return append(s, t + thl, dl);
}

static int seg_cmp(const void *a, const void *b)
{
    const struct cap_seg *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Puts TCP segments in order (relative to the ISN), dropping bytes seen
 * before; the stream data becomes the reassembled bytes. */
static int tcp_finish(struct cap_stream *s)
{
    if (!s->nsegs)
        return 0;
    uint32_t base = s->have_isn ? s->isn + 1 : s->segs[0].seq;
    for (size_t i = 0; i < s->nsegs; i++)
        s->segs[i].seq -= base;     /* relative; wraps are not expected in tests */
    qsort(s->segs, s->nsegs, sizeof *s->segs, seg_cmp);
    uint8_t *out = malloc(s->n + 1);
    if (!out)
        return -1;
    size_t on = 0;
    for (size_t i = 0; i < s->nsegs; i++) {
        const struct cap_seg *g = &s->segs[i];
        if (g->seq > on)
            break;      /* a gap: stop at the missing bytes */
        size_t skip = on - g->seq;
        if (skip >= g->n)
            continue;   /* a retransmission */
        memcpy(out + on, s->data + g->off + skip, g->n - skip);
        on += g->n - skip;
    }
    free(s->data);
    s->data = out;
    s->n = on;
    s->cap = on + 1;
    return 0;
}

int cap_load(const char *file, struct cap *c, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE];
    memset(c, 0, sizeof *c);
    pcap_t *p = pcap_open_offline(file, perr);
    if (!p) {
        snprintf(err, errlen, "%s", perr);
        return -1;
    }
    c->linktype = pcap_datalink(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    int r;
    while ((r = pcap_next_ex(p, &h, &d)) == 1) {
        size_t n = h->caplen;
        struct cap_stream key;
        memset(&key, 0, sizeof key);
        c->records++;
        if (c->linktype == TAP_LINKTYPE) {
            size_t hl;
            if (tap_is_hdr125(d, n)) {
                hl = TAP_HDR_LEN;
                key.has_path = 1;
                memcpy(key.path, d + 1, d[0]);
                key.peer = tap_get_be64(d + 1 + TAP_PATH_LEN);
                key.pid = tap_get_be64(d + 1 + TAP_PATH_LEN + 8);
            } else if (n >= TAP_HDR16_LEN) {
                hl = TAP_HDR16_LEN;
                key.peer = tap_get_be64(d);
                key.pid = tap_get_be64(d + 8);
            } else {
                snprintf(err, errlen, "record %lu: too short for a sockdump header", c->records);
                pcap_close(p);
                return -1;
            }
            struct cap_stream *s = find(c, &key);
            if (!s || append(s, d + hl, n - hl) != 0)
                goto oom;
            s->records++;
        } else if (c->linktype == 252) {
            size_t off = 0;
            int ok = 0;
            while (off + 4 <= n) {
                unsigned tag = (unsigned)(d[off] << 8 | d[off + 1]);
                size_t len = (size_t)(d[off + 2] << 8 | d[off + 3]);
                off += 4;
                if (len > n - off)
                    break;
                if (tag == 12 && len == 9 && memcmp(d + off, "albatross", 9) == 0)
                    ok |= 1;
                off += len;
                if (tag == 0) {
                    ok |= 2;
                    break;
                }
            }
            if (ok != 3)
                continue;   /* not for this protocol */
            snprintf(key.path, sizeof key.path, "exported");
            key.has_path = 1;
            struct cap_stream *s = find(c, &key);
            if (!s || append(s, d + off, n - off) != 0)
                goto oom;
            s->records++;
        } else if (c->linktype == DLT_EN10MB) {
            if (n >= 14 && d[12] == 8 && d[13] == 0 && add_ipv4(c, d + 14, n - 14) != 0)
                goto oom;
        } else if (c->linktype == DLT_RAW || c->linktype == 228) {
            if (add_ipv4(c, d, n) != 0)
                goto oom;
        } else {
            snprintf(err, errlen, "link type %d is not supported", c->linktype);
            pcap_close(p);
            return -1;
        }
    }
    if (r == -1) {
        snprintf(err, errlen, "%s", pcap_geterr(p));
        pcap_close(p);
        return -1;
    }
    pcap_close(p);
    for (size_t i = 0; i < c->n; i++)
        if (c->s[i].is_tcp && tcp_finish(&c->s[i]) != 0)
            goto oom2;
    return 0;
oom:
    pcap_close(p);
oom2:
    snprintf(err, errlen, "out of memory");
    return -1;
}

void cap_free(struct cap *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->s[i].data);
        free(c->s[i].segs);
    }
    free(c->s);
    memset(c, 0, sizeof *c);
}

enum alb_channel cap_channel(const struct cap_stream *s)
{
    if (s->has_path)
        return alb_channel_from_path(s->path, strlen(s->path));
    if (s->is_tcp && (s->sport == 1025 || s->dport == 1025))
        return ALB_CH_CLIENT;
    return ALB_CH_ANY;
}

long cap_messages(const struct cap_stream *s, cap_msg_fn fn, void *ctx, char *err, size_t errlen)
{
    struct alb_opts o = { .channel = cap_channel(s) };
    size_t off = 0;
    long count = 0;
    while (off < s->n) {
        struct alb_msg m;
        enum alb_err e = alb_decode(s->data + off, s->n - off, &o, &m, NULL, NULL);
        if (e != ALB_E_OK) {
            snprintf(err, errlen, "offset %zu: %s", off, alb_err_str(e));
            return -1;
        }
        size_t len = m.hdr_len + (size_t)m.length;
        if (fn)
            fn(ctx, s->data + off, len, &m);
        off += len;
        count++;
    }
    return count;
}
