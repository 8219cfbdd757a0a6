/* Message builders for albatross-play: every message goes through the
 * project's encoder (alb_encode) from a typed struct alb_msg. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "play.h"

void play_die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "albatross-play: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

struct alb_time play_time(int sec)
{
    /* 10:00:00 plus sec seconds, within the day */
    int64_t s = 36000 + sec;
    struct alb_time t = { PLAY_DAY + s / 86400, (s % 86400) * 1000000000000LL };
    return t;
}

static struct alb_bytes S(const char *s)
{
    struct alb_bytes b = { (const uint8_t *)s, strlen(s) };
    return b;
}

/* A dotted name split into components that point into the string. */
struct name {
    struct alb_bytes parts[8];
};

static struct alb_list mkname(struct name *nb, const char *dotted)
{
    struct alb_list l;
    memset(&l, 0, sizeof l);
    if (!*dotted)
        return l;
    const char *p = dotted;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (l.count == 8)
            play_die("name '%s' has too many components", dotted);
        nb->parts[l.count++] = (struct alb_bytes){ (const uint8_t *)p, n };
        if (!dot)
            break;
        p = dot + 1;
    }
    l.items = nb->parts;
    return l;
}

static struct alb_list mkstrs(struct alb_bytes *arr, const char *const *s, int n)
{
    struct alb_list l;
    memset(&l, 0, sizeof l);
    for (int i = 0; i < n; i++)
        arr[i] = S(s[i]);
    l.count = (uint64_t)n;
    l.items = n ? arr : NULL;
    return l;
}

static void enc(struct pmsg *m, const struct alb_msg *msg)
{
    struct alb_error e;
    if (alb_encode(msg, m->b, sizeof m->b, &m->n, &e) != ALB_E_OK)
        play_die("cannot encode %s: %s (field %s)", alb_kind_info(msg->kind)->name,
                 alb_err_str(e.code),
                 e.field == ALB_F_NONE ? "-" : alb_field_info(e.field)->name);
}

/* ---------------------------------------------------------------- WV2 */

void b2_name_req(struct pmsg *m, enum alb_kind kind, uint64_t id, const char *name)
{
    struct alb_msg msg;
    struct name nb;
    alb_msg_init(&msg, kind);
    msg.id = id;
    msg.name = mkname(&nb, name);
    enc(m, &msg);
}

void b2_reply(struct pmsg *m, uint32_t op_tag, uint64_t id, const char *text)
{
    struct alb_msg msg;
    alb_msg_init(&msg, op_tag == 0x0402u ? ALB_K_VM_INFO_REPLY : ALB_K_SUCCESS);
    msg.tag = 0x80000000u | op_tag;
    msg.id = id;
    if (text)
        msg.u.msg = S(text);
    enc(m, &msg);
}

void b2_fail(struct pmsg *m, uint64_t id, const char *text)
{
    struct alb_msg msg;
    alb_msg_init(&msg, ALB_K_FAILURE);
    msg.id = id;
    msg.u.msg = S(text);
    enc(m, &msg);
}

void b2_console_data(struct pmsg *m, const char *name, int sec, const char *line)
{
    struct alb_msg msg;
    struct name nb;
    alb_msg_init(&msg, ALB_K_CONSOLE_DATA);
    msg.name = mkname(&nb, name);
    msg.ts = play_time(sec);
    msg.u.line = S(line);
    enc(m, &msg);
}

void b2_stats_add(struct pmsg *m, uint64_t id, const char *name, int64_t pid,
                  const char *const *taps, int ntaps)
{
    struct alb_msg msg;
    struct name nb;
    struct alb_bytes tb[4];
    alb_msg_init(&msg, ALB_K_STATS_ADD);
    msg.id = id;
    msg.name = mkname(&nb, name);
    msg.pid = pid;
    msg.u.taps = mkstrs(tb, taps, ntaps);
    enc(m, &msg);
}

