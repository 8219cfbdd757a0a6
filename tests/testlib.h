/* A tiny test harness: CHECK records failures and goes on; the summary
 * line is the one ctest logs show: "N passed, N failed". */
#ifndef ALB_TESTLIB_H
#define ALB_TESTLIB_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "albatross/wire.h"

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

/* One reference vector: the message, what the reference decoded (the
 * .json beside it, one line without its newline) and the options to decode
 * it with (WV0: the channel is the file name's first word). */
struct t_vector {
    const char *name;
    unsigned char *bin;
    size_t len;
    char *json;
    size_t json_len;
    int wv0;
    struct alb_opts opts;
};

typedef void (*t_vector_fn)(const struct t_vector *v, void *ctx);

static int t_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Calls fn for every vector under ROOT/wv2 and ROOT/wv0, in file-name
 * order; returns how many there were. */
static inline unsigned t_each_vector(const char *root, t_vector_fn fn, void *ctx)
{
    static const char *const sub[] = { "wv2", "wv0" };
    unsigned total = 0;
    for (int v = 0; v < 2; v++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", root, sub[v]);
        DIR *d = opendir(dir);
        if (!d) {
            perror(dir);
            exit(2);
        }
        char *names[1024];
        size_t count = 0;
        struct dirent *de;
        while ((de = readdir(d)) && count < 1024) {
            size_t n = strlen(de->d_name);
            if (n > 4 && strcmp(de->d_name + n - 4, ".bin") == 0) {
                names[count] = malloc(n + 1);
                memcpy(names[count++], de->d_name, n + 1);
            }
        }
        closedir(d);
        qsort(names, count, sizeof names[0], t_by_name);
        for (size_t i = 0; i < count; i++) {
            struct t_vector t = { .name = names[i], .wv0 = v == 1 };
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            t.bin = t_read_file(path, &t.len);
            snprintf(path + strlen(path) - 4, 6, ".json");
            t.json = (char *)t_read_file(path, &t.json_len);
            while (t.json_len && (t.json[t.json_len - 1] == '\n' || t.json[t.json_len - 1] == '\r'))
                t.json_len--;
            t.json = realloc(t.json, t.json_len + 1);
            t.json[t.json_len] = 0;
            if (t.wv0) {
                char ch[16] = "";
                sscanf(names[i], "%15[a-z]", ch);
                t.opts.channel = alb_channel_from_name(ch);
            }
            fn(&t, ctx);
            free(t.bin);
            free(t.json);
            free(names[i]);
            total++;
        }
    }
    return total;
}

#endif
