/* Capture files: libpcap reads the records, this file turns them into byte
 * streams (one per connection and direction) and hands each stream to a
 * framer.
 *
 *   link layer   Ethernet (VLAN tags), Linux cooked (SLL, SLL2), BSD
 *                loopback (NULL, LOOP), raw IPv4/IPv6 -> IPv4/IPv6 -> TCP
 *                (reassembled by sequence number); sockdump records (link
 *                type 147, 125- or 16-byte header); exported PDUs (252).
 *
 * Memory is bounded: at most max_flows connections (the least recently
 * active one is closed to make room; idle ones are closed after `idle`
 * seconds of capture time), each direction with one framer (at most
 * `buffer` bytes) and at most `reorder` bytes of out-of-order TCP data. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

/* libpcap is not built with MemorySanitizer: what it writes (record
 * headers, byte-swapped fields, pointers it returns) looks uninitialised to
 * an ALB_MSAN build, so those bytes are declared written.  A no-op elsewhere. */
#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#include <sanitizer/msan_interface.h>
#define FROM_LIBPCAP(p, n) __msan_unpoison((p), (n))
#endif
#endif
#ifndef FROM_LIBPCAP
#define FROM_LIBPCAP(p, n) ((void)(p), (void)(n))
#endif

#define LINKTYPE_SOCKDUMP 147
#define LINKTYPE_EXPORTED_PDU 252
#define LINKTYPE_RAW 101
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_SLL 113
#define LINKTYPE_SLL2 276
#define LINKTYPE_LOOP 108

#define SOCKDUMP_PATH 108
#define SOCKDUMP_HDR 125
#define SOCKDUMP_HDR16 16
#define OOO_SEGMENTS 1024u      /* out-of-order segments held per direction */
#define WV0_CLIENT_PORT 1025

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

struct seg {
    struct seg *next;
    uint32_t seq;
    uint32_t len;       /* on the wire */
    uint32_t have;      /* captured (data holds this many) */
    uint8_t data[];
};

struct conn;

struct dir {
    struct framer fr;
    struct dump_src src;
    struct conn *c;
    uint64_t pos;       /* stream offset of the next byte */
    int have_next;      /* TCP: next is known */
    uint32_t next;
    struct seg *ooo;    /* sorted by sequence number */
    size_t ooo_bytes;
    unsigned nooo;
    int fin;
    uint32_t fin_seq;
    int done;
    int seen;           /* any payload yet */
};

struct ckey {
    uint8_t transport;
    uint8_t af;         /* 4, 6, or 0 for none */
    uint16_t pa, pb;
    uint8_t a[16], b[16];
    uint64_t pida, pidb;
    char path[SOCKDUMP_PATH + 1];
};

struct reader;

struct conn {
    struct conn *hnext, *lprev, *lnext;
    uint32_t hash;
    struct ckey key;
    int state;          /* -1 undecided, 0 not albatross, 1 albatross */
    int client;         /* index of the client-to-server direction, -1 unknown */
    int64_t last;
    struct dir d[2];
    struct stats_conn sc;
    struct reader *r;
};

struct reader {
    const struct dump_capture_opts *co;
    const struct dump_sink *sink;
    struct dump_stats *st;
    FILE *err;
    const char *name;
    struct conn **tab;
    unsigned tabsize;
    struct conn *lru_head, *lru_tail;   /* most recently active first */
    unsigned nconns;
    uint64_t frame;
    int64_t sec;
    long usec;
    int linktype;
    int oom;
    unsigned long bad_records;
    unsigned long tcp_fragments;    /* IP fragments of TCP, skipped */
};

struct stats_conn *capture_conn_stats(void *conn)
{
    return conn ? &((struct conn *)conn)->sc : NULL;
}

void dump_capture_defaults(struct dump_capture_opts *co)
{
    memset(co, 0, sizeof *co);
    co->opts.channel = ALB_CH_ANY;
    co->opts.max_len = ALB_DEFAULT_MAX_LEN;
    co->buffer = DUMP_DEFAULT_BUFFER;
    co->max_flows = 1024;
    co->idle = 600;
    co->reorder = 1024 * 1024;
}

/* ---------------------------------------------------------------- byte helpers */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---------------------------------------------------------------- connections */

/* The bytes of a key that can differ: a TCP key has no pids and no path
 * (zero, as every key is cleared first), so its addresses and ports
 * decide.  The transport is inside that prefix, so keys of different
 * lengths never compare equal. */
static size_t key_len(const struct ckey *k)
{
    return k->transport == DUMP_TR_TCP ? offsetof(struct ckey, pida) : sizeof *k;
}

