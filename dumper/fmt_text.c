/* One line per message, in the spirit of tcpdump:
 *
 *   OFFSET WVn Kind id=ID len=LEN key=value ... [ERROR ...] [WARN ...]
 *
 * and with -v the full field tree below it. */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "dump.h"
#include "obuf.h"

#define LIST_SHOWN 8u       /* list elements shown on the line */
#define BYTES_SHOWN 16u     /* opaque bytes shown on the line */
#define TREE_BYTES 32u      /* opaque bytes shown in the tree */

static int is_header(enum alb_field_id id)
{
    return id == ALB_F_VERSION || id == ALB_F_TAG || id == ALB_F_PADDING || id == ALB_F_ID ||
           id == ALB_F_LENGTH;
}


static void quoted(struct obuf *f, struct alb_bytes b)
{
    ob_ch(f, '"');
    ob_cstr(f, b.p, b.n);
    ob_ch(f, '"');
}

static void opaque(struct obuf *f, struct alb_bytes b, size_t shown)
{
    ob_printf(f, "<%zu byte%s", b.n, b.n == 1 ? "" : "s");
    if (b.n && shown) {
        ob_ch(f, ' ');
        ob_hex(f, b.p, b.n < shown ? b.n : shown);
        if (b.n > shown)
            ob_str(f, "...");
    }
    ob_ch(f, '>');
}

static void time_value(struct obuf *f, struct alb_time t)
{
    char iso[48];
    if (dump_iso_time(t, iso, sizeof iso))
        ob_str(f, iso);
    else
        ob_printf(f, "days:%" PRId64 ",ps:%" PRId64, t.d, t.ps);
}

/* A value as the line and the tree show it; images and other opaque bytes
 * are never printed whole. */
static void value(struct obuf *f, const struct alb_field *fd, int tree)
{
    const char *name;
    switch (fd->type) {
    case ALB_T_UINT:
        if (fd->id == ALB_F_TAG)
            ob_hex_u64(f, fd->v.u, (unsigned)(fd->len * 2));
        else if (fd->id == ALB_F_EVENT && (name = alb_event_name(fd->v.u)))
            ob_str(f, name);
        else
            ob_u64(f, fd->v.u);
        break;
    case ALB_T_INT:
        if (fd->id == ALB_F_VM_VMTYPE && !fd->bad && (name = alb_vmtype_name(fd->v.i)))
            ob_str(f, name);
        else if (fd->id == ALB_F_EV_EXIT && !fd->bad && (name = alb_exit_name(fd->v.i)))
            ob_str(f, name);
        else
            ob_i64(f, fd->v.i);
        break;
    case ALB_T_STR:
        quoted(f, fd->v.b);
        break;
    case ALB_T_BYTES:
        opaque(f, fd->v.b, fd->id == ALB_F_VM_IMAGE && !tree ? 0 : tree ? TREE_BYTES : BYTES_SHOWN);
        break;
    case ALB_T_TIME:
        time_value(f, fd->v.t);
        if (tree && alb_time_valid(fd->v.t))
            ob_printf(f, " (days:%" PRId64 ",ps:%" PRId64 ")", fd->v.t.d, fd->v.t.ps);
        break;
    case ALB_T_IPV4:
        dump_ipv4(f, fd->v.u);
        break;
    case ALB_T_LIST:
    case ALB_T_GROUP:
        break;
    }
    if (tree && fd->bad)
        ob_str(f, " (bad)");
}

/* ---------------------------------------------------------------- the line */

#define NAME_PARTS 64u      /* name components kept to print a name */

/* Bytes that may stand unquoted in a name on the line: letters, digits,
 * _ - : + @ / (PLAIN_NAME), and the dot where a label is one string
 * (PLAIN_LABEL).  A table, since every name on every line is checked. */
