/*
 * albatross-tap: a transparent recording proxy for Unix stream sockets.
 *
 * For every --listen/--connect pair it listens on the new path, and for each
 * accepted client it connects to the real path and relays both directions
 * byte for byte.  Every chunk read from either side is written to the
 * capture as one pcap record of link type 147 (DLT_USER0) with the header
 * sockdump writes (see tap/README.md for the byte layout):
 *
 *   u8 path length | 108 bytes path (NUL padded) | u64 peer pid | u64 pid | data
 *
 * The path is the real socket's path; pid is the sending process and peer pid
 * the receiving one, both big-endian.
 *
 * Single-threaded, poll()-based.  Each direction of each connection has a
 * bounded buffer; a side is not read while its buffer is full, so a slow
 * reader holds back only its own connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tap_format.h"

#define DEFAULT_BUF (64u * 1024u)
#define MAX_PAIRS 64

struct listener {
    const char *listen_path;
    const char *connect_path;
    int fd;
    int created;            /* we bound it: unlink on exit */
    dev_t dev;
    ino_t ino;
};

struct dirbuf {
    uint8_t *data;
    size_t head, tail;      /* pending bytes are [head, tail) */
    int eof;                /* the source sent EOF */
    int shut;               /* shutdown(SHUT_WR) sent to the destination */
};

struct conn {
    int fd[2];              /* 0: client (accepted), 1: server (connected) */
    uint64_t pid[2];        /* process at each end (SO_PEERCRED), 0 if unknown */
    int hup[2];             /* POLLHUP seen on that fd */
    struct dirbuf d[2];     /* d[0]: client -> server, d[1]: server -> client */
    const struct listener *l;
    unsigned long serial;
    struct conn *next;
};

static const char *prog = "albatross-tap";
static volatile sig_atomic_t stop_signal;
static pcap_dumper_t *dumper;
static int flush_each;
static int capture_failed;
static size_t buf_cap = DEFAULT_BUF;
static int verbose;
static unsigned long n_records, n_conns;
static unsigned long long n_bytes;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void usage(FILE *f)
{
    fprintf(f,
"NAME\n"
"    albatross-tap - record the traffic of Unix stream sockets as pcap\n"
"\n"
"SYNOPSIS\n"
"    albatross-tap --listen NEW.sock --connect REAL.sock\n"
"                  [--listen NEW.sock --connect REAL.sock]... -w FILE [-U]\n"
"\n"
"DESCRIPTION\n"
"    Listens on every NEW.sock; each client that connects there is connected\n"
"    to the matching REAL.sock and both directions are relayed unchanged.\n"
"    Point the clients (e.g. vmmc -s NEW.sock, or vmmd's socket directory)\n"
"    at the NEW paths.  Every chunk relayed is written as one pcap record,\n"
"    link type 147 (USER0), with sockdump's 125-byte header: u8 path\n"
"    length, 108-byte path (of REAL.sock), u64 peer pid, u64 pid (both\n"
"    big-endian; pid = sending process, peer pid = receiving process).\n"
"\n"
"OPTIONS\n"
"    -l, --listen PATH    socket to create and accept clients on\n"
"    -c, --connect PATH   real socket the preceding --listen relays to\n"
"    -w, --write FILE     capture file; \"-\" writes to standard output\n"
"    -U, --packet-buffered  flush the capture after every record\n"
"                         (for piping into tshark -i - or tcpdump -r -)\n"
"    -b, --buffer BYTES   per-direction relay buffer (default %u)\n"
"    -v, --verbose        log every connection\n"
"    -h, --help           this text\n"
"\n"
"    A NEW path that exists but that nobody listens on (a stale socket) is\n"
"    removed; one that is live is refused.  SIGINT or SIGTERM stops\n"
"    accepting, closes the capture with everything relayed so far and\n"
"    removes the NEW sockets.\n"
"\n"
"EXAMPLE\n"
"    albatross-tap -l /tmp/tap/vmmd.sock -c /var/run/albatross/vmmd.sock \\\n"
"                  -w - -U | tshark -i - -V\n", DEFAULT_BUF);
}

