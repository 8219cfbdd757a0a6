/* A tiny test harness: CHECK records failures and goes on; the summary
 * line is the one ctest logs show: "N passed, N failed". */
#ifndef ALB_TESTLIB_H
#define ALB_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned t_passed, t_failed;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (cond) {                                                       \
            t_passed++;                                                   \
        } else {                                                          \
            t_failed++;                                                   \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

static inline int t_summary(const char *name)
{
    printf("%s: %u passed, %u failed\n", name, t_passed, t_failed);
    return t_failed ? 1 : 0;
}

/* Reads a whole file; exits on error (test set-up, not the code under test). */
static inline unsigned char *t_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

#endif