/* Hashed a word at a time: it runs for every capture record. */
static uint32_t key_hash(const struct ckey *k, size_t n)
{
    const uint8_t *p = (const uint8_t *)k;
    uint64_t h = 0xcbf29ce484222325ull, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return (uint32_t)(h ^ h >> 32);
}

static void lru_unlink(struct reader *r, struct conn *c)
{
    if (c->lprev)
        c->lprev->lnext = c->lnext;
    else
        r->lru_head = c->lnext;
    if (c->lnext)
        c->lnext->lprev = c->lprev;
    else
        r->lru_tail = c->lprev;
    c->lprev = c->lnext = NULL;
}

static void lru_front(struct reader *r, struct conn *c)
{
    c->lnext = r->lru_head;
    c->lprev = NULL;
    if (r->lru_head)
        r->lru_head->lprev = c;
    r->lru_head = c;
    if (!r->lru_tail)
        r->lru_tail = c;
}

static void dir_emit(void *ctx, struct dump_item *it)
{
    struct dir *d = ctx;
    /* both directions of a connection speak the same wire version */
    struct dir *other = &d->c->d[d == &d->c->d[0]];
    if (d->fr.version_seen >= 0)
        other->fr.version_seen = d->fr.version_seen;
    d->c->r->sink->emit(d->c->r->sink->ctx, it);
}

static void emit_gap(struct dir *d, uint64_t lost)
{
    struct dump_item it;
    memset(&it, 0, sizeof it);
    it.type = DUMP_GAP;
    it.offset = d->pos;
    it.skipped = lost;
    it.decoded = 1;             /* nothing to decode */
    it.opts = &d->fr.opts;
    it.src = &d->src;
    /* what the gap cuts short is reported first, then the gap */
    framer_gap(&d->fr, lost);
    dir_emit(d, &it);
    d->pos += lost;
}

static void feed(struct dir *d, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    if (framer_feed(&d->fr, p, n) != 0)
        d->c->r->oom = 1;
    d->pos += n;
}

static void set_dirs(struct conn *c, int client)
{
    c->client = client;
    c->d[client].src.dir = DUMP_DIR_TO_SERVER;
    c->d[!client].src.dir = DUMP_DIR_TO_CLIENT;
}

static void free_ooo(struct dir *d)
{
    while (d->ooo) {
        struct seg *s = d->ooo;
        d->ooo = s->next;
        free(s);
    }
    d->ooo_bytes = 0;
    d->nooo = 0;
}

static void tcp_deliver(struct dir *d, uint32_t seq, const uint8_t *p, uint32_t have,
                        uint32_t len);
static void tcp_drain(struct dir *d);

/* The lowest held segment is beyond a hole that will not be filled. */
static void tcp_skip_hole(struct dir *d)
{
    struct seg *s = d->ooo;
    uint32_t lost = s->seq - d->next;
    emit_gap(d, lost);
    d->next = s->seq;
    tcp_drain(d);
}

static void tcp_drain(struct dir *d)
{
    while (d->ooo && (int32_t)(d->ooo->seq - d->next) <= 0) {
        struct seg *s = d->ooo;
        d->ooo = s->next;
        d->ooo_bytes -= s->have;
        d->nooo--;
        tcp_deliver(d, s->seq, s->data, s->have, s->len);
        free(s);
    }
}

/* Bytes at or before next: the new part goes to the framer; a segment cut
 * by the snap length leaves a gap of what was not captured. */
static void tcp_deliver(struct dir *d, uint32_t seq, const uint8_t *p, uint32_t have,
                        uint32_t len)
{
    uint32_t skip = d->next - seq;      /* bytes already delivered */
    if (skip >= len)
        return;                         /* a retransmission */
    if (skip < have) {
        feed(d, p + skip, have - skip);
        d->next += have - skip;
        skip = have;
    }
    if (have < len) {
        uint32_t lost = len - skip;
        emit_gap(d, lost);
        d->next += lost;
    }
}

static void tcp_finish_dir(struct dir *d)
{
    while (d->ooo)
        tcp_skip_hole(d);
    framer_finish(&d->fr);
}

static void conn_close(struct reader *r, struct conn *c)
{
    if (c->state == 1) {
        for (int i = 0; i < 2; i++) {
            if (c->key.transport == DUMP_TR_TCP && !c->d[i].done)
                tcp_finish_dir(&c->d[i]);
            else if (!c->d[i].done)
                framer_finish(&c->d[i].fr);
        }
    }
    for (int i = 0; i < 2; i++) {
        free_ooo(&c->d[i]);
        framer_free(&c->d[i].fr);
    }
    if (r->st)
        stats_flow_end(r->st, c);
    free(c->sc.pend);
    struct conn **pp = &r->tab[c->hash & (r->tabsize - 1)];
    while (*pp && *pp != c)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = c->hnext;
    lru_unlink(r, c);
    r->nconns--;
    free(c);
}

