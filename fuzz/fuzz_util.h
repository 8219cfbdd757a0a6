/* Shared checks for the fuzz harnesses.
 *
 * Every harness decodes through fz_decode(), which walks the field events
 * with an invariant checker, decodes a second time to prove determinism,
 * counts heap allocations around the decoder and walks the typed view with
 * the list iterators.  A violated invariant prints what went wrong and
 * calls abort(), so libFuzzer, AFL++ and the replay binaries all report it
 * as a crash. */
#ifndef ALB_FUZZ_UTIL_H
#define ALB_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "albatross/wire.h"

#define FZ_MAX_NEST 16

/* What the walker saw of one decode. */
struct fz_walk {
    const uint8_t *buf;
    size_t len;             /* input bytes given to the decoder */
    uint64_t limit;         /* no field may end after this */
    uint64_t hash;          /* every event */
    uint64_t sem_hash;      /* every event but the header length and trailing bytes */
    uint64_t events;
    int sp;                 /* open containers; st[0] is the message itself */
    struct {
        enum alb_field_id id;
        enum alb_ftype type;
        uint64_t off;
        uint64_t last_end;  /* end of the last child */
        uint64_t children;  /* direct children (list elements) */
    } st[FZ_MAX_NEST];
    /* top-level lists that were closed, with their element counts */
    uint8_t closed[ALB_F_COUNT];
    uint64_t closed_count[ALB_F_COUNT];
};

/* One decode, summarised. */
struct fz_result {
    enum alb_err ret;
    struct alb_msg msg;
    uint64_t hash, sem_hash, events;
    uint64_t consumed;      /* hdr_len + length when ret is ALB_E_OK */
};

void fz_fail(const char *file, int line, const char *what) __attribute__((noreturn));
#define FZ_CHECK(cond) do { if (!(cond)) fz_fail(__FILE__, __LINE__, #cond); } while (0)

/* Allocation counting around the decoder (fuzz/alloc_*.c provide these:
 * sanitizer hooks in ASan builds, an interposed malloc otherwise). */
void fz_alloc_begin(void);
unsigned long fz_alloc_end(void);

/* Decodes buf with the checks described above: with the walker callback
 * (twice, compared), with no callback (compared), and checks the result.
 * Aborts on any violation. */
void fz_decode(const uint8_t *buf, size_t len, const struct alb_opts *opts, struct fz_result *out);

/* The same walk with its per-event checks, once, without the determinism,
 * allocation and typed-view checks: for the extra decodes a harness makes
 * of one input. */
void fz_decode_light(const uint8_t *buf, size_t len, const struct alb_opts *opts,
                     struct fz_result *out);

/* Hash helpers (multiply-xorshift, 64 bits). */
uint64_t fz_hash_bytes(uint64_t h, const void *p, size_t n);
uint64_t fz_hash_u64(uint64_t h, uint64_t v);
#define FZ_HASH_INIT 0xcbf29ce484222325ull

/* The channel chosen by a selector byte: ANY, CONSOLE, STATS, LOG, CLIENT. */
enum alb_channel fz_channel(uint8_t sel);

#endif
