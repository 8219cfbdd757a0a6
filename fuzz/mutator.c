/* A structure-aware mutator for the message harness (message_struct).
 *
 * libFuzzer calls LLVMFuzzerCustomMutator instead of its own byte mutations.
 * The input (selector byte + message) is decoded into the typed view; one to
 * three changes are made to values -- strings, VM names and other lists
 * (elements added, dropped, duplicated or changed), integers, timestamps,
 * ids, the log event, the message kind or the channel -- and the message is
 * put back on the wire with alb_encode(), so the header length, string
 * lengths and list counts stay consistent and the decoder gets past its
 * framing and length checks into the body.  Now and then the encoded bytes
 * get one byte-level mutation on top, to reach the error paths right next
 * to valid messages.  Inputs that do not decode are left to libFuzzer's
 * LLVMFuzzerMutate. */
#include <stdint.h>
#include <string.h>

#include "albatross/wire.h"
#include "fuzz_util.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define MAXOUT (1u << 20)
#define MAXEL 8
#define POOL 12
#define POOLSZ 600

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned below(unsigned n)
{
    return n ? (unsigned)(rnd() % n) : 0;
}

/* ------------------------------------------------------------ values */

static uint8_t pool[POOL][POOLSZ];
static unsigned pool_next;

static const char *const words[] = {
    "", "a", "hello", "robur", "tap0", "tap17", "service", "ext", "disk0", "vmmd",
    "solo5-hvt", "--ipv4=10.0.0.2/24", "-l", "console", "robur.prod.dns", ".", "..",
    "x.y", "\xff\xfe", "\n", "%s%n", "name:with:colons",
};

/* A new string: a word, a copy of a word with bytes mutated, or a run. */
static struct alb_bytes new_str(struct alb_bytes old)
{
    uint8_t *p = pool[pool_next++ % POOL];
    size_t n;
    switch (below(5)) {
    case 0: {
        const char *w = words[below(sizeof words / sizeof words[0])];
        n = strlen(w);
        memcpy(p, w, n);
        break;
    }
    case 1:     /* a longer run of one byte */
        n = below(POOLSZ);
        memset(p, (int)('A' + below(26)), n);
        break;
    case 2:     /* the old value, cut */
        n = old.n < POOLSZ ? old.n : POOLSZ;
        if (n)
            memcpy(p, old.p, n);
        n = n ? below((unsigned)n + 1) : 0;
        break;
    default:    /* the old value, mutated */
        n = old.n < 64 ? old.n : 64;
        if (n)
            memcpy(p, old.p, n);
        n = LLVMFuzzerMutate(p, n, 64);
        break;
    }
    return (struct alb_bytes){ p, n };
}

static int64_t new_int(int64_t old)
{
    static const int64_t interesting[] = {
        0, 1, 2, 3, -1, -2, 7, 8, 16, 255, 256, 1024, 65535, 65536, INT32_MAX, INT32_MIN,
        (int64_t)INT32_MAX + 1, 0x3FFFFFFFFFFFFFFFll, -0x4000000000000000ll,
        0x3FFFFFFFFFFFFFFEll, -0x3FFFFFFFFFFFFFFFll,
    };
    switch (below(4)) {
    case 0: return old + (int64_t)below(9) - 4;
    case 1: return (int64_t)(rnd() >> below(63));
    default: return interesting[below(sizeof interesting / sizeof interesting[0])];
    }
}

static uint64_t new_uint(uint64_t old)
{
    switch (below(4)) {
    case 0: return old + below(5);
    case 1: return rnd() >> below(64);
    case 2: return 0;
    default: return ~0ull >> (8 * below(8));
    }
}

static struct alb_time new_time(void)
{
    static const struct alb_time edges[] = {
        { 0, 0 }, { -719528, 0 }, { 2932896, 86399999999999999LL }, { 19000, 1 },
        { -1, 86399999999999999LL },
    };
    if (below(2))
        return edges[below(sizeof edges / sizeof edges[0])];
    return (struct alb_time){ (int64_t)(rnd() % 3652424) - 719528,
                              (int64_t)(rnd() % 86400000000000000ull) };
}

