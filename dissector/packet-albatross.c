/*
 * Wireshark dissector for the albatross VMM wire protocol (wire versions 2
 * and 0).
 *
 * Everything about the bytes comes from libalbatross-wire: framing from
 * alb_frame/alb_resync, and every field (id, type, offset, length, value)
 * from the field walker of alb_decode.  This file only turns those reports
 * into tree items, columns, expert infos, request/response links and
 * statistics.
 *
 * Transports:
 *   - TCP: tcp_dissect_pdus, a port-range preference (empty by default),
 *     "Decode As", and a strict heuristic dissector (also offered to TLS).
 *   - Unix-socket captures in sockdump's format (pcap link type 147, USER0),
 *     reassembled per socket path and direction on the first pass.
 *   - Exported PDUs (link type 252) naming "albatross" or one of the
 *     channel-specific dissectors "albatross_console", "albatross_stats",
 *     "albatross_log", "albatross_client".
 */
#define WS_BUILD_DLL
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/prefs-int.h>
#include <epan/expert.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <epan/stats_tree.h>
#include <epan/strutil.h>
#include <epan/to_str.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/dissectors/packet-tls-utils.h>
#include <wiretap/wtap.h>

#include "albatross/wire.h"
#include "packet-albatross.h"
#include "ws_compat.h"

/* ------------------------------------------------------------------ ids */

static int proto_albatross = -1;
static int albatross_tap = -1;

static int hf_field[ALB_F_COUNT];
static enum ftenum hf_ftype[ALB_F_COUNT];
static gint ett_field[ALB_F_COUNT];

/* fields of the plugin only (dissector/README.md lists them) */
static int hf_kind = -1;
static int hf_reply = -1;
static int hf_channel = -1;
static int hf_name_str = -1;
static int hf_time_days = -1;
static int hf_time_ps = -1;
static int hf_response_in = -1;
static int hf_response_to = -1;
static int hf_response_time = -1;
static int hf_undecoded = -1;
static int hf_fragment = -1;
static int hf_reassembled_in = -1;
static int hf_sd_header = -1;
static int hf_sd_path = -1;
static int hf_sd_pid = -1;
static int hf_sd_peer_pid = -1;
static int hf_sd_direction = -1;

static gint ett_albatross = -1;
static gint ett_time = -1;
static gint ett_sockdump = -1;

static expert_field ei_malformed = EI_INIT;
static expert_field ei_bad_value = EI_INIT;
static expert_field ei_time_range = EI_INIT;
static expert_field ei_unknown_event = EI_INIT;
static expert_field ei_unknown_tag = EI_INIT;
static expert_field ei_framing = EI_INIT;
static expert_field ei_length = EI_INIT;
static expert_field ei_truncated = EI_INIT;
static expert_field ei_trailing = EI_INIT;
static expert_field ei_padding = EI_INIT;
static expert_field ei_ref_rejects = EI_INIT;
static expert_field ei_str_65535 = EI_INIT;
static expert_field ei_heuristic = EI_INIT;
static expert_field ei_no_channel = EI_INIT;
static expert_field ei_arm64 = EI_INIT;
static expert_field ei_unsupported = EI_INIT;
static expert_field ei_gap = EI_INIT;
static expert_field ei_incomplete = EI_INIT;
static expert_field ei_sockdump = EI_INIT;

static dissector_handle_t albatross_handle;
static dissector_handle_t albatross_tcp_handle;
static dissector_handle_t albatross_sockdump_handle;
static dissector_handle_t tls_handle;
static dissector_handle_t albatross_channel_handle[ALB_CH_COUNT];

/* ------------------------------------------------------------------ preferences */

enum { SD_AUTO = 0, SD_16 = 16, SD_125 = 125 };

static gint pref_channel = ALB_CH_ANY;
static alb_ws_pref_bool pref_desegment = TRUE;
static guint pref_max_len = ALB_DEFAULT_MAX_LEN;
static alb_ws_pref_bool pref_user0 = TRUE;
static gint pref_sockdump = SD_AUTO;
static gboolean user0_registered = FALSE;

static const enum_val_t channel_vals[] = {
    { "auto", "Automatic (socket path; client channel on TCP)", ALB_CH_ANY },
    { "console", "Console (cons.sock)", ALB_CH_CONSOLE },
    { "stats", "Statistics (stat.sock)", ALB_CH_STATS },
    { "log", "Log (log.sock)", ALB_CH_LOG },
    { "client", "Client (TLS, TCP port 1025)", ALB_CH_CLIENT },
    { NULL, NULL, -1 }
};

static const enum_val_t sockdump_vals[] = {
    { "auto", "Automatic", SD_AUTO },
    { "16", "16 bytes: peer pid, pid", SD_16 },
    { "125", "125 bytes: path length, path, peer pid, pid", SD_125 },
    { NULL, NULL, -1 }
};

/* names for integer fields, filled from the parser's tables */
static value_string event_vals[ALB_EV_COUNT + 1];
static val64_string vmtype_vals[4];
static val64_string exit_vals[4];

/* ------------------------------------------------------------------ state */

/* A request waiting for (or matched with) its reply; messages are named by
 * frame and index within the frame. */
struct alb_trans {
    guint64 id;                 /* key in the pending map */
    nstime_t req_ts;
    guint32 req_frame, req_index;
    guint32 rep_frame, rep_index;   /* rep_frame 0: no reply yet */
    enum alb_kind req_kind;
};

/* An append-only sequence in file memory whose elements never move (the
 * pending maps point into it).  Small blocks: most conversations hold a
 * few transactions. */
#define SEQ_BLOCK 16

struct seq {
    wmem_array_t *blocks;       /* guint8 *, SEQ_BLOCK elements each */
    guint32 count;
    guint32 elem_size;
};

/* Per-direction reassembly of a Unix-socket stream (first pass only). */
struct alb_flow {
    guint8 *buf;
    size_t len, cap;
    wmem_array_t *parts;        /* struct alb_record * that hold pending bytes */
    guint32 first_frame;        /* where the pending bytes start */
};

/* The first pass records every request (in requests) and every reply that
 * matched one (in replies, pointing at its request) in frame order, so a
 * message's transaction is found again by frame and index. */
struct alb_conv {
    wmem_map_t *pending[2];     /* request id -> struct alb_trans *, per direction */
    struct seq requests;        /* struct alb_trans */
    struct seq replies;         /* struct alb_trans * */
    gboolean have_first;
    address first_src;
    guint32 first_port;
    guint64 first_pid;          /* sockdump: the first sender */
    enum alb_channel channel;   /* from the socket path */
    struct alb_flow flow[2];
    const char *pid_label[2];   /* sockdump: "pid N" of both ends, when made */
    guint64 labelled_pid[2];
};

/* One message (or undecodable run) that a sockdump record completes. */
struct alb_unit {
    const guint8 *data;         /* copy, when it spans records */
    guint32 len;
    gint32 off;                 /* offset in this record's payload, or -1 */
    guint32 first_frame;
};

struct alb_record {
    guint32 n;
    struct alb_unit *units;
    guint32 reassembled_in;     /* the tail of this record ends a message there */
    guint32 tail_off, tail_len; /* that tail */
    gboolean gap;               /* the record was cut short: the stream restarts */
    unsigned dir;
};

struct alb_ctx {
    struct alb_conv *cs;
    unsigned dir;
    gboolean nodir;             /* no addresses: requests and replies not told apart by direction */
    enum alb_channel channel;
    gboolean tcp;               /* handed over by tcp_dissect_pdus */
};

/* What the stats tree counts. */
struct alb_tap_info {
    const char *kind;
    const char *vm;
    const char *err;
};

enum { KEY_COUNT = 0, KEY_RECORD = 1 };

static wmem_map_t *sockdump_convs;  /* "path|pid|pid" -> conversation id */
static guint32 sockdump_next_id;

/* "Reply Vm.Create" and the like, made once: every success reply is labelled */
static const char *reply_label[ALB_K_COUNT];

/* ------------------------------------------------------------------ helpers */

static enum alb_channel pref_or(enum alb_channel ch)
{
    return pref_channel != ALB_CH_ANY ? (enum alb_channel)pref_channel : ch;
}

static void fill_opts(struct alb_opts *o, enum alb_channel ch, int partial)
{
    memset(o, 0, sizeof *o);
    o->channel = ch;
    o->max_len = pref_max_len ? pref_max_len : ALB_DEFAULT_MAX_LEN;
    o->partial = partial;
}

/* Length of the unit at the start of buf: a whole message, or the bytes to
 * skip to the next plausible header after a framing error.  0 means more
 * bytes are needed; *need says how many in all when known. */
static guint64 unit_length(const guint8 *buf, size_t len, const struct alb_opts *o, guint64 *need)
{
    struct alb_frame fr;
    enum alb_err r = alb_frame(buf, len, o, &fr);
    *need = 0;
    switch (r) {
    case ALB_E_OK:
        return fr.total_len;
    case ALB_E_NEED_MORE:
        *need = fr.need;
        return 0;
    default:
        return alb_resync(buf, len, o);
    }
}

static guint32 next_msg_index(packet_info *pinfo)
{
    guint32 *n = (guint32 *)p_get_proto_data(pinfo->pool, pinfo, proto_albatross, KEY_COUNT);
    if (!n) {
        n = wmem_new0(pinfo->pool, guint32);
        p_add_proto_data(pinfo->pool, pinfo, proto_albatross, KEY_COUNT, n);
    }
    return (*n)++;
}

static void seq_init(struct seq *sq, size_t elem_size)
{
    sq->blocks = wmem_array_new(wmem_file_scope(), sizeof(guint8 *));
    sq->count = 0;
    sq->elem_size = (guint32)elem_size;
}

static void *seq_at(const struct seq *sq, guint32 i)
{
    guint8 *block = *(guint8 **)wmem_array_index(sq->blocks, i / SEQ_BLOCK);
    return block + (size_t)(i % SEQ_BLOCK) * sq->elem_size;
}

static void *seq_append(struct seq *sq)
{
    if (sq->count % SEQ_BLOCK == 0) {
        guint8 *block = (guint8 *)wmem_alloc(wmem_file_scope(), (size_t)SEQ_BLOCK * sq->elem_size);
        wmem_array_append_one(sq->blocks, block);
    }
    return seq_at(sq, sq->count++);
}

