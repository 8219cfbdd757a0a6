/*
 * libalbatross-wire: decoder, field walker and encoder for the albatross VMM
 * wire protocol, wire versions 2 (2018) and 0 (2017).
 *
 * Decoding never allocates, never recurses and never reads outside the
 * buffer it is given.  Strings, images and lists are views into that
 * buffer; keep it alive while you use a decoded message.
 */
#ifndef ALBATROSS_WIRE_H
#define ALBATROSS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- tables */

enum alb_field_id {
#define FIELD(id, name, type, slot, elem, desc) ALB_F_##id,
#include "albatross/fields.def"
#undef FIELD
    ALB_F_COUNT,
    ALB_F_NONE = 0xffff
};

enum alb_kind {
#define MSG(id, ver, ch, tag, name, snake, layout, role) ALB_K_##id,
#include "albatross/messages.def"
#undef MSG
    ALB_K_COUNT
};

enum alb_event {
#define EVENT(id, tag, name, snake, l2, l0) ALB_EV_##id = tag,
#include "albatross/events.def"
#undef EVENT
    ALB_EV_COUNT
};

/* WV0 tags mean something only together with the socket they travel on. */
enum alb_channel {
    ALB_CH_ANY = 0,     /* unknown, or not needed (WV2) */
    ALB_CH_CONSOLE,
    ALB_CH_STATS,
    ALB_CH_LOG,
    ALB_CH_CLIENT,
    ALB_CH_COUNT
};

enum alb_role { ALB_ROLE_REQUEST, ALB_ROLE_REPLY, ALB_ROLE_PUSH };

enum alb_ftype {
    ALB_T_UINT,   /* unsigned, up to 64 bits: v.u */
    ALB_T_INT,    /* signed 64 bits: v.i */
    ALB_T_STR,    /* byte string (not NUL-terminated, any bytes): v.b */
    ALB_T_BYTES,  /* opaque bytes: v.b */
    ALB_T_TIME,   /* days + picoseconds: v.t */
    ALB_T_IPV4,   /* IPv4 address, host order: v.u */
    ALB_T_LIST,   /* a list; opened and closed around its elements: v.u = count */
    ALB_T_GROUP   /* a fixed group of fields; opened and closed */
};

enum alb_vmtype { ALB_VMTYPE_HVT_AMD64 = 0, ALB_VMTYPE_HVT_ARM64 = 1, ALB_VMTYPE_HVT_AMD64_COMPRESSED = 2 };
enum alb_exit { ALB_EXIT_EXIT = 0, ALB_EXIT_SIGNAL = 1, ALB_EXIT_STOP = 2 };

/* ---------------------------------------------------------------- errors */

/* ERR(ID, "short text", class): class is TRUNCATED (more bytes would help),
 * FRAMING (the stream cannot be trusted at this point) or INVALID. */
#define ALB_ERRORS(ERR) \
    ERR(OK,               "ok",                        NONE) \
    ERR(NEED_MORE,        "need more bytes",           TRUNCATED) \
    ERR(TRUNCATED,        "message truncated",         TRUNCATED) \
    ERR(UNDERFLOW,        "underflow",                 INVALID) \
    ERR(UNKNOWN_VERSION,  "unknown wire version",      FRAMING) \
    ERR(BAD_LENGTH,       "length out of range",       FRAMING) \
    ERR(TOO_LONG,         "length over the limit",     FRAMING) \
    ERR(INT_TOO_BIG,      "int too big",               INVALID) \
    ERR(INT_TOO_SMALL,    "int too small",             INVALID) \
    ERR(TIME_RANGE,       "timestamp out of range",    INVALID) \
    ERR(BAD_COUNT,        "list count out of range",   INVALID) \
    ERR(IMAGE_SIZE,       "image size out of range",   INVALID) \
    ERR(VMTYPE,           "unknown vmtype",            INVALID) \
    ERR(EVENT,            "unknown event type",        INVALID) \
    ERR(EXIT_KIND,        "unknown exit status",       INVALID) \
    ERR(TAP_LENGTH,       "taps length out of range",  INVALID) \
    ERR(UNSUPPORTED,      "unsupported wire version",  INVALID) \
    ERR(NO_SPACE,         "output buffer too small",   INVALID) \
    ERR(ENCODE,           "value cannot be encoded",   INVALID)

enum alb_err {
#define ALB_ERR_ENUM(id, text, cls) ALB_E_##id,
    ALB_ERRORS(ALB_ERR_ENUM)
#undef ALB_ERR_ENUM
    ALB_E_COUNT
};

