/* --stats: counts per kind, VM and flow; errors and warnings; request and
 * reply pairs matched by id within a connection, with response times.
 * Every table is bounded: rows past the limit are summed as "other". */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dump.h"

#define VM_ROWS 4096u
#define VM_NAME_MAX 128u
#define FLOW_ROWS 4096u
#define PENDING_MAX 1024u

struct stats_pending {
    uint64_t id;
    int64_t sec;
    long usec;
    unsigned version;
    int answered;       /* a hole, until the ring moves past it */
};

static struct stats_pending *slot(const struct stats_conn *c, unsigned i)
{
    return &c->pend[(c->head + i) & (c->cap - 1)];
}

/* Moves the oldest slot past the holes at the start of the ring. */
static void skip_holes(struct stats_conn *c)
{
    while (c->used && c->pend[c->head].answered) {
        c->head = (c->head + 1) & (c->cap - 1);
        c->used--;
    }
}

/* Makes room for one more request: the ring is rebuilt without its holes,
 * grown, or (PENDING_MAX requests all waiting) its oldest is given up on.
 * Returns 0 when out of memory. */
static int pending_room(struct stats_conn *c, uint64_t *given_up)
{
    if (c->used < c->cap)
        return 1;
    if (c->live == PENDING_MAX) {
        c->head = (c->head + 1) & (c->cap - 1);
        c->used--;
        c->live--;
        (*given_up)++;
        skip_holes(c);
        return 1;
    }
    unsigned cap = c->live < c->cap / 2 || c->cap == PENDING_MAX ? c->cap
                 : c->cap ? c->cap * 2 : 8;
    struct stats_pending *p = malloc(cap * sizeof *p);
    if (!p)
        return 0;
    unsigned n = 0;
    for (unsigned i = 0; i < c->used; i++)
        if (!slot(c, i)->answered)
            p[n++] = *slot(c, i);
    free(c->pend);
    c->pend = p;
    c->cap = cap;
    c->head = 0;
    c->used = c->live = n;
    return 1;
}

struct vm_row {
    char name[VM_NAME_MAX];
    uint64_t count;
};

struct flow_row {
    char label[512];   /* room for a path of 108 bytes, each escaped as \xNN */
    uint64_t msgs, requests, answered, orphans;
};

struct dump_stats {
    uint64_t records, flows_alb, flows_other;
    uint64_t items, shown;
    uint64_t kinds[ALB_K_COUNT];
    uint64_t errors[ALB_E_COUNT];
    uint64_t warnings[ALB_W_COUNT];
    uint64_t gaps, gap_bytes, resyncs, resync_bytes, framing, framing_bytes;
    struct vm_row *vms;         /* open addressing, VM_ROWS slots */
    unsigned nvms;
    uint64_t vm_other, no_vm;
    struct flow_row *flows;
    unsigned nflows;
    uint64_t flow_other;
    uint64_t requests, answered, unanswered, orphans;
    uint64_t rt_min, rt_max, rt_sum;    /* microseconds */
    struct stats_conn raw;      /* raw streams: one conversation */
    int raw_used;
};

struct dump_stats *stats_new(void)
{
    struct dump_stats *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    /* the VM and connection tables are allocated on first use */
    st->raw.flow_index = -1;
    return st;
}

void stats_free(struct dump_stats *st)
{
    if (!st)
        return;
    free(st->raw.pend);
    free(st->vms);
    free(st->flows);
    free(st);
}

void stats_note_flow(struct dump_stats *st, int albatross)
{
    if (albatross)
        st->flows_alb++;
    else
        st->flows_other++;
}

