/* The decoder's behaviour on every error path and on each defect of the
 * reference implementation (WIRE.md §4.4), asserted message by message.
 * Messages are built byte by byte here, so each test shows its layout. */
#include <inttypes.h>

#include "albatross/wire.h"
#include "testlib.h"

/* ---- a message builder */
struct buf {
    unsigned char d[140000];
    size_t n;
};

static void u8(struct buf *b, unsigned v) { b->d[b->n++] = (unsigned char)v; }
static void u16(struct buf *b, unsigned v) { u8(b, v >> 8); u8(b, v & 255); }
static void u32(struct buf *b, uint32_t v) { u16(b, v >> 16); u16(b, v & 0xffff); }
static void u64(struct buf *b, uint64_t v) { u32(b, (uint32_t)(v >> 32)); u32(b, (uint32_t)v); }
static void str(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    u16(b, (unsigned)n);
    memcpy(b->d + b->n, s, n);
    b->n += n;
}
static void name(struct buf *b, const char *a, const char *c)   /* a name of 0-2 parts */
{
    u64(b, (uint64_t)(a != NULL) + (c != NULL));
    if (a)
        str(b, a);
    if (c)
        str(b, c);
}
static void hdr2(struct buf *b, uint32_t tag, uint64_t id)
{
    b->n = 0;
    u32(b, tag);
    u16(b, 2);
    u16(b, 0);
    u64(b, id);
    u32(b, 0);
}
static void fin2(struct buf *b)
{
    uint32_t l = (uint32_t)(b->n - 20);
    for (int i = 0; i < 4; i++)
        b->d[16 + i] = (unsigned char)(l >> (24 - 8 * i));
}
static void hdr0(struct buf *b, unsigned tag, unsigned id)
{
    b->n = 0;
    u16(b, 0);
    u16(b, id);
    u16(b, 0);
    u16(b, tag);
}
static void fin0(struct buf *b)
{
    b->d[0] = (unsigned char)((b->n - 8) >> 8);
    b->d[1] = (unsigned char)(b->n - 8);
}

static struct alb_msg m;

static enum alb_err dec(struct buf *b, enum alb_channel ch)
{
    struct alb_opts o = { .channel = ch };
    return alb_decode(b->d, b->n, &o, &m, NULL, NULL);
}

#define EXPECT_ERR(what, code_, field_, off_)                                              \
    CHECK(m.err.code == (code_) && m.err.field == (field_) && m.err.offset == (off_),       \
          "%s: got %s at %s +%" PRIu64, what, alb_err_name(m.err.code),                     \
          alb_field_info(m.err.field) ? alb_field_info(m.err.field)->name : "-", m.err.offset)

/* ---- quirk 1: info replies with two or more VMs */
static void quirk1_info_multi(void)
{
    struct buf b;
    hdr2(&b, 0x80000402u, 7);
    u64(&b, 2);
    name(&b, "a", "one");  u64(&b, 512); str(&b, "hvt one"); u64(&b, 101); u64(&b, 1); str(&b, "tap0");
    name(&b, "b", NULL);   u64(&b, 64);  str(&b, "hvt two"); u64(&b, 102); u64(&b, 0);
    fin2(&b);
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.err.code == ALB_E_OK, "info multi decodes");
    CHECK(m.kind == ALB_K_VM_INFO_REPLY && m.u.vms.count == 2, "two VMs");
    CHECK(m.warnings & ALB_W_REF_REJECTS, "flagged as rejected by the reference");
    struct alb_iter it;
    struct alb_vm_info vm;
    alb_iter_init(&it, ALB_F_VMS, &m.u.vms);
    CHECK(alb_iter_next(&it, &vm) && vm.pid == 101 && vm.memory == 512 && vm.taps.count == 1 &&
          vm.name.count == 2, "first VM");
    /* the reference reads the second entry 8 bytes early; we do not */
    CHECK(alb_iter_next(&it, &vm) && vm.pid == 102 && vm.memory == 64 && vm.taps.count == 0 &&
          vm.cmd.n == 7 && memcmp(vm.cmd.p, "hvt two", 7) == 0, "second VM");
    CHECK(!alb_iter_next(&it, &vm), "exactly two");
}

