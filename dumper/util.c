/* Helpers shared by the text and JSON formatters. */
#include <inttypes.h>
#include <string.h>

#include "dump.h"

static void civil_date(int64_t days, int64_t *y, unsigned *mo, unsigned *d);

/* The part of a time up to the fraction, kept per source: timestamps come
 * in runs within one day, and often within one second. */
struct iso_cache {
    int64_t days, sod;
    int in_range;           /* year 0-9999 */
    char head[20];          /* "YYYY-MM-DD" of days, "THH:MM:SS." of sod */
};
#define ISO_CACHE_INIT { INT64_MIN, -1, 0, { 0 } }

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (ISO 8601).  A year outside 0000-9999,
 * which only a capture's timestamp can have, takes ISO 8601's expanded
 * form as JavaScript and XML Schema write it: a sign and at least six
 * digits ("+321704-11-23T…", "-000001-12-31T…"), so that no year is
 * written in a form that reads as another date. */
static void iso(struct iso_cache *c, char *buf, size_t n, int64_t days, int64_t sod,
                uint64_t usec)
{
    int64_t y;
    unsigned mo, d;
    if (days != c->days) {
        civil_date(days, &y, &mo, &d);
        c->days = days;
        c->in_range = y >= 0 && y <= 9999;
        if (c->in_range) {
            char *p = ob_pair(c->head, (unsigned)(y / 100));
            p = ob_pair(p, (unsigned)(y % 100));
            *p++ = '-';
            p = ob_pair(p, mo);
            *p++ = '-';
            ob_pair(p, d);
        }
    }
    if (sod != c->sod) {
        c->sod = sod;
        char *p = c->head + 10;
        *p++ = 'T';
        p = ob_pair(p, (unsigned)(sod / 3600));
        *p++ = ':';
        p = ob_pair(p, (unsigned)(sod / 60 % 60));
        *p++ = ':';
        p = ob_pair(p, (unsigned)(sod % 60));
        *p = '.';
    }
    if (!c->in_range || n < 28 || usec > 999999) {
        civil_date(days, &y, &mo, &d);
        if (y >= 0 && y <= 9999)
            snprintf(buf, n, "%04" PRId64, y);
        else
            snprintf(buf, n, "%c%06" PRIu64, y < 0 ? '-' : '+',
                     y < 0 ? 0u - (uint64_t)y : (uint64_t)y);
        size_t k = strlen(buf);
        snprintf(buf + k, n - k, "-%02u-%02uT%02u:%02u:%02u.%06" PRIu64 "Z", mo, d,
                 (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60), (unsigned)(sod % 60), usec);
        return;
    }
    memcpy(buf, c->head, sizeof c->head);
    char *p = ob_pair(buf + sizeof c->head, (unsigned)(usec / 10000));
    p = ob_pair(p, (unsigned)(usec / 100 % 100));
    p = ob_pair(p, (unsigned)(usec % 100));
    *p++ = 'Z';
    *p = '\0';
}

const char *dump_kind_name(const struct alb_msg *m, size_t *len)
{
    /* made once per kind, and per operation for success replies */
    static struct label {
        size_t len;
        char text[80];
    } plain[ALB_K_COUNT], reply[ALB_K_COUNT];
    if ((unsigned)m->kind < ALB_K_COUNT && m->kind != ALB_K_SUCCESS && plain[m->kind].len) {
        *len = plain[m->kind].len;      /* the usual case: made before */
        return plain[m->kind].text;
    }
    const struct alb_kind_info *k = alb_kind_info(m->kind);
    const char *name = k ? k->name : "?";
    struct label *l = (unsigned)m->kind < ALB_K_COUNT ? &plain[m->kind] : NULL;
    const char *op_name = NULL;
    if (m->version == 2 && m->kind == ALB_K_SUCCESS) {
        enum alb_kind op = alb_reply_op(m->tag);
        const struct alb_kind_info *o = alb_kind_info(op);
        if (op != ALB_K_UNKNOWN && o && (unsigned)op < ALB_K_COUNT) {
            l = &reply[op];
            op_name = o->name;
        }
    }
    if (!l) {
        *len = strlen(name);
        return name;
    }
    if (!l->len) {
        int n = op_name ? snprintf(l->text, sizeof l->text, "%s %s", name, op_name)
                        : snprintf(l->text, sizeof l->text, "%s", name);
        l->len = n < 0 ? 0 : (size_t)n < sizeof l->text ? (size_t)n : sizeof l->text - 1;
    }
    *len = l->len;
    return l->text;
}

int dump_kind_needs_tag(const struct alb_msg *m)
{
    switch (m->kind) {
    case ALB_K_UNKNOWN:
    case ALB_K_V0_UNKNOWN:
    case ALB_K_V1_UNSUPPORTED:
        return 1;
    case ALB_K_SUCCESS:
        return alb_reply_op(m->tag) == ALB_K_UNKNOWN;
    default:
        return 0;
    }
}

/* Gregorian date of a day count since 1970-01-01 (proleptic calendar). */
static void civil_date(int64_t days, int64_t *y, unsigned *mo, unsigned *d)
{
    int64_t z = days + 719468;                     /* days since 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;              /* March = 0 */
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *mo = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*mo <= 2);
}