static void fill_rusage(struct alb_rusage *ru, unsigned tick)
{
    memset(ru, 0, sizeof *ru);
    ru->utime_sec = 2 + tick;
    ru->utime_usec = 125000 + 1000 * (int64_t)tick;
    ru->stime_sec = 1;
    ru->stime_usec = 500000;
    ru->maxrss = 14336;
    ru->minflt = 3100 + 10 * tick;
    ru->nvcsw = 42 + tick;
    ru->nivcsw = 7;
}

static void fill_ifdata(struct alb_ifdata *f, const char *name, unsigned tick)
{
    memset(f, 0, sizeof *f);
    f->name = S(name);
    f->flags = 0x8843;
    f->max_send_length = 50;
    f->mtu = 1500;
    f->baudrate = 10000000;
    f->input_packets = 100 + 17 * tick;
    f->output_packets = 80 + 13 * tick;
    f->input_bytes = 12000 + 2100 * tick;
    f->output_bytes = 9000 + 1500 * tick;
}

void b2_stats_data(struct pmsg *m, const char *name, unsigned tick, const char *const *taps,
                   int ntaps)
{
    struct alb_msg msg;
    struct name nb;
    struct alb_vmm_stat vs[2] = { { S("number of ticks vcpu was idle"), 5000u + tick },
                                  { S("vcpu total runtime"), 900000u + 1000u * tick } };
    struct alb_ifdata ifs[4];
    alb_msg_init(&msg, ALB_K_STATS_DATA);
    if (name) {
        msg.name = mkname(&nb, name);
    } else {
        /* what an exact-name subscriber gets: one empty component */
        nb.parts[0] = S("");
        msg.name.count = 1;
        msg.name.items = nb.parts;
    }
    fill_rusage(&msg.u.stats.ru, tick);
    msg.u.stats.vmm.count = 2;
    msg.u.stats.vmm.items = vs;
    if (ntaps > 4)
        ntaps = 4;
    for (int i = 0; i < ntaps; i++)
        fill_ifdata(&ifs[i], taps[i], tick);
    msg.u.stats.ifdata.count = (uint64_t)ntaps;
    msg.u.stats.ifdata.items = ntaps ? ifs : NULL;
    enc(m, &msg);
}

void b2_log_start(struct pmsg *m, enum alb_kind kind, uint64_t id, const char *name, int sec,
                  int64_t pid, const char *const *taps, int ntaps)
{
    struct alb_msg msg;
    struct name nb;
    struct alb_bytes tb[4];
    alb_msg_init(&msg, kind);
    msg.id = id;
    msg.name = mkname(&nb, name);
    msg.ts = play_time(sec);
    msg.u.log.ev.tag = ALB_EV_VM_START;
    msg.u.log.ev.pid = pid;
    msg.u.log.ev.block = S("");
    msg.u.log.ev.taps = mkstrs(tb, taps, ntaps);
    enc(m, &msg);
}

void b2_log_stop(struct pmsg *m, enum alb_kind kind, uint64_t id, const char *name, int sec,
                 int64_t pid, int64_t exit_kind, int64_t code)
{
    struct alb_msg msg;
    struct name nb;
    alb_msg_init(&msg, kind);
    msg.id = id;
    msg.name = mkname(&nb, name);
    msg.ts = play_time(sec);
    msg.u.log.ev.tag = ALB_EV_VM_STOP;
    msg.u.log.ev.pid = pid;
    msg.u.log.ev.exit_kind = exit_kind;
    msg.u.log.ev.code = code;
    enc(m, &msg);
}

/* A small stand-in for a unikernel image: an ELF-looking header and a
 * fixed pattern, 384 bytes. */
static const uint8_t *image_bytes(size_t *n)
{
    static uint8_t img[384];
    static const uint8_t elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
    memcpy(img, elf, sizeof elf);
    for (size_t i = sizeof elf; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 31u + 7u);
    *n = sizeof img;
    return img;
}

