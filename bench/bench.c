/*
 * albatross-bench: how fast libalbatross-wire frames, decodes, walks and
 * encodes messages.  Single-threaded; nothing is pinned.
 *
 *   (a) decode + full field walk of a stream of small messages of every
 *       kind of wire versions 2 and 0
 *   (b) decode + full field walk of Vm.Create messages carrying images of
 *       several MiB (the image is a view: nothing is copied)
 *   (c) decode only (no field callback) of the small stream
 *   (d) framing only (alb_frame) of the small stream
 *   (e) encoding (alb_encode) of both streams
 *
 * Every message is built with alb_encode from a typed struct alb_msg, checked
 * once by decoding it (kind, error, consumed length, and for (b) that the
 * image view points into the stream and holds the right bytes), then timed.
 * Each measurement runs several times; the best and the median are printed.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "albatross/wire.h"

#ifndef ALB_BENCH_BUILD_TYPE
#define ALB_BENCH_BUILD_TYPE ""
#endif
#ifndef ALB_BENCH_CFLAGS
#define ALB_BENCH_CFLAGS ""
#endif

#define MIB (1024u * 1024u)
#define IMAGE_MIN (4u * MIB)
#define IMAGE_MAX (16u * MIB)
#define MAX_REPS 101

/* ---------------------------------------------------------------- helpers */

static int die_status = 1;     /* 2 while the command line is read */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("albatross-bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(die_status);
}

static size_t heap_bytes;   /* everything this program allocates */
static unsigned heap_blocks;

static void *xmalloc(size_t n, const char *what)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory allocating %zu bytes for %s", n, what);
    heap_bytes += n;
    heap_blocks++;
    return p;
}

struct rng {
    uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
    /* splitmix64 */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
    return n ? rnd(r) % n : 0;
}

static double now_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die("clock_gettime(CLOCK_MONOTONIC): %s", strerror(errno));
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- templates */

/* A message to encode, with the storage its views point into.  Templates are
 * built once and never move. */
#define TEXT_CAP 2048
struct tmpl {
    struct alb_msg m;
    enum alb_channel dec_ch;        /* channel given to the decoder */
    size_t size;                    /* encoded size */
    struct alb_bytes name[4];
    struct alb_bytes la[6];         /* taps, bridges, network */
    struct alb_bytes lb[6];         /* argv */
    struct alb_vmm_stat vmm[4];
    struct alb_ifdata ifd[3];
    struct alb_vm_info vms[3];
    struct alb_bytes vname[3][3];
    struct alb_bytes vtaps[3][3];
    uint8_t raw[64];
    char text[TEXT_CAP];
    size_t used;
};

static const char *const words[] = {
    "web", "db", "mirage", "unikernel", "dns", "resolver", "tls", "proxy", "mail",
    "calendar", "git", "opam", "ci", "builder", "monitor", "albatross", "solo5", "hvt",
    "frontend", "backend", "tap0", "br0", "service", "robur", "canopy", "qubes",
};
#define NWORDS (sizeof words / sizeof words[0])

/* Puts text into the template's store; a full store falls back to a word. */
static struct alb_bytes put_text(struct tmpl *t, const char *s, size_t n)
{
    if (n > TEXT_CAP - t->used) {
        const char *w = words[n % NWORDS];
        return (struct alb_bytes){ (const uint8_t *)w, strlen(w) };
    }
    char *d = t->text + t->used;
    memcpy(d, s, n);
    t->used += n;
    return (struct alb_bytes){ (const uint8_t *)d, n };
}

/* A word, sometimes with a number: "dns", "web-17". */
static struct alb_bytes word(struct tmpl *t, struct rng *r)
{
    char buf[48];
    const char *w = words[below(r, NWORDS)];
    int n = below(r, 3) ? snprintf(buf, sizeof buf, "%s-%u", w, (unsigned)below(r, 1000))
                        : snprintf(buf, sizeof buf, "%s", w);
    return put_text(t, buf, (size_t)n);
}

/* A dotted WV0 name: "robur.dns.web-3". */
static struct alb_bytes dotted(struct tmpl *t, struct rng *r)
{
    char buf[160];
    size_t n = 0;
    unsigned parts = 1 + (unsigned)below(r, 3);
    for (unsigned i = 0; i < parts; i++) {
        struct alb_bytes w = word(t, r);
        if (n + w.n + 1 >= sizeof buf)
            break;
        if (i)
            buf[n++] = '.';
        memcpy(buf + n, w.p, w.n);
        n += w.n;
    }
    return put_text(t, buf, n);
}

