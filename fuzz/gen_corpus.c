/* albatross-gen-corpus: writes the seed corpora for the fuzz harnesses.
 *
 *   albatross-gen-corpus OUTDIR
 *
 * Every message kind of both wire versions is built as a typed message and
 * put on the wire with alb_encode() (several variants each: empty lists and
 * absent strings, typical values, several elements and boundary values).
 * Malformed seeds are made from encoded messages by patching the bytes of
 * one field, found through the decoder's field events, so that each error
 * the decoder knows has an example.  Files go to OUTDIR/message,
 * OUTDIR/roundtrip, OUTDIR/wv0 and OUTDIR/stream, named seed-*; each starts
 * with the harness's channel selector byte (fuzz/README.md). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "albatross/wire.h"

#define MAXMSG 70000

static const char *outdir;
static int failures;
static unsigned long written_files;

/* ------------------------------------------------------------ output */

static void make_dir(const char *sub)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, sub);
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen-corpus: cannot create %s: %s\n", outdir, strerror(errno));
        exit(1);
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen-corpus: cannot create %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static void write_file(const char *sub, const char *name, uint8_t sel, const uint8_t *a,
                       size_t an, const uint8_t *b, size_t bn)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/seed-%s", outdir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "gen-corpus: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    int ok = fwrite(&sel, 1, 1, f) == 1 && fwrite(a, 1, an, f) == an &&
             (bn == 0 || fwrite(b, 1, bn, f) == bn);
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "gen-corpus: write error on %s\n", path);
        exit(1);
    }
    written_files++;
}

/* ------------------------------------------------------------ values */

static struct alb_bytes S(const char *s)
{
    return (struct alb_bytes){ (const uint8_t *)s, strlen(s) };
}

static struct alb_list L(const void *items, uint64_t count)
{
    return (struct alb_list){ count, NULL, 0, count ? items : NULL, NULL };
}

static const struct alb_bytes name1[] = { { (const uint8_t *)"hello", 5 } };
static const struct alb_bytes name3[] = { { (const uint8_t *)"robur", 5 },
                                          { (const uint8_t *)"prod", 4 },
                                          { (const uint8_t *)"dns-resolver", 12 } };
static const struct alb_bytes taps2[] = { { (const uint8_t *)"tap0", 4 },
                                          { (const uint8_t *)"tap17", 5 } };
static const struct alb_bytes bridges2[] = { { (const uint8_t *)"service", 7 },
                                             { (const uint8_t *)"ext", 3 } };
static const struct alb_bytes argv3[] = { { (const uint8_t *)"--ipv4=10.0.0.2/24", 18 },
                                          { (const uint8_t *)"--ipv4-gateway=10.0.0.1", 23 },
                                          { (const uint8_t *)"-l", 2 } };
static const uint8_t image[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 3, 0, 0x3e, 0, 1, 0, 0, 0, 0x10, 0x20, 0x30, 0x40 };
static const uint8_t binary_line[] = "\x1b[0m\tbinary \x00\xff line";
static const struct alb_vmm_stat vmm2[] = { { { (const uint8_t *)"vcpu0.exits", 11 }, 123456 },
                                            { { (const uint8_t *)"vm.mem", 6 }, 0xFFFFFFFFFFFFFFFFull } };

static struct alb_ifdata ifd[2];
static struct alb_vm_info vms[2];
static struct alb_vm_info vms0[2];

static void init_tables(void)
{
    for (int i = 0; i < 2; i++) {
        struct alb_ifdata *d = &ifd[i];
        memset(d, 0, sizeof *d);
        d->name = i ? S("tap17") : S("tap0");
        d->flags = 0x8843;
        d->send_length = (uint64_t)i;
        d->max_send_length = 50;
        d->send_drops = 0;
        d->mtu = 1500;
        d->baudrate = 10000000000ull;
        d->input_packets = 1000u + (uint64_t)i;
        d->input_errors = 1;
        d->output_packets = 2000;
        d->output_errors = 2;
        d->collisions = 0;
        d->input_bytes = 123456789;
        d->output_bytes = 987654321;
        d->input_mcast = 3;
        d->output_mcast = 4;
        d->input_dropped = 5;
        d->output_dropped = i ? 0xFFFFFFFFFFFFFFFFull : 6;
    }
    memset(vms, 0, sizeof vms);
    vms[0].name = L(name3, 3);
    vms[0].memory = 512;
    vms[0].cmd = S("solo5-hvt --mem=512 --net:service=tap0 resolver.hvt");
    vms[0].pid = 4242;
    vms[0].taps = L(taps2, 1);
    vms[1].name = L(name1, 1);
    vms[1].memory = 32;
    vms[1].cmd = S("");
    vms[1].pid = -1;
    vms[1].taps = L(taps2, 2);
    memset(vms0, 0, sizeof vms0);
    vms0[0].leaf = S("resolver");
    vms0[0].cmd = S("ukvm-bin --net=tap0 resolver.ukvm");
    vms0[0].pid = 4242;
    vms0[0].taps = L(taps2, 2);
    vms0[1].leaf = S("hello");
    vms0[1].cmd = S("ukvm-bin hello.ukvm");
    vms0[1].pid = 7;
    vms0[1].taps = L(taps2, 0);
}

