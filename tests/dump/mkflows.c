/* mkflows: writes the captures the dumper's capture tests read.
 *
 *   mkflows DIR
 *
 * Every message comes from the project's encoder; every record is written
 * by libpcap (pcap_open_dead + pcap_dump_open).  The files:
 *
 *   tcp-clean-<link>.pcap  one conversation (handshake, 8 requests, 8
 *                          replies, FIN) over each supported link type
 *   tcp-reorder.pcap       segments swapped, delayed, duplicated, overlapping
 *   tcp-gap.pcap           a segment inside a message and one whole message lost
 *   tcp-midstream.pcap     no handshake; the capture starts inside a message
 *   tcp-snaplen.pcap       snap length 90: every record cut short
 *   tcp-rst.pcap           the server resets the connection inside a message
 *   tcp-flows.pcap         300 connections at once, none closed
 *   tcp-noise.pcap         a connection that is not albatross, then one that is
 *   sockdump-hostile.pcap  short records, bad path lengths, garbage, a huge length
 *   exported-addr.pcap     exported PDUs with addresses, other dissectors, bad tags
 */
#define _DEFAULT_SOURCE
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "albatross/wire.h"
#include "frames.h"
#include "tap_format.h"

#define LT_SLL 113
#define LT_SLL2 276
#define LT_LOOP 108
#define LT_IPV4 228
#define LT_IPV6 229

static const char *outdir;

static void die(const char *what)
{
    fprintf(stderr, "mkflows: %s\n", what);
    exit(1);
}

/* ---------------------------------------------------------------- messages */

