/* Allocation counting for builds without a sanitizer allocator (the plain
 * replay binaries, the coverage build, AFL++ and libFuzzer without ASan):
 * this file defines malloc, calloc, realloc and free, so every call in the
 * process lands here, is counted while fz_alloc_begin() is in effect on the
 * calling thread, and is passed on to glibc's allocator.  Compile the
 * binary with -fno-builtin-malloc -fno-builtin-free, or the optimiser may
 * remove a matching malloc/free pair before it is counted. */
#include <stddef.h>

#include "fuzz_util.h"

/* glibc's allocator under its internal names. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

static _Thread_local int counting;
static _Thread_local unsigned long count;

void *malloc(size_t n)
{
    if (counting)
        count++;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (counting)
        count++;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    if (counting)
        count++;
    return __libc_realloc(p, n);
}

void free(void *p)
{
    if (counting && p)
        count++;
    __libc_free(p);
}

void fz_alloc_begin(void)
{
    count = 0;
    counting = 1;
}

unsigned long fz_alloc_end(void)
{
    counting = 0;
    return count;
}
