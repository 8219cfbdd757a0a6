#define _GNU_SOURCE
/* albatross-play: the scripted conversations on other transports, written
 * directly with libpcap (pcap_open_dead + pcap_dump).  Everything here is
 * deterministic, capture timestamps included. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "play.h"
#include "tap_format.h"

/* 2018-10-12T10:00:00Z, the day of the message timestamps */
#define T0 1539338400L

struct out {
    pcap_t *dead;
    pcap_dumper_t *d;
    long usec;              /* capture clock, microseconds after T0 */
};

static int out_open(struct out *o, const char *path, int linktype)
{
    o->dead = pcap_open_dead(linktype, TAP_SNAPLEN);
    if (!o->dead) {
        fprintf(stderr, "albatross-play: pcap_open_dead failed\n");
        return 1;
    }
    o->d = pcap_dump_open(o->dead, path);
    if (!o->d) {
        fprintf(stderr, "albatross-play: cannot write %s: %s\n", path, pcap_geterr(o->dead));
        pcap_close(o->dead);
        return 1;
    }
    o->usec = 0;
    return 0;
}

static void out_rec(struct out *o, const uint8_t *p, size_t n, long step_usec)
{
    struct pcap_pkthdr h;
    o->usec += step_usec;
    h.ts.tv_sec = T0 + o->usec / 1000000;
    h.ts.tv_usec = o->usec % 1000000;
    h.caplen = h.len = (bpf_u_int32)n;
    pcap_dump((u_char *)o->d, &h, p);
}

static int out_close(struct out *o)
{
    int rc = 0;
    if (pcap_dump_flush(o->d) != 0) {
        fprintf(stderr, "albatross-play: writing the capture failed\n");
        rc = 1;
    }
    pcap_dump_close(o->d);
    pcap_close(o->dead);
    return rc;
}

/* A run: consecutive messages of one connection in one direction, as one
 * byte stream. */
struct run {
    int conn, dir;
    uint8_t *b;
    size_t n;
    int first, end;         /* message index range [first, end) */
};

static int next_run(const struct script *s, int *i, struct run *r)
{
    if (*i >= s->n)
        return 0;
    r->conn = s->v[*i].conn;
    r->dir = s->v[*i].dir;
    r->first = *i;
    r->n = 0;
    int j = *i;
    while (j < s->n && s->v[j].conn == r->conn && s->v[j].dir == r->dir)
        r->n += s->v[j++].m->n;
    r->end = j;
    r->b = malloc(r->n ? r->n : 1);
    if (!r->b)
        play_die("out of memory");
    size_t off = 0;
    for (int k = *i; k < j; k++) {
        memcpy(r->b + off, s->v[k].m->b, s->v[k].m->n);
        off += s->v[k].m->n;
    }
    *i = j;
    return 1;
}

/* Segment sizes: a fixed pattern, so messages get split across segments
 * and small ones share a segment. */
static size_t seg_size(unsigned k, size_t cap)
{
    static const size_t pat[] = { 11, 180, 37, 700, 5, 1448, 64, 300 };
    size_t n = pat[k % (sizeof pat / sizeof pat[0])];
    return n < cap ? n : cap;
}

/* ---------------------------------------------------------------- TCP */

struct tcpconn {
    uint16_t cport;
    uint32_t seq[2];        /* next sequence number per direction (0 client) */
};

static uint16_t csum_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    return s;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

enum { F_FIN = 1, F_SYN = 2, F_PSH = 8, F_ACK = 16 };

static void tcp_pkt(struct out *o, const struct tcpconn *c, int dir, uint32_t seq, uint32_t ack,
                    uint8_t flags, const uint8_t *data, size_t n, uint16_t port, uint16_t *ipid)
{
    static uint8_t pkt[14 + 20 + 20 + 2048];
    uint8_t *eth = pkt, *ip = pkt + 14, *tcp = ip + 20;
    /* Ethernet: loopback has zero addresses */
    memset(eth, 0, 12);
    put16(eth + 12, 0x0800);
    /* IPv4 */
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(40 + n));
    put16(ip + 4, (*ipid)++);
    put16(ip + 6, 0x4000);  /* don't fragment */
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, 0x7F000001u);
    put32(ip + 16, 0x7F000001u);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    /* TCP */
    memset(tcp, 0, 20);
    put16(tcp, dir == 0 ? c->cport : port);
    put16(tcp + 2, dir == 0 ? port : c->cport);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65483);
    if (n)
        memcpy(tcp + 20, data, n);
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (uint16_t)(20 + n));
    put16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, 20 + n)));
    out_rec(o, pkt, 14 + 40 + n, 150);
}