enum { PLAIN_NAME = 1, PLAIN_LABEL = 2 };
static const uint8_t plain_tab[256] = {
    ['a' ... 'z'] = PLAIN_NAME | PLAIN_LABEL,
    ['A' ... 'Z'] = PLAIN_NAME | PLAIN_LABEL,
    ['0' ... '9'] = PLAIN_NAME | PLAIN_LABEL,
    ['_'] = PLAIN_NAME | PLAIN_LABEL, ['-'] = PLAIN_NAME | PLAIN_LABEL,
    [':'] = PLAIN_NAME | PLAIN_LABEL, ['+'] = PLAIN_NAME | PLAIN_LABEL,
    ['@'] = PLAIN_NAME | PLAIN_LABEL, ['/'] = PLAIN_NAME | PLAIN_LABEL,
    ['.'] = PLAIN_LABEL,
};

static int plain(struct alb_bytes b, int dots)
{
    const uint8_t want = dots ? PLAIN_LABEL : PLAIN_NAME;
    uint8_t all = want;
    for (size_t i = 0; i < b.n; i++)
        all &= plain_tab[b.p[i]];
    return b.n != 0 && all;
}

/* A VM name: foo.bar when every component is plain, else "foo"."b r";
 * the empty name (the root) is a single dot. */
static void show_name(struct obuf *f, const struct alb_bytes *parts, unsigned n, uint64_t total, int cut)
{
    int all_plain = 1;
    for (unsigned i = 0; i < n; i++)
        all_plain &= plain(parts[i], 0);
    if (total == 0 && !cut)
        ob_ch(f, '.');
    for (unsigned i = 0; i < n; i++) {
        if (i)
            ob_ch(f, '.');
        if (all_plain)
            ob_put(f, parts[i].p, parts[i].n);
        else
            quoted(f, parts[i]);
    }
    if (total > n)
        ob_str(f, ".(...)");
}

/* A name or label given as one string. */
static void show_label(struct obuf *f, struct alb_bytes b)
{
    if (plain(b, 1))
        ob_put(f, b.p, b.n);
    else
        quoted(f, b);
}

enum list_mode { LM_NAME, LM_ITEMS };

struct line {
    struct obuf *f;
    struct dump_item *it;
    int head_done;              /* line_head written */
    unsigned lvl;               /* open lists and groups */
    enum list_mode mode;        /* the top-level list being shown */
    uint64_t items;             /* its elements seen */
    int elem_label;             /* 0: element label not printed yet, 1: collecting a name, 2: done */
    struct alb_bytes parts[NAME_PARTS];
    unsigned nparts;            /* kept */
    uint64_t all_parts;         /* seen */
    int ru;                     /* inside the top-level rusage group */
    uint64_t utime, stime, maxrss;
    int64_t utime_us, stime_us;
};

static void show_secs(struct obuf *f, const char *k, uint64_t s, int64_t us)
{
    if (us >= 0 && us < 1000000)
        ob_printf(f, " %s=%" PRIu64 ".%06" PRId64 "s", k, s, us);
    else
        ob_printf(f, " %s=%" PRIu64 "s%+" PRId64 "us", k, s, us);
}

static void top_value(struct line *l, const struct alb_field *fd)
{
    struct obuf *f = l->f;
    if (is_header(fd->id) || fd->id == ALB_F_TRAILING)
        return;                 /* header on the prefix, trailing bytes as a warning */
    if (fd->id == ALB_F_NAME) {
        ob_str(f, " vm=");
        show_label(f, fd->v.b);
        return;
    }
    ob_ch(f, ' ');
    dump_field_name(f, fd->id, 1);
    ob_ch(f, '=');
    value(f, fd, 0);
}

static void rusage_value(struct line *l, const struct alb_field *fd)
{
    switch (fd->id) {
    case ALB_F_RU_UTIME_SEC: l->utime = fd->v.u; break;
    case ALB_F_RU_UTIME_USEC: l->utime_us = fd->v.i; break;
    case ALB_F_RU_STIME_SEC: l->stime = fd->v.u; break;
    case ALB_F_RU_STIME_USEC: l->stime_us = fd->v.i; break;
    case ALB_F_RU_MAXRSS: l->maxrss = fd->v.u; break;
    default: break;
    }
}