static const struct alb_time times[3] = {
    { 0, 0 },                               /* the epoch */
    { 19000, 43200000000000000LL },         /* 2022, noon */
    { 2932896, 86399999999999999LL },       /* the latest ptime */
};

static void fill_rusage(struct alb_rusage *ru, int v)
{
    memset(ru, 0, sizeof *ru);
    if (v == 0)
        return;
    ru->utime_sec = 12;
    ru->utime_usec = 345678;
    ru->stime_sec = 3;
    ru->stime_usec = 999999;
    ru->maxrss = 65536;
    ru->minflt = 1234;
    ru->nvcsw = 100;
    ru->nivcsw = v == 2 ? 0xFFFFFFFFFFFFFFFFull : 5;
}

/* The log event for variant v of an event tag. */
static void fill_event(struct alb_log_event *ev, uint64_t tag, int v, int wv0)
{
    memset(ev, 0, sizeof *ev);
    ev->tag = tag;
    switch (tag) {
    case ALB_EV_LOGIN:
    case ALB_EV_LOGOUT:
        ev->ip = v ? 0xC0A80101u : 0x7F000001u;
        ev->port = v == 2 ? 65535 : 1025;
        break;
    case ALB_EV_VM_START:
        ev->pid = v == 2 ? (wv0 ? INT32_MIN + 1 : -5) : 4242;
        ev->block = v ? S("disk0") : S("");
        ev->taps = L(taps2, (uint64_t)v);
        break;
    case ALB_EV_VM_STOP:
        ev->pid = 4242;
        ev->exit_kind = v;  /* exit, signal, stop */
        ev->code = v == 1 ? -7 : v == 2 ? 0 : 1;
        break;
    case ALB_EV_BLOCK_CREATE:
        ev->block_name = S("disk0");
        ev->size = v ? 1024 : 0;
        break;
    case ALB_EV_BLOCK_DESTROY:
        ev->block_name = v ? S("disk0") : S("");
        break;
    case ALB_EV_DELEGATE:
        ev->block = v ? S("block-pool") : S("");
        ev->bridges = L(bridges2, (uint64_t)v);
        break;
    default:
        break;
    }
}

/* Builds variant v (0, 1, 2) of a kind; returns 0 when the kind has no
 * such variant.  sub selects the event for log kinds. */
