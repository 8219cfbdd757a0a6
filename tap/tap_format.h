/*
 * The record layout albatross-tap and albatross-play write for Unix-socket
 * traffic: pcap link type 147 (DLT_USER0) with the header of sockdump.
 *
 * Current layout (125 bytes, then the data):
 *   0    1    path length L (0..108), not counting the NUL padding
 *   1  108    socket path, NUL padded (the path of the listening socket)
 *   109  8    peer pid, big-endian u64: the process that receives the data
 *   117  8    pid, big-endian u64: the process that sends the data
 *
 * Older sockdump layout (16 bytes): peer pid, pid as big-endian u64, no path.
 */
#ifndef ALBATROSS_TAP_FORMAT_H
#define ALBATROSS_TAP_FORMAT_H

#include <stdint.h>
#include <string.h>

#define TAP_LINKTYPE 147
#define TAP_PATH_LEN 108
#define TAP_HDR_LEN (1 + TAP_PATH_LEN + 8 + 8)
#define TAP_HDR16_LEN 16
#define TAP_SNAPLEN 262144

static inline void tap_put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static inline uint64_t tap_get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* Writes the 125-byte header; path is cut at 108 bytes. */
static inline void tap_fill_header(uint8_t *rec, const char *path, uint64_t peer_pid,
                                   uint64_t pid)
{
    size_t n = strlen(path);
    if (n > TAP_PATH_LEN)
        n = TAP_PATH_LEN;
    rec[0] = (uint8_t)n;
    memset(rec + 1, 0, TAP_PATH_LEN);
    memcpy(rec + 1, path, n);
    tap_put_be64(rec + 1 + TAP_PATH_LEN, peer_pid);
    tap_put_be64(rec + 1 + TAP_PATH_LEN + 8, pid);
}

/* Writes the 16-byte header of the older layout. */
static inline void tap_fill_header16(uint8_t *rec, uint64_t peer_pid, uint64_t pid)
{
    tap_put_be64(rec, peer_pid);
    tap_put_be64(rec + 8, pid);
}

/* Does a link-type-147 record start with the 125-byte header?  The path
 * length is 1..108, the path has no NUL inside and only NULs after it.  The
 * 16-byte layout starts with a big-endian pid, whose first byte is 0. */
static inline int tap_is_hdr125(const uint8_t *rec, size_t len)
{
    if (len < TAP_HDR_LEN || rec[0] == 0 || rec[0] > TAP_PATH_LEN)
        return 0;
    for (size_t i = 1; i <= TAP_PATH_LEN; i++)
        if ((rec[i] == 0) != (i > rec[0]))
            return 0;
    return 1;
}

#endif