/* ---- quirk 2: image size must fit the bytes that remain */
static void create(struct buf *b, uint64_t size, size_t image_bytes, int argv)
{
    hdr2(b, 0x400, 1);
    name(b, "hello", NULL);
    u64(b, 0);              /* cpuid */
    u64(b, 512);            /* memory */
    str(b, "");             /* block */
    u64(b, 1); str(b, "ext");
    u64(b, 0);              /* vmtype */
    u64(b, size);
    for (size_t i = 0; i < image_bytes; i++)
        u8(b, 0xA5);
    if (argv)
        u64(b, 0);
    fin2(b);
}

static void quirk2_image_size(void)
{
    struct buf b;
    const uint64_t size_off = 20 + 8 + 7 + 8 + 8 + 2 + 8 + 5 + 8;
    create(&b, 16, 16, 1);
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.err.code == ALB_E_OK && m.u.vm.image.n == 16 &&
          m.u.vm.image.p == b.d + size_off + 8 && m.u.vm.argv.count == 0,
          "an image that fits is a view into the message");
    create(&b, (uint64_t)-1, 16, 1);
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("negative image size", ALB_E_IMAGE_SIZE, ALB_F_VM_IMAGE_SIZE, size_off);
    /* 24 bytes follow the size: 17..24 pass the reference's check and make
     * Cstruct.sub raise; we refuse anything above 24 and 17..24 is an
     * underflow at argv */
    create(&b, 25, 16, 1);
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("size past the end", ALB_E_IMAGE_SIZE, ALB_F_VM_IMAGE_SIZE, size_off);
    create(&b, 24, 16, 1);
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("image eats argv", ALB_E_UNDERFLOW, ALB_F_VM_ARGV, size_off + 8 + 24);
    /* low 32 bits wrap to a small value: the reference raises */
    create(&b, 0x0000000100000008ull, 16, 1);
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("wrapping size", ALB_E_IMAGE_SIZE, ALB_F_VM_IMAGE_SIZE, size_off);
    create(&b, 0x4000000000000000ull, 16, 1);
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("size over OCaml's int", ALB_E_INT_TOO_BIG, ALB_F_VM_IMAGE_SIZE, size_off);
}

/* ---- quirk 4: timestamps outside Ptime's range are a clean error */
static void log_msg(struct buf *b, int64_t d, int64_t ps)
{
    hdr2(b, 0x300, 3);
    name(b, "hello", NULL);
    u64(b, (uint64_t)d);
    u64(b, (uint64_t)ps);
    u16(b, 4);              /* VM_stop */
    u64(b, 4242); u64(b, 1); u64(b, (uint64_t)-11);
    fin2(b);
}

static void quirk4_ptime(void)
{
    struct buf b;
    const uint64_t ts_off = 20 + 8 + 7;
    const struct { int64_t d, ps; enum alb_err want; } cases[] = {
        { -719528, 0, ALB_E_OK },                               /* Ptime.min */
        { 2932896, 86399999999999999LL, ALB_E_OK },             /* Ptime.max */
        { 2932897, 0, ALB_E_TIME_RANGE },
        { -719529, 86399999999999999LL, ALB_E_TIME_RANGE },
        { 0, 86400000000000000LL, ALB_E_TIME_RANGE },
        { 0, -1, ALB_E_TIME_RANGE },
        { 0x4000000000000000LL, 0, ALB_E_INT_TOO_BIG },
        { (int64_t)0x8000000000000000ull, 0, ALB_E_INT_TOO_SMALL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        log_msg(&b, cases[i].d, cases[i].ps);
        CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK, "ptime %zu frames", i);
        if (cases[i].want == ALB_E_OK)
            CHECK(m.err.code == ALB_E_OK && m.ts.d == cases[i].d && m.ts.ps == cases[i].ps,
                  "ptime %zu accepted: %s", i, alb_err_name(m.err.code));
        else
            EXPECT_ERR("ptime out of range", cases[i].want, ALB_F_TS, ts_off);
        /* the raw value is kept and the rest of the message still decoded */
        CHECK(m.ts.d == cases[i].d && m.u.log.ev.tag == ALB_EV_VM_STOP && m.u.log.ev.code == -11 &&
              m.u.log.ev.pid == 4242, "ptime %zu: the event is still shown", i);
    }
}

