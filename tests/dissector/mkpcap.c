/*
 * Writes the capture files the dissector tests read:
 *
 *   vectors.pcap      link type 252 (exported PDU): every reference vector,
 *                     WV2 ones naming the dissector "albatross", WV0 ones
 *                     naming "albatross_<channel>"
 *   hostile.pcap      link type 252: messages with every kind of problem
 *   sockdump125.pcap  link type 147, current sockdump headers (path, pids):
 *                     WV2 and WV0 sessions, messages split across records and
 *                     several per record, both directions
 *   sockdump16.pcap   link type 147, older 16-byte headers: the WV2 sessions
 *   tcp.pcap          Ethernet/IPv4/TCP over loopback: handshake, messages
 *                     split across segments and several per segment, one
 *                     segment out of order and one retransmitted
 *   tcp-wv0-pair.pcap one TCP connection whose first client segment holds
 *                     two WV0 client commands; tcp-wv0-junk.pcap one command
 *                     followed by bytes that start no header
 *   bench.pcap        (with --bench N) N small messages in sockdump records
 *
 * Usage: mkpcap OUTDIR VECTORDIR [--bench N]
 *        mkpcap --fields       (prints the parser's field names)
 *
 * Messages are built with the project's encoder; the hostile ones are valid
 * encodings patched afterwards.
 */
#define _DEFAULT_SOURCE /* u_char in pcap.h, strdup */
#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "albatross/wire.h"
#include "frames.h"
#include "tap_format.h"

struct buf {
    uint8_t *p;
    size_t n, cap;
};

static void die(const char *what)
{
    fprintf(stderr, "mkpcap: %s\n", what);
    exit(1);
}