/* Transaction i of a sequence: requests hold them, replies point at them. */
static struct alb_trans *seq_trans(const struct seq *sq, gboolean replies, guint32 i)
{
    void *e = seq_at(sq, i);
    return replies ? *(struct alb_trans **)e : (struct alb_trans *)e;
}

/* Orders the message a transaction was recorded for (its request, or its
 * reply) against message (frame, index). */
static int msg_cmp(const struct alb_trans *t, gboolean reply, guint32 frame, guint32 index)
{
    guint32 f = reply ? t->rep_frame : t->req_frame;
    guint32 i = reply ? t->rep_index : t->req_index;
    if (f != frame)
        return f < frame ? -1 : 1;
    return i < index ? -1 : i > index;
}

/* The sequences are in message order: on the first pass the message is
 * newer than all of them, which takes one comparison to see. */
static struct alb_trans *seq_find(const struct seq *sq, gboolean replies, guint32 frame,
                                  guint32 index)
{
    guint32 lo = 0, hi = sq->count;
    if (hi == 0 || msg_cmp(seq_trans(sq, replies, hi - 1), replies, frame, index) < 0)
        return NULL;
    while (lo < hi) {
        guint32 mid = lo + (hi - lo) / 2;
        struct alb_trans *t = seq_trans(sq, replies, mid);
        int c = msg_cmp(t, replies, frame, index);
        if (c == 0)
            return t;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The transaction message (frame, index) is the request or the matched
 * reply of, or NULL. */
static struct alb_trans *trans_of(const struct alb_conv *cs, guint32 frame, guint32 index)
{
    struct alb_trans *t = seq_find(&cs->requests, FALSE, frame, index);
    return t ? t : seq_find(&cs->replies, TRUE, frame, index);
}

static struct alb_conv *conv_state(conversation_t *conv)
{
    struct alb_conv *cs = (struct alb_conv *)conversation_get_proto_data(conv, proto_albatross);
    if (!cs) {
        cs = wmem_new0(wmem_file_scope(), struct alb_conv);
        cs->pending[0] = wmem_map_new(wmem_file_scope(), g_int64_hash, g_int64_equal);
        cs->pending[1] = wmem_map_new(wmem_file_scope(), g_int64_hash, g_int64_equal);
        seq_init(&cs->requests, sizeof(struct alb_trans));
        seq_init(&cs->replies, sizeof(struct alb_trans *));
        cs->flow[0].parts = wmem_array_new(wmem_file_scope(), sizeof(struct alb_record *));
        cs->flow[1].parts = wmem_array_new(wmem_file_scope(), sizeof(struct alb_record *));
        conversation_add_proto_data(conv, proto_albatross, cs);
    }
    return cs;
}

/* Direction from addresses and ports: 0 is whoever spoke first. */
static void ctx_from_addresses(struct alb_ctx *cx, packet_info *pinfo, enum alb_channel ch)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    cx->cs = conv_state(conv);
    cx->nodir = pinfo->src.type == AT_NONE;
    if (!cx->cs->have_first) {
        cx->cs->have_first = TRUE;
        copy_address_wmem(wmem_file_scope(), &cx->cs->first_src, &pinfo->src);
        cx->cs->first_port = pinfo->srcport;
    }
    cx->dir = (addresses_equal(&pinfo->src, &cx->cs->first_src) &&
               pinfo->srcport == cx->cs->first_port) ? 0 : 1;
    cx->channel = ch;
    cx->tcp = FALSE;
}

/* Wireshark 4.0 does not reassemble out-of-order TCP segments by default;
 * a message whose segments were swapped then shows as undecodable bytes. */
static gboolean tcp_reassembles_out_of_order(void)
{
    module_t *tcp = prefs_find_module("tcp");
    pref_t *ooo = tcp ? prefs_find_preference(tcp, "reassemble_out_of_order") : NULL;
    return ooo == NULL || prefs_get_bool_value(ooo, pref_current);
}

static const char *kind_label(wmem_allocator_t *a, const struct alb_msg *m)
{
    if (m->kind == ALB_K_SUCCESS && m->version == 2) {
        enum alb_kind op = alb_reply_op(m->tag);
        if ((unsigned)op < ALB_K_COUNT && reply_label[op])
            return reply_label[op];
        if (op != ALB_K_UNKNOWN)
            return wmem_strdup_printf(a, "Reply %s", alb_kind_info(op)->name);
        return wmem_strdup_printf(a, "Reply 0x%08x", m->tag);
    }
    if (m->kind == ALB_K_UNKNOWN)
        return wmem_strdup_printf(a, "Unknown 0x%08x", m->tag);
    if (m->kind == ALB_K_V0_UNKNOWN)
        return wmem_strdup_printf(a, "Unknown 0x%04x", m->tag);
    return alb_kind_info(m->kind)->name;
}

static gboolean is_unknown_kind(enum alb_kind k)
{
    return k == ALB_K_UNKNOWN || k == ALB_K_V0_UNKNOWN || k == ALB_K_V1_UNSUPPORTED;
}

/* ------------------------------------------------------------------ field walker */

#define WALK_DEPTH 16

struct walk {
    packet_info *pinfo;
    tvbuff_t *tvb;
    gboolean full;              /* a tree is built: every string and list text is wanted */
    proto_tree *tree[WALK_DEPTH];
    proto_item *item[WALK_DEPTH];
    enum alb_field_id id[WALK_DEPTH];
    wmem_strbuf_t *joined[WALK_DEPTH];  /* lists of strings, joined */
    int sp;
    int lost;                   /* opens beyond WALK_DEPTH, not pushed */
    proto_item *by_field[ALB_F_COUNT];
    proto_item *bad_item[8];    /* values out of range, flagged after the walk */
    enum alb_field_id bad_id[8];
    int nbad;
    const char *vm_name;        /* dotted */
    const char *text;           /* console line, reply message, argument */
    gboolean have_event, have_exit, have_code, have_ip, have_pid;
    guint64 event, ip, port;
    gint64 exit_kind, code, pid;
};

static const char *show_bytes(wmem_allocator_t *a, const struct alb_bytes *b)
{
    if (!b->p || b->n == 0)
        return "";
    /* format_text shows printable ASCII as it is: most names and texts need
     * no scan for escapes */
    for (size_t i = 0; i < b->n; i++)
        if (b->p[i] < 0x20 || b->p[i] > 0x7e)
            return alb_ws_format_text(a, b->p, b->n);
    return wmem_strndup(a, (const char *)b->p, b->n);
}

static void add_time(struct walk *w, proto_tree *tree, const struct alb_field *f, gint off, gint len)
{
    proto_item *ti;
    if (alb_time_valid(f->v.t)) {
        int64_t sec;
        uint64_t ps;
        nstime_t ns;
        alb_time_to_unix(f->v.t, &sec, &ps);
        ns.secs = (time_t)sec;
        ns.nsecs = (int)(ps / 1000u);
        ti = proto_tree_add_time(tree, hf_field[f->id], w->tvb, off, len, &ns);
    } else {
        nstime_t zero = NSTIME_INIT_ZERO;
        ti = proto_tree_add_time_format_value(tree, hf_field[f->id], w->tvb, off, len, &zero,
                                              "out of range (days %" PRId64 ", ps %" PRId64 ")",
                                              f->v.t.d, f->v.t.ps);
        expert_add_info_format(w->pinfo, ti, &ei_time_range,
                               "Timestamp out of range: days %" PRId64 ", picoseconds %" PRId64
                               " (the reference decoder raises an exception)",
                               f->v.t.d, f->v.t.ps);
    }
    w->by_field[f->id] = ti;
    proto_tree *st = proto_item_add_subtree(ti, ett_time);
    proto_item *g = proto_tree_add_int64(st, hf_time_days, w->tvb, off, len, f->v.t.d);
    proto_item_set_generated(g);
    g = proto_tree_add_int64(st, hf_time_ps, w->tvb, off, len, f->v.t.ps);
    proto_item_set_generated(g);
}

/* The numbers the Info column shows (log events, statistics pids). */
static void note_number(struct walk *w, const struct alb_field *f)
{
    if (f->type == ALB_T_UINT || f->type == ALB_T_IPV4) {
        if (f->id == ALB_F_EVENT) {
            w->have_event = TRUE;
            w->event = f->v.u;
        } else if (f->id == ALB_F_EV_IP) {
            w->have_ip = TRUE;
            w->ip = f->v.u;
        } else if (f->id == ALB_F_EV_PORT) {
            w->port = f->v.u;
        }
    } else if (f->type == ALB_T_INT) {
        if (f->id == ALB_F_EV_EXIT) {
            w->have_exit = TRUE;
            w->exit_kind = f->v.i;
        } else if (f->id == ALB_F_EV_CODE) {
            w->have_code = TRUE;
            w->code = f->v.i;
        } else if (f->id == ALB_F_EV_PID || f->id == ALB_F_STATS_PID) {
            w->have_pid = TRUE;
            w->pid = f->v.i;
        }
    }
}

/* A string: shown in the tree, joined into its list's text, and kept when
 * it is the message's VM name or Info text. */
static proto_item *walk_string(struct walk *w, proto_tree *tree, const struct alb_field *f,
                               gint off, gint len)
{
    gboolean joined = w->sp > 0 && w->joined[w->sp];
    gboolean is_name = f->id == ALB_F_NAME && f->depth == 0;
    gboolean is_text = f->depth == 0 && (f->id == ALB_F_CONSOLE_LINE || f->id == ALB_F_MSG ||
                                         f->id == ALB_F_CLIENT_ARG);
    if (!w->full && !joined && !is_name && !is_text)
        return NULL;
    const char *s = show_bytes(w->pinfo->pool, &f->v.b);
    proto_item *ti = w->full ? proto_tree_add_string(tree, hf_field[f->id], w->tvb, off, len, s)
                             : NULL;
    if (joined) {
        wmem_strbuf_t *j = w->joined[w->sp];
        gboolean dotted = w->id[w->sp] == ALB_F_VM_NAME || w->id[w->sp] == ALB_F_INFO_NAME;
        if (f->index > 0)
            wmem_strbuf_append_len(j, dotted ? "." : ", ", dotted ? 1 : 2);
        wmem_strbuf_append_len(j, s, strlen(s));
    }
    if (is_name) {
        w->vm_name = s;
        if (w->full) {
            proto_item *g = proto_tree_add_string(tree, hf_name_str, w->tvb, off, len, s);
            proto_item_set_generated(g);
        }
    } else if (is_text) {
        w->text = s;
    }
    return ti;
}

static void walk_value(struct walk *w, const struct alb_field *f, gint off, gint len)
{
    proto_tree *tree = w->tree[w->sp];
    int hf = hf_field[f->id];
    proto_item *ti = NULL;

    note_number(w, f);
    switch (f->type) {
    case ALB_T_UINT:
    case ALB_T_IPV4:
        if (f->type == ALB_T_IPV4)
            ti = proto_tree_add_ipv4(tree, hf, w->tvb, off, len, g_htonl((guint32)f->v.u));
        else if (hf_ftype[f->id] == FT_UINT64)
            ti = proto_tree_add_uint64(tree, hf, w->tvb, off, len, f->v.u);
        else if (hf_ftype[f->id] == FT_BOOLEAN)
            ti = proto_tree_add_boolean(tree, hf, w->tvb, off, len, (guint32)f->v.u);
        else
            ti = proto_tree_add_uint(tree, hf, w->tvb, off, len, (guint32)f->v.u);
        break;
    case ALB_T_INT:
        ti = proto_tree_add_int64(tree, hf, w->tvb, off, len, f->v.i);
        break;
    case ALB_T_STR:
        ti = walk_string(w, tree, f, off, len);
        break;
    case ALB_T_BYTES:
        ti = proto_tree_add_bytes(tree, hf, w->tvb, off, len, f->v.b.n ? f->v.b.p : NULL);
        break;
    case ALB_T_TIME:
        add_time(w, tree, f, off, len);
        ti = w->by_field[f->id];
        break;
    case ALB_T_LIST:
    case ALB_T_GROUP:
        break;
    }
    if (ti) {
        w->by_field[f->id] = ti;
        if (f->bad && f->type != ALB_T_TIME && w->nbad < 8) {
            w->bad_item[w->nbad] = ti;
            w->bad_id[w->nbad++] = f->id;
        }
    }
}

/* The level a CLOSE ends: that of the matching OPEN (they always nest; be
 * tolerant anyway), or 0 for one dropped as too deep or without an open. */
static int walk_close(struct walk *w, enum alb_field_id id)
{
    if (w->lost) {
        w->lost--;
        return 0;
    }
    int i = w->sp;
    while (i > 0 && w->id[i] != id)
        i--;
    return i;
}

/* Without a tree only what the Info column and the statistics read is
 * kept: the VM name, the Info text and the numbers.  Tree calls would
 * return at once on a NULL tree (and cannot throw: the parser keeps every
 * field within the bytes it was given), so they are left out.  Out-of-range
 * timestamps still raise their expert info. */
static int walk_info_only(struct walk *w, const struct alb_field *f, gint off, gint len)
{
    switch (f->ev) {
    case ALB_FE_VALUE:
        note_number(w, f);
        if (f->type == ALB_T_STR)
            walk_string(w, NULL, f, off, len);
        else if (f->type == ALB_T_TIME)
            add_time(w, NULL, f, off, len);
        break;
    case ALB_FE_OPEN:
        if (w->sp + 1 >= WALK_DEPTH) {
            w->lost++;
            break;
        }
        w->sp++;
        w->id[w->sp] = f->id;
        w->joined[w->sp] = f->type == ALB_T_LIST && f->id == ALB_F_VM_NAME && w->sp == 1
                               ? wmem_strbuf_new(w->pinfo->pool, "")
                               : NULL;
        break;
    case ALB_FE_CLOSE: {
        int i = walk_close(w, f->id);
        if (i == 0)
            break;
        if (f->type == ALB_T_LIST && f->id == ALB_F_VM_NAME && i == 1)
            w->vm_name = w->joined[i] ? wmem_strbuf_get_str(w->joined[i]) : "";
        w->sp = i - 1;
        break;
    }
    }
    return 0;
}

static int walk_cb(void *ctx, const struct alb_field *f)
{
    struct walk *w = (struct walk *)ctx;
    gint off, len;

    if ((unsigned)f->id >= ALB_F_COUNT)
        return 0;
    /* offsets come from the parser and stay within the message it was given */
    if (f->off > G_MAXINT32 || f->len > (guint64)G_MAXINT32 - f->off)
        return 1;
    off = (gint)f->off;
    len = (gint)f->len;

    if (!w->full)
        return walk_info_only(w, f, off, len);

    switch (f->ev) {
    case ALB_FE_VALUE:
        walk_value(w, f, off, len);
        break;
    case ALB_FE_OPEN: {
        proto_item *ti = proto_tree_add_item(w->tree[w->sp], hf_field[f->id], w->tvb, off, len,
                                             ENC_NA);
        w->by_field[f->id] = ti;
        if (w->sp + 1 >= WALK_DEPTH) {
            w->lost++;
            break;
        }
        w->sp++;
        w->item[w->sp] = ti;
        w->id[w->sp] = f->id;
        w->tree[w->sp] = proto_item_add_subtree(ti, ett_field[f->id]);
        w->joined[w->sp] = f->type == ALB_T_LIST ? wmem_strbuf_new(w->pinfo->pool, "") : NULL;
        break;
    }
    case ALB_FE_CLOSE: {
        int i = walk_close(w, f->id);
        if (i == 0)
            break;
        proto_item *ti = w->item[i];
        proto_item_set_len(ti, len);
        if (f->type == ALB_T_LIST) {
            const char *joined = w->joined[i] ? wmem_strbuf_get_str(w->joined[i]) : "";
            proto_item_append_text(ti, " (%" PRIu64 " %s)", f->v.u, f->v.u == 1 ? "item" : "items");
            if (f->v.u && *joined && w->id[i] != ALB_F_VMS)
                proto_item_append_text(ti, ": %s", joined);
            if (f->id == ALB_F_VM_NAME && i == 1) {
                w->vm_name = joined;
                proto_item *g = proto_tree_add_string(w->tree[0], hf_name_str, w->tvb, off, len,
                                                      joined);
                proto_item_set_generated(g);
            } else if (f->id == ALB_F_INFO_NAME && i >= 2) {
                proto_item_append_text(w->item[i - 1], ": %s", joined);
            }
        }
        w->sp = i - 1;
        break;
    }
    }
    return 0;
}

/* ------------------------------------------------------------------ one message */

/* The Info text of one message, built in packet memory (wmem_strbuf
 * copies byte by byte, and this runs for every message). */
struct info_text {
    wmem_allocator_t *a;
    char *s;
    size_t len, cap;
};

static void info_put(struct info_text *t, const char *p, size_t n)
{
    if (n >= t->cap - t->len) {
        size_t cap = t->cap;
        while (n >= cap - t->len)
            cap *= 2;
        t->s = (char *)wmem_realloc(t->a, t->s, cap);
        t->cap = cap;
    }
    memcpy(t->s + t->len, p, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void info_printf(struct info_text *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void info_printf(struct info_text *t, const char *fmt, ...)
{
    char buf[96];
    va_list ap;
    va_start(ap, fmt);
    int n = g_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof buf) {
        info_put(t, buf, (size_t)n);
    } else {
        va_start(ap, fmt);
        char *long_text = wmem_strdup_vprintf(t->a, fmt, ap);
        va_end(ap);
        info_put(t, long_text, strlen(long_text));
    }
}

static void info_append(struct info_text *t, const char *s)
{
    if (t->len)
        info_put(t, " ", 1);
    info_put(t, s, strlen(s));
}

static void info_quoted(struct info_text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len)
        info_put(t, " ", 1);
    info_put(t, "\"", 1);
    if (n > 60) {
        info_put(t, s, 57);
        info_put(t, "...", 3);
    } else {
        info_put(t, s, n);
    }
    info_put(t, "\"", 1);
}

/* " id=N": every request and reply carries it, and printf is slow */
static void info_append_id(struct info_text *t, guint64 id)
{
    char digits[24];
    char *p = digits + sizeof digits;
    do {
        *--p = (char)('0' + id % 10);
        id /= 10;
    } while (id);
    info_put(t, " id=", 4);
    info_put(t, p, (size_t)(digits + sizeof digits - p));
}

static const char *build_info(wmem_allocator_t *a, const struct alb_msg *m, const struct walk *w,
                              const char *label, enum alb_err r)
{
    struct info_text t = { a, NULL, 0, 128 };
    const struct alb_kind_info *ki = alb_kind_info(m->kind);

    t.s = (char *)wmem_alloc(a, t.cap);
    t.s[0] = '\0';
    info_append(&t, label);
    if (w->vm_name && *w->vm_name)
        info_append(&t, w->vm_name);
    if (w->have_event) {
        const char *ev = alb_event_name(w->event);
        if (ev)
            info_append(&t, ev);
        else
            info_printf(&t, " event %" PRIu64, w->event);
        if (w->have_ip)
            info_printf(&t, " %u.%u.%u.%u:%" PRIu64, (unsigned)(w->ip >> 24) & 255,
                        (unsigned)(w->ip >> 16) & 255, (unsigned)(w->ip >> 8) & 255,
                        (unsigned)w->ip & 255, w->port);
        if (w->have_exit) {
            const char *ex = alb_exit_name(w->exit_kind);
            if (ex)
                info_append(&t, ex);
            else
                info_printf(&t, " exit %" PRId64, w->exit_kind);
            if (w->have_code)
                info_printf(&t, " %" PRId64, w->code);
        } else if (w->have_pid && w->event == ALB_EV_VM_START) {
            info_printf(&t, " pid=%" PRId64, w->pid);
        }
    } else if (w->have_pid && (m->kind == ALB_K_STATS_ADD || m->kind == ALB_K_V0_STATS_ADD ||
                               m->kind == ALB_K_V0_STATS_REMOVE ||
                               m->kind == ALB_K_V0_STATS_STATISTICS)) {
        info_printf(&t, " pid=%" PRId64, w->pid);
    }
    if (w->text)
        info_quoted(&t, w->text);
    if (r == ALB_E_OK || r == ALB_E_NEED_MORE) {
        if (ki && ki->role != ALB_ROLE_PUSH)
            info_append_id(&t, m->id);
        if (m->err.code != ALB_E_OK)
            info_printf(&t, " [%s]", alb_err_name(m->err.code));
    }
    return t.s;
}

static void add_warnings(packet_info *pinfo, proto_item *root, const struct walk *w,
                         const struct alb_msg *m)
{
    for (unsigned bit = 0; bit < ALB_W_COUNT; bit++) {
        if (!(m->warnings & (1u << bit)))
            continue;
        proto_item *at = root;
        expert_field *ei;
        switch (1u << bit) {
        case ALB_W_TRAILING:
            ei = &ei_trailing;
            if (w->by_field[ALB_F_TRAILING])
                at = w->by_field[ALB_F_TRAILING];
            expert_add_info_format(pinfo, at, ei, "%" PRIu64 " trailing bytes after the last field"
                                   " (the reference decoder ignores them)", m->trailing);
            continue;
        case ALB_W_PADDING:
            ei = &ei_padding;
            if (w->by_field[ALB_F_PADDING])
                at = w->by_field[ALB_F_PADDING];
            break;
        case ALB_W_REF_REJECTS:
            ei = &ei_ref_rejects;
            break;
        case ALB_W_STR_65535:
            ei = &ei_str_65535;
            break;
        case ALB_W_HEURISTIC:
            ei = &ei_heuristic;
            break;
        case ALB_W_NO_CHANNEL:
            ei = &ei_no_channel;
            if (w->by_field[ALB_F_TAG])
                at = w->by_field[ALB_F_TAG];
            break;
        case ALB_W_VMTYPE_ARM64:
            ei = &ei_arm64;
            if (w->by_field[ALB_F_VM_VMTYPE])
                at = w->by_field[ALB_F_VM_VMTYPE];
            break;
        default:
            continue;
        }
        expert_add_info(pinfo, at, ei);
    }
}

static void add_error(packet_info *pinfo, proto_item *root, const struct walk *w,
                      const struct alb_msg *m)
{
    const struct alb_error *e = &m->err;
    proto_item *at = root;
    const char *field = "header";

    if ((unsigned)e->field < ALB_F_COUNT) {
        field = alb_field_info(e->field)->name;
        if (w->by_field[e->field])
            at = w->by_field[e->field];
    }
    /* out-of-range values other than the one the error names */
    for (int i = 0; i < w->nbad; i++)
        if (w->bad_item[i] != at || w->bad_id[i] != e->field)
            expert_add_info_format(pinfo, w->bad_item[i], &ei_bad_value, "%s: value out of range",
                                   alb_field_info(w->bad_id[i])->name);
    switch (e->code) {
    case ALB_E_OK:
        return;
    case ALB_E_TIME_RANGE:
        if ((unsigned)e->field < ALB_F_COUNT && w->by_field[e->field])
            return;     /* flagged on the item already */
        expert_add_info_format(pinfo, at, &ei_time_range, "Timestamp out of range in %s", field);
        return;
    case ALB_E_EVENT:
        expert_add_info_format(pinfo, at, &ei_unknown_event,
                               "Unknown event type: %s (%s) at offset %" PRIu64,
                               alb_err_name(e->code), alb_err_str(e->code), e->offset);
        return;
    case ALB_E_TRUNCATED:
    case ALB_E_NEED_MORE:
        expert_add_info_format(pinfo, at, &ei_truncated,
                               "Message cut short by the capture at offset %" PRIu64
                               " (%" PRIu64 " body bytes announced)", e->offset, m->length);
        return;
    case ALB_E_UNSUPPORTED:
        expert_add_info(pinfo, at, &ei_unsupported);
        return;
    default:
        expert_add_info_format(pinfo, at, &ei_malformed,
                               "Malformed body: %s (%s) in %s at offset %" PRIu64,
                               alb_err_name(e->code), alb_err_str(e->code), field, e->offset);
        return;
    }
}

/* Request/response matching, first pass only.  Returns the transaction
 * this message is the request or the matched reply of, or NULL. */
static struct alb_trans *track(packet_info *pinfo, const struct alb_ctx *cx,
                               const struct alb_msg *m, guint32 index)
{
    if (!cx || !cx->cs)
        return NULL;
    struct alb_trans *t = trans_of(cx->cs, pinfo->num, index);
    if (t || PINFO_FD_VISITED(pinfo))
        return t;

    const struct alb_kind_info *ki = alb_kind_info(m->kind);
    if (!ki || is_unknown_kind(m->kind))
        return NULL;

    if (ki->role == ALB_ROLE_REQUEST) {
        t = (struct alb_trans *)seq_append(&cx->cs->requests);
        memset(t, 0, sizeof *t);
        t->id = m->id;
        t->req_frame = pinfo->num;
        t->req_index = index;
        t->req_ts = pinfo->abs_ts;
        t->req_kind = m->kind;
        wmem_map_insert(cx->cs->pending[cx->dir], &t->id, t);
    } else if (ki->role == ALB_ROLE_REPLY) {
        unsigned from = cx->nodir ? cx->dir : 1u - cx->dir;
        guint64 id = m->id;
        t = (struct alb_trans *)wmem_map_lookup(cx->cs->pending[from], &id);
        if (!t || t->rep_frame != 0 || t->req_frame == pinfo->num)
            return NULL;
        /* a success reply names its request's operation (WV2) */
        enum alb_kind op = m->version == 2 && m->kind == ALB_K_SUCCESS ? alb_reply_op(m->tag)
                                                                       : ALB_K_COUNT;
        if (m->kind == ALB_K_VM_INFO_REPLY)
            op = ALB_K_VM_INFO;
        if (op != ALB_K_COUNT && op != t->req_kind)
            return NULL;
        t->rep_frame = pinfo->num;
        t->rep_index = index;
        wmem_map_remove(cx->cs->pending[from], &id);
        *(struct alb_trans **)seq_append(&cx->cs->replies) = t;
    } else {
        return NULL;
    }
    return t;
}

static void show_tracking(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                          const struct alb_trans *t)
{
    proto_item *ti;
    if (!t)
        return;
    if (t->req_frame == pinfo->num) {
        if (t->rep_frame) {
            ti = proto_tree_add_uint(tree, hf_response_in, tvb, 0, 0, t->rep_frame);
            proto_item_set_generated(ti);
        }
    } else {
        nstime_t delta;
        ti = proto_tree_add_uint(tree, hf_response_to, tvb, 0, 0, t->req_frame);
        proto_item_set_generated(ti);
        nstime_delta(&delta, &pinfo->abs_ts, &t->req_ts);
        ti = proto_tree_add_time(tree, hf_response_time, tvb, 0, 0, &delta);
        proto_item_set_generated(ti);
    }
}

/* Dissects the unit that fills tvb: one message, or bytes that could not be
 * framed.  Returns the number of bytes it took (all of tvb). */
static int dissect_unit(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const struct alb_ctx *cx)
{
    guint cap = tvb_captured_length(tvb);
    const guint8 *p = cap ? tvb_get_ptr(tvb, 0, cap) : NULL;
    enum alb_channel ch = cx ? cx->channel : ALB_CH_ANY;
    struct alb_opts o;
    struct alb_msg m;
    struct walk *w = wmem_new0(pinfo->pool, struct walk);
    guint32 index = next_msg_index(pinfo);
    static const guint8 empty[1] = { 0 };

    fill_opts(&o, ch, 1);
    w->pinfo = pinfo;
    w->tvb = tvb;
    w->full = tree != NULL;

    /* tree calls are skipped when there is no tree: they would return at
     * once, after checks that cannot fail here */
    proto_item *root = NULL;
    if (tree) {
        root = proto_tree_add_item(tree, proto_albatross, tvb, 0, -1, ENC_NA);
        w->tree[0] = proto_item_add_subtree(root, ett_albatross);
    }

    enum alb_err r = alb_decode(p ? p : empty, cap, &o, &m, walk_cb, w);
    const char *label;
    const char *err_name = "OK";

    if (r == ALB_E_OK || (r == ALB_E_NEED_MORE && m.hdr_len && cap >= m.hdr_len)) {
        label = kind_label(pinfo->pool, &m);
        const struct alb_kind_info *ki = alb_kind_info(m.kind);
        if (tree) {
            proto_item *ti = proto_tree_add_string(w->tree[0], hf_kind, tvb, 0, 0,
                                                   ki ? ki->snake : "unknown");
            proto_item_set_generated(ti);
            if (m.version == 2 && w->by_field[ALB_F_TAG]) {
                proto_tree *tt = proto_item_add_subtree(w->by_field[ALB_F_TAG],
                                                        ett_field[ALB_F_TAG]);
                ti = proto_tree_add_boolean(tt, hf_reply, tvb, 0, 4, m.tag);
                proto_item_set_generated(ti);
            }
            if (m.version == 0 && m.channel != ALB_CH_ANY) {
                ti = proto_tree_add_string(w->tree[0], hf_channel, tvb, 0, 0,
                                           alb_channel_name(m.channel));
                proto_item_set_generated(ti);
            }
        }
        if (is_unknown_kind(m.kind) && !(m.warnings & ALB_W_NO_CHANNEL) && m.version != 1)
            expert_add_info_format(pinfo, w->by_field[ALB_F_TAG] ? w->by_field[ALB_F_TAG] : root,
                                   &ei_unknown_tag, "Unknown tag 0x%x (wire version %u)",
                                   m.tag, m.version);
        add_warnings(pinfo, root, w, &m);
        add_error(pinfo, root, w, &m);
        if (m.err.code != ALB_E_OK)
            err_name = alb_err_name(m.err.code);
        const struct alb_trans *t = track(pinfo, cx, &m, index);
        if (tree) {
            show_tracking(tvb, pinfo, w->tree[0], t);
            proto_item_append_text(root, ", %s", label);
            if (w->vm_name && *w->vm_name)
                proto_item_append_text(root, " %s", w->vm_name);
            if (ki && ki->role != ALB_ROLE_PUSH)
                proto_item_append_text(root, ", id %" PRIu64, m.id);
        }
    } else {
        /* the stream cannot be framed here: show what the parser said */
        label = r == ALB_E_NEED_MORE ? "Truncated header" : "Undecodable";
        err_name = alb_err_name(r);
        if (m.version && cap >= 6) {
            proto_item *ti = proto_tree_add_uint(w->tree[0], hf_field[ALB_F_VERSION], tvb, 4, 2,
                                                 m.version);
            proto_item_set_generated(ti);
        }
        proto_item *ti = proto_tree_add_item(w->tree[0], hf_undecoded, tvb, 0, -1, ENC_NA);
        switch (r) {
        case ALB_E_BAD_LENGTH:
        case ALB_E_TOO_LONG:
            expert_add_info_format(pinfo, ti, &ei_length,
                                   "Absurd body length %" PRIu64 ": %s; %u bytes skipped to the "
                                   "next plausible header", m.length, alb_err_str(r), cap);
            break;
        case ALB_E_NEED_MORE:
            expert_add_info_format(pinfo, ti, &ei_truncated,
                                   "Message header cut short (%u bytes)", cap);
            break;
        default:
            expert_add_info_format(pinfo, ti, &ei_framing,
                                   "%s: %s; %u bytes skipped to the next plausible header%s",
                                   alb_err_name(r), alb_err_str(r), cap,
                                   cx && cx->tcp && !tcp_reassembles_out_of_order()
                                       ? " (segments out of order? set "
                                         "tcp.reassemble_out_of_order)"
                                       : "");
            break;
        }
        proto_item_append_text(root, ", %s (%s)", label, alb_err_str(r));
    }

    if (index == 0)
        col_set_str(pinfo->cinfo, COL_PROTOCOL, "Albatross");
    /* the Info text is built only where it is shown (tshark -T fields has no columns) */
    if (col_get_writable(pinfo->cinfo, COL_INFO)) {
        const char *info = (r == ALB_E_OK || r == ALB_E_NEED_MORE) && m.hdr_len && cap >= m.hdr_len
                               ? build_info(pinfo->pool, &m, w, label, r)
                               : wmem_strdup_printf(pinfo->pool, "%s (%s)", label, alb_err_str(r));
        if (index == 0) {
            col_clear(pinfo->cinfo, COL_INFO);
            col_add_str(pinfo->cinfo, COL_INFO, info);
        } else {
            col_append_sep_str(pinfo->cinfo, COL_INFO, " | ", info);
        }
        col_set_fence(pinfo->cinfo, COL_INFO);
    }

    if (have_tap_listener(albatross_tap)) {
        struct alb_tap_info *tap = wmem_new(pinfo->pool, struct alb_tap_info);
        tap->kind = label;
        tap->vm = w->vm_name && *w->vm_name ? w->vm_name : "(none)";
        tap->err = err_name;
        tap_queue_packet(albatross_tap, pinfo, tap);
    }
    return (int)tvb_reported_length(tvb);
}

/* Dissects every unit in tvb as framed with o, without reassembly; returns
 * how many there were. */
static guint dissect_framed_units(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                  const struct alb_ctx *cx, const struct alb_opts *o)
{
    guint cap = tvb_captured_length(tvb);
    guint off = 0;
    guint count = 0;
    while (off < cap) {
        const guint8 *p = tvb_get_ptr(tvb, off, cap - off);
        guint64 need;
        guint64 n = unit_length(p, cap - off, o, &need);
        tvbuff_t *sub;
        if (off == 0 && n == cap && tvb_reported_length(tvb) == cap)
            sub = tvb;  /* the one unit is all of tvb */
        else if (n == 0 || n > cap - off)
            sub = tvb_new_subset_remaining(tvb, off);  /* cut short: decode the prefix */
        else
            sub = tvb_new_subset_length(tvb, off, (gint)n);
        dissect_unit(sub, pinfo, tree, cx);
        count++;
        if (n == 0 || n > cap - off)
            break;
        off += (guint)n;
    }
    return count;
}

/* Dissects every unit in tvb, without reassembly (exported PDUs). */
static int dissect_units(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const struct alb_ctx *cx)
{
    struct alb_opts o;
    fill_opts(&o, cx ? cx->channel : ALB_CH_ANY, 1);
    dissect_framed_units(tvb, pinfo, tree, cx, &o);
    return (int)tvb_captured_length(tvb);
}

/* ------------------------------------------------------------------ exported PDUs */

static int dissect_albatross_generic(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                     enum alb_channel ch)
{
    struct alb_ctx cx;
    ctx_from_addresses(&cx, pinfo, ch);
    return dissect_units(tvb, pinfo, tree, &cx);
}

static int dissect_albatross(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return dissect_albatross_generic(tvb, pinfo, tree, pref_or(ALB_CH_ANY));
}

static int dissect_albatross_console(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return dissect_albatross_generic(tvb, pinfo, tree, ALB_CH_CONSOLE);
}

static int dissect_albatross_stats(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return dissect_albatross_generic(tvb, pinfo, tree, ALB_CH_STATS);
}

static int dissect_albatross_log(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return dissect_albatross_generic(tvb, pinfo, tree, ALB_CH_LOG);
}

static int dissect_albatross_client(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    return dissect_albatross_generic(tvb, pinfo, tree, ALB_CH_CLIENT);
}

/* ------------------------------------------------------------------ TCP */

static guint get_albatross_pdu_len(packet_info *pinfo, tvbuff_t *tvb, int offset, void *data _U_)
{
    guint cap = tvb_captured_length_remaining(tvb, offset);
    guint rep = tvb_reported_length_remaining(tvb, offset);
    const guint8 *p = tvb_get_ptr(tvb, offset, cap);
    struct alb_opts o;
    struct alb_frame fr;
    fill_opts(&o, ALB_CH_ANY, 0);
    switch (alb_frame(p, cap, &o, &fr)) {
    case ALB_E_OK:
        return (guint)fr.total_len;
    case ALB_E_NEED_MORE:
        if (fr.total_len)
            return (guint)fr.total_len;     /* header read: the whole message */
        if (pref_desegment && pinfo->can_desegment)
            return 0;                       /* the header itself is incomplete */
        return rep;
    default:
        /* framing error: up to the next plausible header */
        return (guint)alb_resync(p, cap, &o);
    }
}

static int dissect_albatross_pdu(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    const struct alb_ctx *cx = (const struct alb_ctx *)data;
    return dissect_unit(tvb, pinfo, tree, cx);
}

static int dissect_albatross_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    struct alb_ctx cx;
    ctx_from_addresses(&cx, pinfo, pref_or(ALB_CH_CLIENT));
    cx.tcp = TRUE;
    /* no fixed length: a unit skipped after a framing error, or the rest of
     * a stream that cannot be reassembled, may be shorter than a header;
     * get_albatross_pdu_len asks for more bytes itself */
    tcp_dissect_pdus(tvb, pinfo, tree, pref_desegment, 1, get_albatross_pdu_len,
                     dissect_albatross_pdu, &cx);
    return (int)tvb_captured_length(tvb);
}

/* Strict: a known header form, zero padding, a sane length, and a body
 * that decodes as far as it is there.  A first segment that ends inside a
 * WV2 header (a client writing the header in pieces) is taken when its
 * tag, version and padding are plausible: TCP reassembly brings the rest.
 * at_start: tvb starts where a writer's bytes start (a TLS record, or the
 * first bytes of a TCP direction); a WV0 message may then run past its end
 * (a message written in pieces, or one longer than a record) or be
 * followed by another header.  Elsewhere a WV0 candidate must be exactly
 * one message. */
static gboolean looks_like_albatross(tvbuff_t *tvb, enum alb_channel ch, gboolean at_start)
{
    guint cap = tvb_captured_length(tvb);
    guint rep = tvb_reported_length(tvb);
    const guint8 *p = tvb_get_ptr(tvb, 0, cap);
    struct alb_opts o;
    struct alb_msg m;
    fill_opts(&o, ch, 1);
    enum alb_err r = alb_decode(p, cap, &o, &m, NULL, NULL);
    if (r == ALB_E_NEED_MORE && (!m.hdr_len || cap < m.hdr_len))
        return m.version == 2 && alb_plausible_strict(p, cap, &o);
    if (r != ALB_E_OK && r != ALB_E_NEED_MORE)
        return FALSE;
    if (m.warnings & ALB_W_PADDING || is_unknown_kind(m.kind))
        return FALSE;
    if (m.err.code != ALB_E_OK && !(r == ALB_E_NEED_MORE && m.err.code == ALB_E_TRUNCATED))
        return FALSE;
    if (m.version == 0) {
        /* an 8-byte header is weak evidence: the segment must be exactly
         * one message of a known WV0 form; a record may also end inside
         * it, or go on with another plausible header */
        guint64 end = (guint64)m.hdr_len + m.length;
        if (m.trailing)
            return FALSE;
        if (r == ALB_E_OK && end == rep)
            return TRUE;
        if (!at_start)
            return FALSE;
        if (r == ALB_E_NEED_MORE)
            return cap == rep;
        return end < cap && alb_plausible_strict(p + end, cap - (guint)end, &o);
    }
    return TRUE;
}

static alb_ws_heur_result dissect_albatross_heur_tcp(tvbuff_t *tvb, packet_info *pinfo,
                                                      proto_tree *tree, void *data)
{
    /* the first data byte of a direction has relative sequence number 1
     * (with absolute sequence numbers this is practically never true, and
     * a WV0 candidate is then judged as anywhere else) */
    const struct tcpinfo *ti = data;
    gboolean at_start = ti && ti->seq <= 1 && !ti->is_reassembled;
    if (!looks_like_albatross(tvb, pref_or(ALB_CH_CLIENT), at_start))
        return FALSE;
    conversation_t *conv = find_or_create_conversation(pinfo);
    conversation_set_dissector(conv, albatross_tcp_handle);
    dissect_albatross_tcp(tvb, pinfo, tree, data);
    return TRUE;
}

/* TLS application data (the WV0 client channel once decrypted).  Once a
 * record is taken, the rest of the TLS session's application data comes
 * here too (records that start inside a message included); TLS reassembles
 * messages that span records as TCP does segments. */
static alb_ws_heur_result dissect_albatross_heur_tls(tvbuff_t *tvb, packet_info *pinfo,
                                                      proto_tree *tree, void *data)
{
    if (!looks_like_albatross(tvb, pref_or(ALB_CH_CLIENT), TRUE))
        return FALSE;
    if (tls_handle)
        tls_set_appdata_dissector(tls_handle, pinfo, albatross_tcp_handle);
    dissect_albatross_tcp(tvb, pinfo, tree, data);
    return TRUE;
}

/* ------------------------------------------------------------------ sockdump (USER0) */

struct sd_header {
    guint len;                  /* 16 or 125 */
    guint path_len;
    const guint8 *path;
    guint64 peer_pid, pid;
};

static guint64 get_be64(const guint8 *p)
{
    guint64 v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* The sockdump record header (capture metadata, not albatross bytes).
 * Current sockdump: u8 path length, 108-byte NUL-padded path, u64 peer pid,
 * u64 pid; older sockdump: u64 peer pid, u64 pid.  Pids are big-endian. */
static gboolean sd_parse(const guint8 *p, guint cap, struct sd_header *h)
{
    gboolean try125 = pref_sockdump != SD_16;
    gboolean try16 = pref_sockdump != SD_125;
    memset(h, 0, sizeof *h);
    if (try125 && cap >= 125 && p[0] <= 108) {
        static const guint8 zeros[108];
        /* the path has no NUL, its padding nothing else */
        gboolean ok = memchr(p + 1, 0, p[0]) == NULL &&
                      memcmp(p + 1 + p[0], zeros, 108u - p[0]) == 0;
        /* pids are below 2^32 */
        for (guint i = 109; i < 113 && ok; i++)
            ok = p[i] == 0 && p[i + 8] == 0;
        if (ok || pref_sockdump == SD_125) {
            h->len = 125;
            h->path_len = p[0] <= 108 ? p[0] : 108;
            h->path = p + 1;
            h->peer_pid = get_be64(p + 109);
            h->pid = get_be64(p + 117);
            return TRUE;
        }
    }
    if (try16 && cap >= 16) {
        gboolean ok = !p[0] && !p[1] && !p[2] && !p[3] && !p[8] && !p[9] && !p[10] && !p[11];
        if (ok || pref_sockdump == SD_16) {
            h->len = 16;
            h->peer_pid = get_be64(p);
            h->pid = get_be64(p + 8);
            return TRUE;
        }
    }
    return FALSE;
}

static void flow_append(struct alb_flow *fl, const guint8 *p, size_t n)
{
    if (n > fl->cap - fl->len) {
        size_t cap = fl->cap ? fl->cap : 256;
        while (cap - fl->len < n)
            cap *= 2;
        fl->buf = (guint8 *)wmem_realloc(wmem_file_scope(), fl->buf, cap);
        fl->cap = cap;
    }
    memcpy(fl->buf + fl->len, p, n);
    fl->len += n;
}

static void flow_consume(struct alb_flow *fl, size_t n)
{
    memmove(fl->buf, fl->buf + n, fl->len - n);
    fl->len -= n;
}

static void record_add_unit(wmem_array_t *units, const guint8 *data, guint32 len, gint32 off,
                            guint32 first)
{
    struct alb_unit u = { data, len, off, first };
    wmem_array_append_one(units, u);
}

/* First pass: feed the record's payload into its direction's stream and
 * note which messages it completes. */
static void resolve_parts(struct alb_flow *fl, guint32 frame)
{
    for (guint i = 0; i < wmem_array_get_count(fl->parts); i++) {
        struct alb_record *r = *(struct alb_record **)wmem_array_index(fl->parts, i);
        r->reassembled_in = frame;
    }
    fl->parts = wmem_array_new(wmem_file_scope(), sizeof(struct alb_record *));
}

static struct alb_record *sd_reassemble(packet_info *pinfo, struct alb_conv *cs, unsigned dir,
                                        enum alb_channel ch, const guint8 *pl, guint cap,
                                        gboolean cut)
{
    struct alb_flow *fl = &cs->flow[dir];
    struct alb_record *rec = wmem_new0(wmem_file_scope(), struct alb_record);
    wmem_array_t *units = wmem_array_new(pinfo->pool, sizeof(struct alb_unit));
    struct alb_opts o;
    size_t old = fl->len;       /* bytes of earlier records still at the front */
    size_t pos = 0;             /* where the next unit starts in this record */

    fill_opts(&o, ch, 0);
    rec->dir = dir;
    if (!fl->len)
        fl->first_frame = pinfo->num;
    flow_append(fl, pl, cap);
    for (;;) {
        guint64 need;
        guint64 n = unit_length(fl->buf, fl->len, &o, &need);
        if (n == 0 || n > fl->len)
            break;
        if (old) {
            /* spans records: keep a copy */
            guint8 *copy = (guint8 *)wmem_memdup(wmem_file_scope(), fl->buf, (size_t)n);
            record_add_unit(units, copy, (guint32)n, -1, fl->first_frame);
            if (n >= old) {
                pos = (size_t)n - old;
                old = 0;
                resolve_parts(fl, pinfo->num);
            } else {
                old -= (size_t)n;
            }
        } else {
            record_add_unit(units, NULL, (guint32)n, (gint32)pos, pinfo->num);
            pos += (size_t)n;
        }
        flow_consume(fl, (size_t)n);
        fl->first_frame = old ? fl->first_frame : pinfo->num;
    }

    if (cut && fl->len) {
        /* the capture lost bytes of this record: show what is there, restart */
        guint8 *copy = (guint8 *)wmem_memdup(wmem_file_scope(), fl->buf, fl->len);
        record_add_unit(units, copy, (guint32)fl->len, -1, fl->first_frame);
        resolve_parts(fl, pinfo->num);
        fl->len = 0;
        rec->gap = TRUE;
    } else if (fl->len > old) {
        /* this record's unused tail waits for the next record */
        rec->tail_len = (guint32)(fl->len - old);
        rec->tail_off = cap - rec->tail_len;
        wmem_array_append_one(fl->parts, rec);
    }

    rec->n = wmem_array_get_count(units);
    rec->units = rec->n ? (struct alb_unit *)wmem_memdup(wmem_file_scope(),
                                                          wmem_array_get_raw(units),
                                                          rec->n * sizeof(struct alb_unit))
                        : NULL;
    return rec;
}

/* Whether the payload is whole units end to end, framed from its start as
 * sd_reassemble frames it: such a record needs no reassembly state. */
static gboolean sd_whole_units(const guint8 *p, guint len, const struct alb_opts *o)
{
    guint off = 0;
    while (off < len) {
        guint64 need;
        guint64 n = unit_length(p + off, len - off, o, &need);
        if (n == 0 || n > len - off)
            return FALSE;
        off += (guint)n;
    }
    return TRUE;
}

/* The socket of the last record: records of one socket mostly come in a
 * row, and the map key (formatted path and pids) is costly to build and
 * hash.  Equal raw bytes give an equal key. */
static struct {
    struct alb_conv *cs;        /* NULL: nothing cached */
    guint path_len;
    guint8 path[108];
    guint64 lo, hi;
} sd_last;

/* The cached state is file memory, which goes with the file. */
static void sd_forget_last(void)
{
    memset(&sd_last, 0, sizeof sd_last);
}

static struct alb_conv *sd_conv_state(packet_info *pinfo, const struct sd_header *h)
{
    guint64 lo = h->pid < h->peer_pid ? h->pid : h->peer_pid;
    guint64 hi = h->pid < h->peer_pid ? h->peer_pid : h->pid;
    guint path_len = h->path ? h->path_len : 0;

    if (sd_last.cs && sd_last.lo == lo && sd_last.hi == hi && sd_last.path_len == path_len &&
        (path_len == 0 || memcmp(sd_last.path, h->path, path_len) == 0))
        return sd_last.cs;

    char *key = wmem_strdup_printf(pinfo->pool, "%s|%" PRIu64 "|%" PRIu64,
                                   h->path ? alb_ws_format_text(pinfo->pool, h->path, h->path_len) : "",
                                   lo, hi);
    guint32 id = GPOINTER_TO_UINT(wmem_map_lookup(sockdump_convs, key));
    if (!id) {
        id = ++sockdump_next_id;
        wmem_map_insert(sockdump_convs, wmem_strdup(wmem_file_scope(), key), GUINT_TO_POINTER(id));
    }
    conversation_t *conv = find_or_create_conversation_by_id(pinfo, CONVERSATION_LOG, id);
    struct alb_conv *cs = conv_state(conv);
    sd_last.cs = cs;
    sd_last.lo = lo;
    sd_last.hi = hi;
    sd_last.path_len = path_len;
    if (path_len)
        memcpy(sd_last.path, h->path, path_len);
    return cs;
}

/* "pid N" for the address columns, made once per socket and pid (a socket
 * has the two pids of its key). */
static const char *sd_pid_label(packet_info *pinfo, struct alb_conv *cs, guint64 pid)
{
    for (int i = 0; i < 2; i++) {
        if (!cs->pid_label[i]) {
            cs->pid_label[i] = wmem_strdup_printf(wmem_file_scope(), "pid %" PRIu64, pid);
            cs->labelled_pid[i] = pid;
        }
        if (cs->labelled_pid[i] == pid)
            return cs->pid_label[i];
    }
    return wmem_strdup_printf(pinfo->pool, "pid %" PRIu64, pid);
}

static int dissect_albatross_sockdump(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                      void *data _U_)
{
    guint cap = tvb_captured_length(tvb);
    struct sd_header h;
    const guint8 *p = tvb_get_ptr(tvb, 0, cap);

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "Albatross");
    if (!sd_parse(p, cap, &h)) {
        proto_item *ti = proto_tree_add_item(tree, proto_albatross, tvb, 0, -1, ENC_NA);
        expert_add_info(pinfo, ti, &ei_sockdump);
        col_set_str(pinfo->cinfo, COL_INFO, "Not a sockdump record");
        return (int)cap;
    }

    struct alb_conv *cs = sd_conv_state(pinfo, &h);
    if (!cs->have_first) {
        cs->have_first = TRUE;
        cs->first_pid = h.pid;
        cs->channel = h.path ? alb_channel_from_path((const char *)h.path, h.path_len) : ALB_CH_ANY;
    }
    struct alb_ctx cx = { cs, h.pid == cs->first_pid ? 0u : 1u, FALSE, pref_or(cs->channel), FALSE };

    /* addresses: who sent this record */
    const char *src = sd_pid_label(pinfo, cs, h.pid);
    const char *dst = sd_pid_label(pinfo, cs, h.peer_pid);
    set_address(&pinfo->src, AT_STRINGZ, (int)strlen(src) + 1, src);
    set_address(&pinfo->dst, AT_STRINGZ, (int)strlen(dst) + 1, dst);

    proto_item *hi = NULL;
    if (tree) {
        const char *path = h.path_len ? alb_ws_format_text(pinfo->pool, h.path, h.path_len) : NULL;
        hi = proto_tree_add_item(tree, hf_sd_header, tvb, 0, (gint)h.len, ENC_NA);
        proto_tree *ht = proto_item_add_subtree(hi, ett_sockdump);
        proto_item_append_text(hi, " (%u bytes)%s%s", h.len, path ? ", " : "", path ? path : "");
        if (h.len == 125)
            proto_tree_add_string(ht, hf_sd_path, tvb, 0, 109, path ? path : "");
        proto_tree_add_uint64(ht, hf_sd_peer_pid, tvb, h.len == 125 ? 109 : 0, 8, h.peer_pid);
        proto_tree_add_uint64(ht, hf_sd_pid, tvb, h.len == 125 ? 117 : 8, 8, h.pid);
        proto_item *di = proto_tree_add_uint(ht, hf_sd_direction, tvb, 0, 0, cx.dir);
        proto_item_append_text(di, cx.dir == 0 ? " (first sender)" : " (reply direction)");
        proto_item_set_generated(di);
    }

    tvbuff_t *payload = tvb_new_subset_remaining(tvb, (gint)h.len);
    guint pcap = tvb_captured_length(payload);
    const guint8 *pl = pcap ? tvb_get_ptr(payload, 0, pcap) : (const guint8 *)"";
    gboolean cut = tvb_captured_length(tvb) < tvb_reported_length(tvb);
    struct alb_opts o;
    fill_opts(&o, cx.channel, 0);

    /* The first pass keeps a record only when it takes part in reassembly;
     * one that is whole messages with nothing pending before it is framed
     * again from its own bytes whenever it is shown. */
    struct alb_record *rec = (struct alb_record *)p_get_proto_data(wmem_file_scope(), pinfo,
                                                                   proto_albatross, KEY_RECORD);
    if (!rec && !PINFO_FD_VISITED(pinfo) &&
        (cut || cs->flow[cx.dir].len || !sd_whole_units(pl, pcap, &o))) {
        rec = sd_reassemble(pinfo, cs, cx.dir, cx.channel, pl, pcap, cut);
        p_add_proto_data(wmem_file_scope(), pinfo, proto_albatross, KEY_RECORD, rec);
    }
    if (!rec) {
        if (dissect_framed_units(payload, pinfo, tree, &cx, &o) == 0) {
            col_clear(pinfo->cinfo, COL_INFO);
            col_set_str(pinfo->cinfo, COL_INFO, "[empty record]");
        }
        return (int)tvb_captured_length(tvb);
    }

    if (rec->gap)
        expert_add_info(pinfo, hi, &ei_gap);
    for (guint32 i = 0; i < rec->n; i++) {
        const struct alb_unit *u = &rec->units[i];
        tvbuff_t *mt;
        if (u->off >= 0 && (guint)u->off + u->len <= pcap) {
            mt = tvb_new_subset_length(payload, u->off, (gint)u->len);
        } else {
            mt = tvb_new_child_real_data(tvb, u->data, u->len, (gint)u->len);
            add_new_data_source(pinfo, mt, "Reassembled albatross message");
        }
        dissect_unit(mt, pinfo, tree, &cx);
    }
    if (rec->tail_len) {
        proto_item *ti = proto_tree_add_item(tree, hf_fragment, payload, (gint)rec->tail_off,
                                             (gint)rec->tail_len, ENC_NA);
        if (rec->reassembled_in) {
            proto_item *ri = proto_tree_add_uint(tree, hf_reassembled_in, tvb, 0, 0,
                                                 rec->reassembled_in);
            proto_item_set_generated(ri);
            if (rec->n == 0) {
                col_clear(pinfo->cinfo, COL_INFO);
                col_add_fstr(pinfo->cinfo, COL_INFO, "[albatross message fragment, reassembled in #%u]",
                             rec->reassembled_in);
            }
        } else {
            expert_add_info(pinfo, ti, &ei_incomplete);
            if (rec->n == 0) {
                col_clear(pinfo->cinfo, COL_INFO);
                col_set_str(pinfo->cinfo, COL_INFO, "[incomplete albatross message]");
            }
        }
    }
    if (rec->n == 0 && rec->tail_len == 0) {
        col_clear(pinfo->cinfo, COL_INFO);
        col_set_str(pinfo->cinfo, COL_INFO, "[empty record]");
    }
    return (int)tvb_captured_length(tvb);
}

/* ------------------------------------------------------------------ stats tree */

static int st_kind = -1, st_vm = -1, st_err = -1;
static const char st_str_kind[] = "Messages by kind";
static const char st_str_vm[] = "Messages by VM name";
static const char st_str_err[] = "Messages by error";

static void albatross_stats_init(stats_tree *st)
{
    st_kind = stats_tree_create_node(st, st_str_kind, 0, STAT_DT_INT, TRUE);
    st_vm = stats_tree_create_node(st, st_str_vm, 0, STAT_DT_INT, TRUE);
    st_err = stats_tree_create_node(st, st_str_err, 0, STAT_DT_INT, TRUE);
}

static tap_packet_status albatross_stats_packet(stats_tree *st, packet_info *pinfo _U_,
                                                epan_dissect_t *edt _U_, const void *p,
                                                tap_flags_t flags _U_)
{
    const struct alb_tap_info *ti = (const struct alb_tap_info *)p;
    tick_stat_node(st, st_str_kind, 0, FALSE);
    tick_stat_node(st, ti->kind, st_kind, FALSE);
    tick_stat_node(st, st_str_vm, 0, FALSE);
    tick_stat_node(st, ti->vm, st_vm, FALSE);
    tick_stat_node(st, st_str_err, 0, FALSE);
    tick_stat_node(st, ti->err, st_err, FALSE);
    return TAP_PACKET_REDRAW;
}

void albatross_register_stats_tree(void)
{
    stats_tree_register_plugin("albatross", "albatross", "Albatross/Messages", 0,
                               albatross_stats_packet, albatross_stats_init, NULL);
}

/* ------------------------------------------------------------------ registration */

static void register_fields(void)
{
    hf_register_info *hf = g_new0(hf_register_info, ALB_F_COUNT);
    gint **ett = g_new0(gint *, ALB_F_COUNT);
    int nett = 0;

    for (int i = 0; i < ALB_F_COUNT; i++) {
        const struct alb_field_info *fi = alb_field_info((enum alb_field_id)i);
        enum ftenum t = FT_NONE;
        int display = BASE_NONE;
        const void *strings = NULL;

        hf_field[i] = -1;
        ett_field[i] = -1;
        switch (fi->type) {
        case ALB_T_UINT:
            t = FT_UINT64;
            display = BASE_DEC;
            break;
        case ALB_T_INT:
            t = FT_INT64;
            display = BASE_DEC;
            break;
        case ALB_T_STR:
            t = FT_STRING;
            break;
        case ALB_T_BYTES:
            t = FT_BYTES;
            break;
        case ALB_T_TIME:
            t = FT_ABSOLUTE_TIME;
            display = ABSOLUTE_TIME_UTC;
            break;
        case ALB_T_IPV4:
            t = FT_IPv4;
            break;
        case ALB_T_LIST:
        case ALB_T_GROUP:
            t = FT_NONE;
            break;
        }
        /* header fields have known widths */
        switch ((enum alb_field_id)i) {
        case ALB_F_VERSION:
        case ALB_F_PADDING:
            t = FT_UINT16;
            display = i == ALB_F_PADDING ? BASE_HEX : BASE_DEC;
            break;
        case ALB_F_TAG:
            t = FT_UINT32;
            display = BASE_HEX;
            break;
        case ALB_F_LENGTH:
            t = FT_UINT32;
            display = BASE_DEC;
            break;
        case ALB_F_EVENT:
            t = FT_UINT16;
            display = BASE_DEC;
            strings = VALS(event_vals);
            break;
        case ALB_F_VM_VMTYPE:
            display = BASE_DEC | BASE_VAL64_STRING;
            strings = VALS64(vmtype_vals);
            break;
        case ALB_F_EV_EXIT:
            display = BASE_DEC | BASE_VAL64_STRING;
            strings = VALS64(exit_vals);
            break;
        default:
            break;
        }
        hf_ftype[i] = t;
        hf[i].p_id = &hf_field[i];
        hf[i].hfinfo.name = fi->desc;
        hf[i].hfinfo.abbrev = fi->name;
        hf[i].hfinfo.type = t;
        hf[i].hfinfo.display = display;
        hf[i].hfinfo.strings = strings;
        hf[i].hfinfo.bitmask = 0;
        hf[i].hfinfo.blurb = NULL;
        hf[i].hfinfo.id = -1;
        hf[i].hfinfo.parent = 0;
        hf[i].hfinfo.ref_type = HF_REF_TYPE_NONE;
        hf[i].hfinfo.same_name_prev_id = -1;
        hf[i].hfinfo.same_name_next = NULL;
        ett[nett++] = &ett_field[i];
    }
    proto_register_field_array(proto_albatross, hf, ALB_F_COUNT);
    proto_register_subtree_array(ett, nett);
}

void proto_register_albatross(void)
{
    static hf_register_info hf[] = {
        { &hf_kind, { "Message kind", "albatross.kind", FT_STRING, BASE_NONE, NULL, 0,
                      "Kind of message (the parser's snake-case name)", HFILL } },
        { &hf_reply, { "Reply", "albatross.reply", FT_BOOLEAN, 32, NULL, 0x80000000,
                       "Bit 31 of a WV2 tag: a reply (failure included)", HFILL } },
        { &hf_channel, { "WV0 channel", "albatross.channel", FT_STRING, BASE_NONE, NULL, 0,
                         "Channel the WV0 tag was read on", HFILL } },
        { &hf_name_str, { "VM name", "albatross.vm.name_str", FT_STRING, BASE_NONE, NULL, 0,
                          "The message's VM name as one dotted string", HFILL } },
        { &hf_time_days, { "Days", "albatross.time.days", FT_INT64, BASE_DEC, NULL, 0,
                           "Raw days since 1970-01-01 of a timestamp", HFILL } },
        { &hf_time_ps, { "Picoseconds", "albatross.time.ps", FT_INT64, BASE_DEC, NULL, 0,
                         "Raw picoseconds within the day of a timestamp", HFILL } },
        { &hf_response_in, { "Response in", "albatross.response_in", FT_FRAMENUM, BASE_NONE,
                             FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0,
                             "The reply to this request is in this frame", HFILL } },
        { &hf_response_to, { "Request in", "albatross.response_to", FT_FRAMENUM, BASE_NONE,
                             FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0,
                             "This is a reply to the request in this frame", HFILL } },
        { &hf_response_time, { "Response time", "albatross.response_time", FT_RELATIVE_TIME,
                               BASE_NONE, NULL, 0, "Time between request and reply", HFILL } },
        { &hf_undecoded, { "Undecodable bytes", "albatross.undecoded", FT_BYTES, BASE_NONE, NULL, 0,
                           "Bytes that do not start with a usable header", HFILL } },
        { &hf_fragment, { "Message fragment", "albatross.fragment", FT_BYTES, BASE_NONE, NULL, 0,
                          "Start of a message that continues in a later record", HFILL } },
        { &hf_reassembled_in, { "Reassembled in", "albatross.reassembled_in", FT_FRAMENUM,
                                BASE_NONE, NULL, 0, "The message this fragment starts ends in this frame",
                                HFILL } },
        { &hf_sd_header, { "sockdump header", "albatross.sockdump", FT_NONE, BASE_NONE, NULL, 0,
                           "Record header written by the sockdump Unix-socket sniffer", HFILL } },
        { &hf_sd_path, { "Socket path", "albatross.sockdump.path", FT_STRING, BASE_NONE, NULL, 0,
                         NULL, HFILL } },
        { &hf_sd_pid, { "Sender pid", "albatross.sockdump.pid", FT_UINT64, BASE_DEC, NULL, 0,
                        NULL, HFILL } },
        { &hf_sd_peer_pid, { "Peer pid", "albatross.sockdump.peer_pid", FT_UINT64, BASE_DEC, NULL,
                             0, NULL, HFILL } },
        { &hf_sd_direction, { "Direction", "albatross.sockdump.direction", FT_UINT32, BASE_DEC,
                              NULL, 0, "0: the first sender seen on this socket, 1: its peer",
                              HFILL } },
    };
    static gint *ett[] = { &ett_albatross, &ett_time, &ett_sockdump };
    static ei_register_info ei[] = {
        { &ei_malformed, { "albatross.malformed", PI_MALFORMED, PI_ERROR, "Malformed body", EXPFILL } },
        { &ei_bad_value, { "albatross.bad_value", PI_MALFORMED, PI_ERROR, "Value out of range", EXPFILL } },
        { &ei_time_range, { "albatross.time_range", PI_MALFORMED, PI_ERROR, "Timestamp out of range", EXPFILL } },
        { &ei_unknown_event, { "albatross.unknown_event", PI_UNDECODED, PI_WARN, "Unknown event type", EXPFILL } },
        { &ei_unknown_tag, { "albatross.unknown_tag", PI_UNDECODED, PI_WARN, "Unknown tag", EXPFILL } },
        { &ei_framing, { "albatross.framing", PI_MALFORMED, PI_ERROR, "Stream cannot be framed here", EXPFILL } },
        { &ei_length, { "albatross.absurd_length", PI_MALFORMED, PI_ERROR, "Absurd length", EXPFILL } },
        { &ei_truncated, { "albatross.truncated", PI_MALFORMED, PI_WARN, "Message cut short by the capture", EXPFILL } },
        { &ei_trailing, { "albatross.trailing_bytes", PI_PROTOCOL, PI_WARN, "Trailing bytes", EXPFILL } },
        { &ei_padding, { "albatross.padding_nonzero", PI_PROTOCOL, PI_WARN,
                         "WV2 padding is not zero (the reference ignores it)", EXPFILL } },
        { &ei_ref_rejects, { "albatross.ref_rejects", PI_PROTOCOL, PI_WARN,
                             "the albatross reference decoder rejects this message", EXPFILL } },
        { &ei_str_65535, { "albatross.str_65535", PI_PROTOCOL, PI_NOTE,
                           "A 65535-byte string the reference encoder cannot produce", EXPFILL } },
        { &ei_heuristic, { "albatross.heuristic", PI_UNDECODED, PI_NOTE,
                           "Body of an unknown tag shown by guess", EXPFILL } },
        { &ei_no_channel, { "albatross.no_channel", PI_UNDECODED, PI_WARN,
                            "WV0 tag needs the channel (socket path or preference albatross.channel)",
                            EXPFILL } },
        { &ei_arm64, { "albatross.vmtype_arm64", PI_PROTOCOL, PI_NOTE,
                       "vmtype hvt_arm64: accepted on the wire, refused by vmmd", EXPFILL } },
        { &ei_unsupported, { "albatross.unsupported_version", PI_UNDECODED, PI_WARN,
                             "Wire version 1 is recognised but not decoded", EXPFILL } },
        { &ei_gap, { "albatross.gap", PI_SEQUENCE, PI_WARN,
                     "Record cut short by the capture: the stream restarts after it", EXPFILL } },
        { &ei_incomplete, { "albatross.incomplete", PI_SEQUENCE, PI_WARN,
                            "The capture ends before this message does", EXPFILL } },
        { &ei_sockdump, { "albatross.sockdump.unknown", PI_MALFORMED, PI_ERROR,
                          "Record does not start with a sockdump header", EXPFILL } },
    };

    for (unsigned i = 0; i < ALB_EV_COUNT; i++) {
        event_vals[i].value = i;
        event_vals[i].strptr = alb_event_name(i) ? alb_event_name(i) : "unknown";
    }
    event_vals[ALB_EV_COUNT].value = 0;
    event_vals[ALB_EV_COUNT].strptr = NULL;
    for (int i = 0; i < 3; i++) {
        vmtype_vals[i].value = (guint64)i;
        vmtype_vals[i].strptr = alb_vmtype_name(i);
        exit_vals[i].value = (guint64)i;
        exit_vals[i].strptr = alb_exit_name(i);
    }

    for (int k = 0; k < ALB_K_COUNT; k++) {
        const struct alb_kind_info *ki = alb_kind_info((enum alb_kind)k);
        if (k != ALB_K_UNKNOWN && ki && ki->name)
            reply_label[k] = wmem_strdup_printf(wmem_epan_scope(), "Reply %s", ki->name);
    }

    proto_albatross = proto_register_protocol("Albatross VMM wire protocol", "Albatross", "albatross");
    register_fields();
    proto_register_field_array(proto_albatross, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_module_t *em = expert_register_protocol(proto_albatross);
    expert_register_field_array(em, ei, array_length(ei));

    module_t *m = prefs_register_protocol(proto_albatross, proto_reg_handoff_albatross);
    prefs_register_enum_preference(m, "channel", "WV0 channel",
                                   "Which WV0 tag table to use: automatic takes it from the socket "
                                   "path (cons.sock, stat.sock, log.sock) and uses the client "
                                   "channel on TCP",
                                   &pref_channel, channel_vals, FALSE);
    prefs_register_bool_preference(m, "desegment", "Reassemble messages spanning TCP segments",
                                   "Whether the albatross dissector reassembles messages spanning "
                                   "several TCP segments (TCP's \"Allow subdissectors to reassemble "
                                   "TCP streams\" must be on too)",
                                   &pref_desegment);
    prefs_register_uint_preference(m, "max_length", "Largest body length",
                                   "Body lengths above this are taken as a broken stream "
                                   "(Vm.Create carries a whole unikernel image)",
                                   10, &pref_max_len);
    prefs_register_bool_preference(m, "user0", "Decode pcap link type 147 (USER0) as sockdump",
                                   "Claim USER0 records as sockdump Unix-socket captures of albatross",
                                   &pref_user0);
    prefs_register_enum_preference(m, "sockdump_header", "sockdump record header",
                                   "Record header layout of sockdump captures", &pref_sockdump,
                                   sockdump_vals, FALSE);

    albatross_handle = register_dissector("albatross", dissect_albatross, proto_albatross);
    albatross_tcp_handle = register_dissector("albatross_tcp", dissect_albatross_tcp, proto_albatross);
    albatross_sockdump_handle = register_dissector("albatross_sockdump", dissect_albatross_sockdump,
                                                   proto_albatross);
    albatross_channel_handle[ALB_CH_CONSOLE] =
        register_dissector("albatross_console", dissect_albatross_console, proto_albatross);
    albatross_channel_handle[ALB_CH_STATS] =
        register_dissector("albatross_stats", dissect_albatross_stats, proto_albatross);
    albatross_channel_handle[ALB_CH_LOG] =
        register_dissector("albatross_log", dissect_albatross_log, proto_albatross);
    albatross_channel_handle[ALB_CH_CLIENT] =
        register_dissector("albatross_client", dissect_albatross_client, proto_albatross);

    albatross_tap = register_tap("albatross");
    register_cleanup_routine(sd_forget_last);
    sockdump_convs = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash,
                                            g_str_equal);
}

void proto_reg_handoff_albatross(void)
{
    static gboolean initialized = FALSE;
    if (!initialized) {
        initialized = TRUE;
        /* no default port: WV2 runs on Unix sockets only and WV0's TCP
         * port 1025 carries TLS */
        dissector_add_uint_range_with_preference("tcp.port", "", albatross_tcp_handle);
        heur_dissector_add("tcp", dissect_albatross_heur_tcp, "Albatross over TCP", "albatross_tcp",
                           proto_albatross, HEURISTIC_ENABLE);
        heur_dissector_add("tls", dissect_albatross_heur_tls, "Albatross over TLS", "albatross_tls",
                           proto_albatross, HEURISTIC_ENABLE);
        tls_handle = find_dissector("tls");
    }
    if (pref_user0 && !user0_registered) {
        dissector_add_uint("wtap_encap", WTAP_ENCAP_USER0, albatross_sockdump_handle);
        user0_registered = TRUE;
    } else if (!pref_user0 && user0_registered) {
        dissector_delete_uint("wtap_encap", WTAP_ENCAP_USER0, albatross_sockdump_handle);
        user0_registered = FALSE;
    }
}