static void keep_part(struct line *l, struct alb_bytes b)
{
    if (l->nparts < NAME_PARTS)
        l->parts[l->nparts++] = b;
    l->all_parts++;
}

static void item_sep(struct line *l)
{
    if (l->items > 1)
        ob_ch(l->f, ',');
}

static int on_line_field(void *ctx, const struct alb_field *fd)
{
    struct line *l = ctx;
    struct obuf *f = l->f;

    if (fd->ev == ALB_FE_OPEN) {
        l->lvl++;
        if (l->lvl == 1) {
            if (fd->type == ALB_T_GROUP) {
                l->ru = fd->id == ALB_F_RU;
            } else if (fd->id == ALB_F_VM_NAME) {
                l->mode = LM_NAME;
                l->nparts = 0;
                l->all_parts = 0;
                ob_str(f, " vm=");
            } else {
                l->mode = LM_ITEMS;
                l->items = 0;
                ob_ch(f, ' ');
                dump_field_name(f, fd->id, 1);
                ob_str(f, "=[");
            }
        } else if (l->lvl == 2 && fd->type == ALB_T_GROUP) {
            /* an element of a list of groups: labelled by its first string or name */
            l->items++;
            l->elem_label = l->items > LIST_SHOWN ? 2 : 0;
            if (!l->elem_label)
                item_sep(l);
        } else if (l->lvl == 3 && fd->type == ALB_T_LIST && l->elem_label == 0 &&
                   fd->id == ALB_F_INFO_NAME) {
            l->elem_label = 1;
            l->nparts = 0;
            l->all_parts = 0;
        }
        return 0;
    }
    if (fd->ev == ALB_FE_CLOSE) {
        if (l->lvl == 1) {
            if (fd->type == ALB_T_GROUP) {
                if (l->ru) {
                    show_secs(f, "ru.utime", l->utime, l->utime_us);
                    show_secs(f, "ru.stime", l->stime, l->stime_us);
                    ob_printf(f, " ru.maxrss=%" PRIu64, l->maxrss);
                }
                l->ru = 0;
            } else if (l->mode == LM_NAME) {
                show_name(f, l->parts, l->nparts, l->all_parts, 0);
            } else {
                if (fd->v.u > LIST_SHOWN)
                    ob_printf(f, ",+%" PRIu64 " more", fd->v.u - LIST_SHOWN);
                ob_ch(f, ']');
            }
        } else if (l->lvl == 2 && fd->type == ALB_T_GROUP) {
            if (l->elem_label == 0)
                ob_printf(f, "#%" PRIu64, l->items);
            l->elem_label = 2;
        } else if (l->lvl == 3 && l->elem_label == 1) {
            show_name(f, l->parts, l->nparts, l->all_parts, 0);
            l->elem_label = 2;
        }
        if (l->lvl)
            l->lvl--;
        return 0;
    }

    switch (l->lvl) {
    case 0:
        top_value(l, fd);
        break;
    case 1:
        if (l->ru) {
            rusage_value(l, fd);
        } else if (l->mode == LM_NAME) {
            keep_part(l, fd->v.b);
        } else if (fd->type == ALB_T_STR) {
            l->items++;
            if (l->items <= LIST_SHOWN) {
                item_sep(l);
                quoted(f, fd->v.b);
            }
        }
        break;
    case 2:
        if (l->elem_label == 0 && fd->type == ALB_T_STR) {
            show_label(f, fd->v.b);
            l->elem_label = 2;
        }
        break;
    default:
        if (l->elem_label == 1)
            keep_part(l, fd->v.b);
        break;
    }
    return 0;
}

/* ---------------------------------------------------------------- the tree */

struct tree {
    struct obuf *f;
    int offsets;
};

/* What follows the name of an opening list or group in the tree. */
static void open_suffix(struct obuf *f, const struct alb_field *fd)
{
    if (fd->type == ALB_T_LIST && fd->v.u)
        ob_printf(f, " (list of %" PRIu64 ")\n", fd->v.u);
    else
        ob_str(f, fd->type == ALB_T_LIST ? " (list)\n" : " (group)\n");
}