struct buf {
    uint8_t b[1 << 16];
    size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
    if (n > sizeof b->b - b->n)
        die("buffer full");
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void enc(struct buf *b, const struct alb_msg *m)
{
    size_t w;
    struct alb_error e;
    if (alb_encode(m, b->b + b->n, sizeof b->b - b->n, &w, &e) != ALB_E_OK)
        die("cannot encode");
    b->n += w;
}

/* Vm.Destroy id with a name of one or two components. */
static void request(struct buf *b, uint64_t id, const char *name)
{
    struct alb_msg m;
    struct alb_bytes parts[2];
    const char *dot = strchr(name, '.');
    alb_msg_init(&m, ALB_K_VM_DESTROY);
    m.id = id;
    parts[0] = (struct alb_bytes){ (const uint8_t *)name, dot ? (size_t)(dot - name) : strlen(name) };
    if (dot)
        parts[1] = (struct alb_bytes){ (const uint8_t *)dot + 1, strlen(dot + 1) };
    m.name.count = dot ? 2 : 1;
    m.name.items = parts;
    enc(b, &m);
}

static void reply(struct buf *b, uint64_t id, const char *text)
{
    struct alb_msg m;
    alb_msg_init(&m, ALB_K_SUCCESS);
    m.tag = 0x80000401u;
    m.id = id;
    m.u.msg = (struct alb_bytes){ (const uint8_t *)text, strlen(text) };
    enc(b, &m);
}

static const char *const names[] = { "hello", "web.frontend", "web.backend", "db" };

/* n requests (ids 1..n) and their replies */
static void conversation(struct buf *c, struct buf *s, int n)
{
    c->n = s->n = 0;
    for (int i = 1; i <= n; i++) {
        request(c, (uint64_t)i, names[i % 4]);
        reply(s, (uint64_t)i, i % 2 ? "destroyed" : "ok");
    }
}

/* ---------------------------------------------------------------- records */

struct cap {
    struct frame_writer w;
    int lt;
    int vlans;
    size_t snap;            /* records are cut to this many bytes */
};

static void cap_open(struct cap *c, const char *name, int lt, size_t snap)
{
    char path[4096], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    memset(c, 0, sizeof c[0]);
    c->lt = lt;
    c->snap = snap ? snap : TAP_SNAPLEN;
    if (frame_writer_open(&c->w, path, lt, (int)c->snap, 1539338400000000LL, /* 2018-10-12 */
                          err, sizeof err))
        die(err);
}

static void cap_close(struct cap *c)
{
    if (frame_writer_close(&c->w))
        die("writing a capture failed");
}

/* records 250 us apart */
static void record(struct cap *c, const uint8_t *p, size_t n)
{
    frame_writer_put(&c->w, 250, p, n < c->snap ? n : c->snap, n);
}

/* ---------------------------------------------------------------- TCP */

struct tcp {
    struct cap *cap;
    int v6;
    uint8_t ca[16], sa[16];
    uint16_t cp, sp;
    uint32_t cseq, sseq;    /* next sequence numbers (after the ISN) */
    int fragment_next;      /* send the next segment as two IP fragments */
};

/* Writes the IP packet at pkt + hdr (len bytes, after hdr bytes of link
 * header) as two fragments: the first 24 bytes of its payload (the TCP
 * header and 4 bytes of data), then the rest at fragment offset 3.  An IPv6
 * packet must carry a fragment header (8 bytes, after the fixed 40). */
static void fragmented(struct cap *c, const uint8_t *pkt, size_t hdr, size_t len, int v6)
{
    static uint8_t f[70000];
    const uint8_t *ip = pkt + hdr;
    size_t ihl = v6 ? 48 : FRAME_IPV4_LEN, first = 24;
    size_t len_at = v6 ? 4 : 2, frag_at = v6 ? 42 : 6;
    size_t len_base = v6 ? 40 : 0;      /* IPv6 counts the payload only */
    memcpy(f, pkt, hdr + ihl + first);
    frame_put16(f + hdr + len_at, (uint16_t)(ihl + first - len_base));
    frame_put16(f + hdr + frag_at, v6 ? 1 : 0x2000);   /* offset 0, more fragments */
    record(c, f, hdr + ihl + first);
    memcpy(f, pkt, hdr + ihl);
    memcpy(f + hdr + ihl, ip + ihl + first, len - ihl - first);
    frame_put16(f + hdr + len_at, (uint16_t)(len - first - len_base));
    frame_put16(f + hdr + frag_at, (uint16_t)(v6 ? first : first / 8));  /* offset, last */
    record(c, f, hdr + len - first);
}

static void segment(struct tcp *t, int from_client, uint8_t flags, uint32_t seq,
                    const uint8_t *data, size_t n)
{
    static const uint8_t client_mac[6] = { 0, 0, 0, 0, 0, 2 };
    static const uint8_t server_mac[6] = { 0, 0, 0, 0, 0, 1 };
    uint8_t pkt[70000];
    size_t off = 0;
    struct cap *c = t->cap;
    const uint8_t *src = from_client ? t->ca : t->sa, *dst = from_client ? t->sa : t->ca;
    uint16_t ethertype = t->v6 ? FRAME_ETHERTYPE_IPV6 : FRAME_ETHERTYPE_IPV4;
    struct frame_tcp seg = {
        .src_port = from_client ? t->cp : t->sp,
        .dst_port = from_client ? t->sp : t->cp,
        .seq = seq,
        .ack = from_client ? t->sseq : t->cseq,
        .flags = flags,
        .window = 65535,
    };
    switch (c->lt) {
    case DLT_EN10MB: {
        /* VLAN tags stand between the addresses and the type: the type
         * field holds the first tag's TPID (802.1ad outside a stack, else
         * 802.1Q), each tag ends in the next one's or the real type */
        uint16_t type = c->vlans == 0 ? ethertype : c->vlans > 1 ? 0x88a8 : 0x8100;
        off = frame_ether(pkt, from_client ? server_mac : client_mac,
                          from_client ? client_mac : server_mac, type);
        for (int i = 0; i < c->vlans; i++) {
            frame_put16(pkt + off, (uint16_t)(100 + i));
            frame_put16(pkt + off + 2, i + 1 < c->vlans ? 0x8100 : ethertype);
            off += 4;
        }
        break;
    }
    case LT_SLL:
        memset(pkt, 0, 16);
        frame_put16(pkt + 2, 772);
        frame_put16(pkt + 4, 6);
        frame_put16(pkt + 14, ethertype);
        off = 16;
        break;
    case LT_SLL2:
        memset(pkt, 0, 20);
        frame_put16(pkt, ethertype);
        frame_put16(pkt + 8, 772);
        pkt[11] = 6;
        off = 20;
        break;
    case DLT_NULL:      /* host order: written little-endian here */
        pkt[0] = t->v6 ? 30 : 2;
        pkt[1] = pkt[2] = pkt[3] = 0;
        off = 4;
        break;
    case LT_LOOP:
        frame_put32(pkt, t->v6 ? 30 : 2);
        off = 4;
        break;
    default:            /* raw IP */
        break;
    }
    size_t ip_off = off;
    if (!t->v6) {
        memcpy(seg.src_ip, src, 4);
        memcpy(seg.dst_ip, dst, 4);
        off += frame_ipv4_tcp(pkt + off, &seg, data, n);
    } else {
        size_t tcp_len = FRAME_TCP_LEN + n;
        uint8_t *ip = pkt + off;
        memset(ip, 0, 48);
        ip[0] = 0x60;
        frame_put16(ip + 4, (uint16_t)(8 + tcp_len));
        ip[6] = t->fragment_next ? 44 : 0;  /* a fragment or hop-by-hop header, then TCP */
        ip[7] = 64;
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
        ip[40] = 6;
        ip[41] = 0;
        off += 48;
        frame_tcp_header(pkt + off, &seg);
        off += FRAME_TCP_LEN;
        if (n)
            memcpy(pkt + off, data, n);
        off += n;
    }
    if (t->fragment_next && n > 4) {
        t->fragment_next = 0;
        fragmented(c, pkt, ip_off, off - ip_off, t->v6);
        return;
    }
    record(c, pkt, off);
}

static void tcp_init(struct tcp *t, struct cap *c, int v6, int client_port)
{
    memset(t, 0, sizeof *t);
    t->cap = c;
    t->v6 = v6;
    if (v6) {
        t->ca[0] = t->sa[0] = 0xfd;
        t->ca[15] = 1;
        t->sa[15] = 2;
    } else {
        t->ca[0] = t->sa[0] = 10;
        t->ca[3] = 1;
        t->sa[3] = 2;
    }
    t->cp = (uint16_t)client_port;
    t->sp = 1025;
    t->cseq = 1000u + (uint32_t)client_port * 7u;
    t->sseq = 0xfffff000u;      /* wraps around zero */
}

static void handshake(struct tcp *t)
{
    segment(t, 1, FRAME_SYN, t->cseq - 1, NULL, 0);
    segment(t, 0, FRAME_SYN | FRAME_ACK, t->sseq - 1, NULL, 0);
    segment(t, 1, FRAME_ACK, t->cseq, NULL, 0);
}

static void closing(struct tcp *t)
{
    segment(t, 1, FRAME_FIN | FRAME_ACK, t->cseq, NULL, 0);
    segment(t, 0, FRAME_FIN | FRAME_ACK, t->sseq, NULL, 0);
    segment(t, 1, FRAME_ACK, t->cseq + 1, NULL, 0);
}

/* Sends len bytes of b from the side in segments of at most size bytes. */
static void send_all(struct tcp *t, int from_client, const struct buf *b, size_t size)
{
    uint32_t *seq = from_client ? &t->cseq : &t->sseq;
    for (size_t off = 0; off < b->n; off += size) {
        size_t k = b->n - off < size ? b->n - off : size;
        segment(t, from_client, FRAME_ACK | FRAME_PSH, *seq, b->b + off, k);
        *seq += (uint32_t)k;
    }
}

static void clean(const char *name, int lt, int vlans, int v6)
{
    struct cap c;
    struct tcp t;
    struct buf cb, sb;
    cap_open(&c, name, lt, 0);
    c.vlans = vlans;
    tcp_init(&t, &c, v6, 40000);
    conversation(&cb, &sb, 8);
    handshake(&t);
    send_all(&t, 1, &cb, 100);
    send_all(&t, 0, &sb, 64);
    closing(&t);
    cap_close(&c);
}

/* Client segments of 13 bytes, sent in a shuffled order with duplicates
 * and overlaps; the server's in order. */
static void reorder(void)
{
    struct cap c;
    struct tcp t;
    struct buf cb, sb;
    cap_open(&c, "tcp-reorder.pcap", DLT_EN10MB, 0);
    tcp_init(&t, &c, 0, 40001);
    conversation(&cb, &sb, 8);
    handshake(&t);
    size_t nseg = (cb.n + 12) / 13;
    uint32_t base = t.cseq;
#define SEG(i) segment(&t, 1, FRAME_ACK, base + (uint32_t)(i) * 13u, cb.b + (i) * 13, \
                       (size_t)(i) * 13 + 13 <= cb.n ? 13 : cb.n - (size_t)(i) * 13)
    SEG(1);                     /* swapped pair */
    SEG(0);
    SEG(2);
    SEG(2);                     /* duplicate */
    SEG(4);                     /* 3 comes late */
    SEG(5);
    SEG(3);
    SEG(4);                     /* retransmission of delivered bytes */
    /* 6..9 as one overlapping segment over 6-7 and another over 7-9 */
    segment(&t, 1, FRAME_ACK, base + 6 * 13, cb.b + 6 * 13, 26);
    segment(&t, 1, FRAME_ACK, base + 7 * 13 + 5, cb.b + 7 * 13 + 5, 34);
    for (size_t i = nseg - 1; i >= 10; i--)  /* the rest backwards */
        SEG(i);
#undef SEG
    t.cseq = base + (uint32_t)cb.n;
    send_all(&t, 0, &sb, 40);
    closing(&t);
    cap_close(&c);
}

