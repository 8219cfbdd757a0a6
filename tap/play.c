/*
 * albatross-play: plays realistic albatross conversations (WIRE.md §2.6,
 * §2.7, §3.4, §3.5) between real processes over real Unix sockets, through
 * albatross-tap, and writes the same conversations on other transports
 * (TCP, exported PDUs, the 16-byte sockdump header) directly.
 *
 * The daemons are small fake servers that answer as vmmd, vmm_console,
 * vmm_stats and vmm_log do.  All message contents are fixed (names, ids,
 * pids inside messages, timestamps inside messages), so a replay gives the
 * same messages; capture timestamps and the process ids in the record
 * headers differ from run to run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "play.h"

/* ---------------------------------------------------------------- I/O */

struct rd {
    int fd;
    size_t n, used;         /* used: bytes of the message handed out last */
    uint8_t buf[2 * PLAY_MAX_MSG];
};

static void send_msg(int fd, const struct pmsg *m)
{
    size_t off = 0;
    while (off < m->n) {
        ssize_t w = send(fd, m->b + off, m->n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            play_die("send: %s", strerror(errno));
        off += (size_t)w;
    }
}

/* Frames the next message; 1 with *msg decoded, 0 when more bytes are
 * needed.  Dies on a stream it cannot frame. */
static int rd_frame(struct rd *r, enum alb_channel ch, struct alb_msg *msg)
{
    struct alb_opts o = { .channel = ch };
    if (r->used) {
        memmove(r->buf, r->buf + r->used, r->n - r->used);
        r->n -= r->used;
        r->used = 0;
    }
    enum alb_err e = alb_decode(r->buf, r->n, &o, msg, NULL, NULL);
    if (e == ALB_E_NEED_MORE)
        return 0;
    if (e != ALB_E_OK)
        play_die("cannot frame a message: %s", alb_err_str(e));
    r->used = msg->hdr_len + (size_t)msg->length;
    return 1;
}

/* Blocking read of one message (5 s timeout); 0 on EOF. */
static int rd_msg(struct rd *r, enum alb_channel ch, struct alb_msg *msg)
{
    for (;;) {
        if (rd_frame(r, ch, msg))
            return 1;
        if (r->n == sizeof r->buf)
            play_die("message too long");
        struct pollfd p = { r->fd, POLLIN, 0 };
        int k = poll(&p, 1, 5000);
        if (k == 0)
            play_die("timed out waiting for a message");
        if (k < 0 && errno == EINTR)
            continue;
        ssize_t got = read(r->fd, r->buf + r->n, sizeof r->buf - r->n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            play_die("read: %s", strerror(errno));
        if (got == 0) {
            if (r->n)
                play_die("connection closed in the middle of a message");
            return 0;
        }
        r->n += (size_t)got;
    }
}

static struct rd *rd_new(int fd)
{
    struct rd *r = calloc(1, sizeof *r);
    if (!r)
        play_die("out of memory");
    r->fd = fd;
    return r;
}

static void rd_close(struct rd *r)
{
    close(r->fd);
    free(r);
}

/* Expects a message of the given kind (and id); dies otherwise. */
static void expect(struct rd *r, enum alb_channel ch, enum alb_kind kind, uint64_t id)
{
    struct alb_msg m;
    if (!rd_msg(r, ch, &m))
        play_die("connection closed; expected %s", alb_kind_info(kind)->name);
    if (m.kind != kind || m.id != id)
        play_die("expected %s id %llu, got %s id %llu", alb_kind_info(kind)->name,
                 (unsigned long long)id, alb_kind_info(m.kind)->name, (unsigned long long)m.id);
}

static void expect_eof(struct rd *r)
{
    struct alb_msg m;
    if (rd_msg(r, ALB_CH_ANY, &m))
        play_die("expected the connection to close, got %s", alb_kind_info(m.kind)->name);
}

static int unix_listen(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a.sun_path)
        play_die("%s: path too long", path);
    strcpy(a.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0)
        play_die("%s: cannot listen: %s", path, strerror(errno));
    return fd;
}

/* Connects, retrying for up to 5 s while the listener is not there yet. */
static int unix_connect(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strcpy(a.sun_path, path);
    for (int tries = 0; tries < 500; tries++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            play_die("socket: %s", strerror(errno));
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        int e = errno;
        close(fd);
        if (e != ENOENT && e != ECONNREFUSED)
            play_die("%s: connect: %s", path, strerror(e));
        usleep(10000);
    }
    play_die("%s: nobody listens", path);
}

static void wait_for_path(const char *path)
{
    struct stat st;
    for (int i = 0; i < 500; i++) {
        if (stat(path, &st) == 0)
            return;
        usleep(10000);
    }
    play_die("%s did not appear", path);
}

/* Dotted string of a decoded name list. */
static void dotted(const struct alb_list *l, char *out, size_t cap)
{
    struct alb_iter it;
    struct alb_bytes b;
    size_t n = 0;
    out[0] = 0;
    alb_iter_init(&it, ALB_F_VM_NAME, l);
    while (alb_iter_next(&it, &b)) {
        if (n && n + 1 < cap)
            out[n++] = '.';
        for (size_t i = 0; i < b.n && n + 1 < cap; i++)
            out[n++] = (char)b.p[i];
        out[n] = 0;
    }
}

static void bytes_str(struct alb_bytes b, char *out, size_t cap)
{
    size_t n = b.n < cap - 1 ? b.n : cap - 1;
    if (n)
        memcpy(out, b.p, n);
    out[n] = 0;
}

/* Is `pre` a leading prefix (by components) of `name`?  "" is the root. */
static int name_prefix(const char *pre, const char *name)
{
    size_t n = strlen(pre);
    return n == 0 || (strncmp(pre, name, n) == 0 && (name[n] == 0 || name[n] == '.'));
}

/* ---------------------------------------------------------------- fake daemons */

#define MAX_DCONN 16

struct dconn {
    struct rd *r;
    char sub[64];           /* subscription name */
    int subscribed;
};

struct daemon;
typedef void (*handler_fn)(struct daemon *d, struct dconn *c, const struct alb_msg *m,
                           const uint8_t *raw);

struct daemon {
    int lfd;
    enum alb_channel ch;
    struct dconn c[MAX_DCONN];
    handler_fn h;
};

static void dconn_close(struct dconn *c)
{
    if (c->r)
        rd_close(c->r);
    memset(c, 0, sizeof *c);
}

/* The daemon's loop; runs until killed. */
static void noreturn_serve(struct daemon *d) __attribute__((noreturn));
static void noreturn_serve(struct daemon *d)
{
    for (;;) {
        struct pollfd p[MAX_DCONN + 1];
        int idx[MAX_DCONN + 1];
        int n = 0;
        p[n] = (struct pollfd){ d->lfd, POLLIN, 0 };
        idx[n++] = -1;
        for (int i = 0; i < MAX_DCONN; i++)
            if (d->c[i].r) {
                p[n] = (struct pollfd){ d->c[i].r->fd, POLLIN, 0 };
                idx[n++] = i;
            }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            play_die("poll: %s", strerror(errno));
        }
        if (p[0].revents & POLLIN) {
            int fd = accept4(d->lfd, NULL, NULL, SOCK_CLOEXEC);
            int slot = -1;
            for (int i = 0; i < MAX_DCONN && fd >= 0; i++)
                if (!d->c[i].r) {
                    slot = i;
                    break;
                }
            if (slot < 0 && fd >= 0)
                close(fd);
            else if (fd >= 0)
                d->c[slot].r = rd_new(fd);
        }
        for (int k = 1; k < n; k++) {
            struct dconn *c = &d->c[idx[k]];
            if (!c->r || !(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            struct rd *r = c->r;
            ssize_t got = read(r->fd, r->buf + r->n, sizeof r->buf - r->n);
            if (got <= 0) {
                dconn_close(c);
                continue;
            }
            r->n += (size_t)got;
            struct alb_msg m;
            while (c->r && rd_frame(c->r, d->ch, &m))
                d->h(d, c, &m, c->r->buf);
        }
    }
}

/* Forks a daemon listening on path; returns its pid once it listens. */
static pid_t spawn_daemon(const char *path, enum alb_channel ch, handler_fn h)
{
    int pp[2];
    if (pipe(pp) != 0)
        play_die("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        play_die("fork: %s", strerror(errno));
    if (pid == 0) {
        close(pp[0]);
        static struct daemon d;
        d.lfd = unix_listen(path);
        d.ch = ch;
        d.h = h;
        if (write(pp[1], "r", 1) != 1)
            _exit(1);
        close(pp[1]);
        noreturn_serve(&d);
    }
    close(pp[1]);
    char b;
    if (read(pp[0], &b, 1) != 1)
        play_die("the daemon for %s did not start", path);
    close(pp[0]);
    return pid;
}

/* ---- WV2 vmm_console */

struct console {
    char name[64];
    int base;
    struct dconn *attached;
};
static struct console consoles[8];
static int nconsoles;

static void console2(struct daemon *d, struct dconn *c, const struct alb_msg *m,
                     const uint8_t *raw)
{
    (void)d;
    (void)raw;
    struct pmsg out;
    char name[64];
    dotted(&m->name, name, sizeof name);
    if (m->tag & 0x80000000u)
        return;     /* replies get no answer */
    if (m->err.code != ALB_E_OK) {
        b2_fail(&out, m->id, alb_err_str(m->err.code));
        send_msg(c->r->fd, &out);
        return;
    }
    switch (m->kind) {
    case ALB_K_CONSOLE_ADD:
        if (nconsoles == 8) {
            b2_fail(&out, m->id, "opening");
            break;
        }
        snprintf(consoles[nconsoles].name, sizeof consoles[0].name, "%s", name);
        consoles[nconsoles].base = 5 + 60 * nconsoles;
        nconsoles++;
        b2_reply(&out, 0x0100, m->id, "reading");
        break;
    case ALB_K_CONSOLE_ATTACH: {
        struct console *k = NULL;
        for (int i = 0; i < nconsoles; i++)
            if (strcmp(consoles[i].name, name) == 0)
                k = &consoles[i];
        if (!k) {
            b2_reply(&out, 0x0101, m->id, "waiing for VM");
            break;
        }
        if (k->attached && k->attached != c)
            dconn_close(k->attached);
        k->attached = c;
        /* history, oldest first, then the reply, then live lines */
        static const char *const boot[] = {
            "            |      ___|",
            "  __|  _ \\  |  _ \\ __ \\",
            "Solo5: Memory map: 512 MB addressable:",
        };
        for (int i = 0; i < 3; i++) {
            b2_console_data(&out, name, k->base + i, boot[i]);
            send_msg(c->r->fd, &out);
        }
        b2_reply(&out, 0x0101, m->id, "attached");
        send_msg(c->r->fd, &out);
        for (int i = 0; i < 2; i++) {
            char line[96];
            snprintf(line, sizeof line, "%s: tick %d", name, i + 1);
            b2_console_data(&out, name, k->base + 30 + i, line);
            send_msg(c->r->fd, &out);
        }
        return;
    }
    case ALB_K_CONSOLE_DATA:
        b2_fail(&out, m->id, "unexpected Data");
        break;
    default:
        b2_fail(&out, m->id, "unknown command");
        break;
    }
    send_msg(c->r->fd, &out);
}

/* ---- WV2 vmm_stats */

struct svm {
    char name[64];
    char taps[4][16];
    int ntaps;
};
static struct svm svms[8];
static int nsvms;
static unsigned stats_tick;

static void stats_tick_all(struct daemon *d)
{
    struct pmsg out;
    stats_tick++;
    for (int v = 0; v < nsvms; v++) {
        const char *taps[4];
        for (int t = 0; t < svms[v].ntaps; t++)
            taps[t] = svms[v].taps[t];
        for (int i = 0; i < MAX_DCONN; i++) {
            struct dconn *s = &d->c[i];
            if (!s->r || !s->subscribed)
                continue;
            if (s->sub[0] == 0)
                b2_stats_data(&out, svms[v].name, stats_tick, taps, svms[v].ntaps);
            else if (strcmp(s->sub, svms[v].name) == 0)
                b2_stats_data(&out, NULL, stats_tick, taps, svms[v].ntaps);
            else
                continue;   /* proper prefix: nothing (WIRE.md §2.6) */
            send_msg(s->r->fd, &out);
        }
    }
}

static void stats2(struct daemon *d, struct dconn *c, const struct alb_msg *m,
                   const uint8_t *raw)
{
    (void)raw;
    struct pmsg out;
    char name[64];
    dotted(&m->name, name, sizeof name);
    if (m->err.code != ALB_E_OK) {
        b2_fail(&out, m->id, alb_err_str(m->err.code));
        send_msg(c->r->fd, &out);
        return;
    }
    switch (m->kind) {
    case ALB_K_STATS_ADD: {
        struct svm *v = &svms[nsvms < 8 ? nsvms++ : 7];
        snprintf(v->name, sizeof v->name, "%s", name);
        struct alb_iter it;
        struct alb_bytes b;
        v->ntaps = 0;
        alb_iter_init(&it, ALB_F_STATS_TAPS, &m->u.taps);
        while (v->ntaps < 4 && alb_iter_next(&it, &b))
            bytes_str(b, v->taps[v->ntaps++], sizeof v->taps[0]);
        b2_reply(&out, 0x0200, m->id, "added");
        send_msg(c->r->fd, &out);
        stats_tick_all(d);
        return;
    }
    case ALB_K_STATS_REMOVE:
        for (int i = 0; i < nsvms; i++)
            if (strcmp(svms[i].name, name) == 0) {
                memmove(&svms[i], &svms[i + 1], (size_t)(nsvms - i - 1) * sizeof svms[0]);
                nsvms--;
                break;
            }
        b2_reply(&out, 0x0201, m->id, "removed");
        send_msg(c->r->fd, &out);
        stats_tick_all(d);
        return;
    case ALB_K_STATS_SUBSCRIBE:
        for (int i = 0; i < MAX_DCONN; i++)
            if (&d->c[i] != c && d->c[i].r && d->c[i].subscribed && strcmp(d->c[i].sub, name) == 0)
                dconn_close(&d->c[i]);
        snprintf(c->sub, sizeof c->sub, "%s", name);
        c->subscribed = 1;
        b2_reply(&out, 0x0202, m->id, "subscribed");
        break;
    default:
        b2_fail(&out, m->id, "unknown command");
        break;
    }
    send_msg(c->r->fd, &out);
}

/* ---- WV2 vmm_log */

struct logent {
    char name[64];
    struct pmsg m;          /* the Log message as received */
};
static struct logent ring[16];
static int nring;
static uint64_t log_counter;

static void log_store(const uint8_t *raw, size_t len, const char *name)
{
    struct logent *e = &ring[nring < 16 ? nring++ : 15];
    snprintf(e->name, sizeof e->name, "%s", name);
    memcpy(e->m.b, raw, len);
    e->m.n = len;
}

/* Re-encodes a decoded Log message as a Broadcast with the given id. */
static void as_broadcast(struct pmsg *out, const struct alb_msg *logmsg, uint64_t id)
{
    struct alb_msg b = *logmsg;
    struct alb_error e;
    b.kind = ALB_K_LOG_BROADCAST;
    b.tag = alb_kind_info(ALB_K_LOG_BROADCAST)->tag;
    b.id = id;
    if (alb_encode(&b, out->b, sizeof out->b, &out->n, &e) != ALB_E_OK)
        play_die("cannot encode a broadcast: %s", alb_err_str(e.code));
}

static void logd2(struct daemon *d, struct dconn *c, const struct alb_msg *m, const uint8_t *raw)
{
    struct pmsg out;
    char name[64];
    dotted(&m->name, name, sizeof name);
    if (m->err.code != ALB_E_OK)
        return;     /* vmm_log only logs undecodable messages */
    if (m->kind == ALB_K_LOG_LOG) {
        log_store(raw, m->hdr_len + (size_t)m->length, name);
        as_broadcast(&out, m, log_counter++);
        for (int i = 0; i < MAX_DCONN; i++)
            if (d->c[i].r && d->c[i].subscribed && name_prefix(d->c[i].sub, name))
                send_msg(d->c[i].r->fd, &out);
    } else if (m->kind == ALB_K_LOG_SUBSCRIBE) {
        for (int i = 0; i < MAX_DCONN; i++)
            if (&d->c[i] != c && d->c[i].r && d->c[i].subscribed && strcmp(d->c[i].sub, name) == 0)
                dconn_close(&d->c[i]);
        snprintf(c->sub, sizeof c->sub, "%s", name);
        c->subscribed = 1;
        b2_reply(&out, 0x0301, m->id, NULL);
        send_msg(c->r->fd, &out);
        /* history: exact name only, newest first, with the subscriber's id */
        for (int i = nring - 1; i >= 0; i--) {
            if (strcmp(ring[i].name, name) != 0)
                continue;
            struct alb_msg h;
            struct alb_opts o = { .channel = ALB_CH_ANY };
            if (alb_decode(ring[i].m.b, ring[i].m.n, &o, &h, NULL, NULL) != ALB_E_OK)
                continue;
            as_broadcast(&out, &h, m->id);
            send_msg(c->r->fd, &out);
        }
    }
    /* anything else: no reply, as vmm_log */
}

/* ---- WV2 vmmd */

struct vm {
    char name[64];
    char cmd[160];
    char taps[4][16];
    int ntaps;
    int64_t pid, memory;
};

struct vmmd {
    struct rd *cons, *stats, *log;
    uint64_t cid, sid, lid;
    int stats_sent;
    struct vm vms[8];
    int nvms, ntaps_total, nstarted;
    int clock;
};

static void vm_taps(const struct vm *v, const char **taps)
{
    for (int i = 0; i < v->ntaps; i++)
        taps[i] = v->taps[i];
}

static void vmmd_create(struct vmmd *s, int fd, const struct alb_msg *m, const char *name)
{
    struct pmsg out;
    for (int i = 0; i < s->nvms; i++)
        if (strcmp(s->vms[i].name, name) == 0) {
            b2_fail(&out, m->id, "VM with same name is already running");
            send_msg(fd, &out);
            return;
        }
    if (s->nvms == 8) {
        b2_fail(&out, m->id, "too many VMs");
        send_msg(fd, &out);
        return;
    }
    b2_name_req(&out, ALB_K_CONSOLE_ADD, s->cid++, name);
    send_msg(s->cons->fd, &out);
    struct alb_msg r;
    if (!rd_msg(s->cons, ALB_CH_ANY, &r) || r.tag == 0xFFFFFFFFu)
        return;     /* vmmd closes the client's connection without a reply */
    struct vm *v = &s->vms[s->nvms++];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    v->memory = m->u.vm.memory;
    v->pid = 4242 + 17 * s->nstarted++;
    struct alb_iter it;
    struct alb_bytes b;
    alb_iter_init(&it, ALB_F_VM_NETWORK, &m->u.vm.network);
    while (v->ntaps < 4 && alb_iter_next(&it, &b))
        snprintf(v->taps[v->ntaps++], sizeof v->taps[0], "tap%d", s->ntaps_total++);
    int n = snprintf(v->cmd, sizeof v->cmd, "/usr/local/bin/solo5-hvt --mem=%lld",
                     (long long)v->memory);
    for (int i = 0; i < v->ntaps && n > 0 && (size_t)n < sizeof v->cmd; i++)
        n += snprintf(v->cmd + n, sizeof v->cmd - (size_t)n, " --net=%s", v->taps[i]);
    if (n > 0 && (size_t)n < sizeof v->cmd)
        snprintf(v->cmd + n, sizeof v->cmd - (size_t)n, " /var/db/albatross/%s.hvt", name);

    const char *taps[4];
    vm_taps(v, taps);
    b2_reply(&out, 0x0400, m->id, NULL);
    send_msg(fd, &out);
    b2_log_start(&out, ALB_K_LOG_LOG, s->lid++, name, s->clock++, v->pid, taps, v->ntaps);
    send_msg(s->log->fd, &out);
    b2_stats_add(&out, s->sid++, name, v->pid, taps, v->ntaps);
    send_msg(s->stats->fd, &out);
    s->stats_sent++;
}

static void vmmd_destroy(struct vmmd *s, int fd, const struct alb_msg *m, const char *name)
{
    struct pmsg out;
    for (int i = 0; i < s->nvms; i++) {
        struct vm *v = &s->vms[i];
        if (strcmp(v->name, name) != 0)
            continue;
        /* the VM got SIGTERM and exited: stats remove, log stop, reply */
        b2_name_req(&out, ALB_K_STATS_REMOVE, s->sid++, name);
        send_msg(s->stats->fd, &out);
        s->stats_sent++;
        b2_log_stop(&out, ALB_K_LOG_LOG, s->lid++, name, s->clock++, v->pid, ALB_EXIT_SIGNAL,
                    -11);
        send_msg(s->log->fd, &out);
        b2_reply(&out, 0x0401, m->id, NULL);
        send_msg(fd, &out);
        memmove(v, v + 1, (size_t)(s->nvms - i - 1) * sizeof *v);
        s->nvms--;
        return;
    }
    b2_fail(&out, m->id, "destroy: not found");
    send_msg(fd, &out);
}

static void vmmd_info(struct vmmd *s, int fd, const struct alb_msg *m, const char *name)
{
    struct pmsg out;
    struct play_vm pv[8];
    int n = 0;
    for (int i = 0; i < s->nvms && n < 4; i++) {
        struct vm *v = &s->vms[i];
        if (!name_prefix(name, v->name))
            continue;
        pv[n] = (struct play_vm){ v->name, v->memory, v->cmd, v->pid, { 0 }, v->ntaps };
        vm_taps(v, pv[n].taps);
        n++;
    }
    if (n == 0)
        b2_fail(&out, m->id, "info: not found");
    else
        b2_info_reply(&out, m->id, pv, n);
    send_msg(fd, &out);
}

static void vmmd_main(const char *listen_path, const char *cons, const char *stats,
                      const char *log, int ready, int ctl) __attribute__((noreturn));
static void vmmd_main(const char *listen_path, const char *cons, const char *stats,
                      const char *log, int ready, int ctl)
{
    static struct vmmd s;
    s.cons = rd_new(unix_connect(cons));
    s.stats = rd_new(unix_connect(stats));
    s.log = rd_new(unix_connect(log));
    s.cid = s.sid = s.lid = 1;
    s.clock = 100;
    int lfd = unix_listen(listen_path);
    if (write(ready, "r", 1) != 1)
        _exit(1);
    close(ready);
    for (;;) {
        struct pollfd p[2] = { { lfd, POLLIN, 0 }, { ctl, POLLIN, 0 } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            play_die("poll: %s", strerror(errno));
        }
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        struct rd *r = rd_new(fd);
        struct alb_msg m;
        struct pmsg out;
        char name[64];
        /* exactly one request per connection */
        if (rd_msg(r, ALB_CH_ANY, &m)) {
            dotted(&m.name, name, sizeof name);
            if (m.tag & 0x80000000u) {
                /* "ignoring reply": no answer, close */
            } else if (m.err.code != ALB_E_OK) {
                b2_fail(&out, m.id, alb_err_str(m.err.code));
                send_msg(fd, &out);
            } else if (m.kind == ALB_K_VM_CREATE) {
                vmmd_create(&s, fd, &m, name);
            } else if (m.kind == ALB_K_VM_DESTROY) {
                vmmd_destroy(&s, fd, &m, name);
            } else if (m.kind == ALB_K_VM_INFO) {
                vmmd_info(&s, fd, &m, name);
            } else {
                b2_fail(&out, m.id, "unknown command");
                send_msg(fd, &out);
            }
        }
        rd_close(r);
    }
    /* Before leaving, take the stats replies off the socket (the real vmmd
     * never reads them; reading changes nothing on the wire, but it makes
     * sure the recorder has seen them). */
    for (int i = 0; i < s.stats_sent; i++) {
        struct alb_msg m;
        if (!rd_msg(s.stats, ALB_CH_ANY, &m))
            break;
    }
    _exit(0);
}

/* ---------------------------------------------------------------- the recorder */

static char tap_exe[PATH_MAX];

static pid_t start_tap(const char *const *listen, const char *const *connect, int n,
                       const char *out)
{
    const char *argv[40];
    int k = 0;
    argv[k++] = tap_exe;
    for (int i = 0; i < n; i++) {
        argv[k++] = "--listen";
        argv[k++] = listen[i];
        argv[k++] = "--connect";
        argv[k++] = connect[i];
    }
    argv[k++] = "-w";
    argv[k++] = out;
    argv[k] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        play_die("fork: %s", strerror(errno));
    if (pid == 0) {
        execv(tap_exe, (char *const *)argv);
        fprintf(stderr, "albatross-play: cannot run %s: %s\n", tap_exe, strerror(errno));
        _exit(127);
    }
    for (int i = 0; i < n; i++)
        wait_for_path(listen[i]);
    return pid;
}

static void stop(pid_t pid, const char *what, int must_succeed)
{
    int st;
    kill(pid, SIGTERM);
    if (waitpid(pid, &st, 0) < 0)
        play_die("waitpid: %s", strerror(errno));
    if (must_succeed && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        play_die("%s failed (status %d)", what, st);
}

static void wait_ok(pid_t pid, const char *what)
{
    int st;
    if (waitpid(pid, &st, 0) < 0)
        play_die("waitpid: %s", strerror(errno));
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        play_die("%s failed (status %d)", what, st);
}

/* A fresh directory for the sockets; the player works inside it so the
 * recorded (relative) socket paths are the same on every run. */
static char workdir[64];
static char startdir[PATH_MAX];

static void enter_workdir(void)
{
    if (!getcwd(startdir, sizeof startdir))
        play_die("getcwd: %s", strerror(errno));
    snprintf(workdir, sizeof workdir, "/tmp/albatross-play.XXXXXX");
    if (!mkdtemp(workdir))
        play_die("mkdtemp: %s", strerror(errno));
    if (chdir(workdir) != 0)
        play_die("chdir: %s", strerror(errno));
}

static void leave_workdir(void)
{
    if (chdir(startdir) != 0)
        play_die("chdir: %s", strerror(errno));
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", workdir);
    if (system(cmd) != 0)
        fprintf(stderr, "albatross-play: could not remove %s\n", workdir);
}

static void mkdirs(const char *const *dirs)
{
    for (; *dirs; dirs++)
        if (mkdir(*dirs, 0755) != 0 && errno != EEXIST)
            play_die("mkdir %s: %s", *dirs, strerror(errno));
}

/* Absolute path of the capture (the player changes directory). */
static void abs_out(const char *out, char *buf, size_t cap)
{
    if (out[0] == '/' || strcmp(out, "-") == 0)
        snprintf(buf, cap, "%s", out);
    else if ((size_t)snprintf(buf, cap, "%s/%s", startdir, out) >= cap)
        play_die("path too long");
}

/* ---------------------------------------------------------------- WV2 scenario */

static struct rd *conn_to(const char *path)
{
    return rd_new(unix_connect(path));
}

/* One vmmc request on its own connection; returns the connection. */
static struct rd *vmmc(const struct pmsg *req)
{
    struct rd *r = conn_to("tap/vmmd.sock");
    send_msg(r->fd, req);
    return r;
}

static void play_wv2(const char *out)
{
    static const char *const real[] = { "run/albatross/vmmd.sock",
                                        "run/albatross/util/console.sock",
                                        "run/albatross/util/stat.sock",
                                        "run/albatross/util/log.sock" };
    static const char *const listen[] = { "tap/vmmd.sock", "tap/console.sock",
                                          "tap/stat.sock", "tap/log.sock" };
    static const char *const dirs[] = { "run", "run/albatross", "run/albatross/util", "tap",
                                        NULL };
    char outp[PATH_MAX];
    struct pmsg m;

    enter_workdir();
    abs_out(out, outp, sizeof outp);
    mkdirs(dirs);

    /* vmm_log remembers an earlier run of "hello" */
    {
        static const char *const t0[] = { "tap0" };
        struct alb_msg lm;
        struct alb_opts o = { .channel = ALB_CH_ANY };
        b2_log_start(&m, ALB_K_LOG_LOG, 7, "hello", -3600, 3911, t0, 1);
        alb_decode(m.b, m.n, &o, &lm, NULL, NULL);
        log_store(m.b, m.n, "hello");
        b2_log_stop(&m, ALB_K_LOG_LOG, 8, "hello", -1800, 3911, ALB_EXIT_EXIT, 0);
        log_store(m.b, m.n, "hello");
        log_counter = 2;
    }
    pid_t pcons = spawn_daemon(real[1], ALB_CH_ANY, console2);
    pid_t pstat = spawn_daemon(real[2], ALB_CH_ANY, stats2);
    pid_t plog = spawn_daemon(real[3], ALB_CH_ANY, logd2);
    pid_t ptap = start_tap(listen, real, 4, outp);

    int ready[2], ctl[2];
    if (pipe(ready) != 0 || pipe(ctl) != 0)
        play_die("pipe: %s", strerror(errno));
    pid_t pvmmd = fork();
    if (pvmmd < 0)
        play_die("fork: %s", strerror(errno));
    if (pvmmd == 0) {
        close(ready[0]);
        close(ctl[1]);
        vmmd_main(real[0], listen[1], listen[2], listen[3], ready[1], ctl[0]);
    }
    close(ready[1]);
    close(ctl[0]);
    char b;
    if (read(ready[0], &b, 1) != 1)
        play_die("vmmd did not start");
    close(ready[0]);

    /* vmmc log hello: reply, then the history (newest first) */
    struct rd *logsub = conn_to("tap/log.sock");
    b2_name_req(&m, ALB_K_LOG_SUBSCRIBE, 1, "hello");
    send_msg(logsub->fd, &m);
    expect(logsub, ALB_CH_ANY, ALB_K_SUCCESS, 1);
    expect(logsub, ALB_CH_ANY, ALB_K_LOG_BROADCAST, 1);
    expect(logsub, ALB_CH_ANY, ALB_K_LOG_BROADCAST, 1);

    /* vmmc stats (all VMs) and vmmc stats hello */
    struct rd *statall = conn_to("tap/stat.sock");
    b2_name_req(&m, ALB_K_STATS_SUBSCRIBE, 1, "");
    send_msg(statall->fd, &m);
    expect(statall, ALB_CH_ANY, ALB_K_SUCCESS, 1);
    /* A second, simultaneous subscription runs in its own process: the
     * record header (path and pids) is all that tells connections apart. */
    int sready[2];
    if (pipe(sready) != 0)
        play_die("pipe: %s", strerror(errno));
    pid_t pstathello = fork();
    if (pstathello < 0)
        play_die("fork: %s", strerror(errno));
    if (pstathello == 0) {
        close(sready[0]);
        struct rd *stathello = conn_to("tap/stat.sock");
        b2_name_req(&m, ALB_K_STATS_SUBSCRIBE, 1, "hello");
        send_msg(stathello->fd, &m);
        expect(stathello, ALB_CH_ANY, ALB_K_SUCCESS, 1);
        if (write(sready[1], "r", 1) != 1)
            _exit(1);
        for (int i = 0; i < 2; i++)
            expect(stathello, ALB_CH_ANY, ALB_K_STATS_DATA, 0);
        rd_close(stathello);
        _exit(0);
    }
    close(sready[1]);
    if (read(sready[0], &b, 1) != 1)
        play_die("the stats subscriber did not start");
    close(sready[0]);

    /* vmmc create hello --net=ext ; vmmc create web.frontend (two bridges) */
    static const char *const ext[] = { "ext" }, *const two[] = { "ext", "int" };
    static const char *const argv_web[] = { "--ipv4=10.0.0.2/24", "--port=443" };
    struct rd *r;
    b2_create(&m, 1, "hello", 512, ext, 1, NULL, 0);
    r = vmmc(&m);
    expect(r, ALB_CH_ANY, ALB_K_SUCCESS, 1);
    expect_eof(r);
    rd_close(r);
    b2_create(&m, 1, "web.frontend", 256, two, 2, argv_web, 2);
    r = vmmc(&m);
    expect(r, ALB_CH_ANY, ALB_K_SUCCESS, 1);
    expect_eof(r);
    rd_close(r);
    /* the same name again: failure */
    b2_create(&m, 1, "hello", 512, ext, 1, NULL, 0);
    r = vmmc(&m);
    expect(r, ALB_CH_ANY, ALB_K_FAILURE, 1);
    rd_close(r);

    /* vmmc info: all (two entries), one, none */
    b2_name_req(&m, ALB_K_VM_INFO, 1, "");
    r = vmmc(&m);
    expect(r, ALB_CH_ANY, ALB_K_VM_INFO_REPLY, 1);
    rd_close(r);
    b2_name_req(&m, ALB_K_VM_INFO, 1, "web");
    r = vmmc(&m);
    expect(r, ALB_CH_ANY, ALB_K_VM_INFO_REPLY, 1);
    rd_close(r);
    b2_name_req(&m, ALB_K_VM_INFO, 1, "ghost");
    r = vmmc(&m);
    expect(r, ALB_CH_ANY, ALB_K_FAILURE, 1);
    rd_close(r);

    /* vmmc console hello: history, "attached", live lines */
    r = conn_to("tap/console.sock");
    b2_name_req(&m, ALB_K_CONSOLE_ATTACH, 1, "hello");
    send_msg(r->fd, &m);
    for (int i = 0; i < 3; i++)
        expect(r, ALB_CH_ANY, ALB_K_CONSOLE_DATA, 0);
    expect(r, ALB_CH_ANY, ALB_K_SUCCESS, 1);
    for (int i = 0; i < 2; i++)
        expect(r, ALB_CH_ANY, ALB_K_CONSOLE_DATA, 0);
    rd_close(r);
    /* vmmc console ghost: "waiing for VM" */
    r = conn_to("tap/console.sock");
    b2_name_req(&m, ALB_K_CONSOLE_ATTACH, 1, "ghost");
    send_msg(r->fd, &m);
    expect(r, ALB_CH_ANY, ALB_K_SUCCESS, 1);
    rd_close(r);

    /* a command vmmd does not know, and a reply sent to vmmd */
    b2_name_req(&m, ALB_K_STATS_SUBSCRIBE, 1, "hello");
    r = vmmc(&m);
    expect(r, ALB_CH_ANY, ALB_K_FAILURE, 1);
    rd_close(r);
    b2_reply(&m, 0x0400, 1, NULL);
    r = vmmc(&m);
    expect_eof(r);
    rd_close(r);

    /* vmmc destroy hello; vmmc destroy ghost */
    b2_name_req(&m, ALB_K_VM_DESTROY, 1, "hello");
    r = vmmc(&m);
    expect(r, ALB_CH_ANY, ALB_K_SUCCESS, 1);
    rd_close(r);
    b2_name_req(&m, ALB_K_VM_DESTROY, 1, "ghost");
    r = vmmc(&m);
    expect(r, ALB_CH_ANY, ALB_K_FAILURE, 1);
    rd_close(r);

    /* live broadcasts for hello: VM_start (counter 2), VM_stop (counter 4) */
    expect(logsub, ALB_CH_ANY, ALB_K_LOG_BROADCAST, 2);
    expect(logsub, ALB_CH_ANY, ALB_K_LOG_BROADCAST, 4);
    /* statistics: ticks after each Add and Remove */
    for (int i = 0; i < 4; i++)
        expect(statall, ALB_CH_ANY, ALB_K_STATS_DATA, 0);
    wait_ok(pstathello, "the stats subscriber");
    rd_close(logsub);
    rd_close(statall);

    close(ctl[1]);
    wait_ok(pvmmd, "vmmd");
    usleep(50000);
    stop(ptap, "albatross-tap", 1);
    stop(pcons, "console", 0);
    stop(pstat, "stats", 0);
    stop(plog, "log", 0);
    leave_workdir();
}

/* ---------------------------------------------------------------- WV0 scenario */

struct cring0 {
    char name[64];
    int base;
};
static struct cring0 rings0[8];
static int nrings0;
static struct dconn *attached0;

static void console0(struct daemon *d, struct dconn *c, const struct alb_msg *m,
                     const uint8_t *raw)
{
    (void)d;
    (void)raw;
    struct pmsg out;
    char name[64];
    bytes_str(m->name_str, name, sizeof name);
    struct cring0 *k = NULL;
    for (int i = 0; i < nrings0; i++)
        if (strcmp(rings0[i].name, name) == 0)
            k = &rings0[i];
    switch (m->err.code == ALB_E_OK ? m->kind : ALB_K_V0_UNKNOWN) {
    case ALB_K_V0_CONSOLE_ADD:
        if (!k && nrings0 < 8) {
            k = &rings0[nrings0++];
            snprintf(k->name, sizeof k->name, "%s", name);
            k->base = 5 + 60 * (nrings0 - 1);
        }
        b0_str(&out, ALB_K_V0_SUCCESS, m->id, "reading");
        break;
    case ALB_K_V0_CONSOLE_ATTACH:
        if (!k) {
            b0_str(&out, ALB_K_V0_FAILURE, m->id, "not found");
            break;
        }
        attached0 = c;
        b0_str(&out, ALB_K_V0_SUCCESS, m->id, "attached");
        break;
    case ALB_K_V0_CONSOLE_DETACH:
        attached0 = NULL;
        b0_str(&out, ALB_K_V0_SUCCESS, m->id, "removed");
        break;
    case ALB_K_V0_CONSOLE_HISTORY: {
        if (!k) {
            char text[200];
            int n = snprintf(text, sizeof text, "ring %s not found (%d):", name, nrings0);
            for (int i = 0; i < nrings0 && n > 0 && (size_t)n < sizeof text; i++)
                n += snprintf(text + n, sizeof text - (size_t)n, " %s", rings0[i].name);
            b0_str(&out, ALB_K_V0_FAILURE, m->id, text);
            break;
        }
        static const char *const boot[] = { "Solo5: Console: ukvm", "Solo5: Memory map: 256 MB",
                                            "hello world" };
        for (int i = 0; i < 3; i++) {
            b0_console_data(&out, ALB_K_V0_CONSOLE_DATA, name, k->base + i, boot[i]);
            send_msg(c->r->fd, &out);
        }
        b0_str(&out, ALB_K_V0_SUCCESS, m->id, "success");
        send_msg(c->r->fd, &out);
        /* the VM keeps writing: live lines to the attached socket */
        if (attached0) {
            for (int i = 0; i < 2; i++) {
                char line[96];
                snprintf(line, sizeof line, "%s: tick %d", name, i + 1);
                b0_console_data(&out, ALB_K_V0_CONSOLE_DATA, name, k->base + 30 + i, line);
                send_msg(attached0->r->fd, &out);
            }
        }
        return;
    }
    default:
        b0_str(&out, ALB_K_V0_FAILURE, m->id, "unknown command");
        break;
    }
    send_msg(c->r->fd, &out);
}

static int64_t stat0_pids[8];
static int nstat0;
static unsigned stat0_tick;

static void stats0(struct daemon *d, struct dconn *c, const struct alb_msg *m,
                   const uint8_t *raw)
{
    (void)d;
    (void)raw;
    struct pmsg out;
    int found = -1;
    for (int i = 0; i < nstat0; i++)
        if (stat0_pids[i] == m->pid)
            found = i;
    switch (m->err.code == ALB_E_OK ? m->kind : ALB_K_V0_UNKNOWN) {
    case ALB_K_V0_STATS_ADD:
        if (nstat0 < 8)
            stat0_pids[nstat0++] = m->pid;
        b0_str(&out, ALB_K_V0_SUCCESS, m->id, "added");
        break;
    case ALB_K_V0_STATS_REMOVE:
        if (found >= 0)
            stat0_pids[found] = stat0_pids[--nstat0];
        b0_str(&out, ALB_K_V0_SUCCESS, m->id, "removed");
        break;
    case ALB_K_V0_STATS_STATISTICS:
        if (found < 0)
            b0_str(&out, ALB_K_V0_FAILURE, m->id, "failed to find resource usage");
        else
            b0_stats(&out, ALB_K_V0_STATS_STATREPLY, m->id, ++stat0_tick, "tap0");
        break;
    default:
        b0_str(&out, ALB_K_V0_FAILURE, m->id, "unknown command");
        break;
    }
    send_msg(c->r->fd, &out);
}

static struct pmsg log0_ring[16];
static int nlog0;

static void logd0(struct daemon *d, struct dconn *c, const struct alb_msg *m, const uint8_t *raw)
{
    (void)d;
    struct pmsg out;
    if (m->err.code != ALB_E_OK)
        return;
    if (m->kind == ALB_K_V0_LOG_DATA) {
        if (nlog0 < 16) {
            memcpy(log0_ring[nlog0].b, raw, m->hdr_len + (size_t)m->length);
            log0_ring[nlog0++].n = m->hdr_len + (size_t)m->length;
        }
        b0_str(&out, ALB_K_V0_SUCCESS, m->id, NULL);
        send_msg(c->r->fd, &out);
    } else if (m->kind == ALB_K_V0_LOG_HISTORY) {
        /* entries at or after `since` with exactly this context, oldest first */
        for (int i = 0; i < nlog0; i++) {
            struct alb_msg e;
            struct alb_opts o = { .channel = ALB_CH_LOG };
            if (alb_decode(log0_ring[i].b, log0_ring[i].n, &o, &e, NULL, NULL) != ALB_E_OK)
                continue;
            int later = e.ts.d > m->ts.d || (e.ts.d == m->ts.d && e.ts.ps >= m->ts.ps);
            if (!later || e.u.log.context.n != m->u.log.context.n ||
                (e.u.log.context.n &&
                 memcmp(e.u.log.context.p, m->u.log.context.p, e.u.log.context.n) != 0))
                continue;
            e.id = m->id;
            struct alb_error err;
            if (alb_encode(&e, out.b, sizeof out.b, &out.n, &err) != ALB_E_OK)
                play_die("cannot re-encode a log entry");
            send_msg(c->r->fd, &out);
        }
        b0_str(&out, ALB_K_V0_SUCCESS, m->id, NULL);
        send_msg(c->r->fd, &out);
    } else {
        b0_str(&out, ALB_K_V0_FAILURE, m->id, "unknown command");
        send_msg(c->r->fd, &out);
    }
}

static void play_wv0(const char *out)
{
    static const char *const real[] = { "./cons.sock", "./stat.sock", "./log.sock" };
    static const char *const listen[] = { "tap/cons.sock", "tap/stat.sock", "tap/log.sock" };
    static const char *const dirs[] = { "tap", NULL };
    static const char *const taps[] = { "tap0" };
    char outp[PATH_MAX];
    struct pmsg m;

    enter_workdir();
    abs_out(out, outp, sizeof outp);
    mkdirs(dirs);
    pid_t pcons = spawn_daemon(real[0], ALB_CH_CONSOLE, console0);
    pid_t pstat = spawn_daemon(real[1], ALB_CH_STATS, stats0);
    pid_t plog = spawn_daemon(real[2], ALB_CH_LOG, logd0);
    pid_t ptap = start_tap(listen, real, 3, outp);

    /* this process is vmmd (its directory is "."): one connection each */
    struct rd *cons = conn_to(listen[0]);
    struct rd *stat = conn_to(listen[1]);
    struct rd *log = conn_to(listen[2]);
    enum alb_channel CC = ALB_CH_CONSOLE, CS = ALB_CH_STATS, CL = ALB_CH_LOG;

    /* a client logs in over TLS: vmmd logs it */
    b0_log_login(&m, ALB_K_V0_LOG_DATA, 1, 0, "example", "client", 0x7F000001u, 40312);
    send_msg(log->fd, &m);
    expect(log, CL, ALB_K_V0_SUCCESS, 1);
    /* it creates VM hello: console Add, log VM_start, stats Add */
    b0_str(&m, ALB_K_V0_CONSOLE_ADD, 1, "example.hello");
    send_msg(cons->fd, &m);
    expect(cons, CC, ALB_K_V0_SUCCESS, 1);
    b0_log_start(&m, ALB_K_V0_LOG_DATA, 2, 2, "example", "hello", 4242, taps, 1);
    send_msg(log->fd, &m);
    expect(log, CL, ALB_K_V0_SUCCESS, 2);
    b0_stats_add(&m, 1, 4242, taps, 1);
    send_msg(stat->fd, &m);
    expect(stat, CS, ALB_K_V0_SUCCESS, 1);
    /* it attaches to the console: Attach, then History since the start */
    b0_str(&m, ALB_K_V0_CONSOLE_ATTACH, 2, "example.hello");
    send_msg(cons->fd, &m);
    expect(cons, CC, ALB_K_V0_SUCCESS, 2);
    b0_console_history(&m, 3, "example.hello", 0);
    send_msg(cons->fd, &m);
    for (int i = 0; i < 3; i++)
        expect(cons, CC, ALB_K_V0_CONSOLE_DATA, 0);
    expect(cons, CC, ALB_K_V0_SUCCESS, 3);
    for (int i = 0; i < 2; i++)
        expect(cons, CC, ALB_K_V0_CONSOLE_DATA, 0);
    /* statistics: known pid, unknown pid */
    b0_pid(&m, ALB_K_V0_STATS_STATISTICS, 2, 4242);
    send_msg(stat->fd, &m);
    expect(stat, CS, ALB_K_V0_STATS_STATREPLY, 2);
    b0_pid(&m, ALB_K_V0_STATS_STATISTICS, 3, 9999);
    send_msg(stat->fd, &m);
    expect(stat, CS, ALB_K_V0_FAILURE, 3);
    /* console failures */
    b0_str(&m, ALB_K_V0_CONSOLE_ATTACH, 4, "example.ghost");
    send_msg(cons->fd, &m);
    expect(cons, CC, ALB_K_V0_FAILURE, 4);
    b0_console_history(&m, 5, "example.ghost", 0);
    send_msg(cons->fd, &m);
    expect(cons, CC, ALB_K_V0_FAILURE, 5);
    /* log history for the client's context */
    b0_log_history(&m, 3, "example", 0);
    send_msg(log->fd, &m);
    expect(log, CL, ALB_K_V0_LOG_DATA, 3);
    expect(log, CL, ALB_K_V0_LOG_DATA, 3);
    expect(log, CL, ALB_K_V0_SUCCESS, 3);
    /* the VM stops: detach, stats remove, log VM_stop */
    b0_str(&m, ALB_K_V0_CONSOLE_DETACH, 6, "example.hello");
    send_msg(cons->fd, &m);
    expect(cons, CC, ALB_K_V0_SUCCESS, 6);
    b0_pid(&m, ALB_K_V0_STATS_REMOVE, 4, 4242);
    send_msg(stat->fd, &m);
    expect(stat, CS, ALB_K_V0_SUCCESS, 4);
    b0_log_stop(&m, ALB_K_V0_LOG_DATA, 4, 90, "example", "hello", 4242, ALB_EXIT_SIGNAL, -11);
    send_msg(log->fd, &m);
    expect(log, CL, ALB_K_V0_SUCCESS, 4);
    /* unknown commands */
    {
        struct alb_msg u;
        alb_msg_init(&u, ALB_K_V0_UNKNOWN);
        u.tag = 9;
        u.id = 7;
        u.channel = ALB_CH_CONSOLE;
        struct alb_error e;
        if (alb_encode(&u, m.b, sizeof m.b, &m.n, &e) != ALB_E_OK)
            play_die("cannot encode an unknown tag: %s", alb_err_str(e.code));
        send_msg(cons->fd, &m);
        expect(cons, CC, ALB_K_V0_FAILURE, 7);
    }
    rd_close(cons);
    rd_close(stat);
    rd_close(log);
    usleep(50000);
    stop(ptap, "albatross-tap", 1);
    stop(pcons, "console", 0);
    stop(pstat, "stats", 0);
    stop(plog, "log", 0);
    leave_workdir();
}

/* ---------------------------------------------------------------- scripts */

static struct pmsg *script_add(struct script *s, int conn, int dir)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 32;
        s->v = realloc(s->v, (size_t)s->cap * sizeof *s->v);
        if (!s->v)
            play_die("out of memory");
    }
    struct pmsg *m = malloc(sizeof *m);
    if (!m)
        play_die("out of memory");
    s->v[s->n++] = (struct script_msg){ conn, dir, m };
    if (conn + 1 > s->nconn)
        s->nconn = conn + 1;
    return m;
}

void script_free(struct script *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i].m);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* vmmc create, info and console as messages, for the other transports. */
void script_wv2(struct script *s)
{
    static const char *const ext[] = { "ext" }, *const tap0[] = { "tap0" };
    static const struct play_vm vms[] = {
        { "hello", 512, "/usr/local/bin/solo5-hvt --mem=512 --net=tap0 /var/db/albatross/hello.hvt",
          4242, { "tap0" }, 1 },
        { "web.frontend", 256,
          "/usr/local/bin/solo5-hvt --mem=256 --net=tap1 --net=tap2 /var/db/albatross/web.frontend.hvt",
          4259, { "tap1", "tap2" }, 2 },
    };
    b2_create(script_add(s, 0, 0), 1, "hello", 512, ext, 1, NULL, 0);
    b2_reply(script_add(s, 0, 1), 0x0400, 1, NULL);
    b2_name_req(script_add(s, 1, 0), ALB_K_VM_INFO, 1, "");
    b2_info_reply(script_add(s, 1, 1), 1, vms, 2);
    b2_name_req(script_add(s, 2, 0), ALB_K_CONSOLE_ATTACH, 1, "hello");
    b2_console_data(script_add(s, 2, 1), "hello", 5, "            |      ___|");
    b2_console_data(script_add(s, 2, 1), "hello", 6, "Solo5: Memory map: 512 MB addressable:");
    b2_reply(script_add(s, 2, 1), 0x0101, 1, "attached");
    b2_console_data(script_add(s, 2, 1), "hello", 35, "hello: tick 1");
    b2_console_data(script_add(s, 2, 1), "hello", 36, "hello: tick 2");
    b2_name_req(script_add(s, 3, 0), ALB_K_LOG_SUBSCRIBE, 1, "hello");
    b2_reply(script_add(s, 3, 1), 0x0301, 1, NULL);
    b2_log_start(script_add(s, 3, 1), ALB_K_LOG_BROADCAST, 0, "hello", 100, 4242, tap0, 1);
    b2_log_stop(script_add(s, 3, 1), ALB_K_LOG_BROADCAST, 2, "hello", 102, 4242,
                ALB_EXIT_SIGNAL, -11);
    b2_name_req(script_add(s, 4, 0), ALB_K_STATS_SUBSCRIBE, 1, "");
    b2_reply(script_add(s, 4, 1), 0x0202, 1, "subscribed");
    b2_stats_data(script_add(s, 4, 1), "hello", 1, tap0, 1);
    b2_stats_data(script_add(s, 4, 1), "hello", 2, tap0, 1);
    b2_name_req(script_add(s, 5, 0), ALB_K_VM_DESTROY, 1, "ghost");
    b2_fail(script_add(s, 5, 1), 1, "destroy: not found");
}

/* The WV0 client channel (TLS on TCP port 1025, shown decrypted). */
void script_wv0_client(struct script *s)
{
    static const struct play_vm vms[] = {
        { "example.hello", 0, "/usr/local/bin/ukvm-bin --net=tap0 /var/db/albatross/hello.ukvm",
          4242, { "tap0" }, 1 },
    };
    static const char *const tap0[] = { "tap0" };
    b0_str(script_add(s, 0, 0), ALB_K_V0_CLIENT_INFO, 1, "hello");
    b0_info(script_add(s, 0, 1), 1, vms, 1);
    b0_str(script_add(s, 0, 0), ALB_K_V0_CLIENT_STATISTICS, 2, "hello");
    b0_stats(script_add(s, 0, 1), ALB_K_V0_STAT_MSG, 2, 1, "tap0");
    b0_str(script_add(s, 0, 0), ALB_K_V0_CLIENT_ATTACH, 3, "hello");
    b0_console_data(script_add(s, 0, 1), ALB_K_V0_CONSOLE_MSG, "hello", 5, "Solo5: Console: ukvm");
    b0_console_data(script_add(s, 0, 1), ALB_K_V0_CONSOLE_MSG, "hello", 6, "hello world");
    b0_str(script_add(s, 0, 0), ALB_K_V0_CLIENT_LOG, 4, NULL);
    b0_log_login(script_add(s, 0, 1), ALB_K_V0_LOG_MSG, 0, 0, "", "client", 0x7F000001u, 40312);
    b0_log_start(script_add(s, 0, 1), ALB_K_V0_LOG_MSG, 0, 2, "", "hello", 4242, tap0, 1);
    b0_str(script_add(s, 0, 1), ALB_K_V0_SUCCESS, 4, NULL);
    b0_str(script_add(s, 0, 0), ALB_K_V0_CLIENT_CREATE_BLOCK, 5, "disk0");
    b0_str(script_add(s, 0, 1), ALB_K_V0_FAILURE, 5, "NYI");
    b0_str(script_add(s, 0, 0), ALB_K_V0_CLIENT_DESTROY_IMAGE, 6, "hello");
    b0_str(script_add(s, 0, 1), ALB_K_V0_SUCCESS, 6, NULL);
    b0_log_stop(script_add(s, 0, 1), ALB_K_V0_LOG_MSG, 0, 90, "", "hello", 4242,
                ALB_EXIT_SIGNAL, -11);
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fprintf(f,
"usage: albatross-play MODE -o FILE [--tap PATH]\n"
"\n"
"Modes (each writes one pcap file):\n"
"  unix-wv2     vmmc, vmmd, vmm_console, vmm_stats and vmm_log (wire version 2)\n"
"               talk over Unix sockets through albatross-tap (link type 147)\n"
"  unix-wv0     vmmd and the 2017 console, stats and log daemons (wire version 0)\n"
"               on cons.sock, stat.sock, log.sock through albatross-tap\n"
"  tcp-wv2      a WV2 conversation over TCP on loopback port 1025 (Ethernet),\n"
"               with split and merged messages, one segment out of order and\n"
"               one retransmitted\n"
"  tcp-wv0      the WV0 client channel (TCP port 1025, shown decrypted), same\n"
"  exported     WV2 messages as exported PDUs (link type 252, dissector\n"
"               \"albatross\")\n"
"  sockdump16   WV2 messages with the older 16-byte sockdump header (147)\n"
"\n"
"  --tap PATH   albatross-tap to run (default: next to albatross-play)\n"
"\n"
"Message contents are fixed: replaying gives the same messages.  Capture\n"
"timestamps and the process ids of the unix-* record headers differ.\n");
}

int main(int argc, char **argv)
{
    const char *mode = NULL, *out = NULL, *tap = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--tap") && i + 1 < argc) {
            tap = argv[++i];
        } else if (argv[i][0] != '-' && !mode) {
            mode = argv[i];
        } else {
            fprintf(stderr, "albatross-play: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!mode || !out) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (tap) {
        snprintf(tap_exe, sizeof tap_exe, "%s", tap);
    } else {
        ssize_t n = readlink("/proc/self/exe", tap_exe, sizeof tap_exe - 1);
        if (n <= 0)
            play_die("cannot find my own path; give --tap");
        tap_exe[n] = 0;
        char *slash = strrchr(tap_exe, '/');
        if (!slash || (size_t)(slash - tap_exe) + sizeof "/albatross-tap" > sizeof tap_exe)
            play_die("cannot find albatross-tap; give --tap");
        strcpy(slash, "/albatross-tap");
    }
    if (tap_exe[0] != '/') {
        char cwd[PATH_MAX], abs[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd) || (size_t)snprintf(abs, sizeof abs, "%s/%s", cwd, tap_exe) >= sizeof abs)
            play_die("path too long");
        snprintf(tap_exe, sizeof tap_exe, "%s", abs);
    }

    struct script s = { 0 };
    int rc = 0;
    if (!strcmp(mode, "unix-wv2") || !strcmp(mode, "unix-wv0")) {
        if (access(tap_exe, X_OK) != 0)
            play_die("%s: %s (give --tap)", tap_exe, strerror(errno));
        if (!strcmp(mode, "unix-wv2"))
            play_wv2(out);
        else
            play_wv0(out);
    } else if (!strcmp(mode, "tcp-wv2")) {
        script_wv2(&s);
        rc = write_tcp(out, &s, 1025);
    } else if (!strcmp(mode, "tcp-wv0")) {
        script_wv0_client(&s);
        rc = write_tcp(out, &s, 1025);
    } else if (!strcmp(mode, "exported")) {
        script_wv2(&s);
        rc = write_exported(out, &s);
    } else if (!strcmp(mode, "sockdump16")) {
        script_wv2(&s);
        rc = write_sockdump16(out, &s);
    } else {
        fprintf(stderr, "albatross-play: unknown mode '%s'\n", mode);
        usage(stderr);
        return 2;
    }
    script_free(&s);
    return rc;
}