/* A console line or a message text of 0..about 150 bytes. */
static struct alb_bytes line(struct tmpl *t, struct rng *r)
{
    char buf[256];
    size_t n = 0;
    unsigned nw = (unsigned)below(r, 16);
    n += (size_t)snprintf(buf, sizeof buf, "[%5u.%06u]", (unsigned)below(r, 100000),
                          (unsigned)below(r, 1000000));
    for (unsigned i = 0; i < nw && n < 160; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, " %s", words[below(r, NWORDS)]);
    return put_text(t, buf, n);
}

/* An optional string: absent (NULL), empty, or text. */
static struct alb_bytes opt_text(struct tmpl *t, struct rng *r)
{
    switch (below(r, 4)) {
    case 0: return (struct alb_bytes){ NULL, 0 };
    case 1: return put_text(t, "", 0);
    default: return line(t, r);
    }
}

static struct alb_time stamp(struct rng *r)
{
    /* 2016 .. 2024, any picosecond of the day */
    return (struct alb_time){ 16800 + (int64_t)below(r, 3300),
                              (int64_t)below(r, 86400000000000000ull) };
}

static struct alb_list strings(struct alb_bytes *arr, unsigned cap, unsigned n, struct tmpl *t,
                               struct rng *r)
{
    if (n > cap)
        n = cap;
    for (unsigned i = 0; i < n; i++)
        arr[i] = word(t, r);
    return (struct alb_list){ .count = n, .items = arr };
}

static struct alb_list vm_name(struct tmpl *t, struct rng *r)
{
    /* mostly 1..3 components, sometimes the root (empty) */
    unsigned n = below(r, 8) ? 1 + (unsigned)below(r, 3) : 0;
    return strings(t->name, 4, n, t, r);
}

static void rusage(struct alb_rusage *ru, struct rng *r)
{
    ru->utime_sec = below(r, 1u << 20);
    ru->utime_usec = (int64_t)below(r, 1000000);
    ru->stime_sec = below(r, 1u << 16);
    ru->stime_usec = (int64_t)below(r, 1000000);
    uint64_t *rest[] = { &ru->maxrss, &ru->ixrss, &ru->idrss, &ru->isrss, &ru->minflt,
                         &ru->majflt, &ru->nswap, &ru->inblock, &ru->outblock, &ru->msgsnd,
                         &ru->msgrcv, &ru->nsignals, &ru->nvcsw, &ru->nivcsw };
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        *rest[i] = below(r, 3) ? below(r, 1u << 24) : rnd(r);
}

static struct alb_list ifdata(struct tmpl *t, struct rng *r)
{
    unsigned n = (unsigned)below(r, 4);
    for (unsigned i = 0; i < n; i++) {
        struct alb_ifdata *d = &t->ifd[i];
        memset(d, 0, sizeof *d);
        d->name = word(t, r);
        d->flags = below(r, 1u << 16);
        d->send_length = below(r, 512);
        d->max_send_length = 512;
        d->send_drops = below(r, 100);
        d->mtu = below(r, 2) ? 1500 : 9000;
        uint64_t *rest[] = { &d->baudrate, &d->input_packets, &d->input_errors,
                             &d->output_packets, &d->output_errors, &d->collisions,
                             &d->input_bytes, &d->output_bytes, &d->input_mcast,
                             &d->output_mcast, &d->input_dropped, &d->output_dropped };
        for (size_t k = 0; k < sizeof rest / sizeof rest[0]; k++)
            *rest[k] = below(r, 1ull << 40);
    }
    return (struct alb_list){ .count = n, .items = t->ifd };
}

/* A log event for WV2 (tags 0..4) or WV0 (tags 0..7). */
static void event(struct tmpl *t, struct rng *r, unsigned version)
{
    struct alb_log_event *ev = &t->m.u.log.ev;
    ev->tag = below(r, version == 2 ? 5 : 8);
    switch (ev->tag) {
    case ALB_EV_LOGIN:
    case ALB_EV_LOGOUT:
        ev->ip = (uint32_t)rnd(r);
        ev->port = below(r, 65536);
        break;
    case ALB_EV_VM_START:
        ev->pid = (int64_t)below(r, 1u << 22);
        ev->block = below(r, 2) ? word(t, r) : put_text(t, "", 0);
        ev->taps = strings(t->la, 6, (unsigned)below(r, 4), t, r);
        break;
    case ALB_EV_VM_STOP:
        ev->pid = (int64_t)below(r, 1u << 22);
        ev->exit_kind = (int64_t)below(r, 3);
        ev->code = (int64_t)below(r, 256) - 20;
        break;
    case ALB_EV_BLOCK_CREATE:
        ev->block_name = word(t, r);
        ev->size = (int64_t)below(r, 1u << 20);
        break;
    case ALB_EV_BLOCK_DESTROY:
        ev->block_name = word(t, r);
        break;
    case ALB_EV_DELEGATE:
        ev->block = word(t, r);
        ev->bridges = strings(t->la, 6, (unsigned)below(r, 4), t, r);
        break;
    default:
        break;
    }
}