static int build(struct alb_msg *m, enum alb_kind k, int v, uint64_t sub)
{
    alb_msg_init(m, k);
    m->id = v == 2 ? (m->version == 2 ? 0xFFFFFFFFFFFFFFFFull : 0xFFFF) : (uint64_t)(v * 17 + 1);
    struct alb_list name = v == 0 ? L(NULL, 0) : v == 1 ? L(name1, 1) : L(name3, 3);
    struct alb_bytes dotted = v == 0 ? S("") : v == 1 ? S("hello") : S("robur.prod.dns-resolver");

    switch (k) {
    case ALB_K_CONSOLE_ADD: case ALB_K_CONSOLE_ATTACH: case ALB_K_STATS_REMOVE:
    case ALB_K_STATS_SUBSCRIBE: case ALB_K_LOG_SUBSCRIBE: case ALB_K_VM_DESTROY:
    case ALB_K_VM_INFO:
        m->name = name;
        return 1;
    case ALB_K_CONSOLE_DATA:
        m->name = name;
        m->ts = times[v];
        m->u.line = v == 0 ? S("") : v == 1 ? S("Solo5: Memory map: 512 MB addressable\n")
                                            : (struct alb_bytes){ binary_line, sizeof binary_line - 1 };
        return 1;
    case ALB_K_STATS_ADD:
        m->name = name;
        m->pid = v == 2 ? -1 : 4242;
        m->u.taps = L(taps2, (uint64_t)v);
        return 1;
    case ALB_K_STATS_DATA:
    case ALB_K_V0_STATS_STATREPLY:
    case ALB_K_V0_STAT_MSG:
        if (k == ALB_K_STATS_DATA) {
            m->name = name;
            m->u.stats.vmm = L(vmm2, (uint64_t)v);
        }
        fill_rusage(&m->u.stats.ru, v);
        m->u.stats.ifdata = L(ifd, (uint64_t)v);
        return 1;
    case ALB_K_LOG_LOG:
    case ALB_K_LOG_BROADCAST:
        m->name = name;
        m->ts = times[v];
        fill_event(&m->u.log.ev, sub, v, 0);
        return 1;
    case ALB_K_VM_CREATE:
        m->name = name;
        m->u.vm.cpuid = v;
        m->u.vm.memory = v == 2 ? 0x3FFFFFFFFFFFFFFFll : 64;
        m->u.vm.block = v ? S("disk0") : S("");
        m->u.vm.network = L(bridges2, (uint64_t)v);
        m->u.vm.vmtype = v;     /* amd64, arm64 (warned), amd64 compressed */
        m->u.vm.image = v == 0 ? (struct alb_bytes){ NULL, 0 }
                               : (struct alb_bytes){ image, v == 1 ? 16u : sizeof image };
        m->u.vm.argv = L(argv3, v == 2 ? 3u : (uint64_t)v);
        return 1;
    case ALB_K_VM_INFO_REPLY:
        m->u.vms = L(vms, (uint64_t)v);
        return 1;
    case ALB_K_SUCCESS:
        m->tag = v == 0 ? 0x80000000u : v == 1 ? 0x80000400u : 0x80000301u;
        m->u.msg = v == 0 ? (struct alb_bytes){ NULL, 0 } : v == 1 ? S("created VM") : S("");
        return 1;
    case ALB_K_FAILURE:
    case ALB_K_V0_FAILURE:
    case ALB_K_V0_SUCCESS:
        m->u.msg = v == 0 ? (struct alb_bytes){ NULL, 0 } : v == 1 ? S("VM not found") : S("");
        return 1;
    case ALB_K_UNKNOWN:
        m->tag = v == 0 ? 0x00000999u : v == 1 ? 0x00000500u : 0x7FFFFFFFu;
        m->u.body = v == 0 ? (struct alb_bytes){ NULL, 0 } : S("\x01\x02\x03\x04 opaque");
        return 1;
    case ALB_K_V0_CONSOLE_ADD: case ALB_K_V0_CONSOLE_ATTACH: case ALB_K_V0_CONSOLE_DETACH:
        m->name_str = v == 0 ? (struct alb_bytes){ NULL, 0 } : dotted;
        return 1;
    case ALB_K_V0_CONSOLE_HISTORY:
        m->name_str = dotted;
        m->ts = times[v];
        return 1;
    case ALB_K_V0_CONSOLE_DATA:
    case ALB_K_V0_CONSOLE_MSG:
        m->name_str = dotted;
        m->ts = times[v];
        m->u.line = v == 0 ? S("") : S("hello world\n");
        return 1;
    case ALB_K_V0_STATS_ADD:
        m->pid = v == 2 ? INT32_MIN : 4242;
        m->u.taps = L(taps2, (uint64_t)v);
        return 1;
    case ALB_K_V0_STATS_REMOVE:
    case ALB_K_V0_STATS_STATISTICS:
        m->pid = v == 2 ? INT32_MAX : v == 1 ? 4242 : -1;
        return 1;
    case ALB_K_V0_LOG_DATA:
    case ALB_K_V0_LOG_MSG:
        m->ts = times[v];
        m->u.log.context = v ? S("vmmd") : S("");
        m->name_str = dotted;
        fill_event(&m->u.log.ev, sub, v, 1);
        return 1;
    case ALB_K_V0_LOG_HISTORY:
        m->u.log.context = v ? S("robur.prod") : S("");
        m->ts = times[v];
        return 1;
    case ALB_K_V0_CLIENT_INFO: case ALB_K_V0_CLIENT_DESTROY_IMAGE:
    case ALB_K_V0_CLIENT_CREATE_BLOCK: case ALB_K_V0_CLIENT_DESTROY_BLOCK:
    case ALB_K_V0_CLIENT_STATISTICS: case ALB_K_V0_CLIENT_ATTACH:
    case ALB_K_V0_CLIENT_DETACH: case ALB_K_V0_CLIENT_LOG:
        m->u.arg = v == 0 ? (struct alb_bytes){ NULL, 0 } : v == 1 ? S("hello") : S("");
        return 1;
    case ALB_K_V0_INFO_MSG:
        m->u.vms = L(vms0, (uint64_t)v);
        return 1;
    case ALB_K_V0_UNKNOWN:
        m->tag = v == 0 ? 0x0100u : v == 1 ? 0x0008u : 0xFFF7u;
        m->channel = v == 1 ? ALB_CH_CONSOLE : ALB_CH_ANY;
        m->u.body = v == 0 ? (struct alb_bytes){ NULL, 0 } : S("raw body");
        return 1;
    case ALB_K_V1_UNSUPPORTED:
    case ALB_K_COUNT:
        return 0;
    }
    return 0;
}