/* The WV0 channel of a connection: the socket path says it, else --channel,
 * else TCP is the client channel (the only WV0 one on TCP). */
static enum alb_channel conn_channel(const struct reader *r, const struct ckey *k)
{
    enum alb_channel ch = ALB_CH_ANY;
    if (k->transport == DUMP_TR_UNIX)
        ch = alb_channel_from_path(k->path, strlen(k->path));
    if (ch == ALB_CH_ANY)
        ch = r->co->opts.channel;
    if (ch == ALB_CH_ANY && k->transport == DUMP_TR_TCP)
        ch = ALB_CH_CLIENT;
    return ch;
}

static void endpoint_text(char *buf, size_t n, unsigned af, const uint8_t *addr, uint16_t port,
                          int with_port)
{
    char a[INET6_ADDRSTRLEN];
    if (af == 4)
        inet_ntop(AF_INET, addr, a, sizeof a);
    else
        inet_ntop(AF_INET6, addr, a, sizeof a);
    if (!with_port)
        snprintf(buf, n, "%s", a);
    else if (af == 6)
        snprintf(buf, n, "[%s]:%u", a, port);
    else
        snprintf(buf, n, "%s:%u", a, port);
}

/* Finds or creates the connection; *dir_out is 0 when the sender is the
 * key's endpoint a.  Sender and receiver come in as (sa, sp, spid). */
static struct conn *lookup(struct reader *r, struct ckey *k, int swapped, int create)
{
    size_t n = key_len(k);
    uint32_t h = key_hash(k, n);
    struct conn *c;
    for (c = r->tab[h & (r->tabsize - 1)]; c; c = c->hnext)
        if (c->hash == h && memcmp(&c->key, k, n) == 0)
            break;
    if (c) {
        if (c != r->lru_head) {
            lru_unlink(r, c);
            lru_front(r, c);
        }
        c->last = r->sec;
        return c;
    }
    if (!create)
        return NULL;
    if (r->nconns >= r->co->max_flows && r->lru_tail)
        conn_close(r, r->lru_tail);
    c = calloc(1, sizeof *c);
    if (!c) {
        r->oom = 1;
        return NULL;
    }
    c->key = *k;
    c->hash = h;
    c->state = -1;
    c->client = -1;
    c->r = r;
    c->last = r->sec;
    c->sc.flow_index = -1;
    struct alb_opts o = r->co->opts;
    o.channel = conn_channel(r, k);
    for (int i = 0; i < 2; i++) {
        struct dir *d = &c->d[i];
        d->c = c;
        framer_init(&d->fr, &o, r->co->buffer, dir_emit, d);
        d->fr.src = &d->src;
        d->fr.track_version = 1;
        d->fr.skip_too_long = 1;
        struct dump_src *s = &d->src;
        s->transport = (enum dump_transport)k->transport;
        s->conn = c;
        s->dir = DUMP_DIR_UNKNOWN;
        /* direction i: from a to b (i == 0) or b to a */
        const uint8_t *fa = i ? k->b : k->a, *ta = i ? k->a : k->b;
        uint16_t fp = i ? k->pb : k->pa, tp = i ? k->pa : k->pb;
        if (k->af) {
            int ports = k->transport == DUMP_TR_TCP || fp || tp;
            endpoint_text(s->from, sizeof s->from, k->af, fa, fp, ports);
            endpoint_text(s->to, sizeof s->to, k->af, ta, tp, ports);
            s->has_addr = 1;
        }
        memcpy(s->path, k->path, sizeof s->path);
        s->pid = i ? k->pidb : k->pida;
        s->peer = i ? k->pida : k->pidb;
    }
    (void)swapped;
    c->hnext = r->tab[h & (r->tabsize - 1)];
    r->tab[h & (r->tabsize - 1)] = c;
    lru_front(r, c);
    r->nconns++;
    return c;
}

/* Closes connections idle for longer than the limit (capture time). */
static void expire(struct reader *r)
{
    while (r->lru_tail && r->sec > r->lru_tail->last &&
           (uint64_t)r->sec - (uint64_t)r->lru_tail->last > (uint64_t)r->co->idle)
        conn_close(r, r->lru_tail);
}

static int port_listed(const struct reader *r, uint16_t port)
{
    for (unsigned i = 0; i < r->co->nports; i++)
        if (r->co->ports[i] == port)
            return 1;
    return 0;
}

static int path_listed(const struct reader *r, const char *path)
{
    for (unsigned i = 0; i < r->co->npaths; i++)
        if (strstr(path, r->co->paths[i]))
            return 1;
    return 0;
}