/* ---- quirk 5 (and §5.4): lengths are never trusted */
static void quirk5_lengths(void)
{
    struct buf b;
    struct alb_frame f;
    hdr2(&b, 0x402, 1);
    name(&b, NULL, NULL);
    fin2(&b);
    b.d[16] = 0x80;         /* length 0x80000008: negative for the reference */
    CHECK(alb_frame(b.d, b.n, NULL, &f) == ALB_E_BAD_LENGTH && f.total_len == 20 + 0x80000008ull,
          "length >= 2^31 is refused but its extent known");
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_BAD_LENGTH && m.err.field == ALB_F_LENGTH &&
          m.err.offset == 16, "decode refuses it too");
    CHECK(m.kind == ALB_K_VM_INFO && m.tag == 0x402 && m.id == 1 && m.length == 0x80000008u,
          "the refused header is still reported");
    b.d[16] = 0x10;         /* 256 MiB + 8: over the default limit */
    CHECK(alb_frame(b.d, b.n, NULL, &f) == ALB_E_TOO_LONG, "over the default limit");
    struct alb_opts o = { .max_len = 0x20000000u };
    CHECK(alb_frame(b.d, b.n, &o, &f) == ALB_E_NEED_MORE && f.need == f.total_len,
          "a raised limit lets it through; it then needs its bytes");
    o.max_len = 4;
    b.d[16] = 0;
    CHECK(alb_frame(b.d, b.n, &o, &f) == ALB_E_TOO_LONG, "a lowered limit");
}

/* ---- quirk 6: padding and versions */
static void quirk6_header(void)
{
    struct buf b;
    hdr2(&b, 0x402, 1);
    name(&b, NULL, NULL);
    fin2(&b);
    b.d[7] = 1;
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.err.code == ALB_E_OK && m.padding == 1 &&
          (m.warnings & ALB_W_PADDING), "non-zero padding is a warning");
    b.d[7] = 0;
    b.d[5] = 3;
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_UNKNOWN_VERSION && m.err.offset == 4 &&
          m.err.field == ALB_F_VERSION, "version 3 is unknown");
    /* version 1: 8-byte header, recognised and skipped whole */
    hdr0(&b, 0x0001, 9);
    b.d[5] = 1;
    str(&b, "x");
    fin0(&b);
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.kind == ALB_K_V1_UNSUPPORTED &&
          m.err.code == ALB_E_UNSUPPORTED && m.hdr_len + m.length == b.n, "version 1 skipped");
    /* header cut short */
    CHECK(alb_decode(b.d, 5, NULL, &m, NULL, NULL) == ALB_E_NEED_MORE, "5 bytes need more");
}

/* ---- quirk 7: list counts are checked before any element is read */
static void quirk7_counts(void)
{
    struct buf b;
    const uint64_t counts[] = { (uint64_t)-1, 0x3FFFFFFFFFFFFFFFull, 5 /* 5 strings need 10 bytes, 8 left */,
                                (uint64_t)INT64_MIN | 0x4000000000000000ull /* -2^62 */ };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        hdr2(&b, 0x0401, 1);
        u64(&b, counts[i]);
        str(&b, "a");
        str(&b, "b");
        u16(&b, 0);
        fin2(&b);
        dec(&b, ALB_CH_ANY);
        EXPECT_ERR("bad count", ALB_E_BAD_COUNT, ALB_F_VM_NAME, 20);
    }
    hdr2(&b, 0x0401, 1);
    u64(&b, 0x4000000000000000ull);
    fin2(&b);
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("count over OCaml's int", ALB_E_INT_TOO_BIG, ALB_F_VM_NAME, 20);
    hdr2(&b, 0x0401, 1);
    u64(&b, 3);             /* plausible count, but the third string is cut */
    str(&b, "a");
    str(&b, "b");
    u16(&b, 5);
    fin2(&b);
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("element underflow", ALB_E_UNDERFLOW, ALB_F_VM_NAME_PART, 20 + 8 + 3 + 3 + 2);
}

/* ---- quirk 8: trailing bytes are accepted and reported */
struct trail { int seen; uint64_t off, len; };
static int see_trailing(void *ctx, const struct alb_field *f)
{
    struct trail *t = ctx;
    if (f->id == ALB_F_TRAILING) {
        t->seen++;
        t->off = f->off;
        t->len = f->len;
    }
    return 0;
}

