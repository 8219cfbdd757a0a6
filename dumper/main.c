/* albatross-dump: the command line. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"

#ifdef __GLIBC__
#include <stdio_ext.h>
#endif

#define PROG "albatross-dump"
#define DEFAULT_CHUNK (64u * 1024u)

static const char usage_text[] =
    "usage: " PROG " [options] FILE...\n"
    "       " PROG " --raw [options] FILE...\n"
    "       " PROG " --list-fields\n"
    "\n"
    "Prints the albatross wire-protocol messages of capture files (pcap or\n"
    "pcapng, read with libpcap; FILE '-' is standard input), one line per\n"
    "message: capture time (UTC), connection and direction, wire version, kind,\n"
    "id, length and the fields that matter.\n"
    "\n"
    "Input:\n"
    "  --raw             FILEs are raw byte streams (messages back to back), not captures\n"
    "  --channel NAME    WV0 channel where the capture cannot tell: console, stats,\n"
    "                    log, client or any (socket paths say it; TCP is client)\n"
    "  --port N          TCP port whose connections are albatross (repeatable);\n"
    "                    other connections are taken when their first bytes are\n"
    "                    a plausible albatross header\n"
    "  --path TEXT       only Unix sockets whose path contains TEXT (repeatable)\n"
    "Output:\n"
    "  --json            JSON Lines (keys: docs/fields.md, plus frame, ts, flow)\n"
    "  -v, --verbose     the field tree under each line; -vv with byte offsets\n"
    "  --stats           a summary after the messages: per kind, VM, connection,\n"
    "                    errors, warnings, request/reply pairs and response times\n"
    "                    (with --json: one last object {\"stats\": ...})\n"
    "  -q, --quiet       no line per message (with --stats: only the summary)\n"
    "  --kind NAME       only messages of this kind (snake or display name, e.g.\n"
    "                    vm_create or Vm.Create; repeatable)\n"
    "  --vm PREFIX       only messages about VMs whose dotted name starts with the\n"
    "                    components of PREFIX (web matches web and web.frontend)\n"
    "Limits:\n"
    "  --max-len N       body length limit (default 256M; suffixes k, M, G)\n"
    "  --buffer N        bytes buffered per stream (default 16M, at least 64);\n"
    "                    longer messages are decoded from their first N bytes\n"
    "  --max-flows N     connections followed at once (default 1024; the least\n"
    "                    recently active one is closed to make room)\n"
    "  --idle SECONDS    close connections idle this long in capture time (default 600)\n"
    "  --reorder N       out-of-order TCP bytes held per direction (default 1M)\n"
    "  --chunk N         --raw: read at most N bytes at a time (default 64k)\n"
    "  --list-fields     print the field table (docs/fields.md) and exit\n"
    "  -h, --help        print this help and exit\n"
    "\n"
    "Malformed messages, gaps and garbage are reported in the output and never\n"
    "stop the dump. Exit status: 0 when every input was read (a capture that\n"
    "ends inside a record is reported on stderr and still counts as read), 2\n"
    "for a usage error or an input that could not be read, 1 when the output\n"
    "could not be written.\n";

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, PROG ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '" PROG " --help' for more information.\n");
    return 2;
}

/* A size with an optional k/M/G suffix (powers of 1024). */
static int parse_size(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return -1;
    }
    if (*end != '\0' || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Reads one capture file.  Returns 0, or 2 after reporting why it could
 * not be read. */
static int dump_capture_file(const char *path, const struct dump_capture_opts *co,
                             struct dump_run *r)
{
    int stdin_input = strcmp(path, "-") == 0;
    FILE *in = stdin_input ? stdin : fopen(path, "rb");
    if (!in) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return 2;
    }
    /* fopen takes a directory; libpcap's message for it would be a read error */
    struct stat sb;
    if (!stdin_input && fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(EISDIR));
        fclose(in);
        return 2;
    }
    struct dump_capture_opts o = *co;
    o.flush_each = stdin_input;
    struct dump_sink sink = { dump_run_item, dump_run_flush, r };
    enum dump_capture_result res =
        dump_capture(in, stdin_input ? "standard input" : path, &o, &sink, r->st, stderr);
    dump_run_flush(r);
    fflush(stdout);
    return res == DUMP_CAP_ERROR ? 2 : 0;
}

/* Feeds one input through a fresh stream.  Returns 0, or 2 after reporting
 * why the input could not be read. */