int dump_iso_time(struct alb_time t, char *buf, size_t n)
{
    /* consecutive messages often carry the same time: the last one is kept */
    static struct alb_time last = { 1, -1 };
    static char last_text[32];
    static struct iso_cache cache = ISO_CACHE_INIT;
    if (!alb_time_valid(t))
        return 0;
    if (t.d == last.d && t.ps == last.ps && n >= sizeof last_text) {
        memcpy(buf, last_text, sizeof last_text);
        return 1;
    }
    int64_t sec;
    uint64_t ps;
    alb_time_to_unix(t, &sec, &ps);
    int64_t days = sec / 86400;
    int64_t sod = sec % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    iso(&cache, buf, n, days, sod, ps / 1000000u);
    if (n >= sizeof last_text && strlen(buf) < sizeof last_text) {
        last = t;
        memcpy(last_text, buf, sizeof last_text);
    }
    return 1;
}

void dump_ipv4(struct obuf *o, uint64_t a)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        ob_u64(o, a >> shift & 255);
        if (shift)
            ob_ch(o, '.');
    }
}

int dump_item_error(const struct dump_item *it, struct alb_error *err)
{
    if (it->type == DUMP_SHORT) {
        err->code = ALB_E_TRUNCATED;
        err->field = ALB_F_NONE;
        err->offset = it->len;
        return 1;
    }
    *err = it->msg.err;
    return err->code != ALB_E_OK;
}

void dump_cap_time(int64_t sec, long usec, char *buf, size_t n)
{
    int64_t days = sec / 86400;
    int64_t sod = sec % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    static struct iso_cache cache = ISO_CACHE_INIT;
    if (usec < 0 || usec > 999999)
        usec = 0;
    iso(&cache, buf, n, days, sod, (uint64_t)usec);
}

size_t dump_path_string(const char *p, char *buf, size_t n)
{
    size_t len = strlen(p), k = 0;
    int plain = len > 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f || p[i] == '"' ||
            p[i] == '\\')
            plain = 0;
    if (plain)
        return (size_t)snprintf(buf, n, "%s", p);
    if (k + 1 < n)
        buf[k++] = '"';
    for (size_t i = 0; i < len && k + 5 < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') {
            buf[k++] = '\\';
            buf[k++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            k += (size_t)snprintf(buf + k, n - k, "\\x%02x", c);
        } else {
            buf[k++] = (char)c;
        }
    }
    if (k + 1 < n)
        buf[k++] = '"';
    buf[k] = '\0';
    return k;
}

void dump_src_time(const struct dump_src *cs, struct obuf *o)
{
    struct dump_src *s = (struct dump_src *)cs;
    if (s->ts_frame != s->frame || !s->ts_text[0]) {
        dump_cap_time(s->ts_sec, s->ts_usec, s->ts_text, sizeof s->ts_text);
        s->ts_len = strlen(s->ts_text);
        s->ts_frame = s->frame;
    }
    ob_put(o, s->ts_text, s->ts_len);
}

void dump_src_flow(const struct dump_src *cs, struct obuf *o)
{
    struct dump_src *s = (struct dump_src *)cs;
    if (!s->flow_text[0]) {
        dump_flow_string(s, s->flow_text, sizeof s->flow_text);
        s->flow_len = strlen(s->flow_text);
    }
    ob_put(o, s->flow_text, s->flow_len);
}

void dump_flow_string(const struct dump_src *s, char *buf, size_t n)
{
    size_t k;
    switch (s->transport) {
    case DUMP_TR_TCP:
        snprintf(buf, n, "%s > %s:", s->from, s->to);
        break;
    case DUMP_TR_UNIX:
        k = dump_path_string(s->path, buf, n);
        if (k < n)
            snprintf(buf + k, n - k, " %" PRIu64 " > %" PRIu64 ":", s->pid, s->peer);
        break;
    case DUMP_TR_UNIX16:
        snprintf(buf, n, "pid %" PRIu64 " > %" PRIu64 ":", s->pid, s->peer);
        break;
    case DUMP_TR_EXPORTED:
        if (s->has_addr)
            snprintf(buf, n, "pdu %s > %s:", s->from, s->to);
        else
            snprintf(buf, n, "pdu:");
        break;
    case DUMP_TR_RAW:
        snprintf(buf, n, "raw:");
        break;
    }
}

int dump_vm_name(const struct alb_msg *m, char *buf, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return 0;
    buf[0] = '\0';
    if (m->version == 2) {
        if (m->name.count == 0)
            return 0;
        struct alb_iter it;
        struct alb_bytes part;
        alb_iter_init(&it, ALB_F_VM_NAME, &m->name);
        int first = 1;
        while (alb_iter_next(&it, &part)) {
            if (!first && k + 1 < n)
                buf[k++] = '.';
            first = 0;
            for (size_t i = 0; i < part.n && k + 1 < n; i++)
                buf[k++] = (char)part.p[i];
        }
    } else {
        if (!m->name_str.p || m->name_str.n == 0)
            return 0;
        for (size_t i = 0; i < m->name_str.n && k + 1 < n; i++)
            buf[k++] = (char)m->name_str.p[i];
    }
    buf[k] = '\0';
    return 1;
}

void dump_field_name(struct obuf *o, enum alb_field_id id, int short_key)
{
    /* written for nearly every field: the lengths are kept */
    static uint8_t len[2][ALB_F_COUNT];
    const struct alb_field_info *fi = (unsigned)id < ALB_F_COUNT ? alb_field_info(id) : NULL;
    if (!fi) {
        ob_str(o, short_key ? "?" : "albatross.unknown");
        return;
    }
    const char *text = short_key ? fi->key : fi->name;
    uint8_t *n = &len[short_key != 0][id];
    if (!*n) {
        size_t l = strlen(text);
        *n = (uint8_t)(l < 255 ? l : 255);
    }
    if (*n < 255)
        ob_put(o, text, *n);
    else
        ob_str(o, text);
}