static void quirk8_trailing(void)
{
    struct buf b;
    hdr2(&b, 0x0402, 1);
    name(&b, "foo", NULL);
    u8(&b, 0xde); u8(&b, 0xad); u8(&b, 0xbe);
    fin2(&b);
    struct trail t = { 0 };
    CHECK(alb_decode(b.d, b.n, NULL, &m, see_trailing, &t) == ALB_E_OK && m.err.code == ALB_E_OK,
          "trailing bytes are not an error");
    CHECK((m.warnings & ALB_W_TRAILING) && m.trailing == 3 && m.trailing_off == 33, "3 trailing");
    CHECK(t.seen == 1 && t.off == 33 && t.len == 3, "reported as a field");
    /* a WV0 str* list has no room for trailing bytes: they are an error */
    hdr0(&b, 0, 1);
    u32(&b, 77);
    str(&b, "tap0");
    u8(&b, 0);
    fin0(&b);
    dec(&b, ALB_CH_STATS);
    EXPECT_ERR("WV0 str* with a stray byte", ALB_E_UNDERFLOW, ALB_F_STATS_TAP, 18);
}

/* ---- quirk 9: a 65535-byte string decodes (the reference cannot send it) */
static void quirk9_long_string(void)
{
    static struct buf b;
    hdr2(&b, 0xFFFFFFFFu, 1);
    u16(&b, 0xFFFF);
    memset(b.d + b.n, 'x', 0xFFFF);
    b.n += 0xFFFF;
    fin2(&b);
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.err.code == ALB_E_OK && m.kind == ALB_K_FAILURE &&
          m.u.msg.n == 0xFFFF && (m.warnings & ALB_W_STR_65535), "65535-byte failure message");
}