struct alb_error {
    enum alb_err code;
    enum alb_field_id field;  /* the field being read, ALB_F_NONE if none */
    uint64_t offset;          /* byte offset from the start of the message */
};

/* Warnings: the message decoded, but something deserves a look. */
enum {
    ALB_W_TRAILING     = 1u << 0, /* bytes left after the last field (the reference ignores them) */
    ALB_W_PADDING      = 1u << 1, /* WV2 padding not zero */
    ALB_W_REF_REJECTS  = 1u << 2, /* the reference decoder fails on this valid message (WIRE.md §4.4: 1, 18) */
    ALB_W_STR_65535    = 1u << 3, /* a 65535-byte string the reference encoder cannot produce */
    ALB_W_HEURISTIC    = 1u << 4, /* unknown request tag: a leading VM name found by guess */
    ALB_W_NO_CHANNEL   = 1u << 5, /* WV0 tag needs a channel that was not given */
    ALB_W_VMTYPE_ARM64 = 1u << 6, /* vmtype 1: accepted on the wire, refused by vmmd */
    ALB_W_COUNT = 7
};

/* ---------------------------------------------------------------- views */

struct alb_bytes {
    const uint8_t *p;   /* NULL: absent (e.g. a reply with an empty body) */
    size_t n;
};

struct alb_time {
    int64_t d;          /* days since 1970-01-01 */
    int64_t ps;         /* picoseconds within the day */
};

/* A list: decoded lists point into the message (wire); lists built for
 * encoding point to an array of element structs (items).  Walk either with
 * alb_iter. */
struct alb_list {
    uint64_t count;
    const uint8_t *wire;    /* first element on the wire */
    size_t wire_len;        /* bytes of all elements */
    const void *items;      /* for encoding: array of count element structs */
    const void *layout_;    /* set by the decoder: how elements are laid out */
};

struct alb_rusage {
    uint64_t utime_sec;  int64_t utime_usec;
    uint64_t stime_sec;  int64_t stime_usec;
    uint64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock,
             outblock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};

struct alb_vmm_stat {
    struct alb_bytes key;
    uint64_t value;
};

struct alb_ifdata {
    struct alb_bytes name;
    uint64_t flags, send_length, max_send_length, send_drops, mtu;
    uint64_t baudrate, input_packets, input_errors, output_packets,
             output_errors, collisions, input_bytes, output_bytes,
             input_mcast, output_mcast, input_dropped, output_dropped;
};

struct alb_vm_info {
    struct alb_list name;   /* WV2 */
    struct alb_bytes leaf;  /* WV0 */
    int64_t memory;         /* WV2 */
    struct alb_bytes cmd;
    int64_t pid;
    int64_t tapc;           /* WV0: byte length of the taps */
    struct alb_list taps;
};

struct alb_log_event {
    uint64_t tag;           /* enum alb_event */
    uint64_t ip;            /* login/logout, host order */
    uint64_t port;
    int64_t pid;            /* vm_start, vm_stop */
    struct alb_bytes block; /* vm_start, delegate */
    struct alb_list taps;   /* vm_start */
    int64_t exit_kind;      /* vm_stop: enum alb_exit */
    int64_t code;
    struct alb_bytes block_name;  /* block_create/destroy (WV0) */
    int64_t size;           /* block_create (WV0) */
    struct alb_list bridges;      /* delegate (WV0) */
};

struct alb_vm_config {
    int64_t cpuid;
    int64_t memory;
    struct alb_bytes block;
    struct alb_list network;
    int64_t vmtype;         /* enum alb_vmtype */
    int64_t image_size;
    struct alb_bytes image;
    struct alb_list argv;
};

/* A decoded message.  Which members hold values depends on kind; the others
 * are zero.  (The field table says which member each field fills.) */
struct alb_msg {
    /* header */
    unsigned version;       /* 0, 1 or 2 */
    unsigned hdr_len;       /* 8 or 20 */
    uint32_t tag;
    uint64_t id;
    uint64_t length;        /* body length from the header */
    uint32_t padding;       /* WV2 */
    enum alb_channel channel;
    enum alb_kind kind;

    /* outcome */
    struct alb_error err;   /* code ALB_E_OK when the body decoded */
    uint32_t warnings;      /* ALB_W_* */
    uint64_t trailing;      /* trailing byte count (ALB_W_TRAILING) */
    uint64_t trailing_off;