static const uint8_t *noise;        /* random bytes: images and raw bodies */
static size_t noise_len;

static struct alb_bytes noise_view(struct rng *r, size_t n)
{
    if (n > noise_len)
        n = noise_len;
    return (struct alb_bytes){ noise + below(r, noise_len - n + 1), n };
}

static const uint32_t v2_requests[] = { 0x100, 0x101, 0x200, 0x201, 0x202, 0x300, 0x301,
                                        0x400, 0x401 };

/* Fills t as a message of kind k with varied content. */
static void build(struct tmpl *t, enum alb_kind k, struct rng *r)
{
    memset(t, 0, sizeof *t);
    alb_msg_init(&t->m, k);
    struct alb_msg *m = &t->m;
    const struct alb_kind_info *ki = alb_kind_info(k);
    t->dec_ch = ki->channel;
    if (ki->version == 0 && ki->channel == ALB_CH_ANY)
        t->dec_ch = (enum alb_channel)(1 + below(r, ALB_CH_COUNT - 1));

    switch (k) {
    case ALB_K_CONSOLE_ADD: case ALB_K_CONSOLE_ATTACH: case ALB_K_STATS_REMOVE:
    case ALB_K_STATS_SUBSCRIBE: case ALB_K_LOG_SUBSCRIBE: case ALB_K_VM_DESTROY:
    case ALB_K_VM_INFO:
        m->name = vm_name(t, r);
        break;
    case ALB_K_CONSOLE_DATA:
        m->name = vm_name(t, r);
        m->ts = stamp(r);
        m->u.line = line(t, r);
        break;
    case ALB_K_STATS_ADD:
        m->name = vm_name(t, r);
        m->pid = (int64_t)below(r, 1u << 22);
        m->u.taps = strings(t->la, 6, (unsigned)below(r, 4), t, r);
        break;
    case ALB_K_STATS_DATA:
        m->name = vm_name(t, r);
        rusage(&m->u.stats.ru, r);
        for (unsigned i = 0, n = (unsigned)below(r, 5); i < n; i++) {
            t->vmm[i].key = word(t, r);
            t->vmm[i].value = rnd(r);
            m->u.stats.vmm.count = n;
        }
        m->u.stats.vmm.items = t->vmm;
        m->u.stats.ifdata = ifdata(t, r);
        break;
    case ALB_K_LOG_LOG: case ALB_K_LOG_BROADCAST:
        m->name = vm_name(t, r);
        m->ts = stamp(r);
        event(t, r, 2);
        break;
    case ALB_K_VM_CREATE:
        m->name = vm_name(t, r);
        m->u.vm.cpuid = (int64_t)below(r, 16);
        m->u.vm.memory = 32 + (int64_t)below(r, 4096);
        m->u.vm.block = below(r, 2) ? word(t, r) : put_text(t, "", 0);
        m->u.vm.network = strings(t->la, 6, (unsigned)below(r, 3), t, r);
        m->u.vm.vmtype = below(r, 2) ? ALB_VMTYPE_HVT_AMD64 : ALB_VMTYPE_HVT_AMD64_COMPRESSED;
        m->u.vm.image = noise_view(r, (size_t)below(r, 200));
        m->u.vm.argv = strings(t->lb, 6, (unsigned)below(r, 5), t, r);
        break;
    case ALB_K_VM_INFO_REPLY: {
        unsigned n = (unsigned)below(r, 4);
        for (unsigned i = 0; i < n; i++) {
            struct alb_vm_info *v = &t->vms[i];
            v->name = strings(t->vname[i], 3, 1 + (unsigned)below(r, 3), t, r);
            v->memory = 32 + (int64_t)below(r, 4096);
            v->cmd = line(t, r);
            v->pid = (int64_t)below(r, 1u << 22);
            v->taps = strings(t->vtaps[i], 3, (unsigned)below(r, 3), t, r);
        }
        m->u.vms = (struct alb_list){ .count = n, .items = t->vms };
        break;
    }
    case ALB_K_SUCCESS:
        m->tag = 0x80000000u | v2_requests[below(r, sizeof v2_requests / sizeof v2_requests[0])];
        if (m->tag == 0x80000402u)
            m->tag = 0x80000000u;   /* that one is the info reply */
        m->u.msg = opt_text(t, r);
        break;
    case ALB_K_FAILURE: case ALB_K_V0_FAILURE: case ALB_K_V0_SUCCESS:
        m->u.msg = opt_text(t, r);
        break;
    case ALB_K_UNKNOWN:
        m->tag = 0x00000500u + (uint32_t)below(r, 0x100);
        m->u.body = noise_view(r, (size_t)below(r, 48));
        break;
    case ALB_K_V0_CONSOLE_ADD: case ALB_K_V0_CONSOLE_ATTACH: case ALB_K_V0_CONSOLE_DETACH:
        m->name_str = below(r, 4) ? dotted(t, r) : (struct alb_bytes){ NULL, 0 };
        break;
    case ALB_K_V0_CONSOLE_HISTORY:
        m->name_str = dotted(t, r);     /* the time follows: the name is never absent */
        m->ts = stamp(r);
        break;
    case ALB_K_V0_CONSOLE_DATA: case ALB_K_V0_CONSOLE_MSG:
        m->name_str = dotted(t, r);
        m->ts = stamp(r);
        m->u.line = line(t, r);
        break;
    case ALB_K_V0_STATS_ADD:
        m->pid = (int64_t)below(r, 1u << 22);
        m->u.taps = strings(t->la, 6, (unsigned)below(r, 4), t, r);
        break;
    case ALB_K_V0_STATS_REMOVE: case ALB_K_V0_STATS_STATISTICS:
        m->pid = (int64_t)below(r, 1u << 22);
        break;
    case ALB_K_V0_STATS_STATREPLY: case ALB_K_V0_STAT_MSG:
        rusage(&m->u.stats.ru, r);
        m->u.stats.ifdata = ifdata(t, r);
        break;
    case ALB_K_V0_LOG_DATA: case ALB_K_V0_LOG_MSG:
        m->ts = stamp(r);
        m->u.log.context = word(t, r);
        m->name_str = dotted(t, r);
        event(t, r, 0);
        break;
    case ALB_K_V0_LOG_HISTORY:
        m->u.log.context = word(t, r);
        m->ts = stamp(r);
        break;
    case ALB_K_V0_CLIENT_INFO: case ALB_K_V0_CLIENT_DESTROY_IMAGE:
    case ALB_K_V0_CLIENT_CREATE_BLOCK: case ALB_K_V0_CLIENT_DESTROY_BLOCK:
    case ALB_K_V0_CLIENT_STATISTICS: case ALB_K_V0_CLIENT_ATTACH:
    case ALB_K_V0_CLIENT_DETACH: case ALB_K_V0_CLIENT_LOG:
        m->u.arg = below(r, 4) ? dotted(t, r) : (struct alb_bytes){ NULL, 0 };
        break;
    case ALB_K_V0_INFO_MSG: {
        unsigned n = (unsigned)below(r, 4);
        for (unsigned i = 0; i < n; i++) {
            struct alb_vm_info *v = &t->vms[i];
            v->leaf = word(t, r);
            v->cmd = line(t, r);
            v->pid = (int64_t)below(r, 1u << 22);
            v->taps = strings(t->vtaps[i], 3, (unsigned)below(r, 3), t, r);
        }
        m->u.vms = (struct alb_list){ .count = n, .items = t->vms };
        break;
    }
    case ALB_K_V0_UNKNOWN:
        m->tag = 0x0100u + (uint32_t)below(r, 0x100);
        m->u.body = noise_view(r, (size_t)below(r, 48));
        break;
    default:
        die("no builder for kind %s", alb_kind_info(k)->name);
    }
}