/* ------------------------------------------------------------ lists */

static struct alb_bytes str_items[6][MAXEL];
static unsigned str_slot;
static struct alb_vmm_stat vmm_items[MAXEL];
static struct alb_ifdata if_items[MAXEL];
static struct alb_vm_info vm_items[MAXEL];

/* Turns a decoded list into an element array, changes it, and points the
 * list at the array (the encoder then writes elements and count). */
static void mutate_list(struct alb_list *l, enum alb_field_id id)
{
    void *items;
    size_t size = alb_field_info(id)->elem_size;
    switch (id) {
    case ALB_F_VMM: items = vmm_items; break;
    case ALB_F_IFDATA: items = if_items; break;
    case ALB_F_VMS: items = vm_items; break;
    default: items = str_items[str_slot++ % 6]; break;
    }
    struct alb_iter it;
    unsigned n = 0;
    alb_iter_init(&it, id, l);
    while (n < MAXEL && alb_iter_next(&it, (char *)items + n * size))
        n++;
    char *el = items;
    unsigned i = n ? below(n) : 0;
    switch (below(n ? 5 : 1)) {
    case 0:     /* add an element (a copy of a neighbour, or fresh) */
        if (n < MAXEL) {
            memmove(el + (i + 1) * size, el + i * size, (n - i) * size);
            if (n == 0 || below(2))
                memset(el + i * size, 0, size);
            if (size == sizeof(struct alb_bytes) && id != ALB_F_VMS)
                ((struct alb_bytes *)items)[i] = new_str((struct alb_bytes){ NULL, 0 });
            n++;
        }
        break;
    case 1:     /* drop one */
        memmove(el + i * size, el + (i + 1) * size, (n - i - 1) * size);
        n--;
        break;
    case 2:     /* drop all but the first */
        n = 1;
        break;
    default:    /* change one */
        switch (id) {
        case ALB_F_VMM:
            if (below(2))
                vmm_items[i].key = new_str(vmm_items[i].key);
            else
                vmm_items[i].value = new_uint(vmm_items[i].value);
            break;
        case ALB_F_IFDATA: {
            struct alb_ifdata *d = &if_items[i];
            uint64_t *u = &d->flags;    /* flags .. output_dropped are consecutive */
            unsigned k = below(18);
            if (k == 17)
                d->name = new_str(d->name);
            else if (k < 5)
                u[k] = new_uint(u[k]) & 0xFFFFFFFFu;
            else
                u[k] = new_uint(u[k]);
            break;
        }
        case ALB_F_VMS: {
            struct alb_vm_info *v = &vm_items[i];
            switch (below(4)) {
            case 0: v->cmd = new_str(v->cmd); break;
            case 1: v->leaf = new_str(v->leaf); v->memory = new_int(v->memory); break;
            case 2: v->pid = new_int(v->pid); break;
            default:
                if (below(2))
                    mutate_list(&v->name, ALB_F_INFO_NAME);
                else
                    mutate_list(&v->taps, ALB_F_INFO_TAPS);
                break;
            }
            break;
        }
        default:
            ((struct alb_bytes *)items)[i] = new_str(((struct alb_bytes *)items)[i]);
            break;
        }
        break;
    }
    *l = (struct alb_list){ n, NULL, 0, n ? items : NULL, NULL };
}

/* ------------------------------------------------------------ messages */