    /* body: fields common to several kinds */
    struct alb_list name;   /* WV2 VM name */
    struct alb_bytes name_str;  /* WV0 dotted name */
    struct alb_time ts;     /* timestamp, or "since" of WV0 history */
    int64_t pid;            /* stats */
    union {
        struct alb_bytes line;      /* console data */
        struct alb_list taps;       /* stats add */
        struct {
            struct alb_rusage ru;
            struct alb_list vmm;    /* WV2 */
            struct alb_list ifdata;
        } stats;
        struct {
            struct alb_bytes context;   /* WV0 */
            struct alb_log_event ev;
        } log;
        struct alb_vm_config vm;
        struct alb_list vms;        /* info reply */
        struct alb_bytes msg;       /* success / failure */
        struct alb_bytes arg;       /* WV0 client commands */
        struct alb_bytes body;      /* unknown kinds: the whole body (also when a
                                     * leading name was guessed, ALB_W_HEURISTIC) */
    } u;
};

/* ---------------------------------------------------------------- walker */

enum alb_fevent { ALB_FE_VALUE, ALB_FE_OPEN, ALB_FE_CLOSE };

/* One reported field.  off/len are bytes from the start of the message.
 * A list or group arrives as OPEN (len 0: its end is not known yet; for a
 * list v.u is the count from the wire, 0 for WV0 lists that run to the end
 * of their region), its elements one level deeper, then CLOSE with the same
 * off, the final len and, for a list, the element count in v.u. */
struct alb_field {
    enum alb_field_id id;
    enum alb_ftype type;
    enum alb_fevent ev;
    unsigned depth;         /* nesting: 0 for top-level fields */
    uint64_t index;         /* position in the enclosing list */
    uint64_t off, len;
    union {
        uint64_t u;
        int64_t i;
        struct alb_bytes b;
        struct alb_time t;
    } v;
    int bad;                /* the value is out of range (see the message error) */
};

/* Return non-zero to stop the walk. */
typedef int (*alb_field_cb)(void *ctx, const struct alb_field *f);

/* ---------------------------------------------------------------- decoding */

struct alb_opts {
    enum alb_channel channel;   /* WV0 channel, ALB_CH_ANY when unknown (a value
                                 * outside the enum counts as ALB_CH_ANY) */
    uint64_t max_len;           /* body length limit; 0 = ALB_DEFAULT_MAX_LEN */
    int partial;                /* decode the available prefix of a message cut short */
    int body_only;              /* the field walk leaves out the header fields (a caller
                                 * that shows the header from msg has no use for them) */
};

#define ALB_DEFAULT_MAX_LEN (256u * 1024u * 1024u)
#define ALB_MAX_DEPTH 6

/* Framing: what the bytes at the start of buf amount to. */
struct alb_frame {
    enum alb_err status;    /* OK, NEED_MORE, UNKNOWN_VERSION, BAD_LENGTH or TOO_LONG */
    unsigned version;
    unsigned hdr_len;
    uint64_t body_len;
    uint64_t total_len;     /* hdr_len + body_len, when the header was read */
    uint64_t need;          /* with NEED_MORE: total bytes needed to go on */
};

/* Never allocates; looks at no more than the header.  TOO_LONG and
 * BAD_LENGTH still fill total_len, so the caller may skip the message. */
enum alb_err alb_frame(const uint8_t *buf, size_t len, const struct alb_opts *opts,
                       struct alb_frame *out);

/* Whether a plausible header starts at buf (WIRE.md §5.3): a version of 0
 * or 2 (1 is skipped, never sought), zero WV2 padding, a tag the version
 * knows (for WV0 on opts->channel) and a length that frames.  Fewer bytes
 * than a header holds count as plausible while what is there fits: the
 * caller should wait for more. */
int alb_plausible(const uint8_t *buf, size_t len, const struct alb_opts *opts);

/* Like alb_plausible(), but bytes too few to judge by are not plausible:
 * a WV2 header is judged once its tag, version and padding are there (a
 * length cut off by the end of buf is taken on trust), a WV0 header when
 * whole.  For heuristics that decide on the first segment of a stream. */
int alb_plausible_strict(const uint8_t *buf, size_t len, const struct alb_opts *opts);

/* Finds the first offset after 0 at which alb_plausible() holds; returns
 * len when none is found. */
size_t alb_resync(const uint8_t *buf, size_t len, const struct alb_opts *opts);