/* ---- the remaining error paths */
static void errors(void)
{
    struct buf b;
    /* value errors do not stop the walk; the first one is the message's error */
    create(&b, 4, 4, 1);
    b.d[20 + 8 + 7] = 0x40; /* cpuid over OCaml's int */
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("cpuid", ALB_E_INT_TOO_BIG, ALB_F_VM_CPUID, 35);
    CHECK(m.u.vm.memory == 512 && m.u.vm.image.n == 4, "fields after a value error are decoded");
    create(&b, 4, 4, 1);
    b.d[20 + 8 + 7] = 0x80;
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("cpuid", ALB_E_INT_TOO_SMALL, ALB_F_VM_CPUID, 35);
    create(&b, 4, 4, 1);
    b.d[20 + 8 + 7 + 8 + 8 + 2 + 8 + 5 + 7] = 3;
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("vmtype 3", ALB_E_VMTYPE, ALB_F_VM_VMTYPE, 20 + 8 + 7 + 8 + 8 + 2 + 8 + 5);
    create(&b, 4, 4, 1);
    b.d[20 + 8 + 7 + 8 + 8 + 2 + 8 + 5 + 7] = 1;
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.err.code == ALB_E_OK &&
          (m.warnings & ALB_W_VMTYPE_ARM64), "vmtype 1 decodes with a warning");

    /* events: unknown tags, exit kinds, and the order of checks */
    log_msg(&b, 0, 0);
    b.d[20 + 8 + 7 + 16 + 1] = 5;   /* Block_create: WV0 only */
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("WV2 event 5", ALB_E_EVENT, ALB_F_EVENT, 51);
    log_msg(&b, 0, 0);
    b.d[20 + 8 + 7 + 16 + 2 + 8 + 7] = 3;   /* exit kind 3 */
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("exit kind 3", ALB_E_EXIT_KIND, ALB_F_EV_EXIT, 61);
    log_msg(&b, 0, 0);
    b.d[20 + 8 + 7 + 16 + 2 + 8 + 7] = 3;
    b.d[20 + 8 + 7 + 16 + 2 + 16] = 0x7f;   /* and a code over OCaml's int */
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("code is checked before the exit kind", ALB_E_INT_TOO_BIG, ALB_F_EV_CODE, 69);
    log_msg(&b, 0, 0);
    b.n -= 1;
    fin2(&b);
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("short vm_stop", ALB_E_UNDERFLOW, ALB_F_EV_CODE, 69);

    /* unknown tags keep the stream going */
    hdr2(&b, 0x0999, 5);
    u8(&b, 1); u8(&b, 2);
    fin2(&b);
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.kind == ALB_K_UNKNOWN && m.err.code == ALB_E_OK &&
          m.u.body.n == 2 && m.u.body.p == b.d + 20 && !(m.warnings & ALB_W_HEURISTIC),
          "unknown request tag: raw body");
    hdr2(&b, 0x0999, 5);
    name(&b, "web", "01");
    u8(&b, 9);
    fin2(&b);
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.kind == ALB_K_UNKNOWN && m.err.code == ALB_E_OK &&
          (m.warnings & ALB_W_HEURISTIC) && m.name.count == 2 && m.u.body.n == b.n - 20 &&
          m.u.body.p == b.d + 20, "unknown request tag: a leading name is recognised");
    {
        unsigned char out[64];
        size_t w;
        CHECK(alb_encode(&m, out, sizeof out, &w, NULL) == ALB_E_OK && w == b.n &&
              memcmp(out, b.d, w) == 0, "a guessed name does not change the re-encoding");
    }
    hdr2(&b, 0x80000999u, 5);
    fin2(&b);
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.kind == ALB_K_SUCCESS && m.u.msg.p == NULL &&
          alb_reply_op(m.tag) == ALB_K_UNKNOWN, "reply to an unknown op");
    CHECK(alb_reply_op(0x80000400u) == ALB_K_VM_CREATE && alb_reply_op(0xFFFFFFFFu) == ALB_K_UNKNOWN,
          "reply op lookup");
    /* every form the lookup sees: a request tag (no reply bit) is no reply,
     * whatever operation it names; the failure tag and reply bits on an
     * unknown operation or on a reply name none */
    CHECK(alb_reply_op(0x00000401u) == ALB_K_UNKNOWN && alb_reply_op(0x00000400u) == ALB_K_UNKNOWN &&
          alb_reply_op(0x00000000u) == ALB_K_UNKNOWN, "request tags are not replies");
    CHECK(alb_reply_op(0x80000401u) == ALB_K_VM_DESTROY && alb_reply_op(0x80000000u) == ALB_K_UNKNOWN &&
          alb_reply_op(0x7FFFFFFFu) == ALB_K_UNKNOWN && alb_reply_op(0xFFFFFFFEu) == ALB_K_UNKNOWN,
          "reply bit on known, unknown and out-of-range operations");
    hdr2(&b, 0xFFFFFFFFu, 5);
    fin2(&b);
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.kind == ALB_K_FAILURE && m.u.msg.p == NULL,
          "failure without a message");
    hdr2(&b, 0xFFFFFFFFu, 5);
    u16(&b, 9);
    str(&b, "x");
    fin2(&b);
    dec(&b, ALB_CH_ANY);
    EXPECT_ERR("failure message longer than the body", ALB_E_UNDERFLOW, ALB_F_MSG, 22);
}

/* ---- WV0 quirks 18, 19, 20, 22, 26 */
static void ifdata0(struct buf *b, const char *nm)
{
    str(b, nm);
    for (int i = 0; i < 116; i++)
        u8(b, (unsigned)i);
}