static int dump_input(struct framer *fr, struct dump_run *r, const char *path, size_t chunk,
                      uint8_t *buf)
{
    int stdin_input = strcmp(path, "-") == 0;
    int fd = stdin_input ? STDIN_FILENO : open(path, O_RDONLY);
    int status = 0;
    if (fd < 0) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return 2;
    }
    for (;;) {
        ssize_t n = read(fd, buf, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, PROG ": %s: %s\n", stdin_input ? "standard input" : path,
                    strerror(errno));
            status = 2;
            break;
        }
        if (n == 0)
            break;
        if (framer_feed(fr, buf, (size_t)n) != 0) {
            fprintf(stderr, PROG ": %s: out of memory\n", path);
            status = 2;
            break;
        }
        /* what a chunk completed goes out now (for pipes) */
        dump_run_flush(r);
        fflush(stdout);
    }
    framer_finish(fr);
    dump_run_flush(r);
    fflush(stdout);
    if (!stdin_input)
        close(fd);
    return status;
}

int main(int argc, char **argv)
{
    struct dump_run r;
    struct alb_opts opts = { .channel = ALB_CH_ANY, .max_len = ALB_DEFAULT_MAX_LEN };
    uint64_t buffer = DUMP_DEFAULT_BUFFER, chunk = DEFAULT_CHUNK, num;
    int raw = 0, list_fields = 0, nfiles = 0, options_done = 0, want_stats = 0;
    struct dump_capture_opts co;
    dump_capture_defaults(&co);
    /* file operands are gathered in place at the front of argv */
    char **files = argv;

    memset(&r, 0, sizeof r);
#ifdef __GLIBC__
    /* one thread: no lock around every putc and fwrite */
    __fsetlocking(stdout, FSETLOCKING_BYCALLER);
#endif

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || strcmp(a, "-") == 0) {
            files[nfiles++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = 1;
            continue;
        }
        /* --name=value or --name value */
        const char *val = NULL;
        char name[32];
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name)
            return usage_error("unknown option '%s'", a);
        if (a[1] != '-' && nl > 2) {
            /* -vv, -qv: single-letter flags together */
            int ok = 1;
            for (size_t j = 1; j < nl; j++)
                ok &= a[j] == 'v' || a[j] == 'q';
            if (!ok || eq)
                return usage_error("unknown option '%s'", a);
            for (size_t j = 1; j < nl; j++) {
                if (a[j] == 'v')
                    r.out.verbose++;
                else
                    r.quiet = 1;
            }
            continue;
        }
        memcpy(name, a, nl);
        name[nl] = '\0';
        static const char *const with_value[] = {
            "--channel", "--max-len", "--buffer", "--chunk", "--port", "--path", "--kind",
            "--vm", "--max-flows", "--idle", "--reorder",
        };
        int takes = 0;
        for (size_t j = 0; j < sizeof with_value / sizeof *with_value; j++)
            takes |= strcmp(name, with_value[j]) == 0;
        if (takes) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return usage_error("option '%s' needs a value", name);
        } else if (eq) {
            return usage_error("option '%s' takes no value", name);
        }

        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(name, "--raw") == 0) {
            raw = 1;
        } else if (strcmp(name, "--json") == 0) {
            r.json = 1;
        } else if (strcmp(name, "-v") == 0 || strcmp(name, "--verbose") == 0) {
            r.out.verbose++;
        } else if (strcmp(name, "-q") == 0 || strcmp(name, "--quiet") == 0) {
            r.quiet = 1;
        } else if (strcmp(name, "--stats") == 0) {
            want_stats = 1;
        } else if (strcmp(name, "--port") == 0) {
            if (parse_uint(val, 65535, &num) != 0 || num == 0)
                return usage_error("bad --port '%s' (1 to 65535)", val);
            if (co.nports == DUMP_MAX_PORTS)
                return usage_error("at most %d --port options", DUMP_MAX_PORTS);
            co.ports[co.nports++] = (uint16_t)num;
        } else if (strcmp(name, "--path") == 0) {
            if (co.npaths == DUMP_MAX_PATHS)
                return usage_error("at most %d --path options", DUMP_MAX_PATHS);
            co.paths[co.npaths++] = val;
        } else if (strcmp(name, "--kind") == 0) {
            if (!dump_kind_name_known(val))
                return usage_error("unknown message kind '%s' (e.g. vm_create or Vm.Create; "
                                   "see docs/fields.md)", val);
            if (r.flt.nkinds == DUMP_MAX_KINDS)
                return usage_error("at most %d --kind options", DUMP_MAX_KINDS);
            r.flt.kinds[r.flt.nkinds++] = val;
        } else if (strcmp(name, "--vm") == 0) {
            if (r.flt.nvms == DUMP_MAX_VMS)
                return usage_error("at most %d --vm options", DUMP_MAX_VMS);
            r.flt.vms[r.flt.nvms++] = val;
        } else if (strcmp(name, "--max-flows") == 0) {
            if (parse_uint(val, 1u << 20, &num) != 0 || num == 0)
                return usage_error("bad --max-flows '%s' (1 to 1048576)", val);
            co.max_flows = (unsigned)num;
        } else if (strcmp(name, "--idle") == 0) {
            if (parse_uint(val, INT32_MAX, &num) != 0)
                return usage_error("bad --idle '%s' (seconds)", val);
            co.idle = (int64_t)num;
        } else if (strcmp(name, "--reorder") == 0) {
            if (parse_size(val, &num) != 0 || num > (1u << 30))
                return usage_error("bad --reorder '%s'", val);
            co.reorder = (size_t)num;
        } else if (strcmp(name, "--list-fields") == 0) {
            list_fields = 1;
        } else if (strcmp(name, "--channel") == 0) {
            if (strcmp(val, "any") == 0)
                opts.channel = ALB_CH_ANY;
            else if ((opts.channel = alb_channel_from_name(val)) == ALB_CH_ANY)
                return usage_error("unknown channel '%s' (console, stats, log, client or any)", val);
        } else if (strcmp(name, "--max-len") == 0) {
            if (parse_size(val, &opts.max_len) != 0 || opts.max_len == 0)
                return usage_error("bad --max-len '%s'", val);
        } else if (strcmp(name, "--buffer") == 0) {
            if (parse_size(val, &buffer) != 0 || buffer < DUMP_MIN_BUFFER || buffer > SIZE_MAX / 2)
                return usage_error("bad --buffer '%s' (at least 64 bytes)", val);
        } else if (strcmp(name, "--chunk") == 0) {
            if (parse_size(val, &chunk) != 0 || chunk == 0 || chunk > (1u << 30))
                return usage_error("bad --chunk '%s'", val);
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }

    if (list_fields) {
        dump_list_fields(stdout);
        return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
    }
    if (nfiles == 0)
        return usage_error("no input file (use '-' for standard input)");
    if (raw && (co.nports || co.npaths))
        return usage_error("--port and --path select connections in captures, not in --raw streams");

    ob_init(&r.out.ob, stdout);
    if (want_stats && !(r.st = stats_new())) {
        fprintf(stderr, PROG ": out of memory\n");
        return 2;
    }
    co.opts = opts;
    co.buffer = (size_t)buffer;
    uint8_t *buf = NULL;
    struct framer fr;
    if (raw) {
        buf = malloc((size_t)chunk);
        if (!buf) {
            fprintf(stderr, PROG ": out of memory\n");
            stats_free(r.st);
            ob_free(&r.out.ob);
            return 2;
        }
        framer_init(&fr, &opts, (size_t)buffer, dump_run_item, &r);
    }
    int status = 0;
    for (int i = 0; i < nfiles; i++) {
        r.out.file = nfiles > 1 ? files[i] : NULL;
        if (nfiles > 1 && !r.json && !r.quiet)
            text_file_header(&r.out, files[i]);
        int s = raw ? dump_input(&fr, &r, files[i], (size_t)chunk, buf)
                    : dump_capture_file(files[i], &co, &r);
        if (s)
            status = s;
    }
    if (raw)
        framer_free(&fr);
    free(buf);
    if (r.st) {
        if (r.json)
            stats_print_json(r.st, &r.out.ob);
        else
            stats_print(r.st, &r.out.ob);
        ob_commit(&r.out.ob);
        stats_free(r.st);
    }
    int failed = ob_flush(&r.out.ob) != 0;
    ob_free(&r.out.ob);
    if (fflush(stdout) != 0 || ferror(stdout) || failed) {
        fprintf(stderr, PROG ": error writing the output\n");
        return status ? status : 1;
    }
    return status;
}