/* Every kind the encoder can write: both wire versions, the unknown kinds
 * included.  Wire version 1 is only recognised, never written. */
static int encodable(enum alb_kind k)
{
    return k != ALB_K_V1_UNSUPPORTED;
}

static uint64_t msg_id(const struct tmpl *t, uint64_t i)
{
    return t->m.version == 2 ? i * 0x9E3779B97F4A7C15ull >> 8 : (i * 40503u) & 0xFFFF;
}

/* ---------------------------------------------------------------- streams */

struct stream {
    uint8_t *buf;
    size_t len;
    size_t count;
    struct tmpl *tmpls;     /* the templates messages are encoded from */
    size_t ntmpl;
    uint32_t *pick;         /* message i is tmpls[pick[i]] */
    uint8_t *chan;          /* decode channel of message i */
    uint8_t *out;           /* encoding target */
};

/* Encodes every message of s into dst; returns the bytes written. */
static size_t encode_stream(const struct stream *s, uint8_t *dst)
{
    size_t pos = 0;
    for (size_t i = 0; i < s->count; i++) {
        struct tmpl *t = &s->tmpls[s->pick[i]];
        size_t w;
        struct alb_error err;
        t->m.id = msg_id(t, i);
        if (alb_encode(&t->m, dst + pos, s->len - pos, &w, &err) != ALB_E_OK)
            die("alb_encode failed on message %zu (%s): %s, field %s", i,
                alb_kind_info(t->m.kind)->name, alb_err_str(err.code),
                err.field == ALB_F_NONE ? "-" : alb_field_info(err.field)->name);
        pos += w;
    }
    return pos;
}

