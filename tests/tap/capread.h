/* Test helper: reads a capture (libpcap) back into byte streams, one per
 * connection and direction, and frames the albatross messages in them.
 *
 * Link types: 147 (USER0) with the 125-byte or the 16-byte sockdump header,
 * 252 (exported PDU), 1 (Ethernet) and 101/228 (raw IPv4) carrying TCP
 * (segments put in sequence order; retransmitted bytes are dropped). */
#ifndef ALBATROSS_CAPREAD_H
#define ALBATROSS_CAPREAD_H

#include <stddef.h>
#include <stdint.h>

#include "albatross/wire.h"

struct cap_seg {
    uint32_t seq;
    size_t off, n;          /* bytes in the stream's data buffer */
};

struct cap_stream {
    char path[109];         /* 147/125: socket path */
    uint64_t pid, peer;     /* 147: sender, receiver */
    uint32_t saddr, daddr;  /* TCP */
    uint16_t sport, dport;
    int has_path, is_tcp;
    uint8_t *data;
    size_t n, cap;
    /* TCP: segments as captured, reassembled by cap_finish */
    struct cap_seg *segs;
    size_t nsegs, segcap;
    uint32_t isn;
    int have_isn;
    unsigned long records;
};

struct cap {
    int linktype;
    struct cap_stream *s;
    size_t n, cap;
    unsigned long records;
};

/* Loads the file; 0 on success, -1 with a message in err. */
int cap_load(const char *file, struct cap *c, char *err, size_t errlen);
void cap_free(struct cap *c);

/* WV0 channel of a stream (from the path, or TCP port 1025). */
enum alb_channel cap_channel(const struct cap_stream *s);

/* Calls fn for every message of the stream in order; returns the number of
 * messages, or -1 when the stream cannot be framed (err says where). */
typedef void (*cap_msg_fn)(void *ctx, const uint8_t *msg, size_t len, const struct alb_msg *m);
long cap_messages(const struct cap_stream *s, cap_msg_fn fn, void *ctx, char *err, size_t errlen);

uint64_t cap_fnv(const uint8_t *p, size_t n);

#endif