static void buf_add(struct buf *b, const void *p, size_t n)
{
    if (n > b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->n < n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            die("out of memory");
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

/* ---------------------------------------------------------------- encoding */

static struct alb_bytes S(const char *s)
{
    struct alb_bytes b = { (const uint8_t *)s, strlen(s) };
    return b;
}

static struct alb_bytes names_store[64][4];
static int names_used;

/* a WV2 name list from "a.b.c" ("" = root) */
static struct alb_list name_of(const char *dotted)
{
    struct alb_list l;
    struct alb_bytes *parts = names_store[names_used++ % 64];
    uint64_t n = 0;
    memset(&l, 0, sizeof l);
    if (*dotted) {
        const char *s = dotted;
        for (;;) {
            const char *dot = strchr(s, '.');
            size_t len = dot ? (size_t)(dot - s) : strlen(s);
            if (n < 4)
                parts[n++] = (struct alb_bytes){ (const uint8_t *)s, len };
            if (!dot)
                break;
            s = dot + 1;
        }
    }
    l.count = n;
    l.items = parts;
    return l;
}

static struct alb_list strs(const struct alb_bytes *items, uint64_t n)
{
    struct alb_list l;
    memset(&l, 0, sizeof l);
    l.count = n;
    l.items = items;
    return l;
}

static void enc(struct buf *out, struct alb_msg *m)
{
    static uint8_t tmp[1 << 16];
    size_t written = 0;
    struct alb_error err;
    enum alb_err r = alb_encode(m, tmp, sizeof tmp, &written, &err);
    if (r != ALB_E_OK) {
        fprintf(stderr, "mkpcap: cannot encode %s: %s\n", alb_kind_info(m->kind)->name,
                alb_err_str(r));
        exit(1);
    }
    buf_add(out, tmp, written);
}

static void msg2(struct alb_msg *m, enum alb_kind k, uint64_t id, const char *name)
{
    alb_msg_init(m, k);
    m->id = id;
    if (name)
        m->name = name_of(name);
}

static struct alb_time when(int64_t sec)
{
    struct alb_time t = { 17800 + sec / 86400, (sec % 86400) * 1000000000000LL + 250000000000LL };
    return t;
}

static void reply2(struct buf *b, enum alb_kind op, uint64_t id, const char *text)
{
    struct alb_msg m;
    alb_msg_init(&m, ALB_K_SUCCESS);
    m.tag = 0x80000000u | alb_kind_info(op)->tag;
    m.id = id;
    if (text)
        m.u.msg = S(text);
    enc(b, &m);
}

static void fail2(struct buf *b, uint64_t id, const char *text)
{
    struct alb_msg m;
    alb_msg_init(&m, ALB_K_FAILURE);
    m.id = id;
    if (text)
        m.u.msg = S(text);
    enc(b, &m);
}

static void log_msg2(struct buf *b, enum alb_kind k, uint64_t id, const char *name, int event,
                 int64_t when_s)
{
    static const struct alb_bytes taps[] = { { (const uint8_t *)"tap0", 4 } };
    struct alb_msg m;
    msg2(&m, k, id, name);
    m.ts = when(when_s);
    m.u.log.ev.tag = (uint64_t)event;
    switch (event) {
    case ALB_EV_VM_START:
        m.u.log.ev.pid = 4242;
        m.u.log.ev.block = S("");
        m.u.log.ev.taps = strs(taps, 1);
        break;
    case ALB_EV_VM_STOP:
        m.u.log.ev.pid = 4242;
        m.u.log.ev.exit_kind = ALB_EXIT_SIGNAL;
        m.u.log.ev.code = -11;
        break;
    case ALB_EV_LOGIN:
        m.u.log.ev.ip = 0x7f000001;
        m.u.log.ev.port = 4000;
        break;
    default:
        break;
    }
    enc(b, &m);
}

static void console_data2(struct buf *b, const char *name, const char *line, int64_t s)
{
    struct alb_msg m;
    msg2(&m, ALB_K_CONSOLE_DATA, 0, name);
    m.ts = when(s);
    m.u.line = S(line);
    enc(b, &m);
}

static void vm_create2(struct buf *b, uint64_t id, const char *name, size_t image_len)
{
    static uint8_t image[4096];
    static const struct alb_bytes net[] = { { (const uint8_t *)"ext", 3 } };
    static const struct alb_bytes argv[] = { { (const uint8_t *)"--hello=world", 13 } };
    struct alb_msg m;
    for (size_t i = 0; i < sizeof image; i++)
        image[i] = (uint8_t)(i * 7 + 1);
    if (image_len > sizeof image)
        image_len = sizeof image;
    msg2(&m, ALB_K_VM_CREATE, id, name);
    m.u.vm.cpuid = 0;
    m.u.vm.memory = 64;
    m.u.vm.block = S("");
    m.u.vm.network = strs(net, 1);
    m.u.vm.vmtype = ALB_VMTYPE_HVT_AMD64;
    m.u.vm.image_size = (int64_t)image_len;
    m.u.vm.image = (struct alb_bytes){ image, image_len };
    m.u.vm.argv = strs(argv, 1);
    enc(b, &m);
}

static void simple0(struct buf *b, enum alb_kind k, uint64_t id, const char *text)
{
    struct alb_msg m;
    alb_msg_init(&m, k);
    m.id = id;
    if (text) {
        if (k == ALB_K_V0_SUCCESS || k == ALB_K_V0_FAILURE)
            m.u.msg = S(text);
        else
            m.name_str = S(text);
    }
    enc(b, &m);
}

/* ---------------------------------------------------------------- pcap output */

static void out_open(struct frame_writer *o, const char *dir, const char *name, int linktype)
{
    char path[4096], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (frame_writer_open(o, path, linktype, TAP_SNAPLEN, 1540000000LL * 1000000, err,
                          sizeof err)) {
        fprintf(stderr, "mkpcap: %s: %s\n", path, err);
        exit(1);
    }
}

/* records 1 ms apart */
static void out_write(struct frame_writer *o, const uint8_t *p, size_t n)
{
    frame_writer_put(o, 1000, p, n, n);
}

static void out_close(struct frame_writer *o)
{
    if (frame_writer_close(o))
        die("writing a capture failed");
}

/* ---------------------------------------------------------------- exported PDUs */

static void export_pdu(struct frame_writer *o, const char *dissector, const uint8_t *msg,
                       size_t n)
{
    struct buf b = { 0 };
    uint8_t name[64] = { 0 }, tags[4 + sizeof name + 4];
    size_t len = strlen(dissector);
    size_t padded = (len + 3) & ~(size_t)3;     /* NUL padded to 4 bytes */
    if (padded > sizeof name)
        die("dissector name too long");
    memcpy(name, dissector, len);
    size_t h = frame_exported_tag(tags, FRAME_EXP_TAG_DISSECTOR_NAME, name, padded);
    h += frame_exported_tag(tags + h, FRAME_EXP_TAG_END, NULL, 0);
    buf_add(&b, tags, h);
    buf_add(&b, msg, n);
    out_write(o, b.p, b.n);
    free(b.p);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int read_file(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    uint8_t tmp[8192];
    size_t n;
    if (!f)
        return -1;
    b->n = 0;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_add(b, tmp, n);
    fclose(f);
    return 0;
}

static int write_vectors(struct frame_writer *o, const char *vdir, const char *sub)
{
    char path[4096];
    char *names[1024];
    int count = 0;
    struct dirent *de;
    snprintf(path, sizeof path, "%s/%s", vdir, sub);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "mkpcap: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    while ((de = readdir(d)) && count < 1024) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".bin"))
            names[count++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], cmp_str);
    for (int i = 0; i < count; i++) {
        struct buf b = { 0 };
        char dissector[64] = "albatross";
        snprintf(path, sizeof path, "%s/%s/%s", vdir, sub, names[i]);
        if (read_file(path, &b))
            die("cannot read a vector");
        if (!strcmp(sub, "wv0")) {
            size_t w = strcspn(names[i], "_");
            snprintf(dissector, sizeof dissector, "albatross_%.*s", (int)w, names[i]);
        }
        export_pdu(o, dissector, b.p, b.n);
        free(b.p);
        free(names[i]);
    }
    return count;
}

/* Each record: one problem (documented in tests/dissector/README.md). */
static void write_hostile(struct frame_writer *o)
{
    struct buf b = { 0 };
    struct alb_msg m;

    /* 1: out-of-range timestamp (days beyond Ptime.max) */
    console_data2(&b, "foo.bar", "late", 0);
    frame_put64(b.p + 20 + 8 + 2 + 3 + 2 + 3, 3000000);
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 2: trailing bytes after the name */
    msg2(&m, ALB_K_VM_DESTROY, 7, "foo");
    enc(&b, &m);
    buf_add(&b, "xyz", 3);
    frame_put32(b.p + 16, (uint32_t)(b.n - 20));
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 3: non-zero padding */
    msg2(&m, ALB_K_VM_INFO, 8, "");
    enc(&b, &m);
    frame_put16(b.p + 6, 0x1234);
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 4: absurd length (>= 2^31), then a good message after it */
    msg2(&m, ALB_K_VM_INFO, 9, "");
    enc(&b, &m);
    frame_put32(b.p + 16, 0x90000000u);
    msg2(&m, ALB_K_VM_INFO, 10, "after.bad");
    enc(&b, &m);
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 5: length over the 256 MiB cap */
    msg2(&m, ALB_K_VM_INFO, 11, "");
    enc(&b, &m);
    frame_put32(b.p + 16, 0x20000000u);
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 6: unknown WV2 tag whose body is a name */
    msg2(&m, ALB_K_VM_INFO, 12, "guess.me");
    enc(&b, &m);
    frame_put32(b.p, 0x00000999u);
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 7: unknown event type 9 */
    log_msg2(&b, ALB_K_LOG_BROADCAST, 13, "hello", ALB_EV_STARTUP, 5);
    frame_put16(b.p + b.n - 2, 9);
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 8: unknown version 7 */
    msg2(&m, ALB_K_VM_INFO, 14, "");
    enc(&b, &m);
    frame_put16(b.p + 4, 7);
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 9: the message is longer than the record */
    msg2(&m, ALB_K_VM_INFO, 15, "cut.short.name");
    enc(&b, &m);
    export_pdu(o, "albatross", b.p, b.n - 6);
    b.n = 0;

    /* 10: list count larger than the body can hold */
    msg2(&m, ALB_K_VM_INFO, 16, "");
    enc(&b, &m);
    frame_put64(b.p + 20, 5);
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 11: int too big (Stats.Add pid) */
    {
        static const struct alb_bytes taps[] = { { (const uint8_t *)"tap0", 4 } };
        msg2(&m, ALB_K_STATS_ADD, 17, "foo");
        m.pid = 1;
        m.u.taps = strs(taps, 1);
        enc(&b, &m);
        frame_put64(b.p + 20 + 8 + 2 + 3, 0x4000000000000000ull);
        export_pdu(o, "albatross", b.p, b.n);
        b.n = 0;
    }

    /* 12: a WV0 console tag without a channel */
    simple0(&b, ALB_K_V0_CONSOLE_ADD, 18, "foo.bar");
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 13: the reference decoder's blind spot: Info reply with two VMs */
    {
        struct alb_vm_info vms[2];
        static const struct alb_bytes taps[] = { { (const uint8_t *)"tap0", 4 } };
        memset(vms, 0, sizeof vms);
        vms[0].name = name_of("a.one");
        vms[0].memory = 32;
        vms[0].cmd = S("solo5-hvt a");
        vms[0].pid = 11;
        vms[0].taps = strs(taps, 1);
        vms[1].name = name_of("b.two");
        vms[1].memory = 64;
        vms[1].cmd = S("solo5-hvt b");
        vms[1].pid = 12;
        vms[1].taps = strs(taps, 0);
        alb_msg_init(&m, ALB_K_VM_INFO_REPLY);
        m.id = 19;
        m.u.vms.count = 2;
        m.u.vms.items = vms;
        enc(&b, &m);
        export_pdu(o, "albatross", b.p, b.n);
        b.n = 0;
    }

    /* 14: wire version 1 */
    simple0(&b, ALB_K_V0_SUCCESS, 20, "v1");
    frame_put16(b.p + 4, 1);
    export_pdu(o, "albatross", b.p, b.n);
    b.n = 0;

    /* 15: two messages and a partial third in one record */
    reply2(&b, ALB_K_VM_DESTROY, 21, NULL);
    fail2(&b, 22, "info: not found");
    msg2(&m, ALB_K_VM_INFO, 23, "x");
    enc(&b, &m);
    export_pdu(o, "albatross", b.p, b.n - 1);
    b.n = 0;

    /* 16: a record shorter than a header */
    buf_add(&b, "\0\0\0", 3);
    export_pdu(o, "albatross", b.p, b.n);
    free(b.p);
}

/* ---------------------------------------------------------------- sessions */

struct send {
    int conn;
    int dir;            /* 0: client to server */
    struct buf bytes;
};

struct conn {
    const char *path;
    uint64_t client_pid, server_pid;
    int wv0;
};

static const struct conn conns[] = {
    { "/var/run/albatross/vmmd.sock", 3101, 3000, 0 },          /* vmmc create */
    { "/var/run/albatross/vmmd.sock", 3102, 3000, 0 },          /* vmmc info */
    { "/var/run/albatross/util/console.sock", 3000, 3010, 0 },  /* vmmd */
    { "/var/run/albatross/util/console.sock", 3103, 3010, 0 },  /* vmmc console */
    { "/var/run/albatross/util/log.sock", 3000, 3020, 0 },      /* vmmd */
    { "/var/run/albatross/util/log.sock", 3104, 3020, 0 },      /* vmmc log */
    { "/var/run/albatross/util/stat.sock", 3000, 3030, 0 },     /* vmmd */
    { "/run/vmm0/cons.sock", 4000, 4010, 1 },                   /* WV0 vmmd - console */
    { "/run/vmm0/stat.sock", 4000, 4030, 1 },                   /* WV0 vmmd - stats */
    { "/run/vmm0/log.sock", 4000, 4020, 1 },                    /* WV0 vmmd - log */
};

#define MAX_SENDS 64
static struct send sends[MAX_SENDS];
static int nsends;

static struct buf *send_to(int conn, int dir)
{
    if (nsends && sends[nsends - 1].conn == conn && sends[nsends - 1].dir == dir)
        return &sends[nsends - 1].bytes;   /* back to back: one stream chunk */
    if (nsends == MAX_SENDS)
        die("too many sends");
    sends[nsends].conn = conn;
    sends[nsends].dir = dir;
    return &sends[nsends++].bytes;
}

static void build_sessions(void)
{
    struct alb_msg m;
    static const struct alb_bytes taps[] = { { (const uint8_t *)"tap0", 4 } };

    /* vmmc create foo.bar (the image makes it span records) */
    vm_create2(send_to(0, 0), 1, "foo.bar", 3000);
    /* vmmd asks vm_console to open the console, vm_console answers */
    msg2(&m, ALB_K_CONSOLE_ADD, 1, "foo.bar");
    enc(send_to(2, 0), &m);
    reply2(send_to(2, 1), ALB_K_CONSOLE_ADD, 1, "reading");
    reply2(send_to(0, 1), ALB_K_VM_CREATE, 1, NULL);
    log_msg2(send_to(4, 0), ALB_K_LOG_LOG, 1, "foo.bar", ALB_EV_VM_START, 10);
    msg2(&m, ALB_K_STATS_ADD, 1, "foo.bar");
    m.pid = 4242;
    m.u.taps = strs(taps, 1);
    enc(send_to(6, 0), &m);
    reply2(send_to(6, 1), ALB_K_STATS_ADD, 1, "added");

    /* vmmc info hello: not found */
    msg2(&m, ALB_K_VM_INFO, 1, "hello");
    enc(send_to(1, 0), &m);
    fail2(send_to(1, 1), 1, "info: not found");

    /* vmmc console foo.bar: history, reply, live lines (several per record) */
    msg2(&m, ALB_K_CONSOLE_ATTACH, 1, "foo.bar");
    enc(send_to(3, 0), &m);
    console_data2(send_to(3, 1), "foo.bar", "Solo5: Bindings version v0.4.1", 11);
    console_data2(send_to(3, 1), "foo.bar", "hello world", 12);
    reply2(send_to(3, 1), ALB_K_CONSOLE_ATTACH, 1, "attached");
    console_data2(send_to(3, 1), "foo.bar", "live line", 13);

    /* vmmc log hello */
    msg2(&m, ALB_K_LOG_SUBSCRIBE, 1, "hello");
    enc(send_to(5, 0), &m);
    reply2(send_to(5, 1), ALB_K_LOG_SUBSCRIBE, 1, NULL);
    log_msg2(send_to(5, 1), ALB_K_LOG_BROADCAST, 1, "hello", ALB_EV_VM_STOP, 20);
    log_msg2(send_to(5, 1), ALB_K_LOG_BROADCAST, 0, "hello", ALB_EV_LOGIN, 21);

    /* the VM stops */
    log_msg2(send_to(4, 0), ALB_K_LOG_LOG, 2, "foo.bar", ALB_EV_VM_STOP, 30);
    msg2(&m, ALB_K_STATS_REMOVE, 2, "foo.bar");
    enc(send_to(6, 0), &m);
    reply2(send_to(6, 1), ALB_K_STATS_REMOVE, 2, "removed");
}

static void build_sessions_wv0(void)
{
    struct alb_msg m;
    static const struct alb_bytes taps[] = { { (const uint8_t *)"tap0", 4 } };

    simple0(send_to(7, 0), ALB_K_V0_CONSOLE_ADD, 1, "foo.bar");
    simple0(send_to(7, 1), ALB_K_V0_SUCCESS, 1, "reading");
    alb_msg_init(&m, ALB_K_V0_CONSOLE_HISTORY);
    m.id = 2;
    m.name_str = S("foo.bar");
    m.ts = when(0);
    enc(send_to(7, 0), &m);
    for (int i = 0; i < 2; i++) {
        alb_msg_init(&m, ALB_K_V0_CONSOLE_DATA);
        m.name_str = S("foo.bar");
        m.ts = when(40 + i);
        m.u.line = S(i ? "second line" : "first line");
        enc(send_to(7, 1), &m);
    }
    simple0(send_to(7, 1), ALB_K_V0_SUCCESS, 2, "success");

    alb_msg_init(&m, ALB_K_V0_STATS_ADD);
    m.id = 1;
    m.pid = 4242;
    m.u.taps = strs(taps, 1);
    enc(send_to(8, 0), &m);
    simple0(send_to(8, 1), ALB_K_V0_SUCCESS, 1, "added");
    alb_msg_init(&m, ALB_K_V0_STATS_STATISTICS);
    m.id = 2;
    m.pid = 4242;
    enc(send_to(8, 0), &m);
    alb_msg_init(&m, ALB_K_V0_STATS_STATREPLY);
    m.id = 2;
    m.u.stats.ru.utime_sec = 1;
    m.u.stats.ru.maxrss = 2048;
    {
        static struct alb_ifdata ifd[1];
        memset(ifd, 0, sizeof ifd);
        ifd[0].name = S("tap0");
        ifd[0].mtu = 1500;
        ifd[0].input_packets = 10;
        m.u.stats.ifdata.count = 1;
        m.u.stats.ifdata.items = ifd;
    }
    enc(send_to(8, 1), &m);

    alb_msg_init(&m, ALB_K_V0_LOG_DATA);
    m.id = 1;
    m.ts = when(50);
    m.u.log.context = S("");
    m.name_str = S("foo.bar");
    m.u.log.ev.tag = ALB_EV_VM_STOP;
    m.u.log.ev.pid = 4242;
    m.u.log.ev.exit_kind = ALB_EXIT_EXIT;
    m.u.log.ev.code = 0;
    enc(send_to(9, 0), &m);
    simple0(send_to(9, 1), ALB_K_V0_SUCCESS, 1, NULL);
}

/* record sizes cycle through these: headers get split, small messages share */
static const size_t chunk_sizes[] = { 5, 40, 300, 1, 19, 1000, 64, 2, 700 };

static void write_sockdump(struct frame_writer *o, int hdr125)
{
    size_t ci = 0;
    for (int s = 0; s < nsends; s++) {
        const struct conn *c = &conns[sends[s].conn];
        const struct buf *b = &sends[s].bytes;
        uint64_t from = sends[s].dir ? c->server_pid : c->client_pid;
        uint64_t to = sends[s].dir ? c->client_pid : c->server_pid;
        if (!hdr125 && c->wv0)
            continue;
        for (size_t off = 0; off < b->n;) {
            size_t n = chunk_sizes[ci++ % (sizeof chunk_sizes / sizeof chunk_sizes[0])];
            uint8_t rec[TAP_HDR_LEN + 1000];
            size_t h = hdr125 ? TAP_HDR_LEN : TAP_HDR16_LEN;
            if (n > b->n - off)
                n = b->n - off;
            if (hdr125)
                tap_fill_header(rec, c->path, to, from);
            else
                tap_fill_header16(rec, to, from);
            memcpy(rec + h, b->p + off, n);
            out_write(o, rec, h + n);
            off += n;
        }
    }
}

/* ---------------------------------------------------------------- TCP */

struct tcpconv {
    uint32_t seq[2];    /* next sequence number per direction */
    uint16_t ip_id;
};

/* One Ethernet/IPv4/TCP frame over loopback, from port 45678 to 4242 or back. */
static void tcp_frame(struct frame_writer *o, struct tcpconv *tc, int dir, uint8_t flags,
                      uint32_t seq, const uint8_t *data, size_t n)
{
    static const uint8_t loopback_mac[6];
    static const uint16_t ports[2] = { 45678, 4242 };
    uint8_t f[FRAME_ETHER_LEN + FRAME_IPV4_LEN + FRAME_TCP_LEN + 2048];
    const struct frame_tcp t = {
        .src_ip = { 127, 0, 0, 1 },
        .dst_ip = { 127, 0, 0, 1 },
        .src_port = ports[dir],
        .dst_port = ports[1 - dir],
        .seq = seq,
        .ack = (flags & FRAME_ACK) ? tc->seq[1 - dir] : 0,
        .flags = flags,
        .window = 65535,
        .ip_id = tc->ip_id++,
        .checksums = true,
    };
    out_write(o, f, frame_ether_ipv4_tcp(f, loopback_mac, loopback_mac, &t, data, n));
}

struct seg {
    int dir;
    size_t off, len;
};

static void write_tcp(struct frame_writer *o)
{
    struct buf c = { 0 }, s = { 0 };
    struct alb_msg m;
    struct tcpconv tc = { { 1000, 5000 }, 1 };

    msg2(&m, ALB_K_VM_INFO, 1, "");
    enc(&c, &m);
    msg2(&m, ALB_K_CONSOLE_ATTACH, 2, "foo.bar");
    enc(&c, &m);
    msg2(&m, ALB_K_LOG_SUBSCRIBE, 3, "hello");
    enc(&c, &m);
    msg2(&m, ALB_K_STATS_SUBSCRIBE, 4, "");
    enc(&c, &m);

    fail2(&s, 1, "info: not found");
    console_data2(&s, "foo.bar", "line one", 1);
    console_data2(&s, "foo.bar", "line two", 2);
    reply2(&s, ALB_K_CONSOLE_ATTACH, 2, "attached");
    reply2(&s, ALB_K_LOG_SUBSCRIBE, 3, NULL);
    log_msg2(&s, ALB_K_LOG_BROADCAST, 3, "hello", ALB_EV_VM_STOP, 3);
    reply2(&s, ALB_K_STATS_SUBSCRIBE, 4, "subscribed");

    /* handshake */
    tcp_frame(o, &tc, 0, 0x02, tc.seq[0]++, NULL, 0);
    tcp_frame(o, &tc, 1, 0x12, tc.seq[1]++, NULL, 0);
    tcp_frame(o, &tc, 0, 0x10, tc.seq[0], NULL, 0);

    /* client: the first message and the start of the second, then the rest */
    size_t cs[] = { 30, 10, 25, 0 };
    size_t off = 0;
    for (int i = 0; i < 4; i++) {
        size_t n = cs[i] && cs[i] < c.n - off ? cs[i] : c.n - off;
        tcp_frame(o, &tc, 0, 0x18, tc.seq[0], c.p + off, n);
        tc.seq[0] += (uint32_t)n;
        off += n;
    }
    tcp_frame(o, &tc, 1, 0x10, tc.seq[1], NULL, 0);

    /* server: split at odd places; segment 3 arrives before segment 2, and
     * segment 4 is sent twice */
    size_t ss[] = { 15, 60, 7, 100, 0 };
    struct seg segs[5];
    off = 0;
    for (int i = 0; i < 5; i++) {
        size_t n = ss[i] && ss[i] < s.n - off ? ss[i] : s.n - off;
        segs[i] = (struct seg){ 1, off, n };
        off += n;
    }
    uint32_t base = tc.seq[1];
    int order[] = { 0, 2, 1, 3, 3, 4 };
    for (int k = 0; k < 6; k++) {
        const struct seg *g = &segs[order[k]];
        tcp_frame(o, &tc, 1, 0x18, base + (uint32_t)g->off, s.p + g->off, g->len);
    }
    tc.seq[1] = base + (uint32_t)s.n;
    tcp_frame(o, &tc, 0, 0x10, tc.seq[0], NULL, 0);

    /* close */
    tcp_frame(o, &tc, 0, 0x11, tc.seq[0]++, NULL, 0);
    tcp_frame(o, &tc, 1, 0x11, tc.seq[1]++, NULL, 0);
    tcp_frame(o, &tc, 0, 0x10, tc.seq[0], NULL, 0);
    free(c.p);
    free(s.p);
}

/* A plain TCP connection: handshake, all the client's bytes in its first
 * segment, a success reply, close.  The client sends two WV0 commands, or
 * (junk given) one followed by bytes that start no header.  The first
 * segment of a direction is where a writer's bytes start, so the TCP
 * heuristic takes WV0 there even when the segment holds more than one
 * message, provided what follows the first is a plausible header. */
static void write_tcp_wv0(struct frame_writer *o, const char *junk)
{
    struct buf c = { 0 }, s = { 0 };
    struct tcpconv tc = { { 7000, 9000 }, 1 };
    struct alb_msg m;
    alb_msg_init(&m, ALB_K_V0_CLIENT_INFO);
    m.id = 1;
    m.u.arg = S("hello");
    enc(&c, &m);
    if (junk) {
        buf_add(&c, junk, strlen(junk));
    } else {
        alb_msg_init(&m, ALB_K_V0_CLIENT_STATISTICS);
        m.id = 2;
        m.u.arg = S("web");
        enc(&c, &m);
    }
    simple0(&s, ALB_K_V0_SUCCESS, 1, "ok");

    tcp_frame(o, &tc, 0, 0x02, tc.seq[0]++, NULL, 0);
    tcp_frame(o, &tc, 1, 0x12, tc.seq[1]++, NULL, 0);
    tcp_frame(o, &tc, 0, 0x10, tc.seq[0], NULL, 0);
    tcp_frame(o, &tc, 0, 0x18, tc.seq[0], c.p, c.n);
    tc.seq[0] += (uint32_t)c.n;
    tcp_frame(o, &tc, 1, 0x18, tc.seq[1], s.p, s.n);
    tc.seq[1] += (uint32_t)s.n;
    tcp_frame(o, &tc, 0, 0x11, tc.seq[0]++, NULL, 0);
    tcp_frame(o, &tc, 1, 0x11, tc.seq[1]++, NULL, 0);
    tcp_frame(o, &tc, 0, 0x10, tc.seq[0], NULL, 0);
    free(c.p);
    free(s.p);
}

/* ---------------------------------------------------------------- bench */

static void write_bench(struct frame_writer *o, long count)
{
    struct buf b = { 0 };
    struct alb_msg m;
    uint8_t rec[TAP_HDR_LEN + 4096];
    const char *path = "/var/run/albatross/util/console.sock";
    for (long i = 0; i < count; i++) {
        b.n = 0;
        if (i % 2 == 0) {
            msg2(&m, ALB_K_CONSOLE_ATTACH, (uint64_t)i, "foo.bar");
            enc(&b, &m);
        } else {
            reply2(&b, ALB_K_CONSOLE_ATTACH, (uint64_t)i - 1, "attached");
        }
        tap_fill_header(rec, path, i % 2 ? 100 : 200, i % 2 ? 200 : 100);
        memcpy(rec + TAP_HDR_LEN, b.p, b.n);
        out_write(o, rec, TAP_HDR_LEN + b.n);
    }
    free(b.p);
}

int main(int argc, char **argv)
{
    struct frame_writer o;

    if (argc == 2 && !strcmp(argv[1], "--fields")) {
        for (int i = 0; i < ALB_F_COUNT; i++)
            printf("%s\n", alb_field_info((enum alb_field_id)i)->name);
        return 0;
    }
    if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--bench"))) {
        fprintf(stderr, "usage: mkpcap OUTDIR VECTORDIR [--bench N]\n       mkpcap --fields\n");
        return 2;
    }
    if (argc == 5) {
        char *end;
        long n = strtol(argv[4], &end, 10);
        if (*end || n <= 0 || n > 100000000)
            die("--bench needs a positive count");
        out_open(&o, argv[1], "bench.pcap", TAP_LINKTYPE);
        write_bench(&o, n);
        out_close(&o);
        return 0;
    }

    out_open(&o, argv[1], "vectors.pcap", FRAME_LINKTYPE_EXPORTED_PDU);
    int n = write_vectors(&o, argv[2], "wv2");
    n += write_vectors(&o, argv[2], "wv0");
    out_close(&o);
    if (n == 0)
        die("no vectors found");

    out_open(&o, argv[1], "hostile.pcap", FRAME_LINKTYPE_EXPORTED_PDU);
    write_hostile(&o);
    out_close(&o);

    build_sessions();
    build_sessions_wv0();
    out_open(&o, argv[1], "sockdump125.pcap", TAP_LINKTYPE);
    write_sockdump(&o, 1);
    out_close(&o);
    out_open(&o, argv[1], "sockdump16.pcap", TAP_LINKTYPE);
    write_sockdump(&o, 0);
    out_close(&o);

    out_open(&o, argv[1], "tcp.pcap", DLT_EN10MB);
    write_tcp(&o);
    out_close(&o);
    out_open(&o, argv[1], "tcp-wv0-pair.pcap", DLT_EN10MB);
    write_tcp_wv0(&o, NULL);
    out_close(&o);
    out_open(&o, argv[1], "tcp-wv0-junk.pcap", DLT_EN10MB);
    write_tcp_wv0(&o, "not a header");
    out_close(&o);
    for (int i = 0; i < nsends; i++)
        free(sends[i].bytes.p);
    return 0;
}
