/* albatross-dump-mkbig: writes a large capture for the dumper benchmark.
 *
 *   albatross-dump-mkbig OUT MESSAGES [FLOWS] [ether|sockdump]
 *
 * FLOWS TCP connections (default 16) over Ethernet/IPv4 (or sockdump
 * records on Unix sockets) carry MESSAGES small messages in all, encoded by
 * the project's encoder: per round a Vm.Destroy request, its reply and two
 * Console.Data pushes.  Each direction's bytes are cut into 1448-byte
 * segments, so messages share segments and straddle segment boundaries;
 * a request goes out before its reply (the client's bytes are sent before
 * the server answers), as in a real conversation.
 * Connections open with a handshake and close with FIN. */
#define _DEFAULT_SOURCE
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "albatross/wire.h"
#include "frames.h"
#include "tap_format.h"

#define MSS 1448u

struct side {
    uint8_t buf[MSS * 4];
    size_t n;
    uint32_t seq;
};

struct flow {
    struct side s[2];       /* 0: client to server */
    uint16_t port;
    uint64_t id;
};

static struct frame_writer capture;
static int sockdump;
static unsigned long long records, bytes;

/* records 7 us apart */
static void emit(const uint8_t *p, size_t n)
{
    frame_writer_put(&capture, 7, p, n, n);
    records++;
    bytes += n;
}

static void segment(struct flow *f, int dir, uint8_t flags, const uint8_t *data, size_t n)
{
    uint8_t pkt[2048];
    if (sockdump) {
        if (n == 0)
            return;
        uint64_t client = 10000u + f->port, server = 1200;
        uint64_t pid = dir ? server : client, peer = dir ? client : server;
        tap_fill_header(pkt, "run/albatross/vmmd.sock", peer, pid);
        memcpy(pkt + TAP_HDR_LEN, data, n);
        emit(pkt, TAP_HDR_LEN + n);
        return;
    }
    /* index 0 the client, 1 the server */
    static const uint8_t mac[2][6] = { { 0, 0, 0, 0, 0, 2 }, { 0, 0, 0, 0, 0, 1 } };
    static const uint8_t ip[2][4] = { { 10, 1, 0, 1 }, { 10, 1, 0, 2 } };
    struct frame_tcp t = {
        .src_port = dir ? 1025 : f->port,
        .dst_port = dir ? f->port : 1025,
        .seq = f->s[dir].seq,
        .ack = f->s[!dir].seq,
        .flags = flags,
        .window = 65535,
    };
    memcpy(t.src_ip, ip[dir], 4);
    memcpy(t.dst_ip, ip[!dir], 4);
    emit(pkt, frame_ether_ipv4_tcp(pkt, mac[!dir], mac[dir], &t, data, n));
    /* SYN and FIN take a sequence number each */
    f->s[dir].seq += (uint32_t)n + ((flags & (FRAME_SYN | FRAME_FIN)) ? 1u : 0u);
}

/* Sends full segments of what is queued on one side (all of it with flush). */
static void drain(struct flow *f, int dir, int flush)
{
    struct side *s = &f->s[dir];
    size_t off = 0;
    while (s->n - off >= MSS || (flush && s->n > off)) {
        size_t k = s->n - off < MSS ? s->n - off : MSS;
        segment(f, dir, 0x18, s->buf + off, k);
        off += k;
    }
    memmove(s->buf, s->buf + off, s->n - off);
    s->n -= off;
}

static void queue(struct flow *f, int dir, const struct alb_msg *m)
{
    struct side *s = &f->s[dir];
    size_t w;
    struct alb_error e;
    if (alb_encode(m, s->buf + s->n, sizeof s->buf - s->n, &w, &e) != ALB_E_OK) {
        fprintf(stderr, "albatross-dump-mkbig: cannot encode: %s\n", alb_err_str(e.code));
        exit(1);
    }
    s->n += w;
    drain(f, dir, 0);
}

static const char *const vm_names[] = { "web", "frontend", "db", "hello", "cache" };
static const char *const lines[] = { "booting", "Solo5: Memory map: 512 MB addressable:",
                                     "hello: tick", "mirage: listening on port 80" };

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: albatross-dump-mkbig OUT MESSAGES [FLOWS] [ether|sockdump]\n");
        return 2;
    }
    unsigned long long want = strtoull(argv[2], NULL, 10);
    unsigned nflows = argc > 3 ? (unsigned)atoi(argv[3]) : 16;
    sockdump = argc > 4 && strcmp(argv[4], "sockdump") == 0;
    if (nflows == 0 || nflows > 1000)
        nflows = 16;
    char err[PCAP_ERRBUF_SIZE];
    if (frame_writer_open(&capture, argv[1], sockdump ? TAP_LINKTYPE : DLT_EN10MB, 65535,
                          1539338400000000LL, err, sizeof err)) {
        fprintf(stderr, "albatross-dump-mkbig: %s\n", err);
        return 1;
    }
    struct flow *flows = calloc(nflows, sizeof *flows);
    if (!flows)
        return 1;
    for (unsigned i = 0; i < nflows; i++) {
        struct flow *f = &flows[i];
        f->port = (uint16_t)(30000 + i);
        f->s[0].seq = 1000u * i;
        f->s[1].seq = 0x80000000u + 77u * i;
        if (!sockdump) {
            segment(f, 0, 0x02, NULL, 0);
            segment(f, 1, 0x12, NULL, 0);
            segment(f, 0, 0x10, NULL, 0);
        }
    }
    unsigned long long msgs = 0;
    unsigned r = 0;
    while (msgs < want) {
        struct flow *f = &flows[r % nflows];
        const char *vm = vm_names[r % 5];
        struct alb_bytes part = { (const uint8_t *)vm, strlen(vm) };
        struct alb_msg m;
        alb_msg_init(&m, ALB_K_VM_DESTROY);
        m.id = ++f->id;
        m.name.count = 1;
        m.name.items = &part;
        queue(f, 0, &m);
        drain(f, 0, 1);
        alb_msg_init(&m, ALB_K_SUCCESS);
        m.tag = 0x80000401u;
        m.id = f->id;
        m.u.msg = (struct alb_bytes){ (const uint8_t *)"destroyed", 9 };
        queue(f, 1, &m);
        for (int k = 0; k < 2; k++) {
            const char *line = lines[(r + (unsigned)k) % 4];
            alb_msg_init(&m, ALB_K_CONSOLE_DATA);
            m.name.count = 1;
            m.name.items = &part;
            m.ts = (struct alb_time){ 17816, (int64_t)(r % 86400) * 1000000000000LL };
            m.u.line = (struct alb_bytes){ (const uint8_t *)line, strlen(line) };
            queue(f, 1, &m);
        }
        msgs += 4;
        r++;
    }
    for (unsigned i = 0; i < nflows; i++) {
        struct flow *f = &flows[i];
        drain(f, 0, 1);
        drain(f, 1, 1);
        if (!sockdump) {
            segment(f, 0, 0x11, NULL, 0);
            segment(f, 1, 0x11, NULL, 0);
        }
    }
    free(flows);
    if (frame_writer_close(&capture)) {
        fprintf(stderr, "albatross-dump-mkbig: writing %s failed\n", argv[1]);
        return 1;
    }
    fprintf(stderr, "%s: %llu messages, %llu records, %llu bytes of records\n", argv[1], msgs,
            records, bytes);
    return 0;
}