static void mutate_event(struct alb_msg *m)
{
    struct alb_log_event *ev = &m->u.log.ev;
    switch (below(6)) {
    case 0: {   /* another event, with fresh values */
        unsigned max = m->version == 2 ? 5 : 8;
        memset(ev, 0, sizeof *ev);
        ev->tag = below(max);
        ev->exit_kind = below(3);
        break;
    }
    case 1: ev->pid = new_int(ev->pid); break;
    case 2: ev->code = new_int(ev->code); ev->size = new_int(ev->size); break;
    case 3: ev->block = new_str(ev->block); ev->block_name = new_str(ev->block_name); break;
    case 4: ev->ip = new_uint(ev->ip) & 0xFFFFFFFFu; ev->port = new_uint(ev->port) & 0xFFFF; break;
    default:
        if (ev->tag == ALB_EV_VM_START)
            mutate_list(&ev->taps, ALB_F_EV_TAPS);
        else if (ev->tag == ALB_EV_DELEGATE)
            mutate_list(&ev->bridges, ALB_F_EV_BRIDGES);
        else
            ev->exit_kind = below(3);
        break;
    }
}

/* Another kind of the same version; the name, timestamp and id are kept. */
static void change_kind(struct alb_msg *m)
{
    struct alb_msg old = *m;
    enum alb_kind k;
    do {
        k = (enum alb_kind)below(ALB_K_COUNT);
    } while (alb_kind_info(k)->version != old.version || k == ALB_K_V0_UNKNOWN);
    alb_msg_init(m, k);
    m->id = old.id;
    m->name = old.name;
    m->name_str = old.name_str;
    m->ts = old.ts;
    m->pid = old.pid;
    if (k == ALB_K_SUCCESS)
        m->tag = 0x80000000u | (below(2) ? 0 : (old.tag & 0x7FFFFFFFu));
    if (k == ALB_K_UNKNOWN)
        m->tag = (uint32_t)(rnd() & 0x7FFFFFFFu) | 0x1000u;
    if (m->channel == ALB_CH_ANY && m->version == 0)
        m->channel = old.channel;
}

static void mutate_body(struct alb_msg *m)
{
    switch (m->kind) {
    case ALB_K_CONSOLE_DATA:
    case ALB_K_V0_CONSOLE_DATA:
    case ALB_K_V0_CONSOLE_MSG:
        m->u.line = new_str(m->u.line);
        break;
    case ALB_K_STATS_ADD:
    case ALB_K_V0_STATS_ADD:
        if (below(2))
            mutate_list(&m->u.taps, ALB_F_STATS_TAPS);
        else
            m->pid = m->version == 2 ? new_int(m->pid) : (int32_t)new_int(m->pid);
        break;
    case ALB_K_V0_STATS_REMOVE:
    case ALB_K_V0_STATS_STATISTICS:
        m->pid = (int32_t)new_int(m->pid);
        break;
    case ALB_K_STATS_DATA:
    case ALB_K_V0_STATS_STATREPLY:
    case ALB_K_V0_STAT_MSG: {
        unsigned c = below(3);
        if (c == 0) {
            uint64_t *u = &m->u.stats.ru.utime_sec;     /* 18 consecutive 8-byte members */
            unsigned k = below(18);
            u[k] = new_uint(u[k]);
            if (k == 1 || k == 3)
                u[k] = (uint64_t)new_int((int64_t)u[k]);
        } else if (c == 1 && m->kind == ALB_K_STATS_DATA) {
            mutate_list(&m->u.stats.vmm, ALB_F_VMM);
        } else {
            mutate_list(&m->u.stats.ifdata, ALB_F_IFDATA);
        }
        break;
    }
    case ALB_K_LOG_LOG:
    case ALB_K_LOG_BROADCAST:
    case ALB_K_V0_LOG_DATA:
    case ALB_K_V0_LOG_MSG:
        if (m->version == 0 && below(4) == 0)
            m->u.log.context = new_str(m->u.log.context);
        else
            mutate_event(m);
        break;
    case ALB_K_V0_LOG_HISTORY:
        m->u.log.context = new_str(m->u.log.context);
        break;
    case ALB_K_VM_CREATE: {
        struct alb_vm_config *vm = &m->u.vm;
        switch (below(7)) {
        case 0: vm->cpuid = new_int(vm->cpuid); break;
        case 1: vm->memory = new_int(vm->memory); break;
        case 2: vm->block = new_str(vm->block); break;
        case 3: mutate_list(&vm->network, ALB_F_VM_NETWORK); break;
        case 4: vm->vmtype = below(3); break;
        case 5: vm->image = new_str(vm->image); break;
        default: mutate_list(&vm->argv, ALB_F_VM_ARGV); break;
        }
        break;
    }
    case ALB_K_VM_INFO_REPLY:
    case ALB_K_V0_INFO_MSG:
        mutate_list(&m->u.vms, ALB_F_VMS);
        break;
    case ALB_K_SUCCESS:
    case ALB_K_FAILURE:
    case ALB_K_V0_FAILURE:
    case ALB_K_V0_SUCCESS:
        m->u.msg = below(4) ? new_str(m->u.msg) : (struct alb_bytes){ NULL, 0 };
        if (m->kind == ALB_K_SUCCESS && below(2))
            m->tag = 0x80000000u | (uint32_t)below(0x500);
        break;
    case ALB_K_V0_CLIENT_INFO: case ALB_K_V0_CLIENT_DESTROY_IMAGE:
    case ALB_K_V0_CLIENT_CREATE_BLOCK: case ALB_K_V0_CLIENT_DESTROY_BLOCK:
    case ALB_K_V0_CLIENT_STATISTICS: case ALB_K_V0_CLIENT_ATTACH:
    case ALB_K_V0_CLIENT_DETACH: case ALB_K_V0_CLIENT_LOG:
        m->u.arg = below(4) ? new_str(m->u.arg) : (struct alb_bytes){ NULL, 0 };
        break;
    case ALB_K_UNKNOWN:
    case ALB_K_V0_UNKNOWN:
        m->u.body = new_str(m->u.body);
        break;
    default:
        break;
    }
}