int write_tcp(const char *path, const struct script *s, uint16_t port)
{
    struct out o;
    if (out_open(&o, path, DLT_EN10MB))
        return 1;
    struct tcpconn *cs = calloc((size_t)s->nconn, sizeof *cs);
    int *open = calloc((size_t)s->nconn, sizeof *open);
    if (!cs || !open)
        play_die("out of memory");
    uint16_t ipid = 1;
    int ooo_done = 0, retrans_done = 0;
    int i = 0;
    struct run r;
    while (next_run(s, &i, &r)) {
        struct tcpconn *c = &cs[r.conn];
        if (!open[r.conn]) {
            /* three-way handshake */
            open[r.conn] = 1;
            c->cport = (uint16_t)(40000 + 7 * r.conn);
            c->seq[0] = 0x1000u + 0x10000u * (uint32_t)r.conn;
            c->seq[1] = 0x8000000u + 0x10000u * (uint32_t)r.conn;
            tcp_pkt(&o, c, 0, c->seq[0]++, 0, F_SYN, NULL, 0, port, &ipid);
            tcp_pkt(&o, c, 1, c->seq[1]++, c->seq[0], F_SYN | F_ACK, NULL, 0, port, &ipid);
            tcp_pkt(&o, c, 0, c->seq[0], c->seq[1], F_ACK, NULL, 0, port, &ipid);
        }
        /* cut the run into segments */
        struct seg {
            uint32_t seq;
            size_t off, n;
        } segs[256];
        int ns = 0;
        size_t off = 0;
        unsigned k = (unsigned)r.first;
        while (off < r.n && ns < 256) {
            size_t n = seg_size(k++, r.n - off);
            if (ns == 255)
                n = r.n - off;
            segs[ns++] = (struct seg){ c->seq[r.dir] + (uint32_t)off, off, n };
            off += n;
        }
        uint32_t ack = c->seq[1 - r.dir];
        int order[258], no = 0;
        for (int j = 0; j < ns; j++)
            order[no++] = j;
        if (!ooo_done && ns >= 3) {
            /* the second and third segments arrive swapped */
            order[1] = 2;
            order[2] = 1;
            ooo_done = 1;
        } else if (!retrans_done && ns >= 2) {
            /* the first segment is sent twice */
            memmove(order + 2, order + 1, (size_t)(no - 1) * sizeof order[0]);
            order[1] = 0;
            no++;
            retrans_done = 1;
        }
        for (int j = 0; j < no; j++) {
            const struct seg *g = &segs[order[j]];
            tcp_pkt(&o, c, r.dir, g->seq, ack, F_PSH | F_ACK, r.b + g->off, g->n, port, &ipid);
        }
        c->seq[r.dir] += (uint32_t)r.n;
        /* the receiver acknowledges the whole run */
        tcp_pkt(&o, c, 1 - r.dir, ack, c->seq[r.dir], F_ACK, NULL, 0, port, &ipid);
        free(r.b);
    }
    /* orderly close of every connection: client FIN first */
    for (int n = 0; n < s->nconn; n++) {
        struct tcpconn *c = &cs[n];
        if (!open[n])
            continue;
        tcp_pkt(&o, c, 0, c->seq[0]++, c->seq[1], F_FIN | F_ACK, NULL, 0, port, &ipid);
        tcp_pkt(&o, c, 1, c->seq[1]++, c->seq[0], F_FIN | F_ACK, NULL, 0, port, &ipid);
        tcp_pkt(&o, c, 0, c->seq[0], c->seq[1], F_ACK, NULL, 0, port, &ipid);
    }
    free(cs);
    free(open);
    return out_close(&o);
}

/* ---------------------------------------------------------------- exported PDU */

int write_exported(const char *path, const struct script *s)
{
    static const char name[] = "albatross";
    static uint8_t rec[8 + 16 + PLAY_MAX_MSG];
    struct out o;
    if (out_open(&o, path, 252))
        return 1;
    /* tag 12 (EXP_PDU_TAG_DISSECTOR_NAME) "albatross", then tag 0 (end) */
    size_t h = 0;
    put16(rec + h, 12);
    put16(rec + h + 2, (uint16_t)(sizeof name - 1));
    memcpy(rec + h + 4, name, sizeof name - 1);
    h += 4 + sizeof name - 1;
    put16(rec + h, 0);
    put16(rec + h + 2, 0);
    h += 4;
    for (int i = 0; i < s->n; i++) {
        const struct pmsg *m = s->v[i].m;
        memcpy(rec + h, m->b, m->n);
        out_rec(&o, rec, h + m->n, 1000);
    }
    return out_close(&o);
}

/* ---------------------------------------------------------------- sockdump, 16 bytes */

int write_sockdump16(const char *path, const struct script *s)
{
    /* process ids: vmmd 1200, console 1201, stats 1202, log 1203; each
     * client its own (the script's connections 0..5 of script_wv2) */
    static const uint64_t server_of[] = { 1200, 1200, 1201, 1203, 1202, 1200 };
    static uint8_t rec[TAP_HDR16_LEN + 2048];
    struct out o;
    if (out_open(&o, path, TAP_LINKTYPE))
        return 1;
    int i = 0;
    struct run r;
    while (next_run(s, &i, &r)) {
        uint64_t server = server_of[(size_t)r.conn % (sizeof server_of / sizeof server_of[0])];
        uint64_t client = 5000 + (uint64_t)r.conn;
        uint64_t pid = r.dir == 0 ? client : server, peer = r.dir == 0 ? server : client;
        /* one record per write; writes split and merge messages */
        size_t off = 0;
        unsigned k = (unsigned)r.first + 3;
        while (off < r.n) {
            size_t n = seg_size(k++, r.n - off);
            tap_fill_header16(rec, peer, pid);
            memcpy(rec + TAP_HDR16_LEN, r.b + off, n);
            out_rec(&o, rec, TAP_HDR16_LEN + n, 500);
            off += n;
        }
        free(r.b);
    }
    return out_close(&o);
}