/* ------------------------------------------------------------ capture */

static void capture_write(const struct conn *c, int dir, const uint8_t *data, size_t n)
{
    static uint8_t rec[TAP_HDR_LEN + 65536];
    struct timespec ts;
    struct pcap_pkthdr h;
    size_t done = 0;

    if (!dumper || capture_failed)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    while (done < n) {
        size_t chunk = n - done;
        if (chunk > sizeof rec - TAP_HDR_LEN)
            chunk = sizeof rec - TAP_HDR_LEN;
        /* sender's pid is "pid", the receiver's is "peer pid" */
        tap_fill_header(rec, c->l->connect_path, c->pid[1 - dir], c->pid[dir]);
        memcpy(rec + TAP_HDR_LEN, data + done, chunk);
        h.ts.tv_sec = ts.tv_sec;
        h.ts.tv_usec = (suseconds_t)(ts.tv_nsec / 1000);
        h.caplen = h.len = (bpf_u_int32)(TAP_HDR_LEN + chunk);
        pcap_dump((u_char *)dumper, &h, rec);
        n_records++;
        done += chunk;
    }
    n_bytes += n;
    FILE *f = pcap_dump_file(dumper);
    if (flush_each ? pcap_dump_flush(dumper) != 0 : ferror(f) != 0) {
        logmsg("writing the capture failed: %s; stopping", strerror(errno));
        capture_failed = 1;
        stop_signal = -1;
    }
}

/* ------------------------------------------------------------ sockets */

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int fill_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path)
        return -1;
    strcpy(a->sun_path, path);
    return 0;
}

static uint64_t peer_pid(int fd)
{
    struct ucred cr;
    socklen_t len = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || cr.pid <= 0)
        return 0;
    return (uint64_t)cr.pid;
}