static void wv0(void)
{
    struct buf b;
    /* 18: two interfaces */
    hdr0(&b, 3, 4);
    for (int i = 0; i < 144; i++)
        u8(&b, 0);
    ifdata0(&b, "tap0");
    ifdata0(&b, "tap1");
    fin0(&b);
    CHECK(dec(&b, ALB_CH_STATS) == ALB_E_OK && m.err.code == ALB_E_OK &&
          m.kind == ALB_K_V0_STATS_STATREPLY && m.u.stats.ifdata.count == 2 &&
          (m.warnings & ALB_W_REF_REJECTS), "WV0 statreply with two interfaces");
    struct alb_iter it;
    struct alb_ifdata d;
    alb_iter_init(&it, ALB_F_IFDATA, &m.u.stats.ifdata);
    CHECK(alb_iter_next(&it, &d) && d.name.n == 4 && d.flags == 0x00010203u &&
          alb_iter_next(&it, &d) && memcmp(d.name.p, "tap1", 4) == 0 &&
          d.output_dropped == 0x6c6d6e6f70717273ull, "both interfaces read");

    /* 19: a short int is an underflow, not an exception */
    hdr0(&b, 0, 1);
    u64(&b, 0); u64(&b, 0); /* ptime */
    str(&b, "");
    str(&b, "vm");
    u16(&b, 5);             /* Block_create */
    str(&b, "disk");
    u32(&b, 0);             /* 4 of the 8 size bytes */
    fin0(&b);
    dec(&b, ALB_CH_LOG);
    EXPECT_ERR("short WV0 int", ALB_E_UNDERFLOW, ALB_F_EV_SIZE, 38);

    /* 20: the info entry's tap byte count is checked */
    const uint64_t tapcs[] = { 100, (uint64_t)-1, 7 };
    const enum alb_err want[] = { ALB_E_TAP_LENGTH, ALB_E_TAP_LENGTH, ALB_E_UNDERFLOW };
    for (int i = 0; i < 3; i++) {
        hdr0(&b, 0xFFF3, 2);
        str(&b, "vm");
        str(&b, "cmd");
        u32(&b, 99);
        u64(&b, tapcs[i]);
        str(&b, "tap0");     /* 6 bytes */
        u8(&b, 0);           /* a 7th: half a string inside a 7-byte region */
        fin0(&b);
        dec(&b, ALB_CH_CLIENT);
        CHECK(m.err.code == want[i], "tapc %" PRIu64 ": %s", tapcs[i], alb_err_name(m.err.code));
    }
    hdr0(&b, 0xFFF3, 2);
    str(&b, "vm"); str(&b, "cmd"); u32(&b, 99); u64(&b, 12); str(&b, "tap0"); str(&b, "tap1");
    str(&b, "vm2"); str(&b, "cmd2"); u32(&b, 100); u64(&b, 0);
    fin0(&b);
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.err.code == ALB_E_OK && m.u.vms.count == 2,
          "WV0 info with two entries (no channel needed for 0xFFF3)");

    /* 22: a u32 pid is signed; the encoder takes the whole 32-bit range */
    hdr0(&b, 1, 3);
    u32(&b, 0x80000000u);
    fin0(&b);
    CHECK(dec(&b, ALB_CH_STATS) == ALB_E_OK && m.pid == INT32_MIN, "pid 0x80000000 is -2^31");
    unsigned char out[64];
    size_t w;
    m.pid = INT32_MAX;
    CHECK(alb_encode(&m, out, sizeof out, &w, NULL) == ALB_E_OK && w == 12 &&
          memcmp(out + 8, "\x7f\xff\xff\xff", 4) == 0, "pid 2^31-1 encodes");
    m.pid = (int64_t)INT32_MAX + 1;
    struct alb_error e;
    CHECK(alb_encode(&m, out, sizeof out, &w, &e) == ALB_E_ENCODE && e.field == ALB_F_STATS_PID,
          "pid 2^31 cannot be encoded");

    /* 26: an empty body is an absent name, and re-encodes as empty */
    hdr0(&b, 0, 4);
    fin0(&b);
    CHECK(dec(&b, ALB_CH_CONSOLE) == ALB_E_OK && m.err.code == ALB_E_OK &&
          m.kind == ALB_K_V0_CONSOLE_ADD && m.name_str.p == NULL, "empty console add");
    CHECK(alb_encode(&m, out, sizeof out, &w, NULL) == ALB_E_OK && w == 8, "re-encoded empty");

    /* tags 0-7 mean nothing without the channel */
    hdr0(&b, 2, 4);
    str(&b, "x");
    fin0(&b);
    CHECK(dec(&b, ALB_CH_ANY) == ALB_E_OK && m.kind == ALB_K_V0_UNKNOWN &&
          (m.warnings & ALB_W_NO_CHANNEL) && m.u.body.n == 3, "WV0 tag 2 without a channel");
    CHECK(dec(&b, ALB_CH_CONSOLE) == ALB_E_OK && m.kind == ALB_K_V0_CONSOLE_DETACH, "console");
    CHECK(dec(&b, ALB_CH_STATS) == ALB_E_OK && m.kind == ALB_K_V0_STATS_STATISTICS, "stats");
    CHECK(dec(&b, ALB_CH_CLIENT) == ALB_E_OK && m.kind == ALB_K_V0_CLIENT_CREATE_BLOCK, "client");
    CHECK(dec(&b, ALB_CH_LOG) == ALB_E_OK && m.kind == ALB_K_V0_UNKNOWN, "log has no tag 2");

    /* 16-bit fields: the encoder refuses what the reference would truncate */
    alb_msg_init(&m, ALB_K_V0_SUCCESS);
    m.id = 70000;
    CHECK(alb_encode(&m, out, sizeof out, &w, &e) == ALB_E_ENCODE && e.field == ALB_F_ID,
          "WV0 id over 16 bits");
    alb_msg_init(&m, ALB_K_V0_UNKNOWN);
    m.tag = 0x10004;
    CHECK(alb_encode(&m, out, sizeof out, &w, &e) == ALB_E_ENCODE && e.field == ALB_F_TAG,
          "WV0 tag over 16 bits");

    /* channel names from socket paths */
    CHECK(alb_channel_from_path("/var/run/cons.sock", 18) == ALB_CH_CONSOLE &&
          alb_channel_from_path("stat.sock", 9) == ALB_CH_STATS &&
          alb_channel_from_path("./log.sock", 10) == ALB_CH_LOG &&
          alb_channel_from_path("/x/blog.sock", 12) == ALB_CH_ANY, "channel from path");
}

