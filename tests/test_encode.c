/* Messages built from scratch (lists as element arrays) encode, and decode
 * back to the same values: decode(encode(m)) == m.  Values the wire cannot
 * carry, or the reference could not decode, are refused. */
#include <inttypes.h>

#include "albatross/wire.h"
#include "testlib.h"

#define S(lit) ((struct alb_bytes){ (const uint8_t *)(lit), sizeof(lit) - 1 })
#define LIST_OF(arr) ((struct alb_list){ .count = sizeof(arr) / sizeof((arr)[0]), .items = (arr) })

static unsigned char wire[1 << 16];
static size_t wlen;
static struct alb_msg back;

static int same(struct alb_bytes a, struct alb_bytes b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static int roundtrip(const struct alb_msg *m, enum alb_channel ch)
{
    struct alb_error e;
    if (alb_encode(m, wire, sizeof wire, &wlen, &e) != ALB_E_OK) {
        fprintf(stderr, "encode refused field %d\n", (int)e.field);
        return 0;
    }
    struct alb_opts o = { .channel = ch };
    return alb_decode(wire, wlen, &o, &back, NULL, NULL) == ALB_E_OK &&
           back.err.code == ALB_E_OK && back.kind == m->kind && back.id == m->id &&
           back.hdr_len + back.length == wlen;
}

static int strs_equal(enum alb_field_id id, const struct alb_list *l, const struct alb_bytes *want,
                      size_t n)
{
    struct alb_iter it;
    struct alb_bytes s;
    size_t i = 0;
    alb_iter_init(&it, id, l);
    while (alb_iter_next(&it, &s))
        if (i >= n || !same(s, want[i++]))
            return 0;
    return i == n && l->count == n;
}

static const struct alb_bytes name2[] = { S("foo"), S("bar") };

static void vm_create(void)
{
    static const uint8_t image[3000] = { 0x7f, 'E', 'L', 'F' };
    const struct alb_bytes net[] = { S("ext"), S("int") };
    const struct alb_bytes argv[] = { S("--ipv4=10.0.0.2/24") };
    struct alb_msg m;
    alb_msg_init(&m, ALB_K_VM_CREATE);
    m.id = 1;
    m.name = LIST_OF(name2);
    m.u.vm.cpuid = 1;
    m.u.vm.memory = 512;
    m.u.vm.block = S("");
    m.u.vm.network = LIST_OF(net);
    m.u.vm.vmtype = ALB_VMTYPE_HVT_AMD64_COMPRESSED;
    m.u.vm.image = (struct alb_bytes){ image, sizeof image };
    m.u.vm.argv = LIST_OF(argv);
    CHECK(roundtrip(&m, ALB_CH_ANY), "vm create");
    CHECK(strs_equal(ALB_F_VM_NAME, &back.name, name2, 2) &&
          strs_equal(ALB_F_VM_NETWORK, &back.u.vm.network, net, 2) &&
          strs_equal(ALB_F_VM_ARGV, &back.u.vm.argv, argv, 1) && back.u.vm.cpuid == 1 &&
          back.u.vm.memory == 512 && back.u.vm.vmtype == 2 && back.u.vm.image_size == 3000 &&
          back.u.vm.image.n == 3000 && memcmp(back.u.vm.image.p, image, 3000) == 0,
          "vm create values");
    /* re-encoding the decoded view (wire lists) gives the same bytes */
    static unsigned char again[1 << 16];
    size_t n;
    CHECK(alb_encode(&back, again, sizeof again, &n, NULL) == ALB_E_OK && n == wlen &&
          memcmp(again, wire, n) == 0, "decoded view re-encodes identically");
}

static void stats_data(void)
{
    struct alb_vmm_stat vmm[] = { { S("vcpu0 ticks"), 12345 }, { S("exits"), UINT64_MAX } };
    struct alb_ifdata ifd[2];
    memset(ifd, 0, sizeof ifd);
    ifd[0].name = S("tap0");
    ifd[0].mtu = 1500;
    ifd[0].output_dropped = 0x8000000000000001ull;
    ifd[1].name = S("tap1");
    ifd[1].flags = 0xffffffffu;
    struct alb_msg m;
    alb_msg_init(&m, ALB_K_STATS_DATA);
    m.name = LIST_OF(name2);
    m.u.stats.ru.utime_sec = UINT64_MAX;
    m.u.stats.ru.utime_usec = -5;
    m.u.stats.ru.nivcsw = 77;
    m.u.stats.vmm = LIST_OF(vmm);
    m.u.stats.ifdata = LIST_OF(ifd);
    CHECK(roundtrip(&m, ALB_CH_ANY), "stats data");
    CHECK(back.u.stats.ru.utime_sec == UINT64_MAX && back.u.stats.ru.utime_usec == -5 &&
          back.u.stats.ru.nivcsw == 77 && back.u.stats.vmm.count == 2 &&
          back.u.stats.ifdata.count == 2 && (back.warnings & ALB_W_REF_REJECTS) == 0,
          "stats values");
    struct alb_iter it;
    struct alb_vmm_stat v;
    struct alb_ifdata d;
    alb_iter_init(&it, ALB_F_VMM, &back.u.stats.vmm);
    CHECK(alb_iter_next(&it, &v) && same(v.key, vmm[0].key) && v.value == 12345 &&
          alb_iter_next(&it, &v) && v.value == UINT64_MAX, "vmm counters");
    alb_iter_init(&it, ALB_F_IFDATA, &back.u.stats.ifdata);
    CHECK(alb_iter_next(&it, &d) && d.mtu == 1500 && d.output_dropped == ifd[0].output_dropped &&
          alb_iter_next(&it, &d) && d.flags == 0xffffffffu && same(d.name, ifd[1].name),
          "interfaces");
    /* a u32 field cannot hold more */
    ifd[1].flags = 0x100000000ull;
    struct alb_error e;
    CHECK(alb_encode(&m, wire, sizeof wire, &wlen, &e) == ALB_E_ENCODE && e.field == ALB_F_IF_FLAGS,
          "u32 overflow refused");
}

static void info_reply(void)
{
    const struct alb_bytes n1[] = { S("a"), S("one") }, n2[] = { S("b") }, taps[] = { S("tap3") };
    struct alb_vm_info vms[2];
    memset(vms, 0, sizeof vms);
    vms[0].name = LIST_OF(n1);
    vms[0].memory = 256;
    vms[0].cmd = S("solo5-hvt --net=tap3 one.hvt");
    vms[0].pid = 4001;
    vms[0].taps = LIST_OF(taps);
    vms[1].name = LIST_OF(n2);
    vms[1].pid = 4002;
    struct alb_msg m;
    alb_msg_init(&m, ALB_K_VM_INFO_REPLY);
    m.id = 1;
    m.u.vms = LIST_OF(vms);
    CHECK(roundtrip(&m, ALB_CH_ANY) && back.u.vms.count == 2 && (back.warnings & ALB_W_REF_REJECTS),
          "info reply");
    struct alb_iter it;
    struct alb_vm_info vm;
    alb_iter_init(&it, ALB_F_VMS, &back.u.vms);
    CHECK(alb_iter_next(&it, &vm) && strs_equal(ALB_F_INFO_NAME, &vm.name, n1, 2) &&
          strs_equal(ALB_F_INFO_TAPS, &vm.taps, taps, 1) && vm.pid == 4001 && vm.memory == 256,
          "first entry");
    CHECK(alb_iter_next(&it, &vm) && strs_equal(ALB_F_INFO_NAME, &vm.name, n2, 1) &&
          vm.taps.count == 0 && vm.pid == 4002, "second entry");
}

static void wv0(void)
{
    const struct alb_bytes taps[] = { S("tap0"), S("tap1") };
    struct alb_vm_info vms[1];
    memset(vms, 0, sizeof vms);
    vms[0].leaf = S("hello");
    vms[0].cmd = S("ukvm-bin hello.ukvm");
    vms[0].pid = -1;
    vms[0].taps = LIST_OF(taps);
    struct alb_msg m;
    alb_msg_init(&m, ALB_K_V0_INFO_MSG);
    m.id = 65535;
    m.u.vms = LIST_OF(vms);
    CHECK(roundtrip(&m, ALB_CH_CLIENT), "WV0 info");
    struct alb_iter it;
    struct alb_vm_info vm;
    alb_iter_init(&it, ALB_F_VMS, &back.u.vms);
    CHECK(alb_iter_next(&it, &vm) && vm.tapc == 12 && vm.pid == -1 &&
          strs_equal(ALB_F_INFO_TAPS, &vm.taps, taps, 2) && same(vm.leaf, vms[0].leaf),
          "WV0 info entry: tap byte count computed");

    const struct alb_bytes bridges[] = { S("br0") };
    alb_msg_init(&m, ALB_K_V0_LOG_DATA);
    m.channel = ALB_CH_LOG;
    m.ts = (struct alb_time){ 17000, 5 };
    m.u.log.context = S("ca.intermediate");
    m.name_str = S("ca.intermediate.hello");
    m.u.log.ev.tag = ALB_EV_DELEGATE;
    m.u.log.ev.block = S("disk");
    m.u.log.ev.bridges = LIST_OF(bridges);
    CHECK(roundtrip(&m, ALB_CH_LOG) && back.u.log.ev.tag == ALB_EV_DELEGATE &&
          strs_equal(ALB_F_EV_BRIDGES, &back.u.log.ev.bridges, bridges, 1) &&
          same(back.u.log.context, m.u.log.context) && back.ts.d == 17000 && back.ts.ps == 5,
          "WV0 delegate");
    /* WV2 has no delegate event */
    m.u.log.ev.tag = ALB_EV_DELEGATE;
    struct alb_msg m2;
    alb_msg_init(&m2, ALB_K_LOG_LOG);
    m2.u.log.ev.tag = ALB_EV_DELEGATE;
    m2.ts = m.ts;
    struct alb_error e;
    CHECK(alb_encode(&m2, wire, sizeof wire, &wlen, &e) == ALB_E_ENCODE && e.field == ALB_F_EVENT,
          "WV2 delegate refused");
}

static void refusals(void)
{
    struct alb_msg m;
    struct alb_error e;
    alb_msg_init(&m, ALB_K_CONSOLE_DATA);
    m.ts = (struct alb_time){ 2932897, 0 };
    CHECK(alb_encode(&m, wire, sizeof wire, &wlen, &e) == ALB_E_ENCODE && e.field == ALB_F_TS,
          "out-of-range timestamp refused");
    alb_msg_init(&m, ALB_K_STATS_ADD);
    m.pid = 0x4000000000000000ll;
    CHECK(alb_encode(&m, wire, sizeof wire, &wlen, &e) == ALB_E_ENCODE && e.field == ALB_F_STATS_PID,
          "int over OCaml's range refused");
    alb_msg_init(&m, ALB_K_VM_INFO);
    m.tag = 0x401;
    CHECK(alb_encode(&m, wire, sizeof wire, &wlen, &e) == ALB_E_ENCODE && e.field == ALB_F_TAG,
          "tag that does not match the kind refused");
    alb_msg_init(&m, ALB_K_SUCCESS);
    m.tag = 0x80000400u;
    m.id = 9;
    CHECK(roundtrip(&m, ALB_CH_ANY) && wlen == 20 && back.u.msg.p == NULL, "empty success reply");
    m.u.msg = S("added");
    CHECK(roundtrip(&m, ALB_CH_ANY) && wlen == 27 && same(back.u.msg, m.u.msg), "success with text");
    alb_msg_init(&m, ALB_K_V0_CONSOLE_DATA);
    static char line[70000];
    memset(line, 'x', sizeof line);
    m.u.line = (struct alb_bytes){ (const uint8_t *)line, sizeof line };
    CHECK(alb_encode(&m, wire, sizeof wire, &wlen, &e) == ALB_E_ENCODE, "string over 65535 refused");
    m.u.line.n = 65500;     /* fits a string, but not a 16-bit WV0 body with the rest */
    m.name_str = S("0123456789012345678901234567890123456789012345678901234567890123456789");
    m.ts = (struct alb_time){ 0, 0 };
    CHECK(alb_encode(&m, wire, sizeof wire, &wlen, &e) == ALB_E_ENCODE && e.field == ALB_F_LENGTH,
          "WV0 body over 65535 refused");

    /* the exact boundary: a body of 65,535 bytes is the largest WV0 carries */
    static unsigned char big[70000];
    size_t n;
    m.name_str = S("ab");
    m.u.line.n = 10;
    CHECK(alb_encode(&m, big, sizeof big, &n, NULL) == ALB_E_OK, "small WV0 console data");
    size_t fixed = n - 8 - 10;      /* header 8, body = fixed part + line */
    m.u.line.n = 0xFFFF - fixed;
    CHECK(alb_encode(&m, big, sizeof big, &n, &e) == ALB_E_OK && n == 8 + 0xFFFF &&
          big[0] == 0xFF && big[1] == 0xFF, "WV0 body of exactly 65535 bytes encoded");
    struct alb_opts o = { .channel = ALB_CH_CONSOLE };
    CHECK(alb_decode(big, n, &o, &back, NULL, NULL) == ALB_E_OK && back.err.code == ALB_E_OK &&
          back.u.line.n == m.u.line.n, "WV0 body of 65535 bytes decodes back");
    m.u.line.n++;
    CHECK(alb_encode(&m, big, sizeof big, &n, &e) == ALB_E_ENCODE && e.field == ALB_F_LENGTH,
          "WV0 body of 65536 bytes refused");
}

int main(void)
{
    vm_create();
    stats_data();
    info_reply();
    wv0();
    refusals();
    return t_summary("encode");
}