static size_t encoded_size(struct tmpl *t)
{
    size_t w;
    struct alb_error err;
    if (alb_encode(&t->m, NULL, 0, &w, &err) != ALB_E_NO_SPACE)
        die("alb_encode refuses a %s message: %s, field %s", alb_kind_info(t->m.kind)->name,
            alb_err_str(err.code), err.field == ALB_F_NONE ? "-" : alb_field_info(err.field)->name);
    return w;
}

static void make_small(struct stream *s, size_t count, struct rng *r)
{
    enum alb_kind kinds[ALB_K_COUNT];
    size_t nk = 0;
    for (unsigned k = 0; k < ALB_K_COUNT; k++)
        if (encodable((enum alb_kind)k))
            kinds[nk++] = (enum alb_kind)k;

    s->ntmpl = nk * 96;     /* 96 different messages of each kind */
    s->tmpls = xmalloc(s->ntmpl * sizeof *s->tmpls, "message templates");
    for (size_t i = 0; i < s->ntmpl; i++) {
        build(&s->tmpls[i], kinds[i % nk], r);
        s->tmpls[i].size = encoded_size(&s->tmpls[i]);
    }
    s->count = count;
    s->pick = xmalloc(count * sizeof *s->pick, "message order");
    s->chan = xmalloc(count, "message channels");
    s->len = 0;
    for (size_t i = 0; i < count; i++) {
        s->pick[i] = (uint32_t)below(r, s->ntmpl);
        s->chan[i] = (uint8_t)s->tmpls[s->pick[i]].dec_ch;
        s->len += s->tmpls[s->pick[i]].size;
    }
    s->buf = xmalloc(s->len, "small-message stream");
    s->out = xmalloc(s->len, "encoding target");
    if (encode_stream(s, s->buf) != s->len)
        die("encoded stream size differs from the sum of the message sizes");
}

static void make_create(struct stream *s, size_t count, struct rng *r)
{
    s->ntmpl = count;
    s->tmpls = xmalloc(count * sizeof *s->tmpls, "Vm.Create templates");
    s->count = count;
    s->pick = xmalloc(count * sizeof *s->pick, "message order");
    s->chan = xmalloc(count, "message channels");
    s->len = 0;
    for (size_t i = 0; i < count; i++) {
        struct tmpl *t = &s->tmpls[i];
        build(t, ALB_K_VM_CREATE, r);
        t->m.u.vm.image = noise_view(r, IMAGE_MIN + (size_t)below(r, IMAGE_MAX - IMAGE_MIN + 1));
        t->size = encoded_size(t);
        s->pick[i] = (uint32_t)i;
        s->chan[i] = ALB_CH_ANY;
        s->len += t->size;
    }
    s->buf = xmalloc(s->len, "Vm.Create stream");
    s->out = xmalloc(s->len, "encoding target");
    if (encode_stream(s, s->buf) != s->len)
        die("encoded stream size differs from the sum of the message sizes");
}

/* ---------------------------------------------------------------- walking */

struct walk {
    uint64_t sum;
    uint64_t fields;
};

/* Folds everything a field reports into a checksum, so no part of the walk
 * can be optimised away: id, event, depth, index, offset, length, value. */
static int touch(void *ctx, const struct alb_field *f)
{
    struct walk *w = ctx;
    uint64_t v;
    switch (f->type) {
    case ALB_T_STR:
    case ALB_T_BYTES:
        v = (uint64_t)(uintptr_t)f->v.b.p ^ f->v.b.n;
        if (f->type == ALB_T_STR && f->v.b.n)
            v += f->v.b.p[0];
        break;
    case ALB_T_TIME:
        v = (uint64_t)f->v.t.d ^ (uint64_t)f->v.t.ps;
        break;
    default:
        v = f->v.u;
        break;
    }
    uint64_t key = (uint64_t)f->id | (uint64_t)f->ev << 16 | (uint64_t)f->depth << 20 |
                   (uint64_t)(f->bad != 0) << 28;
    w->sum = (w->sum ^ key) * 0x100000001B3ull + f->off + (f->len << 7) + (f->index << 13) + v;
    w->fields++;
    return 0;
}

/* Decodes the whole stream; with walk, every field goes through touch. */
static uint64_t decode_stream(const struct stream *s, int walk, uint64_t *fields)
{
    struct alb_opts o;
    struct alb_msg m;
    struct walk w = { 0, 0 };
    size_t pos = 0;
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < s->count; i++) {
        o.channel = (enum alb_channel)s->chan[i];
        enum alb_err r = alb_decode(s->buf + pos, s->len - pos, &o, &m, walk ? touch : NULL, &w);
        if (r != ALB_E_OK)
            die("message %zu at byte %zu: %s", i, pos, alb_err_str(r));
        w.sum += (uint64_t)m.kind * 31 + m.err.code + m.id;
        pos += m.hdr_len + m.length;
    }
    if (pos != s->len)
        die("the stream decoded to %zu of %zu bytes", pos, s->len);
    if (fields)
        *fields = w.fields;
    return w.sum;
}

