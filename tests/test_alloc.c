/* Decoding, walking, iterating and encoding every vector allocates nothing.
 * The allocation functions are counted while the parser runs: by
 * interposing malloc and friends in this binary, or through the sanitizer's
 * allocation hooks in an ASan or MSan build (which owns malloc itself). */
#include <stddef.h>

#include "albatross/wire.h"
#include "testlib.h"

static volatile int counting;
static volatile unsigned long allocations;

#if defined(__SANITIZE_ADDRESS__)
#define ALB_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define ALB_HOOKS 1
#endif
#endif

#ifdef ALB_HOOKS
#include <sanitizer/allocator_interface.h>
static void on_malloc(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    if (counting)
        allocations++;
}
static void on_free(const volatile void *p)
{
    (void)p;
    if (counting)
        allocations++;
}
static void install(void)
{
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);
void free(void *p);
void *malloc(size_t n)
{
    if (counting)
        allocations++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    if (counting)
        allocations++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    if (counting)
        allocations++;
    return __libc_realloc(p, n);
}
void free(void *p)
{
    if (counting && p)
        allocations++;
    __libc_free(p);
}
static void install(void)
{
}
#endif

static unsigned long fields;
static int on_field(void *ctx, const struct alb_field *f)
{
    (void)ctx;
    fields += f->len;
    return 0;
}

/* walks the lists the message kind has (union members are per kind) */
static void iterate(const struct alb_msg *m)
{
    union { struct alb_vm_info vm; struct alb_ifdata d; struct alb_bytes s; } e;
    struct alb_iter it;
    alb_iter_init(&it, ALB_F_VM_NAME, &m->name);
    while (alb_iter_next(&it, &e))
        fields++;
    if (m->kind == ALB_K_VM_INFO_REPLY || m->kind == ALB_K_V0_INFO_MSG)
        alb_iter_init(&it, ALB_F_VMS, &m->u.vms);
    else if (m->kind == ALB_K_STATS_DATA || m->kind == ALB_K_V0_STATS_STATREPLY ||
             m->kind == ALB_K_V0_STAT_MSG)
        alb_iter_init(&it, ALB_F_IFDATA, &m->u.stats.ifdata);
    else
        return;
    while (alb_iter_next(&it, &e))
        fields++;
}

static void one(const struct t_vector *v, void *ctx)
{
    (void)ctx;
    static unsigned char enc[1 << 20];
    struct alb_opts o = v->opts;
    struct alb_msg m;
    size_t w;

    allocations = 0;
    counting = 1;
    alb_decode(v->bin, v->len, &o, &m, on_field, NULL);
    iterate(&m);
    alb_encode(&m, enc, sizeof enc, &w, NULL);
    o.partial = 1;
    alb_decode(v->bin, v->len / 2, &o, &m, on_field, NULL);
    counting = 0;
    CHECK(allocations == 0, "%s: %lu allocations", v->name, allocations);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    install();
    unsigned messages = t_each_vector(argv[1], one, NULL);
    CHECK(messages >= 285, "only %u vectors", messages);
    /* the counter itself works */
    counting = 1;
    void *p = malloc(16);
    free(p);
    counting = 0;
    CHECK(allocations >= 1, "the allocation counter saw nothing");
    printf("%u messages, %lu field bytes walked\n", messages, fields);
    return t_summary("alloc");
}