/* Creates the listening socket; 0 on success, -1 with a message printed. */
static int open_listener(struct listener *l)
{
    struct sockaddr_un a;
    struct stat st;

    if (fill_addr(&a, l->listen_path) != 0) {
        logmsg("%s: path too long for a Unix socket (at most %zu bytes)", l->listen_path,
               sizeof a.sun_path - 1);
        return -1;
    }
    if (lstat(l->listen_path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            logmsg("%s: exists and is not a socket; refusing to replace it", l->listen_path);
            return -1;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe < 0) {
            logmsg("socket: %s", strerror(errno));
            return -1;
        }
        int r = connect(probe, (struct sockaddr *)&a, sizeof a);
        int e = errno;
        close(probe);
        if (r == 0) {
            logmsg("%s: a process is listening on this socket; refusing to take it over "
                   "(choose another --listen path)", l->listen_path);
            return -1;
        }
        if (e == ECONNREFUSED) {
            if (unlink(l->listen_path) != 0) {
                logmsg("%s: stale socket, but removing it failed: %s", l->listen_path,
                       strerror(errno));
                return -1;
            }
            logmsg("%s: removed a stale socket (nobody was listening)", l->listen_path);
        } else {
            logmsg("%s: cannot check the existing socket: %s", l->listen_path, strerror(e));
            return -1;
        }
    } else if (errno != ENOENT) {
        logmsg("%s: %s", l->listen_path, strerror(errno));
        return -1;
    }

    l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (l->fd < 0) {
        logmsg("socket: %s", strerror(errno));
        return -1;
    }
    if (bind(l->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (errno == EACCES || errno == EPERM)
            logmsg("%s: permission denied creating the socket (is the directory writable?)",
                   l->listen_path);
        else if (errno == ENOENT)
            logmsg("%s: the directory does not exist", l->listen_path);
        else
            logmsg("%s: bind: %s", l->listen_path, strerror(errno));
        return -1;
    }
    l->created = 1;
    if (stat(l->listen_path, &st) == 0) {
        l->dev = st.st_dev;
        l->ino = st.st_ino;
    }
    if (listen(l->fd, 128) != 0) {
        logmsg("%s: listen: %s", l->listen_path, strerror(errno));
        return -1;
    }
    return 0;
}

static void close_listener(struct listener *l)
{
    struct stat st;
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    /* remove the socket only if it is still the one we created */
    if (l->created && stat(l->listen_path, &st) == 0 && st.st_dev == l->dev &&
        st.st_ino == l->ino)
        unlink(l->listen_path);
    l->created = 0;
}

/* Connects to the real socket; -1 with errno on failure. */
static int connect_real(const char *path)
{
    struct sockaddr_un a;
    if (fill_addr(&a, path) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    /* a full backlog would block the connect: wait at most 2 s */
    struct timeval tv = { 2, 0 };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    tv.tv_sec = 0;
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (set_nonblock(fd) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* ------------------------------------------------------------ relaying */

static struct conn *conns;

static void conn_free(struct conn *c, const char *why)
{
    if (verbose || why)
        logmsg("connection %lu (%s, client pid %llu): closed%s%s", c->serial,
               c->l->connect_path, (unsigned long long)c->pid[0], why ? ": " : "",
               why ? why : "");
    for (int i = 0; i < 2; i++) {
        if (c->fd[i] >= 0)
            close(c->fd[i]);
        free(c->d[i].data);
    }
    struct conn **pp = &conns;
    while (*pp != c)
        pp = &(*pp)->next;
    *pp = c->next;
    free(c);
}

static void accept_one(struct listener *l)
{
    int cfd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ECONNABORTED)
            logmsg("%s: accept: %s", l->listen_path, strerror(errno));
        if (errno == EMFILE || errno == ENFILE)
            usleep(10000);  /* let existing connections finish */
        return;
    }
    uint64_t cpid = peer_pid(cfd);
    int sfd = connect_real(l->connect_path);
    if (sfd < 0) {
        logmsg("%s: cannot connect to %s for client pid %llu: %s; closing the client",
               l->listen_path, l->connect_path, (unsigned long long)cpid, strerror(errno));
        close(cfd);
        return;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (c) {
        c->d[0].data = malloc(buf_cap);
        c->d[1].data = malloc(buf_cap);
    }
    if (!c || !c->d[0].data || !c->d[1].data) {
        logmsg("out of memory; closing a new client of %s", l->listen_path);
        if (c) {
            free(c->d[0].data);
            free(c->d[1].data);
        }
        free(c);
        close(cfd);
        close(sfd);
        return;
    }
    c->fd[0] = cfd;
    c->fd[1] = sfd;
    c->pid[0] = cpid;
    c->pid[1] = peer_pid(sfd);
    c->l = l;
    c->serial = ++n_conns;
    c->next = conns;
    conns = c;
    if (verbose)
        logmsg("connection %lu: client pid %llu -> %s (server pid %llu)", c->serial,
               (unsigned long long)c->pid[0], l->connect_path, (unsigned long long)c->pid[1]);
}

/* Reads what fits from side `dir` (source of d[dir]).  Returns -1 when the
 * connection must go. */
static int do_read(struct conn *c, int dir)
{
    struct dirbuf *b = &c->d[dir];
    if (b->head == b->tail)
        b->head = b->tail = 0;
    else if (b->tail == buf_cap && b->head > 0) {
        memmove(b->data, b->data + b->head, b->tail - b->head);
        b->tail -= b->head;
        b->head = 0;
    }
    if (b->tail == buf_cap)
        return 0;
    ssize_t n = read(c->fd[dir], b->data + b->tail, buf_cap - b->tail);
    if (n > 0) {
        capture_write(c, dir, b->data + b->tail, (size_t)n);
        b->tail += (size_t)n;
        return 0;
    }
    if (n == 0) {
        b->eof = 1;
        return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    logmsg("connection %lu: reading from the %s: %s", c->serial, dir ? "server" : "client",
           strerror(errno));
    return -1;
}

/* Writes pending bytes of d[dir] to the other side; -1 when the connection
 * must go. */
static int do_write(struct conn *c, int dir)
{
    struct dirbuf *b = &c->d[dir];
    int dst = c->fd[1 - dir];
    while (b->head < b->tail) {
        ssize_t n = send(dst, b->data + b->head, b->tail - b->head, MSG_NOSIGNAL);
        if (n > 0) {
            b->head += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (verbose || (errno != EPIPE && errno != ECONNRESET))
            logmsg("connection %lu: writing to the %s: %s", c->serial,
                   dir ? "client" : "server", strerror(errno));
        return -1;
    }
    if (b->eof && !b->shut) {
        shutdown(dst, SHUT_WR);
        b->shut = 1;
    }
    return 0;
}

static int conn_finished(const struct conn *c)
{
    return c->d[0].shut && c->d[1].shut;
}

/* ------------------------------------------------------------ main loop */

static void run(struct listener *ls, int nl)
{
    struct pollfd *pfd = NULL;
    struct conn **owner = NULL;
    size_t cap = 0;
    sigset_t empty;
    sigemptyset(&empty);

    while (!stop_signal) {
        size_t n = 0, need = (size_t)nl;
        for (struct conn *c = conns; c; c = c->next)
            need += 2;
        if (need > cap) {
            size_t ncap = need * 2;
            struct pollfd *np = realloc(pfd, ncap * sizeof *np);
            if (!np)
                break;
            pfd = np;
            struct conn **no = realloc(owner, ncap * sizeof *no);
            if (!no)
                break;
            owner = no;
            cap = ncap;
        }
        for (int i = 0; i < nl; i++) {
            pfd[n] = (struct pollfd){ .fd = ls[i].fd, .events = POLLIN };
            owner[n++] = NULL;
        }
        for (struct conn *c = conns; c; c = c->next) {
            for (int side = 0; side < 2; side++) {
                short ev = 0;
                /* read side: data for d[side] if there is room and no EOF yet */
                if (!c->d[side].eof && (c->d[side].tail < buf_cap || c->d[side].head > 0))
                    ev |= POLLIN;
                /* write side: pending data of the other direction */
                if (c->d[1 - side].head < c->d[1 - side].tail)
                    ev |= POLLOUT;
                int fd = c->fd[side];
                /* a hung-up fd with nothing to do would wake poll forever */
                if (ev == 0 && c->hup[side])
                    fd = -1;
                pfd[n] = (struct pollfd){ .fd = fd, .events = ev };
                owner[n++] = c;
            }
        }
        int r = ppoll(pfd, (nfds_t)n, NULL, &empty);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            logmsg("poll: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < nl; i++)
            if (pfd[i].revents & POLLIN)
                for (int k = 0; k < 16; k++)
                    accept_one(&ls[i]);
        /* connections: pfd entries are in pairs in list order, but the list
         * may have grown at the front since: walk the recorded owners */
        for (size_t i = (size_t)nl; i + 1 < n; i += 2) {
            struct conn *c = owner[i];
            int dead = 0;
            for (int side = 0; side < 2 && !dead; side++) {
                short re = pfd[i + (size_t)side].revents;
                if (re & POLLHUP)
                    c->hup[side] = 1;
                if (re & (POLLIN | POLLHUP | POLLERR)) {
                    if (!c->d[side].eof && do_read(c, side) < 0)
                        dead = 1;
                }
            }
            /* forward whatever is pending (also right after a read) */
            for (int dir = 0; dir < 2 && !dead; dir++)
                if (do_write(c, dir) < 0)
                    dead = 1;
            if (dead)
                conn_free(c, NULL);
            else if (conn_finished(c))
                conn_free(c, NULL);
        }
    }
    free(pfd);
    free(owner);
}

/* After a stop: one last attempt to hand pending bytes over, then close. */
static void drain_and_close(void)
{
    while (conns) {
        struct conn *c = conns;
        for (int dir = 0; dir < 2; dir++)
            if (do_write(c, dir) < 0)
                break;
        conn_free(c, NULL);
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "listen", required_argument, NULL, 'l' },
        { "connect", required_argument, NULL, 'c' },
        { "write", required_argument, NULL, 'w' },
        { "packet-buffered", no_argument, NULL, 'U' },
        { "buffer", required_argument, NULL, 'b' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    struct listener ls[MAX_PAIRS];
    int nl = 0, nc = 0;
    const char *out = NULL;
    int o;

    while ((o = getopt_long(argc, argv, "l:c:w:Ub:vh", opts, NULL)) != -1) {
        switch (o) {
        case 'l':
            if (nl != nc) {
                logmsg("--listen %s: the previous --listen has no --connect", optarg);
                return 2;
            }
            if (nl == MAX_PAIRS) {
                logmsg("at most %d --listen/--connect pairs", MAX_PAIRS);
                return 2;
            }
            ls[nl++] = (struct listener){ .listen_path = optarg, .fd = -1 };
            break;
        case 'c':
            if (nc + 1 != nl) {
                logmsg("--connect %s: needs a --listen before it", optarg);
                return 2;
            }
            ls[nc++].connect_path = optarg;
            break;
        case 'w':
            out = optarg;
            break;
        case 'U':
            flush_each = 1;
            break;
        case 'b': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v < 512 || v > (1ul << 26)) {
                logmsg("--buffer %s: give a byte count from 512 to 67108864", optarg);
                return 2;
            }
            buf_cap = v;
            break;
        }
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "Try '%s --help'.\n", prog);
            return 2;
        }
    }
    if (optind < argc) {
        logmsg("unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (nl == 0 || nl != nc) {
        logmsg(nl == 0 ? "give at least one --listen PATH --connect PATH pair"
                       : "the last --listen has no --connect");
        fprintf(stderr, "Try '%s --help'.\n", prog);
        return 2;
    }
    if (!out) {
        logmsg("give the capture file with -w FILE (or -w - for standard output)");
        return 2;
    }
    for (int i = 0; i < nl; i++) {
        if (strlen(ls[i].connect_path) > TAP_PATH_LEN) {
            logmsg("--connect %s: path longer than %d bytes", ls[i].connect_path, TAP_PATH_LEN);
            return 2;
        }
        if (strcmp(ls[i].listen_path, ls[i].connect_path) == 0) {
            logmsg("--listen and --connect are the same path (%s)", ls[i].listen_path);
            return 2;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(ls[i].listen_path, ls[j].listen_path) == 0) {
                logmsg("--listen %s given twice", ls[i].listen_path);
                return 2;
            }
    }
    if (strcmp(out, "-") == 0 && isatty(STDOUT_FILENO)) {
        logmsg("refusing to write a binary capture to a terminal; redirect or pipe it");
        return 2;
    }

    /* signals: blocked except while waiting in ppoll */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, NULL);

    pcap_t *dead = pcap_open_dead(TAP_LINKTYPE, TAP_SNAPLEN);
    if (!dead) {
        logmsg("pcap_open_dead failed");
        return 1;
    }
    dumper = pcap_dump_open(dead, out);
    if (!dumper) {
        logmsg("cannot write %s: %s", out, pcap_geterr(dead));
        pcap_close(dead);
        return 1;
    }
    /* the file header is on disk (or in the pipe) before the first client */
    pcap_dump_flush(dumper);

    int status = 0;
    for (int i = 0; i < nl; i++) {
        if (open_listener(&ls[i]) != 0) {
            status = 1;
            break;
        }
        if (access(ls[i].connect_path, F_OK) != 0)
            logmsg("warning: %s does not exist (yet); clients will be closed until it does",
                   ls[i].connect_path);
        if (verbose)
            logmsg("relaying %s -> %s", ls[i].listen_path, ls[i].connect_path);
    }
    if (status == 0)
        run(ls, nl);

    for (int i = 0; i < nl; i++)
        close_listener(&ls[i]);
    drain_and_close();
    if (pcap_dump_flush(dumper) != 0 && !capture_failed) {
        logmsg("flushing the capture failed: %s", strerror(errno));
        capture_failed = 1;
    }
    pcap_dump_close(dumper);
    pcap_close(dead);
    if (stop_signal > 0 && verbose)
        logmsg("stopped by signal %d", (int)stop_signal);
    if (verbose || stop_signal > 0)
        logmsg("%lu connections, %llu bytes in %lu records", n_conns, n_bytes, n_records);
    return capture_failed ? 1 : status;
}