/* ---- framing of mixed streams */
static void stream(void)
{
    static struct buf s;
    struct buf b;
    size_t starts[8], n = 0;
    s.n = 0;
    hdr2(&b, 0x0402, 1); name(&b, "a", NULL); fin2(&b);
    starts[n++] = s.n; memcpy(s.d + s.n, b.d, b.n); s.n += b.n;
    hdr0(&b, 0xFFFF, 2); str(&b, "ok"); fin0(&b);
    starts[n++] = s.n; memcpy(s.d + s.n, b.d, b.n); s.n += b.n;
    hdr0(&b, 4, 3); b.d[5] = 1; str(&b, "wv1"); fin0(&b);
    starts[n++] = s.n; memcpy(s.d + s.n, b.d, b.n); s.n += b.n;
    hdr2(&b, 0x80000402u, 1); u64(&b, 0); fin2(&b);
    starts[n++] = s.n; memcpy(s.d + s.n, b.d, b.n); s.n += b.n;

    const enum alb_kind kinds[] = { ALB_K_VM_INFO, ALB_K_V0_SUCCESS, ALB_K_V1_UNSUPPORTED,
                                    ALB_K_VM_INFO_REPLY };
    size_t pos = 0, i = 0;
    while (pos < s.n && i < n) {
        CHECK(pos == starts[i], "message %zu starts at %zu, not %zu", i, starts[i], pos);
        CHECK(alb_decode(s.d + pos, s.n - pos, NULL, &m, NULL, NULL) == ALB_E_OK &&
              m.kind == kinds[i], "message %zu kind %s", i, alb_kind_info(m.kind)->snake);
        pos += m.hdr_len + m.length;
        i++;
    }
    CHECK(i == n && pos == s.n, "mixed stream framed");

    /* garbage, then a stream: resync finds the first real header */
    static struct buf g;
    memset(g.d, 0xEE, 13);
    memcpy(g.d + 13, s.d, s.n);
    g.n = 13 + s.n;
    CHECK(alb_decode(g.d, g.n, NULL, &m, NULL, NULL) == ALB_E_UNKNOWN_VERSION, "garbage");
    CHECK(alb_resync(g.d, g.n, NULL) == 13, "resync skips 13 bytes, got %zu",
          alb_resync(g.d, g.n, NULL));
}

/* ---- a channel outside enum alb_channel counts as unknown */
static void odd_channel(void)
{
    struct buf b;
    hdr0(&b, 1, 4);     /* console Add on cons.sock, log Data on log.sock */
    str(&b, "x");
    fin0(&b);
    CHECK(dec(&b, (enum alb_channel)99) == ALB_E_OK && m.kind == ALB_K_V0_UNKNOWN &&
          m.channel == ALB_CH_ANY && (m.warnings & ALB_W_NO_CHANNEL),
          "WV0 tag 1 on channel 99: unknown, no channel (kind %d, channel %d)", (int)m.kind,
          (int)m.channel);
    CHECK(alb_kind_of(0, 1, (enum alb_channel)0x200) == ALB_K_V0_UNKNOWN, "kind_of, channel 0x200");
    hdr0(&b, 0xFFFF, 4);
    str(&b, "ok");
    fin0(&b);
    CHECK(dec(&b, (enum alb_channel)99) == ALB_E_OK && m.kind == ALB_K_V0_SUCCESS &&
          m.channel == ALB_CH_ANY, "WV0 success on channel 99");
}