void b2_create(struct pmsg *m, uint64_t id, const char *name, int64_t memory,
               const char *const *nets, int nnets, const char *const *argv, int nargv)
{
    struct alb_msg msg;
    struct name nb;
    struct alb_bytes nbuf[4], abuf[4];
    size_t ilen;
    alb_msg_init(&msg, ALB_K_VM_CREATE);
    msg.id = id;
    msg.name = mkname(&nb, name);
    msg.u.vm.cpuid = 0;
    msg.u.vm.memory = memory;
    msg.u.vm.block = S("");
    msg.u.vm.network = mkstrs(nbuf, nets, nnets);
    msg.u.vm.vmtype = ALB_VMTYPE_HVT_AMD64;
    msg.u.vm.image.p = image_bytes(&ilen);
    msg.u.vm.image.n = ilen;
    msg.u.vm.argv = mkstrs(abuf, argv, nargv);
    enc(m, &msg);
}

void b2_info_reply(struct pmsg *m, uint64_t id, const struct play_vm *vms, int n)
{
    struct alb_msg msg;
    struct alb_vm_info vi[4];
    struct name nb[4];
    struct alb_bytes tb[4][4];
    if (n > 4)
        n = 4;
    alb_msg_init(&msg, ALB_K_VM_INFO_REPLY);
    msg.id = id;
    for (int i = 0; i < n; i++) {
        memset(&vi[i], 0, sizeof vi[i]);
        vi[i].name = mkname(&nb[i], vms[i].name);
        vi[i].memory = vms[i].memory;
        vi[i].cmd = S(vms[i].cmd);
        vi[i].pid = vms[i].pid;
        vi[i].taps = mkstrs(tb[i], vms[i].taps, vms[i].ntaps);
    }
    msg.u.vms.count = (uint64_t)n;
    msg.u.vms.items = n ? vi : NULL;
    enc(m, &msg);
}

/* ---------------------------------------------------------------- WV0 */

void b0_str(struct pmsg *m, enum alb_kind kind, uint64_t id, const char *text)
{
    struct alb_msg msg;
    alb_msg_init(&msg, kind);
    msg.id = id;
    switch (kind) {
    case ALB_K_V0_SUCCESS:
    case ALB_K_V0_FAILURE:
        if (text)
            msg.u.msg = S(text);
        break;
    case ALB_K_V0_CONSOLE_ADD:
    case ALB_K_V0_CONSOLE_ATTACH:
    case ALB_K_V0_CONSOLE_DETACH:
        if (text)
            msg.name_str = S(text);
        break;
    case ALB_K_V0_UNKNOWN:
        break;
    default:    /* client commands */
        if (text)
            msg.u.arg = S(text);
        break;
    }
    enc(m, &msg);
}

void b0_console_history(struct pmsg *m, uint64_t id, const char *name, int since)
{
    struct alb_msg msg;
    alb_msg_init(&msg, ALB_K_V0_CONSOLE_HISTORY);
    msg.id = id;
    msg.name_str = S(name);
    msg.ts = play_time(since);
    enc(m, &msg);
}

void b0_log_history(struct pmsg *m, uint64_t id, const char *context, int since)
{
    struct alb_msg msg;
    alb_msg_init(&msg, ALB_K_V0_LOG_HISTORY);
    msg.id = id;
    msg.u.log.context = S(context);
    msg.ts = play_time(since);
    enc(m, &msg);
}

void b0_console_data(struct pmsg *m, enum alb_kind kind, const char *name, int sec,
                     const char *line)
{
    struct alb_msg msg;
    alb_msg_init(&msg, kind);
    msg.name_str = S(name);
    msg.ts = play_time(sec);
    msg.u.line = S(line);
    enc(m, &msg);
}

void b0_pid(struct pmsg *m, enum alb_kind kind, uint64_t id, int64_t pid)
{
    struct alb_msg msg;
    alb_msg_init(&msg, kind);
    msg.id = id;
    msg.pid = pid;
    enc(m, &msg);
}