/* ------------------------------------------------------------ encoding */

static size_t encode(const struct alb_msg *m, uint8_t *out, const char *what)
{
    size_t n = 0;
    struct alb_error err;
    enum alb_err r = alb_encode(m, out, MAXMSG, &n, &err);
    if (r != ALB_E_OK) {
        const struct alb_field_info *fi = alb_field_info(err.field);
        fprintf(stderr, "gen-corpus: cannot encode %s: %s (field %s)\n", what, alb_err_str(r),
                fi ? fi->name : "-");
        failures++;
        return 0;
    }
    return n;
}

/* Selector byte of the harnesses: its value modulo 5 is the channel
 * (fuzz_util.c fz_channel); the message harness reads value / 5 as the
 * choice of extra decodes, so consecutive seeds take turns. */
static unsigned sel_turn;

static uint8_t selector(enum alb_channel ch)
{
    return (uint8_t)((unsigned)ch + ALB_CH_COUNT * (sel_turn++ % 4));
}

struct find {
    enum alb_field_id id;
    int found;
    uint64_t off, len;
};

static int find_cb(void *ctx, const struct alb_field *f)
{
    struct find *fd = ctx;
    if (!fd->found && f->id == fd->id && f->ev != ALB_FE_CLOSE) {
        fd->found = 1;
        fd->off = f->off;
        fd->len = f->len;
    }
    return 0;
}

/* Offset of the first event of a field in an encoded message. */
static int field_off(const uint8_t *b, size_t n, enum alb_channel ch, enum alb_field_id id,
                     uint64_t *off)
{
    struct alb_opts o = { .channel = ch };
    struct alb_msg m;
    struct find fd = { id, 0, 0, 0 };
    alb_decode(b, n, &o, &m, find_cb, &fd);
    if (!fd.found) {
        fprintf(stderr, "gen-corpus: field %s not found\n", alb_field_info(id)->name);
        failures++;
        return 0;
    }
    *off = fd.off;
    return 1;
}