/* ---- plausible headers, whole and cut short (WIRE.md §5.3) */
static void plausible(void)
{
    struct buf b;
    struct alb_opts log = { .channel = ALB_CH_LOG };
    hdr2(&b, 0x0402, 1);
    name(&b, "a", NULL);
    fin2(&b);
    for (size_t n = 0; n <= b.n; n++) {
        /* every prefix fits; the strict test waits for tag, version and padding */
        CHECK(alb_plausible(b.d, n, NULL), "WV2 prefix of %zu bytes is plausible", n);
        CHECK(alb_plausible_strict(b.d, n, NULL) == (n >= 8),
              "WV2 prefix of %zu bytes: strict %d", n, alb_plausible_strict(b.d, n, NULL));
    }
    b.d[7] = 1;     /* padding */
    for (size_t n = 8; n <= b.n; n++)
        CHECK(!alb_plausible(b.d, n, NULL) && !alb_plausible_strict(b.d, n, NULL),
              "WV2 prefix of %zu bytes with padding is not plausible", n);
    CHECK(alb_plausible(b.d, 7, NULL), "7 bytes do not reach the padding");
    b.d[7] = 0;
    b.d[3] = 0x77;  /* tag 0x477: no such WV2 kind */
    for (size_t n = 8; n <= b.n; n++)
        CHECK(!alb_plausible(b.d, n, NULL) && !alb_plausible_strict(b.d, n, NULL),
              "WV2 prefix of %zu bytes with an unknown tag is not plausible", n);
    b.d[0] = 0x80;  /* the reply form: any operation */
    CHECK(alb_plausible(b.d, 10, NULL) && alb_plausible_strict(b.d, 10, NULL), "reply form");
    b.d[5] = 3;
    CHECK(!alb_plausible(b.d, 6, NULL) && !alb_plausible_strict(b.d, b.n, NULL), "version 3");
    /* the version becomes visible at 6 bytes: 5 cannot be judged, 6 and 7
     * are refused on the version alone (alb_frame says UNKNOWN_VERSION
     * before the short-prefix rule is reached, so that rule's own version
     * test only repeats it) */
    {
        static const uint8_t v3[8] = { 0, 0, 0, 0, 0, 3, 0, 0 };
        CHECK(alb_plausible(v3, 5, NULL) && !alb_plausible(v3, 6, NULL) &&
              !alb_plausible(v3, 7, NULL) && !alb_plausible(v3, 8, NULL),
              "version 3 judged from 6 bytes on");
    }

    /* WV0: the tag is the last field of the header, judged on the channel */
    hdr0(&b, 1, 4);     /* Log Data on the log channel */
    str(&b, "x");
    fin0(&b);
    for (size_t n = 0; n < 8; n++)
        CHECK(alb_plausible(b.d, n, &log) && !alb_plausible_strict(b.d, n, &log),
              "WV0 prefix of %zu bytes: plausible, too short to judge", n);
    CHECK(alb_plausible_strict(b.d, 8, &log) && alb_plausible_strict(b.d, b.n, &log), "WV0 header");
    b.d[7] = 0x44;
    CHECK(!alb_plausible(b.d, 8, &log) && !alb_plausible_strict(b.d, 8, &log), "WV0 unknown tag");
    b.d[7] = 1;
    b.d[5] = 1;         /* version 1 is recognised, never sought */
    CHECK(!alb_plausible(b.d, 8, &log) && !alb_plausible_strict(b.d, 8, &log), "version 1");
}

int main(void)
{
    quirk1_info_multi();
    quirk2_image_size();
    quirk4_ptime();
    quirk5_lengths();
    quirk6_header();
    quirk7_counts();
    quirk8_trailing();
    quirk9_long_string();
    errors();
    wv0();
    stream();
    plausible();
    odd_channel();
    return t_summary("quirks");
}
