#define _GNU_SOURCE
/* albatross-play: the scripted conversations on other transports, written
 * as synthetic captures (frames.h).  Everything here is deterministic,
 * capture timestamps included. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "play.h"
#include "tap_format.h"

/* 2018-10-12T10:00:00Z, the day of the message timestamps */
#define T0 1539338400L

static int out_open(struct frame_writer *w, const char *path, int linktype)
{
    char err[PCAP_ERRBUF_SIZE];
    if (frame_writer_open(w, path, linktype, TAP_SNAPLEN, T0 * 1000000LL, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "albatross-play: cannot write %s: %s\n", path, err);
    return 1;
}

static int out_close(struct frame_writer *w)
{
    if (frame_writer_close(w) == 0)
        return 0;
    fprintf(stderr, "albatross-play: writing the capture failed\n");
    return 1;
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

static void tcp_pkt(struct frame_writer *w, const struct tcpconn *c, int dir, uint32_t seq,
                    uint32_t ack, uint8_t flags, const uint8_t *data, size_t n, uint16_t port,
                    uint16_t *ipid)
{
    static const uint8_t loopback_mac[6];  /* loopback has zero addresses */
    static uint8_t pkt[FRAME_ETHER_LEN + FRAME_IPV4_LEN + FRAME_TCP_LEN + 2048];
    const struct frame_tcp t = {
        .src_ip = { 127, 0, 0, 1 },
        .dst_ip = { 127, 0, 0, 1 },
        .src_port = dir == 0 ? c->cport : port,
        .dst_port = dir == 0 ? port : c->cport,
        .seq = seq,
        .ack = ack,
        .flags = flags,
        .window = 65483,
        .ip_id = (*ipid)++,
        .checksums = true,
    };
    size_t len = frame_ether_ipv4_tcp(pkt, loopback_mac, loopback_mac, &t, data, n);
    frame_writer_put(w, 150, pkt, len, len);
}

int write_tcp(const char *path, const struct script *s, uint16_t port)
{
    struct frame_writer o;
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
            tcp_pkt(&o, c, 0, c->seq[0]++, 0, FRAME_SYN, NULL, 0, port, &ipid);
            tcp_pkt(&o, c, 1, c->seq[1]++, c->seq[0], FRAME_SYN | FRAME_ACK, NULL, 0, port, &ipid);
            tcp_pkt(&o, c, 0, c->seq[0], c->seq[1], FRAME_ACK, NULL, 0, port, &ipid);
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
            tcp_pkt(&o, c, r.dir, g->seq, ack, FRAME_PSH | FRAME_ACK, r.b + g->off, g->n, port,
                    &ipid);
        }
        c->seq[r.dir] += (uint32_t)r.n;
        /* the receiver acknowledges the whole run */
        tcp_pkt(&o, c, 1 - r.dir, ack, c->seq[r.dir], FRAME_ACK, NULL, 0, port, &ipid);
        free(r.b);
    }
    /* orderly close of every connection: client FIN first */
    for (int n = 0; n < s->nconn; n++) {
        struct tcpconn *c = &cs[n];
        if (!open[n])
            continue;
        tcp_pkt(&o, c, 0, c->seq[0]++, c->seq[1], FRAME_FIN | FRAME_ACK, NULL, 0, port, &ipid);
        tcp_pkt(&o, c, 1, c->seq[1]++, c->seq[0], FRAME_FIN | FRAME_ACK, NULL, 0, port, &ipid);
        tcp_pkt(&o, c, 0, c->seq[0], c->seq[1], FRAME_ACK, NULL, 0, port, &ipid);
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
    struct frame_writer o;
    if (out_open(&o, path, FRAME_LINKTYPE_EXPORTED_PDU))
        return 1;
    /* the dissector name "albatross" (unpadded), then the end tag */
    size_t h = frame_exported_tag(rec, FRAME_EXP_TAG_DISSECTOR_NAME, name, sizeof name - 1);
    h += frame_exported_tag(rec + h, FRAME_EXP_TAG_END, NULL, 0);
    for (int i = 0; i < s->n; i++) {
        const struct pmsg *m = s->v[i].m;
        memcpy(rec + h, m->b, m->n);
        frame_writer_put(&o, 1000, rec, h + m->n, h + m->n);
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
    struct frame_writer o;
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
            frame_writer_put(&o, 500, rec, TAP_HDR16_LEN + n, TAP_HDR16_LEN + n);
            off += n;
        }
        free(r.b);
    }
    return out_close(&o);
}
