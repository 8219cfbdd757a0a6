/* Decoding, walking, iterating and encoding every vector allocates nothing.
 * The allocation functions are counted while the parser runs: by
 * interposing malloc and friends in this binary, or through the sanitizer's
 * allocation hooks in an ASan build (which owns malloc itself). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stddef.h>

#include "albatross/wire.h"
#include "testlib.h"

static volatile int counting;
static volatile unsigned long allocations;

#if defined(__SANITIZE_ADDRESS__)
#define ALB_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
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

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    install();
    const char *sub[] = { "wv2", "wv0" };
    unsigned messages = 0;
    static unsigned char enc[1 << 20];
    for (int v = 0; v < 2; v++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", argv[1], sub[v]);
        DIR *d = opendir(dir);
        if (!d) {
            perror(dir);
            return 2;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t n = strlen(de->d_name);
            if (n < 5 || strcmp(de->d_name + n - 4, ".bin") != 0)
                continue;
            char path[4400];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            size_t len;
            unsigned char *bin = t_read_file(path, &len);
            char ch[16] = "";
            sscanf(de->d_name, "%15[a-z]", ch);
            struct alb_opts o = { .channel = v ? alb_channel_from_name(ch) : ALB_CH_ANY };
            struct alb_msg m;
            size_t w;

            allocations = 0;
            counting = 1;
            alb_decode(bin, len, &o, &m, on_field, NULL);
            iterate(&m);
            alb_encode(&m, enc, sizeof enc, &w, NULL);
            o.partial = 1;
            alb_decode(bin, len / 2, &o, &m, on_field, NULL);
            counting = 0;
            CHECK(allocations == 0, "%s: %lu allocations", de->d_name, allocations);
            free(bin);
            messages++;
        }
        closedir(d);
    }
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
