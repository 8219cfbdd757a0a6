#define _DEFAULT_SOURCE /* u_char in pcap.h */
#include "frames.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

void frame_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void frame_put32(uint8_t *p, uint32_t v)
{
    frame_put16(p, (uint16_t)(v >> 16));
    frame_put16(p + 2, (uint16_t)v);
}

void frame_put64(uint8_t *p, uint64_t v)
{
    frame_put32(p, (uint32_t)(v >> 32));
    frame_put32(p + 4, (uint32_t)v);
}

/* ---------------------------------------------------------------- frames */

/* The Internet checksum (RFC 1071): 16-bit big-endian words summed, an odd
 * last byte padded with a zero, the carries folded back in, complemented. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)(p[n - 1] << 8);
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

size_t frame_ether(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                   uint16_t ethertype)
{
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, src_mac, 6);
    frame_put16(f + 12, ethertype);
    return FRAME_ETHER_LEN;
}

void frame_tcp_header(uint8_t th[FRAME_TCP_LEN], const struct frame_tcp *t)
{
    memset(th, 0, FRAME_TCP_LEN);
    frame_put16(th, t->src_port);
    frame_put16(th + 2, t->dst_port);
    frame_put32(th + 4, t->seq);
    frame_put32(th + 8, t->ack);
    th[12] = (FRAME_TCP_LEN / 4) << 4;     /* data offset in 32-bit words */
    th[13] = t->flags;
    frame_put16(th + 14, t->window);
}

size_t frame_ipv4_tcp(uint8_t *f, const struct frame_tcp *t, const uint8_t *data, size_t n)
{
    uint8_t *ip = f, *th = f + FRAME_IPV4_LEN;
    size_t tcp_len = FRAME_TCP_LEN + n;
    memset(ip, 0, FRAME_IPV4_LEN);
    ip[0] = 0x45;                           /* version 4, 5 words of header */
    frame_put16(ip + 2, (uint16_t)(FRAME_IPV4_LEN + tcp_len));
    frame_put16(ip + 4, t->ip_id);
    ip[6] = 0x40;                           /* don't fragment */
    ip[8] = 64;                             /* TTL */
    ip[9] = 6;                              /* TCP */
    memcpy(ip + 12, t->src_ip, 4);
    memcpy(ip + 16, t->dst_ip, 4);
    frame_tcp_header(th, t);
    if (n)
        memcpy(th + FRAME_TCP_LEN, data, n);
    if (t->checksums) {
        frame_put16(ip + 10, csum_fold(csum_add(0, ip, FRAME_IPV4_LEN)));
        /* the TCP checksum covers a pseudo header: the addresses, the
         * protocol and the TCP length */
        uint8_t pseudo[12];
        memcpy(pseudo, ip + 12, 8);
        pseudo[8] = 0;
        pseudo[9] = 6;
        frame_put16(pseudo + 10, (uint16_t)tcp_len);
        frame_put16(th + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), th, tcp_len)));
    }
    return FRAME_IPV4_LEN + tcp_len;
}

size_t frame_ether_ipv4_tcp(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                            const struct frame_tcp *t, const uint8_t *data, size_t n)
{
    size_t off = frame_ether(f, dst_mac, src_mac, FRAME_ETHERTYPE_IPV4);
    return off + frame_ipv4_tcp(f + off, t, data, n);
}

size_t frame_exported_tag(uint8_t *p, uint16_t tag, const void *value, size_t n)
{
    frame_put16(p, tag);
    frame_put16(p + 2, (uint16_t)n);
    if (n)
        memcpy(p + 4, value, n);
    return 4 + n;
}

/* ---------------------------------------------------------------- capture files */

int frame_writer_open(struct frame_writer *w, const char *path, int linktype, int snaplen,
                      long long start_us, char *err, size_t err_size)
{
    w->pcap = pcap_open_dead(linktype, snaplen);
    if (!w->pcap) {
        snprintf(err, err_size, "pcap_open_dead failed");
        return -1;
    }
    w->dumper = pcap_dump_open(w->pcap, path);
    if (!w->dumper) {
        snprintf(err, err_size, "%s", pcap_geterr(w->pcap));
        pcap_close(w->pcap);
        return -1;
    }
    w->clock_us = start_us;
    return 0;
}

void frame_writer_put(struct frame_writer *w, long step_us, const uint8_t *p, size_t caplen,
                      size_t len)
{
    struct pcap_pkthdr h;
    w->clock_us += step_us;
    h.ts.tv_sec = (time_t)(w->clock_us / 1000000);
    h.ts.tv_usec = (suseconds_t)(w->clock_us % 1000000);
    h.caplen = (bpf_u_int32)caplen;
    h.len = (bpf_u_int32)len;
    pcap_dump((u_char *)w->dumper, &h, p);
}

int frame_writer_close(struct frame_writer *w)
{
    int rc = pcap_dump_flush(w->dumper) == 0 ? 0 : -1;
    pcap_dump_close(w->dumper);
    pcap_close(w->pcap);
    return rc;
}