/* A looser test for Unix sockets (recorded because someone chose them):
 * a header of wire version 0 or 2 whose length is acceptable. */
static int frames(const uint8_t *p, size_t n, const struct alb_opts *opts)
{
    struct alb_frame f;
    enum alb_err e = alb_frame(p, n, opts, &f);
    return (e == ALB_E_OK || e == ALB_E_NEED_MORE) && f.version != 1;
}

/* Picked up in the middle: is there a plausible header in the segment
 * followed by a whole, well-formed message? */
static int whole_message_inside(const uint8_t *p, size_t n, const struct alb_opts *opts)
{
    size_t i = alb_resync(p, n, opts);
    while (i < n) {
        struct alb_msg m;
        if (alb_decode(p + i, n - i, opts, &m, NULL, NULL) == ALB_E_OK && m.err.code == ALB_E_OK &&
            !(m.warnings & ALB_W_TRAILING))
            return 1;
        i += alb_resync(p + i, n - i, opts);
    }
    return 0;
}

/* A TLS record header: content type 20-23, protocol version 3.x. */
static int tls_record(const uint8_t *p, size_t n)
{
    return n >= 5 && p[0] >= 20 && p[0] <= 23 && p[1] == 3 && p[2] <= 4;
}

/* Is this connection albatross?  Decided on its first payload bytes. */
static void decide(struct reader *r, struct conn *c, int i, const uint8_t *p, size_t have)
{
    if (c->state != -1)
        return;
    const struct ckey *k = &c->key;
    if (k->transport == DUMP_TR_TCP && (port_listed(r, k->pa) || port_listed(r, k->pb)))
        c->state = 1;
    else if (k->transport == DUMP_TR_UNIX && r->co->npaths)
        c->state = path_listed(r, k->path);
    else if (k->transport == DUMP_TR_EXPORTED)
        c->state = 1;   /* the record names the albatross dissector */
    else if (have == 0)
        return;         /* nothing captured to judge by */
    else if (k->transport == DUMP_TR_TCP)
        c->state = alb_plausible(p, have, &c->d[i].fr.opts) ||
                   (!c->d[i].have_next && whole_message_inside(p, have, &c->d[i].fr.opts));
    else
        c->state = frames(p, have, &c->d[i].fr.opts);
    if (c->state == 0 && k->transport == DUMP_TR_TCP &&
        (k->pa == WV0_CLIENT_PORT || k->pb == WV0_CLIENT_PORT) && tls_record(p, have))
        /* the WV0 client channel: said once per connection, since nothing
         * of it is dumped */
        fprintf(r->err, "albatross-dump: %s: %s > %s: TLS, not decrypted (the WV0 client channel "
                        "is TLS on port %u): not dumped; tshark with the albatross plugin "
                        "decrypts it given the session keys\n",
                r->name, c->d[i].src.from, c->d[i].src.to, WV0_CLIENT_PORT);
    if (r->st)
        stats_note_flow(r->st, c->state);
    struct alb_frame f;
    if (c->state == 1 && alb_plausible(p, have, &c->d[i].fr.opts)) {
        /* the version of the first header is the connection's */
        alb_frame(p, have, &c->d[i].fr.opts, &f);
        if (f.hdr_len)
            c->d[0].fr.version_seen = c->d[1].fr.version_seen = (int)f.version;
    }
}

static void set_time(struct reader *r, struct conn *c)
{
    for (int i = 0; i < 2; i++) {
        c->d[i].src.frame = r->frame;
        c->d[i].src.ts_sec = r->sec;
        c->d[i].src.ts_usec = r->usec;
    }
}

/* ---------------------------------------------------------------- TCP */