static void put_be(uint8_t *p, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

/* ------------------------------------------------------------ seeds */

static uint8_t buf[MAXMSG], buf2[MAXMSG];

/* A stream seed: messages back to back, behind the chunk-size prefix. */
static uint8_t stream[1 << 16];
static size_t stream_len;

static void stream_add(const uint8_t *p, size_t n)
{
    if (n <= sizeof stream - stream_len) {
        memcpy(stream + stream_len, p, n);
        stream_len += n;
    }
}

static void stream_write(const char *name, uint8_t sel, const uint8_t *chunks, size_t nchunks)
{
    uint8_t pre[9];
    pre[0] = (uint8_t)nchunks;
    if (nchunks)
        memcpy(pre + 1, chunks, nchunks);
    /* the selector byte is written by write_file; the prefix follows it */
    uint8_t *all = malloc(1 + nchunks + stream_len);
    if (!all) {
        failures++;
        return;
    }
    memcpy(all, pre, 1 + nchunks);
    memcpy(all + 1 + nchunks, stream, stream_len);
    write_file("stream", name, sel, all, 1 + nchunks + stream_len, NULL, 0);
    free(all);
}

static void valid_seeds(void)
{
    static const uint8_t chunks_a[] = { 1, 7, 20 };
    static const uint8_t chunks_b[] = { 3 };
    static const uint8_t chunks_c[] = { 0, 13, 2, 64 };
    size_t before_v0 = 0;
    int v0_started = 0;
    stream_len = 0;

    for (unsigned k = 0; k < ALB_K_COUNT; k++) {
        const struct alb_kind_info *ki = alb_kind_info((enum alb_kind)k);
        unsigned subs = 1;
        int is_log = k == ALB_K_LOG_LOG || k == ALB_K_LOG_BROADCAST || k == ALB_K_V0_LOG_DATA ||
                     k == ALB_K_V0_LOG_MSG;
        if (is_log)
            subs = ki->version == 2 ? 5 : 8;
        if (ki->version == 0 && !v0_started) {
            /* WV2 part of the mixed stream is complete */
            stream_write("wv2-all-a", 0, chunks_a, sizeof chunks_a);
            stream_write("wv2-all-b", 0, chunks_b, sizeof chunks_b);
            stream_write("wv2-all-whole", 0, NULL, 0);
            v0_started = 1;
            before_v0 = stream_len;
            stream_len = 0;
        }
        for (uint64_t sub = 0; sub < subs; sub++) {
            for (int v = 0; v < 3; v++) {
                struct alb_msg m;
                char name[128];
                if (!build(&m, (enum alb_kind)k, v, sub))
                    continue;
                if (is_log)
                    snprintf(name, sizeof name, "v%u-%s-%s-%d", ki->version, ki->snake,
                             alb_event_snake(sub), v);
                else
                    snprintf(name, sizeof name, "v%u-%s-%d", ki->version, ki->snake, v);
                size_t n = encode(&m, buf, name);
                if (!n)
                    continue;
                /* channel-independent WV0 tags get varying selectors */
                enum alb_channel ch = ki->version == 0
                    ? (ki->channel != ALB_CH_ANY ? ki->channel
                                                 : (enum alb_channel)((k + (unsigned)v) % ALB_CH_COUNT))
                    : (enum alb_channel)(v % ALB_CH_COUNT);
                if (k == ALB_K_V0_UNKNOWN)
                    ch = m.channel;
                write_file("message", name, selector(ch), buf, n, NULL, 0);
                write_file("roundtrip", name, selector(ch), buf, n, NULL, 0);
                if (ki->version == 0)
                    write_file("wv0", name, selector(ch), buf, n, NULL, 0);
                if (ki->version == 2 || ki->channel == ALB_CH_ANY || ki->channel == ALB_CH_LOG)
                    stream_add(buf, n);
            }
        }
    }
    /* WV0 on the log channel (channel-independent tags and log tags) */
    stream_write("wv0-log-a", selector(ALB_CH_LOG), chunks_a, sizeof chunks_a);
    stream_write("wv0-log-c", selector(ALB_CH_LOG), chunks_c, sizeof chunks_c);
    (void)before_v0;
}

/* Malformed and unusual messages: an encoded message with one field's
 * bytes replaced. */
struct patch {
    const char *name;
    enum alb_kind kind;
    int variant;
    uint64_t sub;
    enum alb_field_id field;    /* ALB_F_NONE: patch at a fixed offset */
    uint64_t delta;             /* bytes after the field's offset */
    unsigned width;
    uint64_t value;
};

static const struct patch patches[] = {
    /* int range (bits 63 and 62 disagree) */
    { "v2-int-too-big", ALB_K_STATS_ADD, 1, 0, ALB_F_STATS_PID, 0, 8, 0x4000000000000000ull },
    { "v2-int-too-small", ALB_K_STATS_ADD, 1, 0, ALB_F_STATS_PID, 0, 8, 0x8000000000000000ull },
    { "v2-cpuid-too-big", ALB_K_VM_CREATE, 1, 0, ALB_F_VM_CPUID, 0, 8, 0x7000000000000000ull },
    /* timestamps */
    { "v2-ts-days-high", ALB_K_CONSOLE_DATA, 1, 0, ALB_F_TS, 0, 8, 2932897 },
    { "v2-ts-days-low", ALB_K_CONSOLE_DATA, 1, 0, ALB_F_TS, 0, 8, (uint64_t)-719529ll },
    { "v2-ts-days-int63", ALB_K_CONSOLE_DATA, 1, 0, ALB_F_TS, 0, 8, 0x4000000000000000ull },
    { "v2-ts-ps-negative", ALB_K_CONSOLE_DATA, 1, 0, ALB_F_TS, 8, 8, (uint64_t)-1ll },
    { "v2-ts-ps-high", ALB_K_LOG_LOG, 1, 0, ALB_F_TS, 8, 8, 86400000000000000ull },
    { "v0-since-days-high", ALB_K_V0_CONSOLE_HISTORY, 1, 0, ALB_F_SINCE, 0, 8, 0x0FFFFFFFFFFFFFFFull },
    /* list counts */
    { "v2-name-count-huge", ALB_K_VM_DESTROY, 1, 0, ALB_F_VM_NAME, 0, 8, 1000 },
    { "v2-name-count-negative", ALB_K_VM_DESTROY, 1, 0, ALB_F_VM_NAME, 0, 8, (uint64_t)-1ll },
    { "v2-name-count-int63", ALB_K_VM_DESTROY, 1, 0, ALB_F_VM_NAME, 0, 8, 0x4000000000000001ull },
    { "v2-ifdata-count-one-more", ALB_K_STATS_DATA, 1, 0, ALB_F_IFDATA, 0, 8, 2 },
    { "v2-vms-count-more", ALB_K_VM_INFO_REPLY, 2, 0, ALB_F_VMS, 0, 8, 3 },
    { "v2-taps-count-more", ALB_K_STATS_ADD, 2, 0, ALB_F_STATS_TAPS, 0, 8, 3 },
    /* strings running past the body */
    { "v2-str-past-body", ALB_K_CONSOLE_DATA, 1, 0, ALB_F_CONSOLE_LINE, 0, 2, 0x0100 },
    { "v2-name-part-past-body", ALB_K_VM_INFO, 2, 0, ALB_F_VM_NAME_PART, 0, 2, 0xFFFF },
    { "v0-name-past-body", ALB_K_V0_CONSOLE_ADD, 1, 0, ALB_F_NAME, 0, 2, 0x0040 },
    { "v0-tap-past-body", ALB_K_V0_STATS_ADD, 1, 0, ALB_F_STATS_TAP, 0, 2, 0x0300 },
    /* image size */
    { "v2-image-size-huge", ALB_K_VM_CREATE, 1, 0, ALB_F_VM_IMAGE_SIZE, 0, 8, 0x100000 },
    { "v2-image-size-negative", ALB_K_VM_CREATE, 1, 0, ALB_F_VM_IMAGE_SIZE, 0, 8, (uint64_t)-16ll },
    { "v2-image-size-int63", ALB_K_VM_CREATE, 1, 0, ALB_F_VM_IMAGE_SIZE, 0, 8, 0x8000000000000010ull },
    /* enumerations */
    { "v2-vmtype-3", ALB_K_VM_CREATE, 1, 0, ALB_F_VM_VMTYPE, 0, 8, 3 },
    { "v2-vmtype-negative", ALB_K_VM_CREATE, 1, 0, ALB_F_VM_VMTYPE, 0, 8, (uint64_t)-1ll },
    { "v2-vmtype-int63", ALB_K_VM_CREATE, 1, 0, ALB_F_VM_VMTYPE, 0, 8, 0x4000000000000000ull },
    { "v2-event-unknown", ALB_K_LOG_LOG, 1, 0, ALB_F_EVENT, 0, 2, 9 },
    { "v2-event-wv0-only", ALB_K_LOG_BROADCAST, 1, 0, ALB_F_EVENT, 0, 2, ALB_EV_BLOCK_CREATE },
    { "v0-event-unknown", ALB_K_V0_LOG_DATA, 1, 0, ALB_F_EVENT, 0, 2, 0xFFFF },
    { "v2-exit-kind-3", ALB_K_LOG_LOG, 1, ALB_EV_VM_STOP, ALB_F_EV_EXIT, 0, 8, 3 },
    { "v2-exit-kind-negative", ALB_K_LOG_LOG, 1, ALB_EV_VM_STOP, ALB_F_EV_EXIT, 0, 8, (uint64_t)-2ll },
    { "v2-exit-kind-int63", ALB_K_LOG_LOG, 1, ALB_EV_VM_STOP, ALB_F_EV_EXIT, 0, 8, 0x4000000000000000ull },
    { "v0-exit-kind-9", ALB_K_V0_LOG_MSG, 1, ALB_EV_VM_STOP, ALB_F_EV_EXIT, 0, 1, 9 },
    { "v2-exit-code-int63", ALB_K_LOG_LOG, 1, ALB_EV_VM_STOP, ALB_F_EV_CODE, 0, 8, 0x4000000000000000ull },
    /* WV0 taps byte length */
    { "v0-tapc-huge", ALB_K_V0_INFO_MSG, 1, 0, ALB_F_INFO_TAPC, 0, 8, 0x10000 },
    { "v0-tapc-negative", ALB_K_V0_INFO_MSG, 1, 0, ALB_F_INFO_TAPC, 0, 8, (uint64_t)-1ll },
    { "v0-tapc-int63", ALB_K_V0_INFO_MSG, 1, 0, ALB_F_INFO_TAPC, 0, 8, 0x4000000000000000ull },
    { "v0-tapc-short", ALB_K_V0_INFO_MSG, 1, 0, ALB_F_INFO_TAPC, 0, 8, 3 },
    /* headers */
    { "v2-padding", ALB_K_VM_INFO, 1, 0, ALB_F_NONE, 6, 2, 0x0102 },
    { "v2-version-3", ALB_K_VM_INFO, 1, 0, ALB_F_NONE, 4, 2, 3 },
    { "v2-length-2g", ALB_K_VM_INFO, 1, 0, ALB_F_NONE, 16, 4, 0x80000000u },
    { "v2-length-too-long", ALB_K_VM_INFO, 1, 0, ALB_F_NONE, 16, 4, 0x10000001u },
    { "v2-length-short", ALB_K_VM_INFO, 2, 0, ALB_F_NONE, 16, 4, 9 },
    { "v2-reply-unknown-op", ALB_K_SUCCESS, 1, 0, ALB_F_NONE, 0, 4, 0x80000777u },
    { "v2-fail-tag-near", ALB_K_FAILURE, 1, 0, ALB_F_NONE, 0, 4, 0xFFFFFFFEu },
    { "v0-version-1", ALB_K_V0_CONSOLE_DATA, 1, 0, ALB_F_NONE, 4, 2, 1 },
    { "v0-version-7", ALB_K_V0_CONSOLE_DATA, 1, 0, ALB_F_NONE, 4, 2, 7 },
    { "v0-length-short", ALB_K_V0_STATS_STATREPLY, 1, 0, ALB_F_NONE, 0, 2, 100 },
    { "v0-stats-short", ALB_K_V0_STATS_REMOVE, 1, 0, ALB_F_NONE, 0, 2, 2 },
};

static void patched_seeds(void)
{
    for (size_t i = 0; i < sizeof patches / sizeof patches[0]; i++) {
        const struct patch *pt = &patches[i];
        const struct alb_kind_info *ki = alb_kind_info(pt->kind);
        struct alb_msg m;
        if (!build(&m, pt->kind, pt->variant, pt->sub)) {
            failures++;
            continue;
        }
        size_t n = encode(&m, buf, pt->name);
        if (!n)
            continue;
        enum alb_channel ch = ki->channel;
        uint64_t off = 0;
        if (pt->field != ALB_F_NONE && !field_off(buf, n, ch, pt->field, &off))
            continue;
        off += pt->delta;
        if (off + pt->width > n) {
            fprintf(stderr, "gen-corpus: patch %s outside the message\n", pt->name);
            failures++;
            continue;
        }
        put_be(buf + off, pt->width, pt->value);
        write_file("message", pt->name, selector(ch), buf, n, NULL, 0);
        if (ki->version == 0)
            write_file("wv0", pt->name, selector(ch), buf, n, NULL, 0);
    }
}

/* Messages with more bytes than their fields, cut short, without their
 * channel, and a few whole streams with garbage in them. */
static void other_seeds(void)
{
    struct alb_msg m;
    size_t n;

    /* trailing bytes inside the body (the length covers them) */
    build(&m, ALB_K_CONSOLE_DATA, 1, 0);
    n = encode(&m, buf, "trailing");
    if (n) {
        memcpy(buf + n, "\0\1\2\3", 4);
        put_be(buf + 16, 4, n - 20 + 4);
        write_file("message", "v2-trailing", 0, buf, n + 4, NULL, 0);
        write_file("roundtrip", "v2-trailing", 0, buf, n + 4, NULL, 0);
    }
    build(&m, ALB_K_V0_STATS_REMOVE, 1, 0);
    n = encode(&m, buf, "trailing0");
    if (n) {
        buf[n] = 0x55;
        put_be(buf, 2, n - 8 + 1);
        write_file("message", "v0-trailing", selector(ALB_CH_STATS), buf, n + 1, NULL, 0);
        write_file("wv0", "v0-trailing", selector(ALB_CH_STATS), buf, n + 1, NULL, 0);
    }

    /* a 65535-byte string (the reference encoder cannot produce it) */
    static uint8_t big[65535];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)('a' + i % 26);
    build(&m, ALB_K_CONSOLE_DATA, 1, 0);
    m.u.line = (struct alb_bytes){ big, sizeof big };
    n = encode(&m, buf, "str-65535");
    if (n)
        write_file("message", "v2-str-65535", 0, buf, n, NULL, 0);
    /* and as a VM name component (lists of strings are read in a loop of their own) */
    struct alb_bytes big_part = { big, sizeof big };
    build(&m, ALB_K_CONSOLE_DATA, 1, 0);
    m.name = L(&big_part, 1);
    n = encode(&m, buf, "name-65535");
    if (n)
        write_file("message", "v2-name-part-65535", 0, buf, n, NULL, 0);

    /* cut short: header only, half a body, and less than a header */
    build(&m, ALB_K_VM_CREATE, 2, 0);
    n = encode(&m, buf, "cut");
    if (n) {
        write_file("message", "v2-cut-header", 0, buf, 20, NULL, 0);
        write_file("message", "v2-cut-body", 0, buf, n / 2, NULL, 0);
        write_file("message", "v2-cut-image", 0, buf, n - 40, NULL, 0);
        write_file("message", "v2-cut-5", 0, buf, 5, NULL, 0);
        write_file("message", "v2-cut-12", 0, buf, 12, NULL, 0);
    }
    build(&m, ALB_K_V0_INFO_MSG, 2, 0);
    n = encode(&m, buf, "cut0");
    if (n) {
        write_file("message", "v0-cut-body", selector(ALB_CH_CLIENT), buf, n - 7, NULL, 0);
        write_file("message", "v0-cut-7", selector(ALB_CH_CLIENT), buf, 7, NULL, 0);
        write_file("wv0", "v0-cut-body", selector(ALB_CH_CLIENT), buf, n - 7, NULL, 0);
    }
    build(&m, ALB_K_V0_STATS_STATREPLY, 2, 0);
    n = encode(&m, buf, "cut0s");
    if (n)
        write_file("message", "v0-cut-stats", selector(ALB_CH_STATS), buf, n - 50, NULL, 0);

    /* WV0 tags 0-7 without a channel */
    build(&m, ALB_K_V0_CONSOLE_ATTACH, 1, 0);
    n = encode(&m, buf, "nochannel");
    if (n) {
        write_file("message", "v0-no-channel", selector(ALB_CH_ANY), buf, n, NULL, 0);
        write_file("wv0", "v0-no-channel", selector(ALB_CH_ANY), buf, n, NULL, 0);
    }

    /* streams: messages with garbage between them, so that framing fails
     * and the decoder resyncs */
    static const uint8_t chunks[] = { 5, 1, 40 };
    stream_len = 0;
    build(&m, ALB_K_LOG_LOG, 1, ALB_EV_LOGIN);
    n = encode(&m, buf, "s1");
    stream_add(buf, n);
    stream_add((const uint8_t *)"\xde\xad\xbe\xef\x00\x09garbage", 13);
    build(&m, ALB_K_VM_INFO_REPLY, 2, 0);
    size_t n2 = encode(&m, buf2, "s2");
    stream_add(buf2, n2);
    memcpy(buf2, buf, 20);          /* a WV2 header with a 2 GiB length */
    put_be(buf2 + 16, 4, 0x80000000u);
    stream_add(buf2, 20);
    stream_add(buf, n);
    stream_add((const uint8_t *)"\x00\x00\x00", 3);
    stream_write("garbage-between", 0, chunks, sizeof chunks);
    stream_write("garbage-between-whole", 0, NULL, 0);

    stream_len = 0;
    build(&m, ALB_K_V0_LOG_DATA, 1, ALB_EV_VM_START);
    n = encode(&m, buf, "s3");
    stream_add(buf, n);
    stream_add((const uint8_t *)"\x00\x05\x00\x00\x00\x03\x00\x00\x00\x01", 10);
    stream_add(buf, n);
    stream_add(buf, n / 2);
    stream_write("v0-log-garbage", selector(ALB_CH_LOG), chunks, sizeof chunks);
}

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: albatross-gen-corpus OUTDIR\n"
                        "writes OUTDIR/{message,roundtrip,wv0,stream}/seed-*\n");
        return 2;
    }
    outdir = argv[1];
    make_dir("message");
    make_dir("roundtrip");
    make_dir("wv0");
    make_dir("stream");
    init_tables();
    valid_seeds();
    patched_seeds();
    other_seeds();
    if (failures) {
        fprintf(stderr, "gen-corpus: %d seeds could not be made\n", failures);
        return 1;
    }
    printf("wrote %lu seeds under %s\n", written_files, outdir);
    return 0;
}