static void mutate_msg(struct alb_msg *m, uint8_t *sel)
{
    switch (below(12)) {
    case 0:
        change_kind(m);
        break;
    case 1:
        m->id = m->version == 2 ? new_uint(m->id) : new_uint(m->id) & 0xFFFF;
        break;
    case 2:
        m->ts = new_time();
        break;
    case 3:
        if (m->version == 2)
            mutate_list(&m->name, ALB_F_VM_NAME);
        else
            m->name_str = below(4) ? new_str(m->name_str) : (struct alb_bytes){ NULL, 0 };
        break;
    case 4:     /* read the same bytes on another channel */
        *sel = (uint8_t)below(ALB_CH_COUNT);
        break;
    default:
        mutate_body(m);
        break;
    }
}

static uint8_t out[MAXOUT];

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    static struct alb_msg m;
    rng = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 1;
    pool_next = 0;
    str_slot = 0;
    if (size < 2 || max_size < 9 || below(16) == 0)
        return LLVMFuzzerMutate(data, size, max_size);

    uint8_t sel = data[0];
    struct alb_opts o = { .channel = fz_channel(sel) };
    enum alb_err r = alb_decode(data + 1, size - 1, &o, &m, NULL, NULL);
    if (r != ALB_E_OK || m.err.code != ALB_E_OK || m.kind == ALB_K_V1_UNSUPPORTED)
        return LLVMFuzzerMutate(data, size, max_size);

    unsigned rounds = 1 + below(3);
    for (unsigned i = 0; i < rounds; i++)
        mutate_msg(&m, &sel);
    if (m.version == 0 && alb_kind_info(m.kind)->channel != ALB_CH_ANY)
        sel = (uint8_t)alb_kind_info(m.kind)->channel;
    m.channel = fz_channel(sel);
    if (alb_kind_of(m.version, m.tag, m.channel) != m.kind)
        return LLVMFuzzerMutate(data, size, max_size);

    size_t n = 0;
    size_t cap = max_size - 1 < MAXOUT ? max_size - 1 : MAXOUT;
    if (alb_encode(&m, out, cap, &n, NULL) != ALB_E_OK)
        return LLVMFuzzerMutate(data, size, max_size);
    data[0] = sel;
    memcpy(data + 1, out, n);
    n++;
    if (below(8) == 0)
        n = LLVMFuzzerMutate(data, n, max_size);
    return n;
}