void stats_note_record(struct dump_stats *st)
{
    st->records++;
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static void count_vm(struct dump_stats *st, const char *name)
{
    if (!st->vms && !(st->vms = calloc(VM_ROWS, sizeof *st->vms))) {
        st->vm_other++;
        return;
    }
    uint32_t h = hash_str(name) & (VM_ROWS - 1);
    for (unsigned probe = 0; probe < VM_ROWS; probe++) {
        struct vm_row *r = &st->vms[(h + probe) & (VM_ROWS - 1)];
        if (r->count == 0) {
            if (st->nvms >= VM_ROWS * 3 / 4)
                break;
            snprintf(r->name, sizeof r->name, "%s", name);
            r->count = 1;
            st->nvms++;
            return;
        }
        if (strcmp(r->name, name) == 0) {
            r->count++;
            return;
        }
    }
    st->vm_other++;
}

/* The connection as one label, client side first when known. */
static void flow_label(const struct dump_src *s, char *buf, size_t n)
{
    int swap = s->dir == DUMP_DIR_TO_CLIENT;
    switch (s->transport) {
    case DUMP_TR_TCP:
        snprintf(buf, n, "tcp %s > %s", swap ? s->to : s->from, swap ? s->from : s->to);
        break;
    case DUMP_TR_UNIX: {
        size_t k = (size_t)snprintf(buf, n, "unix ");
        k += dump_path_string(s->path, buf + k, n - k);
        if (k < n)
            snprintf(buf + k, n - k, " %" PRIu64 " > %" PRIu64, swap ? s->peer : s->pid,
                     swap ? s->pid : s->peer);
        break;
    }
    case DUMP_TR_UNIX16:
        snprintf(buf, n, "unix pid %" PRIu64 " > %" PRIu64, swap ? s->peer : s->pid,
                 swap ? s->pid : s->peer);
        break;
    case DUMP_TR_EXPORTED:
        if (s->has_addr)
            snprintf(buf, n, "pdu %s > %s", swap ? s->to : s->from, swap ? s->from : s->to);
        else
            snprintf(buf, n, "pdu");
        break;
    case DUMP_TR_RAW:
        snprintf(buf, n, "raw");
        break;
    }
}

static struct stats_conn *conn_of(struct dump_stats *st, const struct dump_item *it)
{
    struct stats_conn *c = it->src && it->src->conn ? capture_conn_stats(it->src->conn) : NULL;
    if (!c) {
        c = &st->raw;
        st->raw_used = 1;
    }
    return c;
}

static struct flow_row *flow_row(struct dump_stats *st, struct stats_conn *c,
                                 const struct dump_item *it)
{
    if (c->flow_index == -1) {
        if (!st->flows && !(st->flows = calloc(FLOW_ROWS, sizeof *st->flows))) {
            c->flow_index = -2;
        } else if (st->nflows >= FLOW_ROWS) {
            c->flow_index = -2;
        } else {
            c->flow_index = (int)st->nflows++;
            if (it->src)
                flow_label(it->src, st->flows[c->flow_index].label,
                           sizeof st->flows[c->flow_index].label);
            else
                snprintf(st->flows[c->flow_index].label, sizeof st->flows[0].label, "raw");
        }
    }
    return c->flow_index >= 0 ? &st->flows[c->flow_index] : NULL;
}

/* Microseconds from (s0, u0) to (s1, u1); 0 when time went backwards,
 * saturated for absurd capture timestamps. */
static uint64_t elapsed_us(int64_t s0, long u0, int64_t s1, long u1)
{
    if (s1 < s0 || (s1 == s0 && u1 <= u0))
        return 0;
    uint64_t ds = (uint64_t)s1 - (uint64_t)s0;
    if (ds > UINT64_MAX / 1000000u - 1)
        return UINT64_MAX / 2;
    uint64_t a = u0 < 0 ? 0 : (uint64_t)u0 % 1000000u, b = u1 < 0 ? 0 : (uint64_t)u1 % 1000000u;
    uint64_t t = ds * 1000000u + b;
    return t > a ? t - a : 0;
}

static void match(struct dump_stats *st, struct stats_conn *c, struct flow_row *fr,
                  const struct dump_item *it)
{
    const struct alb_msg *m = &it->msg;
    const struct alb_kind_info *k = alb_kind_info(m->kind);
    enum dump_dir dir = it->src ? it->src->dir : DUMP_DIR_UNKNOWN;
    int64_t sec = it->src ? it->src->ts_sec : 0;
    long usec = it->src ? it->src->ts_usec : 0;
    if (!k || m->kind == ALB_K_V1_UNSUPPORTED || m->hdr_len == 0)
        return;
    if (k->role == ALB_ROLE_REQUEST && dir != DUMP_DIR_TO_CLIENT) {
        st->requests++;
        if (fr)
            fr->requests++;
        if (!pending_room(c, &st->unanswered))
            return;
        *slot(c, c->used++) = (struct stats_pending){ m->id, sec, usec, m->version, 0 };
        c->live++;
        return;
    }
    if (k->role != ALB_ROLE_REPLY || dir == DUMP_DIR_TO_SERVER)
        return;
    for (unsigned i = 0; i < c->used; i++) {
        struct stats_pending *p = slot(c, i);
        if (p->answered || p->id != m->id || p->version != m->version)
            continue;
        uint64_t u = elapsed_us(p->sec, p->usec, sec, usec);
        if (st->answered == 0 || u < st->rt_min)
            st->rt_min = u;
        if (u > st->rt_max)
            st->rt_max = u;
        st->rt_sum = u > UINT64_MAX - st->rt_sum ? UINT64_MAX : st->rt_sum + u;
        st->answered++;
        if (fr)
            fr->answered++;
        p->answered = 1;
        c->live--;
        skip_holes(c);
        return;
    }
    st->orphans++;
    if (fr)
        fr->orphans++;
}

void stats_item(struct dump_stats *st, const struct dump_item *it, int shown)
{
    st->items++;
    switch (it->type) {
    case DUMP_GAP:
        st->gaps++;
        st->gap_bytes += it->skipped;
        return;
    case DUMP_RESYNC:
        st->resyncs++;
        st->resync_bytes += it->skipped;
        return;
    case DUMP_FRAMING:
        st->framing++;
        st->framing_bytes += it->skipped;
        if (it->msg.err.code < ALB_E_COUNT)
            st->errors[it->msg.err.code]++;
        return;
    case DUMP_SHORT:
        st->errors[ALB_E_TRUNCATED]++;
        return;
    case DUMP_MESSAGE:
        break;
    }
    struct stats_conn *c = conn_of(st, it);
    struct flow_row *fr = flow_row(st, c, it);
    match(st, c, fr, it);
    if (!shown)
        return;
    st->shown++;
    if (fr)
        fr->msgs++;
    else
        st->flow_other++;
    if (it->msg.kind < ALB_K_COUNT)
        st->kinds[it->msg.kind]++;
    struct alb_error err;
    if (dump_item_error(it, &err) && err.code < ALB_E_COUNT)
        st->errors[err.code]++;
    for (unsigned i = 0; i < ALB_W_COUNT; i++)
        if (it->msg.warnings & (1u << i))
            st->warnings[i]++;
    char name[VM_NAME_MAX];
    if (dump_vm_name(&it->msg, name, sizeof name))
        count_vm(st, name);
    else
        st->no_vm++;
}

void stats_flow_end(struct dump_stats *st, void *conn)
{
    struct stats_conn *c = conn ? capture_conn_stats(conn) : &st->raw;
    if (!c)
        return;
    st->unanswered += c->live;
    free(c->pend);
    c->pend = NULL;
    c->head = c->used = c->live = c->cap = 0;
}

static int cmp_vm(const void *a, const void *b)
{
    const struct vm_row *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

static void secs(struct obuf *f, uint64_t us)
{
    ob_printf(f, "%" PRIu64 ".%06" PRIu64 "s", us / 1000000u, us % 1000000u);
}

void stats_print(struct dump_stats *st, struct obuf *f)
{
    if (st->raw_used)
        stats_flow_end(st, NULL);
    ob_str(f, "== statistics ==\n");
    if (st->records)
        ob_printf(f, "capture records: %" PRIu64 "\n", st->records);
    ob_printf(f, "connections: %" PRIu64 " albatross, %" PRIu64 " other (not dumped)\n",
            st->flows_alb, st->flows_other);
    ob_printf(f, "messages: %" PRIu64 "\n", st->shown);

    ob_str(f, "messages per kind:\n");
    for (unsigned k = 0; k < ALB_K_COUNT; k++) {
        if (!st->kinds[k])
            continue;
        const struct alb_kind_info *ki = alb_kind_info((enum alb_kind)k);
        char label[64];
        snprintf(label, sizeof label, "WV%u %s", ki->version, ki->snake);
        ob_printf(f, "  %-36s %10" PRIu64 "\n", label, st->kinds[k]);
    }

    ob_str(f, "messages per VM:\n");
    struct vm_row *rows = malloc((st->nvms ? st->nvms : 1) * sizeof *rows);
    unsigned n = 0;
    if (rows) {
        for (unsigned i = 0; st->vms && i < VM_ROWS; i++)
            if (st->vms[i].count)
                rows[n++] = st->vms[i];
        qsort(rows, n, sizeof *rows, cmp_vm);
        for (unsigned i = 0; i < n; i++) {
            ob_str(f, "  ");
            if (rows[i].name[0])
                ob_cstr(f, (const uint8_t *)rows[i].name, strlen(rows[i].name));
            else
                ob_ch(f, '.');
            ob_printf(f, "%*s %10" PRIu64 "\n",
                    (int)(strlen(rows[i].name) < 36 ? 36 - (rows[i].name[0] ? strlen(rows[i].name) : 1) : 0),
                    "", rows[i].count);
        }
        free(rows);
    }
    if (st->vm_other)
        ob_printf(f, "  %-36s %10" PRIu64 "\n", "(other VMs)", st->vm_other);
    if (st->no_vm)
        ob_printf(f, "  %-36s %10" PRIu64 "\n", "(no VM name)", st->no_vm);

    ob_str(f, "messages per connection (requests, answered, replies without a request):\n");
    for (unsigned i = 0; i < st->nflows; i++) {
        const struct flow_row *r = &st->flows[i];
        ob_printf(f, "  %s: %" PRIu64 " messages, %" PRIu64 " requests, %" PRIu64 " answered, %" PRIu64
                " unmatched replies\n", r->label, r->msgs, r->requests, r->answered, r->orphans);
    }
    if (st->flow_other)
        ob_printf(f, "  (other connections): %" PRIu64 " messages\n", st->flow_other);

    ob_str(f, "errors:\n");
    for (unsigned e = 1; e < ALB_E_COUNT; e++)
        if (st->errors[e])
            ob_printf(f, "  %-36s %10" PRIu64 "\n", alb_err_name((enum alb_err)e), st->errors[e]);
    ob_str(f, "warnings:\n");
    for (unsigned w = 0; w < ALB_W_COUNT; w++)
        if (st->warnings[w])
            ob_printf(f, "  %-36s %10" PRIu64 "\n", alb_warning_name(w), st->warnings[w]);
    ob_printf(f, "framing errors: %" PRIu64 " (%" PRIu64 " bytes skipped)\n", st->framing,
            st->framing_bytes);
    ob_printf(f, "gaps: %" PRIu64 " (%" PRIu64 " bytes not captured), resynchronised: %" PRIu64
            " (%" PRIu64 " bytes skipped)\n", st->gaps, st->gap_bytes, st->resyncs, st->resync_bytes);
    ob_printf(f, "requests: %" PRIu64 ", answered %" PRIu64 ", unanswered %" PRIu64
            ", replies without a request %" PRIu64 "\n", st->requests, st->answered, st->unanswered,
            st->orphans);
    if (st->answered) {
        ob_str(f, "response time: min ");
        secs(f, st->rt_min);
        ob_str(f, " avg ");
        secs(f, st->rt_sum / st->answered);
        ob_str(f, " max ");
        secs(f, st->rt_max);
        ob_ch(f, '\n');
    }
}

static void jcount(struct obuf *f, int *first, const char *key, uint64_t v)
{
    if (!*first)
        ob_ch(f, ',');
    *first = 0;
    dump_json_str(f, key);
    ob_printf(f, ":%" PRIu64, v);
}

void stats_print_json(struct dump_stats *st, struct obuf *f)
{
    int first;
    if (st->raw_used)
        stats_flow_end(st, NULL);
    ob_printf(f, "{\"stats\":{\"records\":%" PRIu64 ",\"connections\":{\"albatross\":%" PRIu64
            ",\"other\":%" PRIu64 "},\"messages\":%" PRIu64, st->records, st->flows_alb,
            st->flows_other, st->shown);
    ob_str(f, ",\"kinds\":{");
    first = 1;
    for (unsigned k = 0; k < ALB_K_COUNT; k++) {
        if (!st->kinds[k])
            continue;
        const struct alb_kind_info *ki = alb_kind_info((enum alb_kind)k);
        char label[64];
        snprintf(label, sizeof label, "WV%u %s", ki->version, ki->snake);
        jcount(f, &first, label, st->kinds[k]);
    }
    ob_str(f, "},\"vms\":{");
    first = 1;
    for (unsigned i = 0; st->vms && i < VM_ROWS; i++)
        if (st->vms[i].count)
            jcount(f, &first, st->vms[i].name, st->vms[i].count);
    ob_str(f, "}");
    ob_printf(f, ",\"vms_other\":%" PRIu64 ",\"no_vm\":%" PRIu64 ",\"flows\":[", st->vm_other,
            st->no_vm);
    for (unsigned i = 0; i < st->nflows; i++) {
        const struct flow_row *r = &st->flows[i];
        ob_str(f, i ? ",{\"flow\":" : "{\"flow\":");
        dump_json_str(f, r->label);
        ob_printf(f, ",\"messages\":%" PRIu64 ",\"requests\":%" PRIu64 ",\"answered\":%" PRIu64
                ",\"unmatched_replies\":%" PRIu64 "}", r->msgs, r->requests, r->answered,
                r->orphans);
    }
    ob_printf(f, "],\"flows_other\":%" PRIu64 ",\"errors\":{", st->flow_other);
    first = 1;
    for (unsigned e = 1; e < ALB_E_COUNT; e++)
        if (st->errors[e])
            jcount(f, &first, alb_err_name((enum alb_err)e), st->errors[e]);
    ob_str(f, "},\"warnings\":{");
    first = 1;
    for (unsigned w = 0; w < ALB_W_COUNT; w++)
        if (st->warnings[w])
            jcount(f, &first, alb_warning_name(w), st->warnings[w]);
    ob_printf(f, "},\"framing\":{\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 "}"
            ",\"gaps\":{\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 "}"
            ",\"resync\":{\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 "}"
            ",\"requests\":{\"total\":%" PRIu64 ",\"answered\":%" PRIu64 ",\"unanswered\":%" PRIu64
            ",\"unmatched_replies\":%" PRIu64 "}",
            st->framing, st->framing_bytes, st->gaps, st->gap_bytes, st->resyncs,
            st->resync_bytes, st->requests, st->answered, st->unanswered, st->orphans);
    if (st->answered)
        ob_printf(f, ",\"response_time_us\":{\"min\":%" PRIu64 ",\"avg\":%" PRIu64
                ",\"max\":%" PRIu64 "}", st->rt_min, st->rt_sum / st->answered, st->rt_max);
    ob_str(f, "}}\n");
}