static void tcp_segment(struct reader *r, struct ckey *k, int i, const uint8_t *t,
                        size_t thl, const uint8_t *payload, size_t have, size_t len)
{
    uint8_t flags = t[13];
    uint32_t seq = be32(t + 4);
    int create = len > 0 || (flags & TH_SYN);
    struct conn *c = lookup(r, k, i, create);
    if (!c)
        return;
    (void)thl;
    set_time(r, c);
    struct dir *d = &c->d[i];
    if (flags & TH_SYN) {
        if (!(flags & TH_ACK) && c->client < 0)
            set_dirs(c, i);
        if (!d->seen) {
            d->have_next = 1;
            d->next = seq + 1;
        }
        seq += 1;
    }
    if (len > 0 && c->state == -1 && !(d->have_next && (int32_t)(seq - d->next) > 0)) {
        /* decided on the first bytes of a direction, not on a segment that
         * arrived before them */
        decide(r, c, i, payload, have);
        if (c->state == 0) {
            free_ooo(&c->d[0]);
            free_ooo(&c->d[1]);
        }
        if (c->state == 1 && c->client < 0) {
            uint16_t sport = i ? k->pb : k->pa, dport = i ? k->pa : k->pb;
            int to_server = port_listed(r, dport) || dport == WV0_CLIENT_PORT ||
                            !(port_listed(r, sport) || sport == WV0_CLIENT_PORT);
            set_dirs(c, to_server ? i : !i);
        }
    }
    if (len > 0 && c->state != 0 && !d->done) {
        if (!d->have_next) {
            d->have_next = 1;
            d->next = seq;
            framer_midstream(&d->fr);   /* maybe picked up inside a message */
        }
        d->seen = 1;
        int32_t ahead = (int32_t)(seq - d->next);
        if (ahead <= 0) {
            tcp_deliver(d, seq, payload, (uint32_t)have, (uint32_t)len);
            tcp_drain(d);
        } else {
            struct seg *s = malloc(sizeof *s + have);
            if (!s) {
                r->oom = 1;
                return;
            }
            s->seq = seq;
            s->len = (uint32_t)len;
            s->have = (uint32_t)have;
            memcpy(s->data, payload, have);
            struct seg **pp = &d->ooo;
            while (*pp && (int32_t)((*pp)->seq - seq) <= 0)
                pp = &(*pp)->next;
            s->next = *pp;
            *pp = s;
            d->ooo_bytes += have;
            d->nooo++;
            if (c->state == -1 && (d->ooo_bytes > r->co->reorder || d->nooo > OOO_SEGMENTS)) {
                /* never saw where the stream starts: not taken */
                c->state = 0;
                free_ooo(&c->d[0]);
                free_ooo(&c->d[1]);
                if (r->st)
                    stats_note_flow(r->st, 0);
            }
            while (d->ooo && (d->ooo_bytes > r->co->reorder || d->nooo > OOO_SEGMENTS))
                tcp_skip_hole(d);
        }
    }
    if ((flags & TH_ACK) && c->state == 1) {
        /* the peer acknowledges bytes beyond a hole in the other direction:
         * it received them, the capture missed them */
        struct dir *o = &c->d[!i];
        uint32_t ack = be32(t + 8);
        while (o->have_next && o->ooo && (int32_t)(ack - o->ooo->seq) > 0)
            tcp_skip_hole(o);
    }
    if ((flags & TH_FIN) && !d->fin) {
        d->fin = 1;
        d->fin_seq = seq + (uint32_t)len;
    }
    if (c->state == 1 && d->fin && !d->done && d->have_next && d->next == d->fin_seq && !d->ooo) {
        d->done = 1;
        framer_finish(&d->fr);
    }
    if (flags & TH_RST) {
        conn_close(r, c);
        return;
    }
    int ended = (c->d[0].done || (c->d[0].fin && c->state != 1)) &&
                (c->d[1].done || (c->d[1].fin && c->state != 1));
    if (ended)
        conn_close(r, c);
}

/* TCP header at t (n bytes captured); wire_len is the TCP segment length
 * on the wire.  Addresses of length alen (4 or 16). */
static void on_tcp(struct reader *r, unsigned af, const uint8_t *src, const uint8_t *dst,
                   const uint8_t *t, size_t n, size_t wire_len)
{
    if (n < 20 || wire_len < 20)
        return;
    size_t thl = (size_t)(t[12] >> 4) * 4;
    if (thl < 20 || thl > n || thl > wire_len)
        return;
    size_t alen = af == 4 ? 4 : 16;
    uint16_t sp = be16(t), dp = be16(t + 2);
    struct ckey k;
    memset(&k, 0, sizeof k);
    k.transport = DUMP_TR_TCP;
    k.af = (uint8_t)af;
    int swap = memcmp(src, dst, alen) > 0 || (memcmp(src, dst, alen) == 0 && sp > dp);
    memcpy(k.a, swap ? dst : src, alen);
    memcpy(k.b, swap ? src : dst, alen);
    k.pa = swap ? dp : sp;
    k.pb = swap ? sp : dp;
    size_t len = wire_len - thl;
    size_t have = n - thl;
    if (have > len)
        have = len;     /* Ethernet padding */
    if (len > UINT32_MAX / 2)
        return;
    tcp_segment(r, &k, swap, t, thl, t + thl, have, len);
}

static void on_ipv4(struct reader *r, const uint8_t *p, size_t n)
{
    if (n < 20 || (p[0] >> 4) != 4)
        return;
    size_t ihl = (size_t)(p[0] & 15) * 4;
    size_t tot = be16(p + 2);
    if (ihl < 20 || ihl > n || tot < ihl)
        return;
    if (p[9] != 6)
        return;         /* not TCP */
    if ((be16(p + 6) & 0x3fff) != 0) {
        r->tcp_fragments++;     /* not reassembled: counted for the note at the end */
        return;
    }
    size_t have = n < tot ? n : tot;
    on_tcp(r, 4, p + 12, p + 16, p + ihl, have - ihl, tot - ihl);
}