static uint64_t frame_stream(const struct stream *s)
{
    struct alb_opts o;
    struct alb_frame f;
    uint64_t sum = 0;
    size_t pos = 0;
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < s->count; i++) {
        if (alb_frame(s->buf + pos, s->len - pos, &o, &f) != ALB_E_OK)
            die("message %zu at byte %zu: %s", i, pos, alb_err_str(f.status));
        sum = sum * 31 + f.version + f.body_len;
        pos += f.total_len;
    }
    if (pos != s->len)
        die("the stream framed to %zu of %zu bytes", pos, s->len);
    return sum;
}

/* Untimed: every message decodes as the kind it was built as, without error,
 * and an image is a view into the stream holding the bytes given to the
 * encoder.  Returns how many kinds occur. */
static unsigned verify(const struct stream *s, unsigned *kind_count)
{
    struct alb_opts o;
    struct alb_msg m;
    size_t pos = 0;
    unsigned kinds = 0;
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < s->count; i++) {
        const struct tmpl *t = &s->tmpls[s->pick[i]];
        o.channel = (enum alb_channel)s->chan[i];
        enum alb_err r = alb_decode(s->buf + pos, s->len - pos, &o, &m, NULL, NULL);
        if (r != ALB_E_OK || m.err.code != ALB_E_OK)
            die("message %zu (%s) does not decode: %s / %s at byte %" PRIu64, i,
                alb_kind_info(t->m.kind)->name, alb_err_str(r), alb_err_str(m.err.code),
                m.err.offset);
        if (m.kind != t->m.kind)
            die("message %zu decodes as %s, built as %s", i, alb_kind_info(m.kind)->name,
                alb_kind_info(t->m.kind)->name);
        /* expected: several VMs in an info reply (the reference rejects it),
         * and a name guessed in the raw body of an unknown request */
        uint32_t expected = ALB_W_REF_REJECTS | (m.kind == ALB_K_UNKNOWN ? ALB_W_HEURISTIC : 0);
        if ((m.warnings & ~expected) != 0)
            die("message %zu (%s) decodes with warnings 0x%x", i, alb_kind_info(m.kind)->name,
                (unsigned)m.warnings);
        if (m.kind == ALB_K_VM_CREATE) {
            const struct alb_bytes *img = &m.u.vm.image;
            if (img->n != t->m.u.vm.image.n)
                die("message %zu: image of %zu bytes, built with %zu", i, img->n,
                    t->m.u.vm.image.n);
            if (img->n && (img->p < s->buf + pos || img->p + img->n > s->buf + pos +
                           m.hdr_len + m.length))
                die("message %zu: the image view does not point into the stream", i);
            if (img->n && memcmp(img->p, t->m.u.vm.image.p, img->n) != 0)
                die("message %zu: the image bytes differ from those encoded", i);
        }
        if (kind_count[m.kind]++ == 0)
            kinds++;
        pos += m.hdr_len + m.length;
    }
    if (pos != s->len)
        die("the stream decoded to %zu of %zu bytes", pos, s->len);
    return kinds;
}

/* ---------------------------------------------------------------- timing */

enum job { J_WALK, J_DECODE, J_FRAME, J_ENCODE, J_MEMCPY };