/* The tree without byte offsets: names and values, indented by depth. */
static void plain_tree_field(struct obuf *f, const struct alb_field *fd, const char *name)
{
    int indent = 4 + 2 * (int)fd->depth;
    switch (fd->ev) {
    case ALB_FE_VALUE:
        ob_printf(f, "%*s%s = ", indent, "", name);
        value(f, fd, 1);
        ob_ch(f, '\n');
        break;
    case ALB_FE_OPEN:
        ob_printf(f, "%*s%s", indent, "", name);
        open_suffix(f, fd);
        break;
    case ALB_FE_CLOSE:
        if (fd->type == ALB_T_LIST && fd->v.u == 0)
            ob_printf(f, "%*s(empty)\n", indent + 2, "");
        break;
    }
}

static int on_tree_field(void *ctx, const struct alb_field *fd)
{
    struct tree *t = ctx;
    struct obuf *f = t->f;
    const struct alb_field_info *fi = alb_field_info(fd->id);
    const char *name = fi ? fi->name : "?";
    int indent = 4 + 2 * (int)fd->depth;

    if (!t->offsets) {
        plain_tree_field(f, fd, name);
        return 0;
    }
    switch (fd->ev) {
    case ALB_FE_VALUE:
        ob_printf(f, "%*s+%-6" PRIu64 " %6" PRIu64 "  %s = ", indent, "", fd->off, fd->len, name);
        value(f, fd, 1);
        ob_ch(f, '\n');
        break;
    case ALB_FE_OPEN:
        ob_printf(f, "%*s+%-6" PRIu64 " %6s  %s", indent, "", fd->off, "", name);
        open_suffix(f, fd);
        break;
    case ALB_FE_CLOSE:
        ob_printf(f, "%*s+%-6" PRIu64 " %6" PRIu64 "  end of %s", indent, "", fd->off, fd->len, name);
        if (fd->type == ALB_T_LIST)
            ob_printf(f, " (%" PRIu64 " element%s)", fd->v.u, fd->v.u == 1 ? "" : "s");
        ob_ch(f, '\n');
        break;
    }
    return 0;
}

/* ---------------------------------------------------------------- items */

static void error_text(struct obuf *f, const struct alb_error *e)
{
    ob_printf(f, " ERROR %s", alb_err_name(e->code));
    if (e->field != ALB_F_NONE) {
        const struct alb_field_info *fi = alb_field_info(e->field);
        ob_printf(f, " at %s", fi ? fi->name : "?");
    }
    ob_printf(f, " +%" PRIu64 " (%s)", e->offset, alb_err_str(e->code));
}

void text_file_header(struct dump_out *o, const char *name)
{
    ob_str(&o->ob, "# ");
    ob_cstr(&o->ob, (const uint8_t *)name, strlen(name));
    ob_ch(&o->ob, '\n');
    ob_commit(&o->ob);
}

/* The start of a line: stream offset (raw streams), or capture time and flow. */
static void line_start(struct obuf *f, const struct dump_item *it)
{
    if (!it->src) {
        ob_u64(f, it->offset);
        return;
    }
    dump_src_time(it->src, f);
    ob_ch(f, ' ');
    dump_src_flow(it->src, f);
}

/* " WV2 Console.Data id=0 len=38": what the header says, for a message. */
static void line_head(struct obuf *f, const struct dump_item *it)
{
    const struct alb_msg *m = &it->msg;
    size_t name_len;
    line_start(f, it);
    const char *name = dump_kind_name(m, &name_len);
    ob_str(f, " WV");
    ob_ch(f, (char)('0' + m->version % 10));
    ob_ch(f, ' ');
    ob_put(f, name, name_len);
    if (dump_kind_needs_tag(m)) {
        ob_str(f, " tag=");
        ob_hex_u64(f, m->tag, m->version == 2 ? 8 : 4);
    }
    ob_str(f, " id=");
    ob_u64(f, m->id);
    ob_str(f, " len=");
    ob_u64(f, m->length);
}

