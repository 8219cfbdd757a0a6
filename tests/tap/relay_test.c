/*
 * tap-relay-test: albatross-tap under load, under SIGTERM, with stalled and
 * vanishing peers, and with stale or live socket files.
 *
 *   tap-relay-test TAP load [CLIENTS MESSAGES]
 *   tap-relay-test TAP sigterm
 *   tap-relay-test TAP stall
 *   tap-relay-test TAP stale
 *
 * Clients send WV2 Console.Data messages of random sizes (built with the
 * encoder) to an echo server through the tap; every check compares the
 * bytes the processes saw with the capture read back with libpcap and
 * framed with alb_decode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capread.h"

static const char *tap_exe;
static char dir[64];
static char p_real[160], p_listen[160], p_cap[160], p_err[160];
static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "FAIL: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    failures++;
}

static void die(const char *what)
{
    fprintf(stderr, "tap-relay-test: %s: %s\n", what, strerror(errno));
    exit(2);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- messages */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The byte stream client `seed` sends: n Console.Data messages, lines of
 * 0..1499 random bytes. */
static uint8_t *make_stream(uint64_t seed, int n, size_t *len)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    size_t cap = 1 << 16, used = 0;
    uint8_t *out = malloc(cap);
    uint8_t line[1500];
    struct alb_bytes part = { (const uint8_t *)"relay", 5 };
    if (!out)
        die("malloc");
    for (int i = 0; i < n; i++) {
        size_t ll = (size_t)(rnd(&s) % sizeof line);
        for (size_t k = 0; k < ll; k++)
            line[k] = (uint8_t)rnd(&s);
        struct alb_msg m;
        alb_msg_init(&m, ALB_K_CONSOLE_DATA);
        m.name.count = 1;
        m.name.items = &part;
        m.ts.d = 17816;
        m.ts.ps = (int64_t)i * 1000000;
        m.u.line.p = line;
        m.u.line.n = ll;
        if (used + ll + 128 > cap) {
            cap *= 2;
            out = realloc(out, cap);
            if (!out)
                die("realloc");
        }
        size_t w;
        struct alb_error e;
        if (alb_encode(&m, out + used, cap - used, &w, &e) != ALB_E_OK) {
            fprintf(stderr, "encode failed\n");
            exit(2);
        }
        used += w;
    }
    *len = used;
    return out;
}

/* ---------------------------------------------------------------- processes */

/* The test's socket paths are short: a longer one is a set-up error. */
static struct sockaddr_un unix_addr(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    size_t n = strlen(path);
    if (n >= sizeof a.sun_path) {
        fprintf(stderr, "tap-relay-test: socket path too long: %s\n", path);
        exit(2);
    }
    memcpy(a.sun_path, path, n + 1);
    return a;
}