/* ---------------------------------------------------------------- filters */

static int kind_matches(const char *want, const struct alb_msg *m)
{
    const struct alb_kind_info *k = alb_kind_info(m->kind);
    if (!k)
        return 0;
    if (strcasecmp(want, k->snake) == 0 || strcasecmp(want, k->name) == 0)
        return 1;
    size_t n;
    return strcasecmp(want, dump_kind_name(m, &n)) == 0;
}

int dump_kind_name_known(const char *name)
{
    if (strncasecmp(name, "Reply ", 6) == 0)
        name += 6;
    for (unsigned i = 0; i < ALB_K_COUNT; i++) {
        const struct alb_kind_info *k = alb_kind_info((enum alb_kind)i);
        if (k && (strcasecmp(name, k->snake) == 0 || strcasecmp(name, k->name) == 0))
            return 1;
    }
    return 0;
}

static int vm_matches(const char *prefix, const char *name)
{
    size_t n = strlen(prefix);
    if (strncmp(prefix, name, n) != 0)
        return 0;
    return n == 0 || name[n] == '\0' || name[n] == '.' || prefix[n - 1] == '.';
}

int dump_filter_pass(const struct dump_filter *flt, const struct dump_item *it)
{
    if (it->type != DUMP_MESSAGE)
        return 1;
    if (flt->nkinds) {
        int ok = 0;
        for (unsigned i = 0; i < flt->nkinds && !ok; i++)
            ok = kind_matches(flt->kinds[i], &it->msg);
        if (!ok)
            return 0;
    }
    if (flt->nvms) {
        char name[1024];
        if (!dump_vm_name(&it->msg, name, sizeof name))
            return 0;
        int ok = 0;
        for (unsigned i = 0; i < flt->nvms && !ok; i++)
            ok = vm_matches(flt->vms[i], name);
        if (!ok)
            return 0;
    }
    return 1;
}