void b0_stats_add(struct pmsg *m, uint64_t id, int64_t pid, const char *const *taps, int ntaps)
{
    struct alb_msg msg;
    struct alb_bytes tb[4];
    alb_msg_init(&msg, ALB_K_V0_STATS_ADD);
    msg.id = id;
    msg.pid = pid;
    msg.u.taps = mkstrs(tb, taps, ntaps);
    enc(m, &msg);
}

void b0_stats(struct pmsg *m, enum alb_kind kind, uint64_t id, unsigned tick, const char *ifname)
{
    struct alb_msg msg;
    struct alb_ifdata ifd;
    alb_msg_init(&msg, kind);
    msg.id = id;
    fill_rusage(&msg.u.stats.ru, tick);
    fill_ifdata(&ifd, ifname, tick);
    msg.u.stats.ifdata.count = 1;
    msg.u.stats.ifdata.items = &ifd;
    enc(m, &msg);
}

static void log0_init(struct alb_msg *msg, enum alb_kind kind, uint64_t id, int sec,
                      const char *context, const char *name)
{
    alb_msg_init(msg, kind);
    msg->id = id;
    msg->ts = play_time(sec);
    msg->u.log.context = S(context);
    msg->name_str = S(name);
}

void b0_log_login(struct pmsg *m, enum alb_kind kind, uint64_t id, int sec, const char *context,
                  const char *name, uint32_t ip, uint16_t port)
{
    struct alb_msg msg;
    log0_init(&msg, kind, id, sec, context, name);
    msg.u.log.ev.tag = ALB_EV_LOGIN;
    msg.u.log.ev.ip = ip;
    msg.u.log.ev.port = port;
    enc(m, &msg);
}

void b0_log_start(struct pmsg *m, enum alb_kind kind, uint64_t id, int sec, const char *context,
                  const char *name, int64_t pid, const char *const *taps, int ntaps)
{
    struct alb_msg msg;
    struct alb_bytes tb[4];
    log0_init(&msg, kind, id, sec, context, name);
    msg.u.log.ev.tag = ALB_EV_VM_START;
    msg.u.log.ev.pid = pid;
    msg.u.log.ev.block = S("");
    msg.u.log.ev.taps = mkstrs(tb, taps, ntaps);
    enc(m, &msg);
}

void b0_log_stop(struct pmsg *m, enum alb_kind kind, uint64_t id, int sec, const char *context,
                 const char *name, int64_t pid, int64_t exit_kind, int64_t code)
{
    struct alb_msg msg;
    log0_init(&msg, kind, id, sec, context, name);
    msg.u.log.ev.tag = ALB_EV_VM_STOP;
    msg.u.log.ev.pid = pid;
    msg.u.log.ev.exit_kind = exit_kind;
    msg.u.log.ev.code = code;
    enc(m, &msg);
}

void b0_info(struct pmsg *m, uint64_t id, const struct play_vm *vms, int n)
{
    struct alb_msg msg;
    struct alb_vm_info vi[4];
    struct alb_bytes tb[4][4];
    if (n > 4)
        n = 4;
    alb_msg_init(&msg, ALB_K_V0_INFO_MSG);
    msg.id = id;
    for (int i = 0; i < n; i++) {
        memset(&vi[i], 0, sizeof vi[i]);
        const char *leaf = strrchr(vms[i].name, '.');
        vi[i].leaf = S(leaf ? leaf + 1 : vms[i].name);
        vi[i].cmd = S(vms[i].cmd);
        vi[i].pid = vms[i].pid;
        vi[i].taps = mkstrs(tb[i], vms[i].taps, vms[i].ntaps);
    }
    msg.u.vms.count = (uint64_t)n;
    msg.u.vms.items = n ? vi : NULL;
    enc(m, &msg);
}