static void gap(void)
{
    struct cap c;
    struct tcp t;
    struct buf cb, sb;
    cap_open(&c, "tcp-gap.pcap", DLT_EN10MB, 0);
    tcp_init(&t, &c, 0, 40002);
    conversation(&cb, &sb, 8);
    handshake(&t);
    /* client: 10-byte segments, the 6th (inside the third message) lost */
    for (size_t off = 0, i = 0; off < cb.n; off += 10, i++) {
        size_t k = cb.n - off < 10 ? cb.n - off : 10;
        if (i != 6)
            segment(&t, 1, FRAME_ACK, t.cseq + (uint32_t)off, cb.b + off, k);
    }
    t.cseq += (uint32_t)cb.n;
    /* server: one segment per reply, the fourth lost (a whole message) */
    struct buf one;
    for (int i = 1; i <= 8; i++) {
        one.n = 0;
        reply(&one, (uint64_t)i, i % 2 ? "destroyed" : "ok");
        if (i != 4)
            segment(&t, 0, FRAME_ACK, t.sseq, one.b, one.n);
        t.sseq += (uint32_t)one.n;
    }
    closing(&t);
    cap_close(&c);
}

static void midstream(void)
{
    struct cap c;
    struct tcp t;
    struct buf cb, sb;
    cap_open(&c, "tcp-midstream.pcap", DLT_EN10MB, 0);
    tcp_init(&t, &c, 0, 40003);
    conversation(&cb, &sb, 8);
    /* no handshake: the capture starts 30 bytes into the client stream */
    t.cseq += 30;
    struct buf rest;
    rest.n = 0;
    put(&rest, cb.b + 30, cb.n - 30);
    send_all(&t, 1, &rest, 200);
    t.sseq += 5;
    rest.n = 0;
    put(&rest, sb.b + 5, sb.n - 5);
    send_all(&t, 0, &rest, 200);
    cap_close(&c);
}

