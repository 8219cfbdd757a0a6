/* tap-capseq: prints the albatross messages of a capture, one line each,
 * grouped by connection and direction.
 *
 *   tap-capseq [--anon] FILE
 *
 * --anon leaves out process ids and TCP addresses and sorts the groups, so
 * two captures of the same conversation print the same text even when
 * their process ids and the interleaving of connections differ. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capread.h"

struct text {
    char *p;
    size_t n, cap;
};

static void put(struct text *t, const char *s)
{
    size_t k = strlen(s);
    if (t->n + k + 1 > t->cap) {
        t->cap = (t->n + k + 1) * 2;
        t->p = realloc(t->p, t->cap);
        if (!t->p) {
            fprintf(stderr, "tap-capseq: out of memory\n");
            exit(1);
        }
    }
    memcpy(t->p + t->n, s, k + 1);
    t->n += k;
}

static void line(void *ctx, const uint8_t *msg, size_t len, const struct alb_msg *m)
{
    char b[256];
    snprintf(b, sizeof b, "  %s v%u tag=0x%x id=%llu len=%zu fnv=%016llx%s%s\n",
             alb_kind_info(m->kind)->snake, m->version, (unsigned)m->tag,
             (unsigned long long)m->id, len, (unsigned long long)cap_fnv(msg, len),
             m->err.code ? " err=" : "", m->err.code ? alb_err_name(m->err.code) : "");
    put(ctx, b);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int anon = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--anon"))
            anon = 1;
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else {
            fprintf(stderr, "usage: tap-capseq [--anon] FILE\n");
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: tap-capseq [--anon] FILE\n");
        return 2;
    }
    struct cap c;
    char err[256];
    if (cap_load(file, &c, err, sizeof err) != 0) {
        fprintf(stderr, "tap-capseq: %s: %s\n", file, err);
        return 1;
    }
    char **blocks = calloc(c.n + 1, sizeof *blocks);
    int rc = 0;
    for (size_t i = 0; i < c.n; i++) {
        const struct cap_stream *s = &c.s[i];
        struct text t = { 0 };
        char h[300];
        if (s->is_tcp && anon)
            snprintf(h, sizeof h, "tcp port %u -> %u\n", s->sport, s->dport);
        else if (s->is_tcp)
            snprintf(h, sizeof h, "tcp %08x:%u -> %08x:%u\n", s->saddr, s->sport, s->daddr,
                     s->dport);
        else if (anon)
            snprintf(h, sizeof h, "%s\n", s->has_path ? s->path : "(no path)");
        else
            snprintf(h, sizeof h, "%s pid %llu -> peer %llu\n", s->has_path ? s->path : "(no path)",
                     (unsigned long long)s->pid, (unsigned long long)s->peer);
        put(&t, h);
        long n = cap_messages(s, line, &t, err, sizeof err);
        if (n < 0) {
            char b[300];
            snprintf(b, sizeof b, "  framing error: %s\n", err);
            put(&t, b);
            rc = 1;
        }
        if (!t.p)
            put(&t, "");
        blocks[i] = t.p;
    }
    if (anon)
        qsort(blocks, c.n, sizeof *blocks, cmp);
    /* how the bytes were cut into records is not part of the conversation */
    if (anon)
        printf("link type %d, %zu streams\n", c.linktype, c.n);
    else
        printf("link type %d, %lu records, %zu streams\n", c.linktype, c.records, c.n);
    for (size_t i = 0; i < c.n; i++) {
        fputs(blocks[i], stdout);
        free(blocks[i]);
    }
    free(blocks);
    cap_free(&c);
    return rc;
}