static int unix_connect(const char *path)
{
    struct sockaddr_un a = unix_addr(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int unix_listen(const char *path, int do_listen)
{
    struct sockaddr_un a = unix_addr(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("bind");
    if (do_listen && listen(fd, 256) != 0)
        die("listen");
    return fd;
}

/* Echo server: a process per connection, so one stalled connection holds
 * back only itself. */
static pid_t start_echo(const char *path)
{
    int ready[2];
    if (pipe(ready) != 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        /* listen here, so that the peer credentials name this process */
        int lfd = unix_listen(path, 1);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        signal(SIGCHLD, SIG_IGN);
        for (;;) {
            int fd = accept(lfd, NULL, NULL);
            if (fd < 0)
                continue;
            pid_t c = fork();
            if (c == 0) {
                static uint8_t b[65536];
                for (;;) {
                    ssize_t n = read(fd, b, sizeof b);
                    if (n <= 0)
                        break;
                    for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(fd, b + off, (size_t)(n - off));
                        if (w <= 0)
                            _exit(0);
                        off += w;
                    }
                }
                shutdown(fd, SHUT_WR);
                _exit(0);
            }
            close(fd);
        }
    }
    char b;
    close(ready[1]);
    if (read(ready[0], &b, 1) != 1)
        die("echo server");
    close(ready[0]);
    return pid;
}

static pid_t start_tap_args(const char *listen, const char *real, const char *cap,
                            const char *errfile)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int fd = open(errfile, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        execl(tap_exe, tap_exe, "--listen", listen, "--connect", real, "-w", cap, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int wait_listening(const char *path, pid_t tap)
{
    struct stat st;
    for (int i = 0; i < 500; i++) {
        if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
            return 0;
        int status;
        if (waitpid(tap, &status, WNOHANG) == tap)
            return -1;
        usleep(10000);
    }
    return -1;
}

static int stop_tap(pid_t tap)
{
    int st;
    kill(tap, SIGTERM);
    if (waitpid(tap, &st, 0) != tap)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int file_has(const char *file, const char *needle)
{
    char buf[8192];
    FILE *f = fopen(file, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return strstr(buf, needle) != NULL;
}

/* A client may stop once it has received pause_at bytes: it writes a byte
 * to pause_fd and waits for one on resume_fd before it goes on, so that
 * the parent can act while the stream is certainly in flight. */
static size_t pause_at;
static int pause_fd = -1, resume_fd = -1;

static void pause_point(size_t recvd)
{
    char c = 0;
    if (pause_at == 0 || recvd < pause_at)
        return;
    pause_at = 0;
    if (write(pause_fd, &c, 1) != 1 || read(resume_fd, &c, 1) != 1)
        _exit(5);
}

/* Sends `len` bytes in random-size writes while reading the echo; returns
 * the received bytes (malloc) and their count; stops early on EOF. */
static uint8_t *pump(int fd, const uint8_t *data, size_t len, uint64_t seed, size_t *got,
                     int close_write)
{
    uint8_t *in = malloc(len + 1);
    size_t sent = 0, recvd = 0;
    int wr_done = 0;
    if (!in)
        die("malloc");
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    for (;;) {
        if (sent == len && !wr_done && close_write) {
            shutdown(fd, SHUT_WR);
            wr_done = 1;
        }
        struct pollfd p = { fd, POLLIN | (sent < len ? POLLOUT : 0), 0 };
        if (poll(&p, 1, 10000) <= 0)
            break;
        if (p.revents & POLLOUT && sent < len) {
            size_t chunk = 1 + (size_t)(rnd(&seed) % 8192);
            if (chunk > len - sent)
                chunk = len - sent;
            ssize_t w = send(fd, data + sent, chunk, MSG_NOSIGNAL);
            if (w > 0)
                sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN)
                break;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = read(fd, in + recvd, len + 1 - recvd);
            if (r == 0 || (r < 0 && errno != EAGAIN))
                break;
            if (r > 0)
                recvd += (size_t)r;
            if (recvd > len)
                break;
            pause_point(recvd);
        }
    }
    *got = recvd;
    return in;
}

/* ---------------------------------------------------------------- checks */

struct seqcheck {
    const uint8_t *want;
    size_t wlen, off;
    long count, bad;
};

static void check_msg(void *ctx, const uint8_t *msg, size_t len, const struct alb_msg *m)
{
    struct seqcheck *c = ctx;
    c->count++;
    if (m->kind != ALB_K_CONSOLE_DATA || m->err.code != ALB_E_OK || len > c->wlen - c->off ||
        memcmp(msg, c->want + c->off, len) != 0)
        c->bad++;
    c->off += len;
}

static const struct cap_stream *stream_of(const struct cap *c, uint64_t pid, uint64_t peer)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->s[i].pid == pid && c->s[i].peer == peer)
            return &c->s[i];
    return NULL;
}

static void setup(const char *name)
{
    snprintf(dir, sizeof dir, "/tmp/tap-test-%s.XXXXXX", name);
    if (!mkdtemp(dir))
        die("mkdtemp");
    snprintf(p_real, sizeof p_real, "%s/real.sock", dir);
    snprintf(p_listen, sizeof p_listen, "%s/tap.sock", dir);
    snprintf(p_cap, sizeof p_cap, "%s/cap.pcap", dir);
    snprintf(p_err, sizeof p_err, "%s/tap.err", dir);
}

static void cleanup(void)
{
    char cmd[128];
    if (failures) {
        fprintf(stderr, "files kept in %s\n", dir);
        return;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* ---------------------------------------------------------------- tests */

static int client_run(uint64_t seed, int nmsg)
{
    size_t len, got;
    uint8_t *data = make_stream(seed, nmsg, &len);
    int fd = -1;
    for (int i = 0; i < 200 && fd < 0; i++)
        if ((fd = unix_connect(p_listen)) < 0)
            usleep(10000);
    if (fd < 0)
        return 3;
    uint8_t *in = pump(fd, data, len, seed, &got, 1);
    int ok = got == len && memcmp(in, data, len) == 0;
    if (!ok)
        fprintf(stderr, "client %llu: sent %zu, got back %zu bytes%s\n",
                (unsigned long long)seed, len, got, got == len ? " (different)" : "");
    free(in);
    free(data);
    close(fd);
    return ok ? 0 : 1;
}

static void test_load(int nclients, int nmsg)
{
    setup("load");
    pid_t echo = start_echo(p_real);
    pid_t tap = start_tap_args(p_listen, p_real, p_cap, p_err);
    if (wait_listening(p_listen, tap) != 0) {
        fail("load: the tap did not start");
        return;
    }
    double t0 = now();
    pid_t *kids = calloc((size_t)nclients, sizeof *kids);
    for (int i = 0; i < nclients; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(client_run((uint64_t)i + 1, nmsg));
    }
    int bad = 0;
    for (int i = 0; i < nclients; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            bad++;
    }
    double t1 = now();
    if (bad)
        fail("load: %d of %d clients did not get their bytes back unchanged", bad, nclients);
    int rc = stop_tap(tap);
    if (rc != 0)
        fail("load: the tap exited with %d after SIGTERM", rc);
    if (access(p_listen, F_OK) == 0)
        fail("load: the listen socket was not removed");
    kill(echo, SIGKILL);
    waitpid(echo, NULL, 0);

    struct cap c;
    char err[256];
    if (cap_load(p_cap, &c, err, sizeof err) != 0) {
        fail("load: reading the capture: %s", err);
        return;
    }
    long total = 0;
    for (int i = 0; i < nclients; i++) {
        size_t len;
        uint8_t *want = make_stream((uint64_t)i + 1, nmsg, &len);
        for (int dirn = 0; dirn < 2; dirn++) {
            const struct cap_stream *s = dirn == 0 ? stream_of(&c, (uint64_t)kids[i], (uint64_t)echo)
                                                   : stream_of(&c, (uint64_t)echo, (uint64_t)kids[i]);
            if (!s) {
                fail("load: client %d: no %s stream in the capture", i + 1,
                     dirn ? "server-to-client" : "client-to-server");
                continue;
            }
            if (strcmp(s->path, p_real) != 0)
                fail("load: client %d: recorded path '%s', expected '%s'", i + 1, s->path, p_real);
            struct seqcheck sc = { want, len, 0, 0, 0 };
            long n = cap_messages(s, check_msg, &sc, err, sizeof err);
            if (n < 0)
                fail("load: client %d: framing: %s", i + 1, err);
            else if (n != nmsg || sc.bad || sc.off != len)
                fail("load: client %d %s: %ld messages (%ld differ), expected %d", i + 1,
                     dirn ? "s2c" : "c2s", n, sc.bad, nmsg);
            total += n;
        }
        free(want);
    }
    printf("load: %d clients x %d messages: relayed in %.2f s; capture %lu records, %ld messages "
           "matched\n", nclients, nmsg, t1 - t0, c.records, total);
    cap_free(&c);
    free(kids);
    cleanup();
}

static void test_sigterm(void)
{
    setup("sigterm");
    pid_t echo = start_echo(p_real);
    pid_t tap = start_tap_args(p_listen, p_real, p_cap, p_err);
    if (wait_listening(p_listen, tap) != 0) {
        fail("sigterm: the tap did not start");
        return;
    }
    /* a client streams 20000 messages; the tap is stopped once a quarter
     * of the echo has come back, while the client waits */
    char recv_file[160];
    snprintf(recv_file, sizeof recv_file, "%s/received.bin", dir);
    size_t len;
    uint8_t *data = make_stream(77, 20000, &len);
    int paused[2], resume[2];
    if (pipe(paused) != 0 || pipe(resume) != 0)
        die("pipe");
    pid_t cl = fork();
    if (cl == 0) {
        pause_at = len / 4;
        pause_fd = paused[1];
        resume_fd = resume[0];
        int fd = unix_connect(p_listen);
        if (fd < 0)
            _exit(3);
        size_t got;
        uint8_t *in = pump(fd, data, len, 77, &got, 1);
        FILE *f = fopen(recv_file, "wb");
        if (!f || fwrite(in, 1, got, f) != got || fclose(f) != 0)
            _exit(4);
        _exit(0);
    }
    close(paused[1]);
    close(resume[0]);
    char byte;
    if (read(paused[0], &byte, 1) != 1)
        fail("sigterm: the client ended before a quarter of the echo came back");
    int rc = stop_tap(tap);
    if (write(resume[1], "", 1) != 1)
        fail("sigterm: the client is gone");
    close(resume[1]);
    close(paused[0]);
    int st;
    waitpid(cl, &st, 0);
    kill(echo, SIGKILL);
    waitpid(echo, NULL, 0);
    if (rc != 0)
        fail("sigterm: the tap exited with %d", rc);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail("sigterm: the client failed (%d)", st);
    if (access(p_listen, F_OK) == 0)
        fail("sigterm: the listen socket was not removed");

    FILE *f = fopen(recv_file, "rb");
    uint8_t *got = malloc(len + 1);
    size_t ng = f ? fread(got, 1, len + 1, f) : 0;
    if (f)
        fclose(f);
    struct cap c;
    char err[256];
    if (cap_load(p_cap, &c, err, sizeof err) != 0) {
        fail("sigterm: the capture is not readable: %s", err);
    } else {
        const struct cap_stream *up = NULL, *down = NULL;
        for (size_t i = 0; i < c.n; i++) {
            if (c.s[i].pid == (uint64_t)cl)
                up = &c.s[i];
            if (c.s[i].peer == (uint64_t)cl)
                down = &c.s[i];
        }
        size_t nd = down ? down->n : 0, nu = up ? up->n : 0;
        if (ng == 0 || ng >= len)
            fail("sigterm: the stop was not mid-stream (client got %zu of %zu bytes)", ng, len);
        if (nd < ng || (ng && memcmp(down->data, got, ng) != 0))
            fail("sigterm: the client received %zu bytes, the capture holds %zu of them", ng, nd);
        if (nu > len || (nu && memcmp(up->data, data, nu) != 0))
            fail("sigterm: the captured client bytes are not what the client sent");
        if (nd > nu || (nd && memcmp(down->data, up->data, nd) != 0))
            fail("sigterm: the captured echo is not a prefix of the captured request bytes");
        printf("sigterm: client sent up to %zu, received %zu bytes before the stop; capture has "
               "%zu up, %zu down, %lu records\n", len, ng, nu, nd, c.records);
        cap_free(&c);
    }
    free(got);
    free(data);
    cleanup();
}

static long vm_rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static void test_stall(void)
{
    setup("stall");
    pid_t echo = start_echo(p_real);
    pid_t tap = start_tap_args(p_listen, p_real, p_cap, p_err);
    if (wait_listening(p_listen, tap) != 0) {
        fail("stall: the tap did not start");
        return;
    }
    /* A: writes as fast as it can and never reads */
    int a = unix_connect(p_listen);
    fcntl(a, F_SETFL, O_NONBLOCK);
    static uint8_t junk[65536];
    size_t len;
    uint8_t *one = make_stream(5, 40, &len);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = one[i % len];
    size_t pushed = 0;
    double t_last = now();
    while (now() - t_last < 1.0 && pushed < (256u << 20)) {
        ssize_t w = send(a, junk, sizeof junk, MSG_NOSIGNAL);
        if (w > 0) {
            pushed += (size_t)w;
            t_last = now();
        } else {
            usleep(1000);
        }
    }
    /* C: half a message, then gone; D: a request, then gone before the reply */
    int cfd = unix_connect(p_listen);
    if (send(cfd, one, 10, MSG_NOSIGNAL) != 10)
        fail("stall: short write");
    close(cfd);
    int dfd = unix_connect(p_listen);
    if (send(dfd, one, len, MSG_NOSIGNAL) < 0)
        fail("stall: write failed");
    close(dfd);

    /* B: normal clients must finish while A is stuck */
    double t0 = now();
    pid_t kids[8];
    for (int i = 0; i < 8; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            alarm(20);
            _exit(client_run((uint64_t)i + 100, 300));
        }
    }
    int bad = 0;
    for (int i = 0; i < 8; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            bad++;
    }
    double t1 = now();
    long rss = vm_rss_kib(tap);
    if (bad)
        fail("stall: %d of 8 clients failed next to a stalled one", bad);
    if (pushed >= (64u << 20))
        fail("stall: the stalled client wrote %zu bytes: no backpressure", pushed);
    if (rss < 0 || rss > 64 * 1024)
        fail("stall: the tap uses %ld KiB", rss);
    int st;
    if (waitpid(tap, &st, WNOHANG) != 0)
        fail("stall: the tap died");
    printf("stall: stalled client blocked after %zu bytes; 8 other clients done in %.2f s; tap RSS "
           "%ld KiB\n", pushed, t1 - t0, rss);
    close(a);
    int rc = stop_tap(tap);
    if (rc != 0)
        fail("stall: the tap exited with %d", rc);
    kill(echo, SIGKILL);
    waitpid(echo, NULL, 0);
    free(one);
    cleanup();
}

static void test_stale(void)
{
    setup("stale");
    pid_t echo = start_echo(p_real);
    /* a stale socket: bound, never listened on, closed */
    close(unix_listen(p_listen, 0));
    pid_t tap = start_tap_args(p_listen, p_real, p_cap, p_err);
    int taken = -1;
    for (int i = 0; i < 300 && taken < 0; i++)
        if ((taken = unix_connect(p_listen)) < 0)
            usleep(10000);
    if (taken < 0)
        fail("stale: the tap did not take over a stale socket");
    else
        close(taken);
    usleep(50000);
    if (!file_has(p_err, "removed a stale socket"))
        fail("stale: no message about the stale socket");

    /* a live socket: a second tap must refuse */
    char err2[160], cap2[160];
    snprintf(err2, sizeof err2, "%s/tap2.err", dir);
    snprintf(cap2, sizeof cap2, "%s/cap2.pcap", dir);
    pid_t t2 = start_tap_args(p_listen, p_real, cap2, err2);
    int st;
    waitpid(t2, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 1 || !file_has(err2, "a process is listening"))
        fail("stale: a second tap on a live socket did not refuse clearly (status %d)", st);
    if (unix_connect(p_listen) < 0)
        fail("stale: the refused tap broke the live socket");

    /* a file that is not a socket */
    char plain[160], err3[160];
    snprintf(plain, sizeof plain, "%s/plain", dir);
    snprintf(err3, sizeof err3, "%s/tap3.err", dir);
    FILE *f = fopen(plain, "w");
    if (f)
        fclose(f);
    pid_t t3 = start_tap_args(plain, p_real, cap2, err3);
    waitpid(t3, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 1 || !file_has(err3, "not a socket") ||
        access(plain, F_OK) != 0)
        fail("stale: a plain file was not refused clearly");

    /* a missing directory */
    char err4[160];
    snprintf(err4, sizeof err4, "%s/tap4.err", dir);
    pid_t t4 = start_tap_args("/nonexistent-dir/x.sock", p_real, cap2, err4);
    waitpid(t4, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 1 || !file_has(err4, "does not exist"))
        fail("stale: a missing directory was not reported clearly");

    /* the real socket missing at connect time: the client is closed, the
     * tap goes on, and works once the real socket is there */
    char l5[160], r5[160], err5[160];
    snprintf(l5, sizeof l5, "%s/tap5.sock", dir);
    snprintf(r5, sizeof r5, "%s/later.sock", dir);
    snprintf(err5, sizeof err5, "%s/tap5.err", dir);
    pid_t t5 = start_tap_args(l5, r5, cap2, err5);
    if (wait_listening(l5, t5) != 0) {
        fail("stale: the tap with a missing target did not start");
    } else {
        int fd = unix_connect(l5);
        char b;
        struct pollfd p = { fd, POLLIN, 0 };
        if (fd < 0 || poll(&p, 1, 3000) != 1 || read(fd, &b, 1) != 0)
            fail("stale: a client of a missing target was not closed");
        if (fd >= 0)
            close(fd);
        usleep(50000);
        if (!file_has(err5, "cannot connect to"))
            fail("stale: no message about the missing target");
        if (waitpid(t5, &st, WNOHANG) != 0)
            fail("stale: the tap exited after a failed connect");
        pid_t echo2 = start_echo(r5);
        char savel[160];
        memcpy(savel, p_listen, sizeof savel);
        snprintf(p_listen, sizeof p_listen, "%s", l5);
        if (client_run(9, 50) != 0)
            fail("stale: the tap did not relay once the target existed");
        memcpy(p_listen, savel, sizeof savel);
        kill(echo2, SIGKILL);
        waitpid(echo2, NULL, 0);
        if (stop_tap(t5) != 0)
            fail("stale: the second tap did not stop cleanly");
    }
    if (stop_tap(tap) != 0)
        fail("stale: the tap did not stop cleanly");
    kill(echo, SIGKILL);
    waitpid(echo, NULL, 0);
    printf("stale: stale socket replaced, live socket and plain file refused, missing target "
           "handled\n");
    cleanup();
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tap-relay-test TAP load|sigterm|stall|stale [ARGS]\n");
        return 2;
    }
    tap_exe = argv[1];
    signal(SIGPIPE, SIG_IGN);
    if (!strcmp(argv[2], "load"))
        test_load(argc > 3 ? atoi(argv[3]) : 64, argc > 4 ? atoi(argv[4]) : 300);
    else if (!strcmp(argv[2], "sigterm"))
        test_sigterm();
    else if (!strcmp(argv[2], "stall"))
        test_stall();
    else if (!strcmp(argv[2], "stale"))
        test_stale();
    else {
        fprintf(stderr, "unknown test %s\n", argv[2]);
        return 2;
    }
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