static void snaplen(void)
{
    struct cap c;
    struct tcp t;
    struct buf cb, sb;
    cap_open(&c, "tcp-snaplen.pcap", DLT_EN10MB, 90);
    tcp_init(&t, &c, 0, 40004);
    conversation(&cb, &sb, 8);
    handshake(&t);
    send_all(&t, 1, &cb, 60);
    send_all(&t, 0, &sb, 30);
    closing(&t);
    cap_close(&c);
}

static void rst(void)
{
    struct cap c;
    struct tcp t;
    struct buf cb, sb;
    cap_open(&c, "tcp-rst.pcap", DLT_EN10MB, 0);
    tcp_init(&t, &c, 0, 40005);
    conversation(&cb, &sb, 4);
    handshake(&t);
    struct buf part;
    part.n = 0;
    put(&part, cb.b, cb.n - 7);     /* the last request cut short */
    send_all(&t, 1, &part, 50);
    segment(&t, 0, FRAME_RST | FRAME_ACK, t.sseq, NULL, 0);
    cap_close(&c);
}

/* The third of the client's 100-byte segments goes as two IP fragments,
 * which the dumper does not reassemble: a gap, and a note. */
static void fragments(const char *name, int v6)
{
    struct cap c;
    struct tcp t;
    struct buf cb, sb;
    cap_open(&c, name, DLT_EN10MB, 0);
    tcp_init(&t, &c, v6, 40006);
    conversation(&cb, &sb, 8);
    handshake(&t);
    for (size_t off = 0, i = 0; off < cb.n; off += 100, i++) {
        size_t k = cb.n - off < 100 ? cb.n - off : 100;
        t.fragment_next = i == 2;
        segment(&t, 1, FRAME_ACK | FRAME_PSH, t.cseq, cb.b + off, k);
        t.cseq += (uint32_t)k;
    }
    send_all(&t, 0, &sb, 64);
    closing(&t);
    cap_close(&c);
}

