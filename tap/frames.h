/*
 * Synthetic capture writing, shared by albatross-play and the capture
 * generators of the tests and benchmarks: big-endian field writers, frames
 * built byte by byte into the caller's buffer (Ethernet, IPv4, TCP, the
 * tags of exported PDUs), and a pcap file written record by record on a
 * clock the caller advances, so that every run writes the same bytes.
 *
 * Sockdump records (link type 147) are laid out by tap_format.h.
 */
#ifndef ALBATROSS_FRAMES_H
#define ALBATROSS_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void frame_put16(uint8_t *p, uint16_t v);
void frame_put32(uint8_t *p, uint32_t v);
void frame_put64(uint8_t *p, uint64_t v);

/* ---------------------------------------------------------------- frames */

#define FRAME_ETHER_LEN 14
#define FRAME_IPV4_LEN 20
#define FRAME_TCP_LEN 20
#define FRAME_ETHERTYPE_IPV4 0x0800
#define FRAME_ETHERTYPE_IPV6 0x86dd

enum frame_tcp_flags {
    FRAME_FIN = 0x01,
    FRAME_SYN = 0x02,
    FRAME_RST = 0x04,
    FRAME_PSH = 0x08,
    FRAME_ACK = 0x10,
};

/* Writes an Ethernet header; returns its length. */
size_t frame_ether(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                   uint16_t ethertype);

/* One TCP segment.  The IPv4 header has TTL 64 and don't-fragment set and
 * no options; the TCP header has no options. */
struct frame_tcp {
    uint8_t src_ip[4], dst_ip[4];   /* IPv4 only */
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t flags;                  /* enum frame_tcp_flags */
    uint16_t window;
    uint16_t ip_id;                 /* IPv4 identification */
    bool checksums;                 /* fill in the IPv4 and TCP checksums, else leave 0 */
};

/* Writes the TCP header alone, checksum 0 (for IP headers built elsewhere). */
void frame_tcp_header(uint8_t th[FRAME_TCP_LEN], const struct frame_tcp *t);

/* Writes IPv4 header, TCP header and the n bytes of data (data may be NULL
 * when n is 0); returns the length written, FRAME_IPV4_LEN + FRAME_TCP_LEN + n. */
size_t frame_ipv4_tcp(uint8_t *f, const struct frame_tcp *t, const uint8_t *data, size_t n);

/* The same behind an Ethernet header. */
size_t frame_ether_ipv4_tcp(uint8_t *f, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                            const struct frame_tcp *t, const uint8_t *data, size_t n);

/* Link type 252, exported PDU: tag-length-value items (16-bit big-endian
 * tag and length), then the PDU. */
#define FRAME_LINKTYPE_EXPORTED_PDU 252
#define FRAME_EXP_TAG_END 0
#define FRAME_EXP_TAG_DISSECTOR_NAME 12

/* Writes one item; returns its length, 4 + n.  Any padding of the value is
 * the caller's: it is written as given. */
size_t frame_exported_tag(uint8_t *p, uint16_t tag, const void *value, size_t n);

/* ---------------------------------------------------------------- capture files */

struct pcap;
struct pcap_dumper;

struct frame_writer {
    struct pcap *pcap;
    struct pcap_dumper *dumper;
    long long clock_us;     /* time of the last record, microseconds since 1970 */
};

/* Creates the capture file path.  The first record is stamped start_us plus
 * its step.  Returns 0, or -1 with the reason in err. */
int frame_writer_open(struct frame_writer *w, const char *path, int linktype, int snaplen,
                      long long start_us, char *err, size_t err_size);

/* Advances the clock by step_us and writes one record: caplen bytes of p
 * stored, len bytes long on the wire. */
void frame_writer_put(struct frame_writer *w, long step_us, const uint8_t *p, size_t caplen,
                      size_t len);

/* Flushes and closes the file; -1 when writing it failed. */
int frame_writer_close(struct frame_writer *w);

#endif