static uint64_t run_job(const struct stream *s, enum job j)
{
    switch (j) {
    case J_WALK: return decode_stream(s, 1, NULL);
    case J_DECODE: return decode_stream(s, 0, NULL);
    case J_FRAME: return frame_stream(s);
    case J_ENCODE: {
        size_t n = encode_stream(s, s->out);
        if (n != s->len)
            die("re-encoding wrote %zu bytes, the stream has %zu", n, s->len);
        return n ^ s->out[n / 2];
    }
    case J_MEMCPY:
        memcpy(s->out, s->buf, s->len);
        return s->out[s->len / 3];
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct result {
    double best, median;    /* seconds */
};

/* 6.36 M, 487.1 M, 51.4 T: three significant digits and a decimal prefix. */
static const char *si(char *buf, size_t cap, double v)
{
    static const char prefix[] = " kMGTPE";
    unsigned i = 0;
    while (v >= 999.95 && i + 1 < sizeof prefix - 1) {
        v /= 1000;
        i++;
    }
    snprintf(buf, cap, "%.*f %c", v < 9.995 ? 2 : v < 99.95 ? 1 : 0, v, prefix[i]);
    return buf;
}

static void print_rate(const char *label, const struct stream *s, struct result res)
{
    double n = (double)s->count, b = (double)s->len;
    char x[4][32];
    printf("%-36s %9s %9s   %9s %9s   %11.1f %11.1f\n", label,
           si(x[0], 32, n / res.best), si(x[1], 32, n / res.median),
           si(x[2], 32, b / res.best), si(x[3], 32, b / res.median),
           res.best * 1e9 / n, res.median * 1e9 / n);
}

static struct result measure(const char *label, const struct stream *s, enum job j, unsigned reps)
{
    double t[MAX_REPS];
    uint64_t first = run_job(s, j);     /* warm-up, and the checksum to expect */
    for (unsigned i = 0; i < reps; i++) {
        double t0 = now_s();
        uint64_t sum = run_job(s, j);
        t[i] = now_s() - t0;
        if (sum != first)
            die("%s: repetition %u gave checksum %016" PRIx64 ", expected %016" PRIx64, label, i,
                sum, first);
    }
    qsort(t, reps, sizeof t[0], cmp_double);
    struct result res = { t[0], reps % 2 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2 };
    print_rate(label, s, res);
    fflush(stdout);
    return res;
}

/* ---------------------------------------------------------------- report */

static void cpu_model(char *out, size_t cap)
{
    snprintf(out, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char ln[512];
    while (fgets(ln, sizeof ln, f)) {
        if (strncmp(ln, "model name", 10) != 0)
            continue;
        char *c = strchr(ln, ':');
        if (!c)
            continue;
        c++;
        while (*c == ' ' || *c == '\t')
            c++;
        c[strcspn(c, "\n")] = 0;
        snprintf(out, cap, "%s", c);
        break;
    }
    fclose(f);
}

/* The 1-minute load average: other processes competing for the CPUs make
 * every figure pessimistic. */
static double load_average(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static void usage(FILE *to)
{
    fputs("usage: albatross-bench [--quick] [--messages N] [--images N] [--repeat N]\n"
          "                       [--only LIST]\n"
          "  --quick       short run: 200000 small messages, 8 images, 3 repetitions\n"
          "  --messages N  small messages in stream (a) (default 1000000)\n"
          "  --images N    Vm.Create messages of 4-16 MiB in stream (b) (default 64)\n"
          "  --repeat N    timed repetitions of each measurement (default 5)\n"
          "  --only LIST   run only the measurements named by the letters a-e (e.g. ac)\n"
          "Single-threaded; prints best and median of the repetitions.\n", to);
}

static unsigned long long number(const char *opt, const char *arg, unsigned long long lo,
                                 unsigned long long hi)
{
    if (!arg)
        die("%s needs a number", opt);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-' || v < lo || v > hi)
        die("%s: '%s' is not a number from %llu to %llu", opt, arg, lo, hi);
    return v;
}

int main(int argc, char **argv)
{
    int quick = 0;
    long long messages = -1, images = -1, reps = -1;
    const char *only = "abcde";
    die_status = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quick") == 0)
            quick = 1;
        else if (strcmp(a, "--messages") == 0)
            messages = (long long)number(a, i + 1 < argc ? argv[++i] : NULL, 1, 50000000);
        else if (strcmp(a, "--images") == 0)
            images = (long long)number(a, i + 1 < argc ? argv[++i] : NULL, 1, 256);
        else if (strcmp(a, "--repeat") == 0)
            reps = (long long)number(a, i + 1 < argc ? argv[++i] : NULL, 1, MAX_REPS);
        else if (strcmp(a, "--only") == 0) {
            if (i + 1 >= argc)
                die("--only needs some of the letters a, b, c, d, e");
            only = argv[++i];
            if (!*only || strspn(only, "abcde") != strlen(only))
                die("--only: '%s' is not made of the letters a, b, c, d, e", only);
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "albatross-bench: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    die_status = 1;
    if (messages < 0)
        messages = quick ? 200000 : 1000000;
    if (images < 0)
        images = quick ? 8 : 64;
    if (reps < 0)
        reps = quick ? 3 : 5;

    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    printf("albatross-bench: single-threaded, one core, no CPU pinning\n");
#if defined(__clang__)
    printf("compiler:   clang %s\n", __clang_version__);
#elif defined(__GNUC__)
    printf("compiler:   gcc %s\n", __VERSION__);
#else
    printf("compiler:   unknown\n");
#endif
    printf("build type: %s (C flags: %s)%s\n",
           ALB_BENCH_BUILD_TYPE[0] ? ALB_BENCH_BUILD_TYPE : "none", ALB_BENCH_CFLAGS,
#ifdef __OPTIMIZE__
           ""
#else
           " -- NOT OPTIMISED, figures are meaningless"
#endif
    );
    printf("cpu:        %s\n", cpu);
    double load = load_average();
    if (load >= 0)
        printf("load:       %.2f (1-minute average when the run started)\n", load);
    printf("repetitions: %lld timed (after one warm-up run); clock: CLOCK_MONOTONIC\n", reps);

    /* random bytes for images and raw bodies */
    struct rng r = { 0x616C626174726F73ull };
    noise_len = IMAGE_MAX + 4096;
    uint8_t *nz = xmalloc(noise_len, "image bytes");
    for (size_t i = 0; i + 8 <= noise_len; i += 8) {
        uint64_t v = rnd(&r);
        memcpy(nz + i, &v, 8);
    }
    noise = nz;

    struct stream small, create;
    memset(&small, 0, sizeof small);
    memset(&create, 0, sizeof create);
    double t0 = now_s();
    make_small(&small, (size_t)messages, &r);
    make_create(&create, (size_t)images, &r);

    unsigned kind_count[ALB_K_COUNT];
    memset(kind_count, 0, sizeof kind_count);
    unsigned kinds = verify(&small, kind_count);
    unsigned expect = 0, v2 = 0, v0 = 0;
    for (unsigned k = 0; k < ALB_K_COUNT; k++)
        if (encodable((enum alb_kind)k)) {
            expect++;
            if (kind_count[k])
                *(alb_kind_info((enum alb_kind)k)->version == 2 ? &v2 : &v0) += 1;
        }
    unsigned create_count[ALB_K_COUNT];
    memset(create_count, 0, sizeof create_count);
    verify(&create, create_count);
    uint64_t fields = 0;
    decode_stream(&small, 1, &fields);

    printf("\nstream (a): %zu small messages, %zu bytes (%.1f bytes/message), "
           "%.1f fields/message\n", small.count, small.len,
           (double)small.len / (double)small.count, (double)fields / (double)small.count);
    printf("            %u of %u kinds (%u of WV2, %u of WV0; WV1 is never encoded), "
           "%zu different message bodies\n", kinds, expect, v2, v0, small.ntmpl);
    printf("stream (b): %zu Vm.Create messages, images of 4-16 MiB, %zu bytes "
           "(%.1f MiB/message)\n", create.count, create.len,
           (double)create.len / (double)create.count / MIB);
    printf("built and checked in %.2f s; the program holds %zu bytes in %u heap blocks\n",
           now_s() - t0, heap_bytes, heap_blocks);
    if (kinds < expect)
        printf("note: only %u of %u kinds occur; use more messages to mix all of them\n", kinds,
               expect);

    printf("\n%-36s %9s %9s   %9s %9s   %11s %11s\n", "measurement", "msg/s", "msg/s",
           "B/s", "B/s", "ns/msg", "ns/msg");
    printf("%-36s %9s %9s   %9s %9s   %11s %11s\n", "", "best", "median", "best", "median",
           "best", "median");
    unsigned n = (unsigned)reps;
    struct result ra = { 0, 0 }, rb = { 0, 0 };
    if (strchr(only, 'a'))
        ra = measure("(a) decode + full walk, small", &small, J_WALK, n);
    if (strchr(only, 'b'))
        rb = measure("(b) decode + full walk, Vm.Create", &create, J_WALK, n);
    if (strchr(only, 'c'))
        measure("(c) decode only, small", &small, J_DECODE, n);
    if (strchr(only, 'd'))
        measure("(d) framing only, small", &small, J_FRAME, n);
    if (strchr(only, 'e')) {
        measure("(e) encode, small", &small, J_ENCODE, n);
        measure("(e) encode, Vm.Create", &create, J_ENCODE, n);
        measure("    memcpy of the Vm.Create stream", &create, J_MEMCPY, n);
        if (memcmp(small.out, small.buf, small.len) != 0 ||
            memcmp(create.out, create.buf, create.len) != 0)
            die("re-encoding produced different bytes");
    }

    printf("\nB/s: bytes of whole messages per second (k, M, G, T: powers of 1000)\n");
    if (ra.best > 0) {
        double a_rate = (double)small.count / ra.best;
        printf("(a) %.2f ns per reported field (best)\n", ra.best * 1e9 / (double)fields);
        printf("target (a) >= 10 M messages/s: %s (%.2f M/s best)\n",
               a_rate >= 10e6 ? "met" : "MISSED", a_rate / 1e6);
    }
    if (rb.best > 0) {
        double b_rate = (double)create.len / rb.best;
        printf("target (b) >= 5 GB/s:          %s (%.1f GB/s best)\n",
               b_rate >= 5e9 ? "met" : "MISSED", b_rate / 1e9);
    }

    free(small.buf); free(small.out); free(small.tmpls); free(small.pick); free(small.chan);
    free(create.buf); free(create.out); free(create.tmpls); free(create.pick); free(create.chan);
    free(nz);
    return 0;
}