static void flows(void)
{
    struct cap c;
    static struct tcp t[300];
    cap_open(&c, "tcp-flows.pcap", DLT_EN10MB, 0);
    for (int i = 0; i < 300; i++) {
        tcp_init(&t[i], &c, 0, 41000 + i);
        handshake(&t[i]);
    }
    for (int i = 0; i < 300; i++) {
        struct buf b;
        b.n = 0;
        request(&b, (uint64_t)i + 1, names[i % 4]);
        send_all(&t[i], 1, &b, 1000);
    }
    for (int i = 299; i >= 0; i--) {
        struct buf b;
        b.n = 0;
        reply(&b, (uint64_t)i + 1, "ok");
        send_all(&t[i], 0, &b, 1000);
    }
    cap_close(&c);
}

static void noise(void)
{
    struct cap c;
    struct tcp t;
    struct buf cb, sb;
    cap_open(&c, "tcp-noise.pcap", DLT_EN10MB, 0);
    tcp_init(&t, &c, 0, 40006);
    t.sp = 80;
    handshake(&t);
    cb.n = sb.n = 0;
    put(&cb, "GET / HTTP/1.1\r\nHost: example\r\n\r\n", 33);
    put(&sb, "HTTP/1.1 204 No Content\r\n\r\n", 27);
    send_all(&t, 1, &cb, 100);
    send_all(&t, 0, &sb, 100);
    closing(&t);
    tcp_init(&t, &c, 0, 40007);
    t.sp = 8080;
    conversation(&cb, &sb, 2);
    handshake(&t);
    send_all(&t, 1, &cb, 100);
    send_all(&t, 0, &sb, 100);
    closing(&t);
    cap_close(&c);
}

/* ---------------------------------------------------------------- sockdump */

static void sockdump_rec(struct cap *c, const char *path, uint64_t pid, uint64_t peer,
                         const uint8_t *data, size_t n)
{
    uint8_t rec[2048];
    tap_fill_header(rec, path, peer, pid);
    memcpy(rec + TAP_HDR_LEN, data, n);
    record(c, rec, TAP_HDR_LEN + n);
}

