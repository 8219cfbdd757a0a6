/* Allocation counting for sanitizer builds (libFuzzer + ASan, or the whole
 * build under ALB_SANITIZE or ALB_MSAN): the sanitizer allocator calls these hooks for
 * every malloc/calloc/realloc/free in the process.  Only the calling thread
 * counts, and only between fz_alloc_begin() and fz_alloc_end(), so the
 * fuzzer's own threads and bookkeeping do not disturb the figure. */
#include <stddef.h>

#include "fuzz_util.h"

/* From <sanitizer/allocator_interface.h>; declared here because gcc does
 * not ship that header although its libasan exports the function. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static _Thread_local int counting;
static _Thread_local unsigned long count;
static int installed;

static void on_malloc(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    if (counting)
        count++;
}

static void on_free(const volatile void *p)
{
    (void)p;
    if (counting)
        count++;
}

void fz_alloc_begin(void)
{
    if (!installed) {
        FZ_CHECK(__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0);
        installed = 1;
    }
    count = 0;
    counting = 1;
}

unsigned long fz_alloc_end(void)
{
    counting = 0;
    return count;
}