/* Decodes the message at the start of buf and reports every field to cb
 * (may be NULL).  Returns:
 *   ALB_E_OK         a whole message was there; msg->err tells whether its
 *                    body is well formed.  msg->hdr_len + msg->length bytes
 *                    belong to it.
 *   ALB_E_NEED_MORE  not enough bytes (with opts->partial and a complete
 *                    header, the available prefix was decoded and msg->err
 *                    is ALB_E_TRUNCATED)
 *   other            the header cannot be framed (msg->err says why); when
 *                    the whole header was there (BAD_LENGTH, TOO_LONG) its
 *                    members and kind are filled in all the same.
 * The header members of msg (version, hdr_len, tag, id, length, padding,
 * channel, kind) are set before cb is first called, so a callback may read
 * them; the body members are complete only when alb_decode returns. */
enum alb_err alb_decode(const uint8_t *buf, size_t len, const struct alb_opts *opts,
                        struct alb_msg *msg, alb_field_cb cb, void *ctx);

/* ---------------------------------------------------------------- lists */

struct alb_iter {
    const uint8_t *p;       /* next element on the wire */
    const uint8_t *end;
    const uint8_t *items;   /* or next element struct */
    uint64_t left;
    enum alb_field_id list;
    const void *layout;
};

void alb_iter_init(struct alb_iter *it, enum alb_field_id list, const struct alb_list *l);
/* Fills the element struct named by the list's field (struct alb_bytes for
 * lists of strings); returns 0 when the list is exhausted. */
int alb_iter_next(struct alb_iter *it, void *elem);

/* ---------------------------------------------------------------- encoding */

/* Writes msg (header and body, per msg->kind, version, tag, id) into out.
 * msg->length is ignored and computed.  Returns ALB_E_OK and the size in
 * *written, or ALB_E_NO_SPACE with the size needed in *written, or
 * ALB_E_ENCODE when a value cannot be put on the wire (err says which). */
enum alb_err alb_encode(const struct alb_msg *msg, uint8_t *out, size_t cap,
                        size_t *written, struct alb_error *err);

/* Prepares msg for building a message of the given kind: zeroes it and
 * sets version, tag and header length from the table. */
void alb_msg_init(struct alb_msg *msg, enum alb_kind kind);

/* ---------------------------------------------------------------- names */

struct alb_field_info {
    const char *name;       /* "albatross.vm.name" */
    const char *key;        /* the same without "albatross.": "vm.name" */
    const char *desc;
    enum alb_ftype type;
    uint32_t elem_size;     /* lists: size of the element struct */
};

struct alb_kind_info {
    const char *name;       /* "Vm.Create" */
    const char *snake;      /* "vm_create" */
    unsigned version;
    enum alb_channel channel;
    uint32_t tag;
    enum alb_role role;
};

const struct alb_field_info *alb_field_info(enum alb_field_id id);
const struct alb_kind_info *alb_kind_info(enum alb_kind kind);
const char *alb_err_str(enum alb_err code);
const char *alb_err_name(enum alb_err code);       /* "UNDERFLOW" */
const char *alb_warning_str(unsigned bit_index);   /* for bit 1u << i */
const char *alb_warning_name(unsigned bit_index);  /* "trailing" */
const char *alb_event_name(uint64_t tag);          /* NULL if unknown */
const char *alb_event_snake(uint64_t tag);
const char *alb_vmtype_name(int64_t vmtype);       /* NULL if unknown */
const char *alb_exit_name(int64_t kind);           /* NULL if unknown */
const char *alb_channel_name(enum alb_channel ch); /* "console", … */

/* WV0 channel from a socket path ("…/cons.sock" → console); ALB_CH_ANY
 * when the name says nothing.  The client channel is TLS on TCP port 1025
 * and has no socket path. */
enum alb_channel alb_channel_from_path(const char *path, size_t len);
enum alb_channel alb_channel_from_name(const char *name);

/* Kind of a header: version, tag and channel. */
enum alb_kind alb_kind_of(unsigned version, uint32_t tag, enum alb_channel ch);

/* The request a WV2 reply answers (0x80000000 | op): kind of op, or
 * ALB_K_UNKNOWN. */
enum alb_kind alb_reply_op(uint32_t tag);

/* Timestamp validity as Ptime.v checks it (WIRE.md §1.5). */
int alb_time_valid(struct alb_time t);
/* Seconds and picosecond remainder since the epoch (valid times only). */
void alb_time_to_unix(struct alb_time t, int64_t *sec, uint64_t *ps);

#ifdef __cplusplus
}
#endif
#endif