static void sockdump_hostile(void)
{
    struct cap c;
    struct buf cb, sb;
    cap_open(&c, "sockdump-hostile.pcap", TAP_LINKTYPE, 0);
    conversation(&cb, &sb, 4);
    const char *path = "run/albatross/vmmd.sock";
    sockdump_rec(&c, path, 5000, 1200, cb.b, 30);
    uint8_t junk[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    record(&c, junk, sizeof junk);                  /* too short for any header */
    uint8_t badpath[140];
    memset(badpath, 'x', sizeof badpath);
    badpath[0] = 200;                               /* path length over 108 */
    record(&c, badpath, sizeof badpath);
    sockdump_rec(&c, path, 5000, 1200, cb.b + 30, cb.n - 30);
    sockdump_rec(&c, path, 1200, 5000, (const uint8_t *)"garbage!", 8);
    sockdump_rec(&c, path, 1200, 5000, sb.b, sb.n);
    /* a header announcing 1 GiB, then a message */
    uint8_t huge[20] = { 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0x40, 0, 0, 0 };
    sockdump_rec(&c, path, 5000, 1200, huge, sizeof huge);
    sockdump_rec(&c, path, 5000, 1200, cb.b, cb.n);
    /* a record cut by the snap length: caplen < len */
    c.snap = TAP_HDR_LEN + 20;
    sockdump_rec(&c, path, 1200, 5000, sb.b, sb.n);
    c.snap = TAP_SNAPLEN;
    sockdump_rec(&c, path, 1200, 5000, sb.b, sb.n);
    /* a connection on a path with a space, ending inside a message */
    sockdump_rec(&c, "/tmp/my socket", 7, 8, cb.b, 25);
    cap_close(&c);
}

/* A conversation on a socket path carrying a terminal escape sequence, a
 * newline and a quote: every output must show them escaped. */
static void sockdump_escape(void)
{
    struct cap c;
    struct buf cb, sb;
    cap_open(&c, "sockdump-escape.pcap", TAP_LINKTYPE, 0);
    conversation(&cb, &sb, 2);
    const char *path = "/tmp/a\033[31mRED\nX\".sock";
    sockdump_rec(&c, path, 5000, 1200, cb.b, cb.n);
    sockdump_rec(&c, path, 1200, 5000, sb.b, sb.n);
    cap_close(&c);
}

/* ---------------------------------------------------------------- exported PDU */

static void tlv(struct buf *b, uint16_t tag, const void *v, size_t n)
{
    if (4 + n > sizeof b->b - b->n)
        die("buffer full");
    b->n += frame_exported_tag(b->b + b->n, tag, v, n);
}

static void exported(void)
{
    struct cap c;
    struct buf cb, sb, r;
    cap_open(&c, "exported-addr.pcap", FRAME_LINKTYPE_EXPORTED_PDU, 0);
    conversation(&cb, &sb, 3);
    uint8_t ca[4] = { 192, 0, 2, 1 }, sa[4] = { 192, 0, 2, 2 };
    uint8_t cp[4] = { 0, 0, 0x9c, 0x40 }, sp[4] = { 0, 0, 4, 1 };
    size_t coff = 0, soff = 0;
    for (int i = 0; i < 3; i++) {
        struct alb_msg m;
        for (int side = 0; side < 2; side++) {
            struct buf *src = side ? &sb : &cb;
            size_t *off = side ? &soff : &coff;
            alb_decode(src->b + *off, src->n - *off, &(struct alb_opts){ 0 }, &m, NULL, NULL);
            size_t len = m.hdr_len + (size_t)m.length;
            r.n = 0;
            tlv(&r, 12, "albatross\0\0\0", 12);     /* padded to 4 bytes */
            tlv(&r, 20, side ? sa : ca, 4);
            tlv(&r, 21, side ? ca : sa, 4);
            tlv(&r, 24, "\0\0\0\2", 4);
            tlv(&r, 25, side ? sp : cp, 4);
            tlv(&r, 26, side ? cp : sp, 4);
            tlv(&r, 0, NULL, 0);
            put(&r, src->b + *off, len);
            *off += len;
            record(&c, r.b, r.n);
        }
    }
    r.n = 0;                                        /* another dissector's PDU */
    tlv(&r, 12, "http", 4);
    tlv(&r, 0, NULL, 0);
    put(&r, "GET / HTTP/1.0\r\n\r\n", 18);
    record(&c, r.b, r.n);
    r.n = 0;                                        /* a tag longer than the record */
    tlv(&r, 12, "albatross", 9);
    put(&r, "\0\x14\x01\0", 4);
    record(&c, r.b, r.n);
    r.n = 0;                                        /* no end tag */
    tlv(&r, 12, "albatross", 9);
    record(&c, r.b, r.n);
    r.n = 0;                                        /* no addresses: a stream of its own */
    tlv(&r, 12, "albatross", 9);
    tlv(&r, 0, NULL, 0);
    put(&r, cb.b, cb.n);
    record(&c, r.b, r.n);
    cap_close(&c);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkflows DIR\n");
        return 2;
    }
    outdir = argv[1];
    clean("tcp-clean-ether.pcap", DLT_EN10MB, 0, 0);
    clean("tcp-clean-vlan.pcap", DLT_EN10MB, 2, 0);
    clean("tcp-clean-ether6.pcap", DLT_EN10MB, 0, 1);
    clean("tcp-clean-sll.pcap", LT_SLL, 0, 0);
    clean("tcp-clean-sll2.pcap", LT_SLL2, 0, 1);
    clean("tcp-clean-null.pcap", DLT_NULL, 0, 0);
    clean("tcp-clean-loop.pcap", LT_LOOP, 0, 1);
    clean("tcp-clean-raw.pcap", DLT_RAW, 0, 0);
    clean("tcp-clean-ipv4.pcap", LT_IPV4, 0, 0);
    clean("tcp-clean-ipv6.pcap", LT_IPV6, 0, 1);
    reorder();
    gap();
    midstream();
    snaplen();
    rst();
    fragments("tcp-fragments.pcap", 0);
    fragments("tcp-fragments6.pcap", 1);
    flows();
    noise();
    sockdump_hostile();
    sockdump_escape();
    exported();
    return 0;
}
