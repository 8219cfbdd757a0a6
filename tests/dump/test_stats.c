/* Request/reply matching of --stats (dumper/stats.c) on long runs: more
 * requests waiting than the table keeps, and answered requests among
 * waiting ones, which leave holes the table must reuse. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>

#include "../testlib.h"
#include "dump.h"

static struct dump_item item(enum alb_kind kind, uint64_t id)
{
    static struct alb_opts opts;
    struct dump_item it;
    memset(&it, 0, sizeof it);
    it.type = DUMP_MESSAGE;
    it.complete = 1;
    it.decoded = 1;
    it.opts = &opts;
    it.msg.version = 2;
    it.msg.hdr_len = 20;
    it.msg.kind = kind;
    it.msg.id = id;
    it.msg.tag = kind == ALB_K_SUCCESS ? 0x80000401u : 0x0401u;
    return it;
}

static void request(struct dump_stats *st, uint64_t id)
{
    struct dump_item it = item(ALB_K_VM_DESTROY, id);
    stats_item(st, &it, 1);
}

static void reply(struct dump_stats *st, uint64_t id)
{
    struct dump_item it = item(ALB_K_SUCCESS, id);
    stats_item(st, &it, 1);
}

/* The "requests" object of the JSON summary. */
static void summary(struct dump_stats *st, char *out, size_t n)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    struct obuf o;
    ob_init(&o, f);
    stats_print_json(st, &o);
    ob_commit(&o);
    ob_flush(&o);
    ob_free(&o);
    fclose(f);
    const char *r = text ? strstr(text, "\"requests\":{") : NULL;
    const char *e = r ? strchr(r, '}') : NULL;
    snprintf(out, n, "%.*s", r && e ? (int)(e - r + 1) : 0, r ? r : "");
    free(text);
}

static void check(const char *name, struct dump_stats *st, const char *want)
{
    char got[256];
    summary(st, got, sizeof got);
    CHECK(strcmp(got, want) == 0, "%s:\n  want %s\n  got  %s", name, want, got);
    stats_free(st);
}

int main(void)
{
    /* 1500 requests, then their replies: the 476 oldest were given up on
     * when the 1025th came, so their replies have no request */
    struct dump_stats *st = stats_new();
    for (uint64_t id = 1; id <= 1500; id++)
        request(st, id);
    for (uint64_t id = 1; id <= 1500; id++)
        reply(st, id);
    check("overflow", st, "\"requests\":{\"total\":1500,\"answered\":1024,\"unanswered\":476,"
                          "\"unmatched_replies\":476}");

    /* one request never answered, then 5000 answered one by one: the holes
     * behind it are reused, nothing is given up on */
    st = stats_new();
    request(st, 1);
    for (uint64_t id = 2; id <= 5001; id++) {
        request(st, id);
        reply(st, id);
    }
    check("holes", st, "\"requests\":{\"total\":5001,\"answered\":5000,\"unanswered\":1,"
                       "\"unmatched_replies\":0}");

    /* 1000 waiting, and answered in the reverse order, 3 times over */
    st = stats_new();
    for (int round = 0; round < 3; round++) {
        for (uint64_t id = 1; id <= 1000; id++)
            request(st, id);
        for (uint64_t id = 1000; id >= 1; id--)
            reply(st, id);
    }
    check("reverse", st, "\"requests\":{\"total\":3000,\"answered\":3000,\"unanswered\":0,"
                         "\"unmatched_replies\":0}");

    /* ids reused: a reply answers the oldest request with its id */
    st = stats_new();
    request(st, 7);
    request(st, 7);
    reply(st, 7);
    reply(st, 7);
    reply(st, 7);
    check("same id", st, "\"requests\":{\"total\":2,\"answered\":2,\"unanswered\":0,"
                         "\"unmatched_replies\":1}");
    return t_summary("stats");
}