/* The line's fields as the walk reports them; the head goes first, once
 * the decoder has read the header (it fills the header members of the
 * message before it reports the first field). */
static int on_line_event(void *ctx, const struct alb_field *fd)
{
    struct line *l = ctx;
    if (!l->head_done) {
        line_head(l->f, l->it);
        l->head_done = 1;
    }
    return on_line_field(ctx, fd);
}

/* Anything but a message: gaps, resynchronisation, framing errors and
 * headers cut short. */
static void other_line(struct obuf *f, const struct dump_item *it)
{
    const struct alb_msg *m = &it->msg;
    struct alb_error err;
    line_start(f, it);
    if (it->type == DUMP_GAP) {
        ob_printf(f, " GAP %" PRIu64 " byte%s not captured\n", it->skipped,
                  it->skipped == 1 ? "" : "s");
        return;
    }
    if (it->type == DUMP_RESYNC) {
        ob_printf(f, " RESYNC skipped %" PRIu64 " byte%s up to the next header\n", it->skipped,
                  it->skipped == 1 ? "" : "s");
        return;
    }
    if (m->err.code == ALB_E_UNKNOWN_VERSION)
        ob_printf(f, " version=%u", m->version);
    else if (m->hdr_len)
        ob_printf(f, " WV%u", m->version);
    if (m->err.code == ALB_E_BAD_LENGTH || m->err.code == ALB_E_TOO_LONG) {
        size_t kn;
        const char *kname = dump_kind_name(m, &kn);
        ob_printf(f, " %s tag=0x%0*" PRIx32 " id=%" PRIu64 " len=%" PRIu64, kname,
                  m->version == 2 ? 8 : 4, m->tag, m->id, m->length);
    }
    dump_item_error(it, &err);
    error_text(f, &err);
    if (it->type == DUMP_FRAMING)
        ob_printf(f, "; skipped %" PRIu64 " byte%s", it->skipped, it->skipped == 1 ? "" : "s");
    else
        ob_printf(f, "; the stream ends inside a header (%zu byte%s)", it->len,
                  it->len == 1 ? "" : "s");
    ob_ch(f, '\n');
}

void text_item(struct dump_out *o, struct dump_item *it)
{
    struct obuf *f = &o->ob;
    const struct alb_msg *m = &it->msg;
    struct alb_error err;

    if (it->type != DUMP_MESSAGE) {
        dump_item_fields(it, NULL, NULL);
        other_line(f, it);
        return;
    }

    /* parts[] is filled before it is read: only the rest needs clearing */
    struct line l;
    memset(&l, 0, offsetof(struct line, parts));
    memset(&l.nparts, 0, sizeof l - offsetof(struct line, nparts));
    l.f = f;
    l.it = it;
    dump_item_body_fields(it, on_line_event, &l);
    if (!l.head_done)
        line_head(f, it);
    if (l.lvl > 0 && !l.ru) {   /* the walk stopped inside a list */
        if (l.mode == LM_NAME)
            show_name(f, l.parts, l.nparts, l.all_parts, 1);
        ob_str(f, l.mode == LM_NAME ? "..." : "...]");
    }

    if (dump_item_error(it, &err))
        error_text(f, &err);
    for (unsigned i = 0; i < ALB_W_COUNT; i++) {
        if (!(m->warnings & (1u << i)))
            continue;
        ob_printf(f, " WARN %s", alb_warning_name(i));
        if ((1u << i) == ALB_W_TRAILING)
            ob_printf(f, " (%" PRIu64 " byte%s at +%" PRIu64 ")", m->trailing,
                      m->trailing == 1 ? "" : "s", m->trailing_off);
    }
    if (!it->complete)
        ob_printf(f, " [captured %" PRIu64 " of %" PRIu64 " bytes]", it->received, it->total);
    if (it->prefix_only)
        ob_printf(f, " [decoded the first %zu of %" PRIu64 " bytes]", it->len, it->total);
    ob_ch(f, '\n');

    if (o->verbose) {
        struct tree t = { f, o->verbose > 1 };
        dump_item_fields(it, on_tree_field, &t);
    }
}