static void on_ipv6(struct reader *r, const uint8_t *p, size_t n)
{
    if (n < 40 || (p[0] >> 4) != 6)
        return;
    size_t plen = be16(p + 4);
    uint8_t nh = p[6];
    size_t off = 40;
    size_t end = 40 + plen;
    for (int hops = 0; hops < 8; hops++) {
        if (nh == 6) {
            size_t have = n < end ? n : end;
            if (off > have)
                return;
            on_tcp(r, 6, p + 8, p + 24, p + off, have - off, end - off);
            return;
        }
        if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
            return;
        if (off + 8 > n || off + 8 > end)
            return;
        if (nh == 44) {
            if ((be16(p + off + 2) & 0xfff9) != 0) {
                if (p[off] == 6)
                    r->tcp_fragments++;     /* as in on_ipv4 */
                return;
            }
            nh = p[off];
            off += 8;
        } else {
            size_t el = ((size_t)p[off + 1] + 1) * 8;
            nh = p[off];
            off += el;
        }
    }
}

static void on_ethertype(struct reader *r, unsigned type, const uint8_t *p, size_t n)
{
    if (type == 0x0800)
        on_ipv4(r, p, n);
    else if (type == 0x86dd)
        on_ipv6(r, p, n);
}

static void on_ip(struct reader *r, const uint8_t *p, size_t n)
{
    if (n >= 1 && (p[0] >> 4) == 4)
        on_ipv4(r, p, n);
    else if (n >= 1 && (p[0] >> 4) == 6)
        on_ipv6(r, p, n);
}

static void on_ethernet(struct reader *r, const uint8_t *p, size_t n)
{
    if (n < 14)
        return;
    size_t off = 12;
    unsigned type = be16(p + off);
    for (int tags = 0; tags < 4 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); tags++) {
        off += 4;
        if (off + 2 > n)
            return;
        type = be16(p + off);
    }
    off += 2;
    on_ethertype(r, type, p + off, n - off);
}

