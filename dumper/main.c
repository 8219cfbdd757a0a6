/* albatross-dump: the command line. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"

#define PROG "albatross-dump"
#define DEFAULT_CHUNK (64u * 1024u)

static const char usage_text[] =
    "usage: " PROG " --raw [options] FILE...\n"
    "       " PROG " --list-fields\n"
    "\n"
    "Prints every albatross wire-protocol message of a raw byte stream (messages\n"
    "back to back, as they travel on a socket), one line per message.\n"
    "\n"
    "  --raw             read raw byte streams; FILE '-' is standard input\n"
    "  --json            print JSON Lines (keys: docs/fields.md) instead of text\n"
    "  -v, --verbose     text: print the field tree under each line\n"
    "  --channel NAME    WV0 channel: console, stats, log, client (or any);\n"
    "                    WV0 tags mean something only together with the channel\n"
    "  --max-len N       body length limit (default 256M; suffixes k, M, G)\n"
    "  --buffer N        bytes buffered per stream (default 16M, at least 64);\n"
    "                    longer messages are decoded from their first N bytes\n"
    "  --chunk N         read at most N bytes at a time (default 64k)\n"
    "  --list-fields     print the field table (docs/fields.md) and exit\n"
    "  -h, --help        print this help and exit\n"
    "\n"
    "Every FILE is a stream of its own; offsets count from its first byte.\n"
    "Malformed messages are reported in the output. Exit status: 0 when every\n"
    "input was read, 2 for a usage error or an input that could not be read,\n"
    "1 when the output could not be written.\n";

struct run {
    struct dump_out out;
    int json;
};

static void emit(void *ctx, const struct dump_item *it)
{
    struct run *r = ctx;
    if (r->json)
        json_item(&r->out, it);
    else
        text_item(&r->out, it);
}

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

/* Feeds one input through a fresh stream.  Returns 0, or 2 after reporting
 * why the input could not be read. */
static int dump_input(struct framer *fr, const char *path, size_t chunk, uint8_t *buf)
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
        fflush(stdout);
    }
    framer_finish(fr);
    fflush(stdout);
    if (!stdin_input)
        close(fd);
    return status;
}

int main(int argc, char **argv)
{
    struct run r;
    struct alb_opts opts = { ALB_CH_ANY, ALB_DEFAULT_MAX_LEN, 0 };
    uint64_t buffer = DUMP_DEFAULT_BUFFER, chunk = DEFAULT_CHUNK;
    int raw = 0, list_fields = 0, nfiles = 0, options_done = 0;
    /* file operands are gathered in place at the front of argv */
    char **files = argv;

    memset(&r, 0, sizeof r);
    r.out.f = stdout;

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
        memcpy(name, a, nl);
        name[nl] = '\0';
        int takes = strcmp(name, "--channel") == 0 || strcmp(name, "--max-len") == 0 ||
                    strcmp(name, "--buffer") == 0 || strcmp(name, "--chunk") == 0;
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
            r.out.verbose = 1;
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
    if (!raw)
        return usage_error("no input format given: use --raw (raw byte streams)");
    if (nfiles == 0)
        return usage_error("no input file (use '-' for standard input)");

    uint8_t *buf = malloc((size_t)chunk);
    struct framer fr;
    if (!buf || framer_init(&fr, &opts, (size_t)buffer, emit, &r) != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        return 2;
    }
    int status = 0;
    for (int i = 0; i < nfiles; i++) {
        r.out.file = nfiles > 1 ? files[i] : NULL;
        if (nfiles > 1 && !r.json)
            text_file_header(&r.out, files[i]);
        int s = dump_input(&fr, files[i], (size_t)chunk, buf);
        if (s)
            status = s;
    }
    framer_free(&fr);
    free(buf);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, PROG ": error writing the output\n");
        return status ? status : 1;
    }
    return status;
}
