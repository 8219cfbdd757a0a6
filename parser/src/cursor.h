/* Internal: the only way parser code reads protocol bytes.
 *
 * A cursor covers one message: base .. base+avail are the bytes we have,
 * and each read is also bounded by the end of the region being decoded
 * (the body, or a sized sub-region).  Every check is written as
 * subtract-then-compare so no length from the wire can overflow. */
#ifndef ALBATROSS_CURSOR_H
#define ALBATROSS_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "albatross/wire.h"

struct cursor {
    const uint8_t *base;
    uint64_t pos;       /* offset of the next byte to read */
    uint64_t avail;     /* bytes present from base */
};

/* How many bytes may be read at pos within a region ending at end:
 * ALB_E_OK, ALB_E_UNDERFLOW (the region is too short: malformed) or
 * ALB_E_TRUNCATED (the region holds them, but the capture ended). */
static inline enum alb_err cur_need(const struct cursor *c, uint64_t end, uint64_t n)
{
    if (c->pos > end || n > end - c->pos)
        return ALB_E_UNDERFLOW;
    if (c->pos > c->avail || n > c->avail - c->pos)
        return ALB_E_TRUNCATED;
    return ALB_E_OK;
}

/* Big-endian loads: one unaligned load and a byte swap (memcpy keeps them
 * free of alignment and aliasing assumptions). */
static inline uint16_t be16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap16(v);
#endif
    return v;
}

static inline uint32_t be32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint64_t be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static inline void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

/* OCaml's 63-bit int: accepted iff bits 63 and 62 agree (WIRE.md §1.2). */
static inline int int63_ok(uint64_t raw)
{
    return ((raw ^ (raw << 1)) >> 63) == 0;
}

/* ALB_E_OK, or which way an int is out of range. */
static inline enum alb_err int63_check(uint64_t raw)
{
    unsigned top = (unsigned)(raw >> 62);
    if (top == 1)
        return ALB_E_INT_TOO_BIG;
    if (top == 2)
        return ALB_E_INT_TOO_SMALL;
    return ALB_E_OK;
}

#endif