static void on_null(struct reader *r, const uint8_t *p, size_t n, int network_order)
{
    if (n < 4)
        return;
    uint32_t fam = network_order ? be32(p) : (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
    if (!network_order && (fam & 0xffff) == 0)
        fam = be32(p);  /* written on a big-endian host */
    if (fam == 2)
        on_ipv4(r, p + 4, n - 4);
    else if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
        on_ipv6(r, p + 4, n - 4);
}

/* ---------------------------------------------------------------- byte-stream records */

/* Data of one direction of a connection that keeps its order (Unix
 * sockets, exported PDUs): no sequence numbers, only snap-length gaps. */
static void stream_data(struct reader *r, struct ckey *k, int i, const uint8_t *p, size_t have,
                        size_t len)
{
    struct conn *c = lookup(r, k, i, 1);
    if (!c)
        return;
    set_time(r, c);
    if (len == 0)
        return;
    decide(r, c, i, p, have);
    if (c->state == -1 && have == 0)
        return;
    if (c->client < 0)
        set_dirs(c, i);     /* the client speaks first */
    if (c->state != 1)
        return;
    struct dir *d = &c->d[i];
    if (!d->seen && c->state == 1 && !alb_plausible(p, have, &d->fr.opts))
        framer_midstream(&d->fr);   /* the recording started in the middle */
    d->seen = 1;
    feed(d, p, have);
    if (have < len)
        emit_gap(d, len - have);
}

/* sockdump: the 125-byte header has a path length of 1-108 in byte 0 and
 * only NULs after the path; in the 16-byte header byte 0 is the top byte
 * of a process id, i.e. 0. */
static int sockdump_125(const uint8_t *p, size_t n)
{
    if (n < SOCKDUMP_HDR || p[0] == 0 || p[0] > SOCKDUMP_PATH)
        return 0;
    for (size_t i = 1 + p[0]; i < 1 + SOCKDUMP_PATH; i++)
        if (p[i] != 0)
            return 0;
    for (size_t i = 1; i < 1u + p[0]; i++)
        if (p[i] == 0)
            return 0;
    return 1;
}

static int on_sockdump(struct reader *r, const uint8_t *p, size_t n, size_t wire)
{
    struct ckey k;
    memset(&k, 0, sizeof k);
    size_t hl;
    uint64_t pid, peer;
    if (sockdump_125(p, n)) {
        hl = SOCKDUMP_HDR;
        k.transport = DUMP_TR_UNIX;
        memcpy(k.path, p + 1, p[0]);
        peer = be64(p + 1 + SOCKDUMP_PATH);
        pid = be64(p + 1 + SOCKDUMP_PATH + 8);
    } else if (n >= SOCKDUMP_HDR16 && p[0] == 0) {
        hl = SOCKDUMP_HDR16;
        k.transport = DUMP_TR_UNIX16;
        peer = be64(p);
        pid = be64(p + 8);
    } else {
        return -1;
    }
    if (wire < hl)
        wire = hl;
    int swap = pid > peer;
    k.pida = swap ? peer : pid;
    k.pidb = swap ? pid : peer;
    if (k.transport == DUMP_TR_UNIX && r->co->npaths && !path_listed(r, k.path))
        return 0;
    stream_data(r, &k, swap, p + hl, n - hl, wire - hl);
    return 0;
}

/* Exported PDU: TLVs (tag, length, both big-endian u16), then the PDU after
 * the end tag.  Only records for the "albatross" dissector are taken. */
static int on_exported(struct reader *r, const uint8_t *p, size_t n, size_t wire)
{
    size_t off = 0;
    int ours = 0, ended = 0;
    unsigned af = 0;
    uint8_t src[16] = { 0 }, dst[16] = { 0 };
    uint32_t sport = 0, dport = 0;
    while (n - off >= 4) {
        unsigned tag = be16(p + off);
        size_t len = be16(p + off + 2);
        off += 4;
        if (tag == 0) {
            ended = 1;
            break;
        }
        if (len > n - off)
            return -1;
        const uint8_t *v = p + off;
        if (tag == 12) {
            size_t l = len;
            while (l > 0 && v[l - 1] == 0)
                l--;        /* padding */
            ours = l == 9 && memcmp(v, "albatross", 9) == 0;
        } else if ((tag == 20 || tag == 21) && len == 4) {
            af = 4;
            memcpy(tag == 20 ? src : dst, v, 4);
        } else if ((tag == 22 || tag == 23) && len == 16) {
            af = 6;
            memcpy(tag == 22 ? src : dst, v, 16);
        } else if ((tag == 25 || tag == 26) && len == 4) {
            *(tag == 25 ? &sport : &dport) = be32(v);
        }
        off += len;
    }
    if (!ended)
        return -1;
    if (!ours)
        return 0;
    struct ckey k;
    memset(&k, 0, sizeof k);
    k.transport = DUMP_TR_EXPORTED;
    int swap = 0;
    if (af) {
        size_t alen = af == 4 ? 4 : 16;
        k.af = (uint8_t)af;
        swap = memcmp(src, dst, alen) > 0 || (memcmp(src, dst, alen) == 0 && sport > dport);
        memcpy(k.a, swap ? dst : src, alen);
        memcpy(k.b, swap ? src : dst, alen);
        k.pa = (uint16_t)(swap ? dport : sport);
        k.pb = (uint16_t)(swap ? sport : dport);
    }
    stream_data(r, &k, swap, p + off, n - off, wire > off ? wire - off : n - off);
    return 0;
}

/* ---------------------------------------------------------------- the loop */

static int linktype_supported(int lt)
{
    switch (lt) {
    case DLT_EN10MB: case DLT_NULL: case LINKTYPE_LOOP: case DLT_RAW: case LINKTYPE_RAW:
    case LINKTYPE_IPV4: case LINKTYPE_IPV6: case LINKTYPE_SLL: case LINKTYPE_SLL2:
    case LINKTYPE_SOCKDUMP: case LINKTYPE_EXPORTED_PDU:
#if DLT_RAW != 14
    case 14:
#endif
        return 1;
    default:
        return 0;
    }
}

static void on_record(struct reader *r, const uint8_t *p, size_t n, size_t wire)
{
    switch (r->linktype) {
    case DLT_EN10MB:
        on_ethernet(r, p, n);
        break;
    case LINKTYPE_SLL:
        if (n >= 16)
            on_ethertype(r, be16(p + 14), p + 16, n - 16);
        break;
    case LINKTYPE_SLL2:
        if (n >= 20)
            on_ethertype(r, be16(p), p + 20, n - 20);
        break;
    case DLT_NULL:
        on_null(r, p, n, 0);
        break;
    case LINKTYPE_LOOP:
        on_null(r, p, n, 1);
        break;
    case LINKTYPE_IPV4:
        on_ipv4(r, p, n);
        break;
    case LINKTYPE_IPV6:
        on_ipv6(r, p, n);
        break;
    case LINKTYPE_SOCKDUMP:
        if (on_sockdump(r, p, n, wire) != 0) {
            if (r->bad_records++ < 10)
                fprintf(r->err, "albatross-dump: %s: record %llu: neither sockdump header layout (125 or 16 bytes) fits\n",
                        r->name, (unsigned long long)r->frame);
        }
        break;
    case LINKTYPE_EXPORTED_PDU:
        if (on_exported(r, p, n, wire) != 0) {
            if (r->bad_records++ < 10)
                fprintf(r->err, "albatross-dump: %s: record %llu: malformed exported-PDU tags\n",
                        r->name, (unsigned long long)r->frame);
        }
        break;
    default:    /* DLT_RAW and its other numbers */
        on_ip(r, p, n);
        break;
    }
}

enum dump_capture_result dump_capture(FILE *in, const char *name,
                                      const struct dump_capture_opts *co,
                                      const struct dump_sink *sink, struct dump_stats *st,
                                      FILE *err)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    ebuf[0] = '\0';
    pcap_t *pc = pcap_fopen_offline(in, ebuf);
    if (!pc) {
        FROM_LIBPCAP(ebuf, sizeof ebuf);
        fprintf(err, "albatross-dump: %s: not a capture file (%s); for a raw byte stream use --raw\n",
                name, ebuf);
        fclose(in);
        return DUMP_CAP_ERROR;
    }
    struct reader r;
    memset(&r, 0, sizeof r);
    r.co = co;
    r.sink = sink;
    r.st = st;
    r.err = err;
    r.name = name;
    r.linktype = pcap_datalink(pc);
    if (!linktype_supported(r.linktype)) {
        const char *ln = pcap_datalink_val_to_name(r.linktype);
        fprintf(err, "albatross-dump: %s: link type %d (%s) is not supported\n", name, r.linktype,
                ln ? ln : "unknown");
        pcap_close(pc);
        return DUMP_CAP_ERROR;
    }
    r.tabsize = 1;
    while (r.tabsize < co->max_flows * 2u)
        r.tabsize <<= 1;
    r.tab = calloc(r.tabsize, sizeof *r.tab);
    if (!r.tab) {
        fprintf(err, "albatross-dump: out of memory\n");
        pcap_close(pc);
        return DUMP_CAP_ERROR;
    }

    enum dump_capture_result res = DUMP_CAP_OK;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        FROM_LIBPCAP(&h, sizeof h);
        FROM_LIBPCAP(&data, sizeof data);
        FROM_LIBPCAP(h, sizeof *h);
        FROM_LIBPCAP(data, h->caplen);
        r.frame++;
        r.sec = (int64_t)h->ts.tv_sec;
        r.usec = (long)h->ts.tv_usec;
        if (st)
            stats_note_record(st);
        size_t wire = h->len > h->caplen ? h->len : h->caplen;
        on_record(&r, data, h->caplen, wire);
        if (r.oom) {
            fprintf(err, "albatross-dump: %s: out of memory at record %llu\n", name,
                    (unsigned long long)r.frame);
            res = DUMP_CAP_ERROR;
            break;
        }
        expire(&r);
        if (co->flush_each) {
            if (sink->flush)
                sink->flush(sink->ctx);
            fflush(NULL);
        }
    }
    if (rc == PCAP_ERROR) {
        const char *msg = pcap_geterr(pc);
        FROM_LIBPCAP(msg, PCAP_ERRBUF_SIZE);    /* pcap_geterr: the handle's message buffer */
        if (strstr(msg, "truncated")) {
            fprintf(err, "albatross-dump: %s: the capture is truncated after record %llu (%s)\n",
                    name, (unsigned long long)r.frame, msg);
            res = res == DUMP_CAP_OK ? DUMP_CAP_TRUNCATED : res;
        } else {
            /* libpcap's pcapng reader takes one link type per file */
            const char *hint = strstr(msg, "different from the type of the first interface")
                                   ? " (libpcap reads a pcapng file only while all its "
                                     "interfaces share one link type: dump the merged "
                                     "captures one by one)"
                                   : "";
            fprintf(err, "albatross-dump: %s: error after record %llu: %s%s\n", name,
                    (unsigned long long)r.frame, msg, hint);
            res = DUMP_CAP_ERROR;
        }
    }
    /* end of the capture: every connection's tail is reported, oldest first */
    while (r.lru_tail)
        conn_close(&r, r.lru_tail);
    if (r.bad_records > 10)
        fprintf(err, "albatross-dump: %s: %lu malformed records in all\n", name, r.bad_records);
    if (r.tcp_fragments)
        fprintf(err,
                "albatross-dump: %s: %lu IP fragment%s of TCP skipped: fragments are not "
                "reassembled, so what they carried is missing (a GAP on an albatross "
                "connection)\n",
                name, r.tcp_fragments, r.tcp_fragments == 1 ? "" : "s");
    free(r.tab);
    pcap_close(pc);
    return res;
}
