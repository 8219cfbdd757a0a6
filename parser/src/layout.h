/* Internal: body layouts as small op lists, and the tables derived from the
 * .def files.  Only parser/src includes this. */
#ifndef ALBATROSS_LAYOUT_H
#define ALBATROSS_LAYOUT_H

#include "albatross/wire.h"

enum op_code {
    OP_END,
    OP_STR,         /* u16 length + bytes */
    OP_OPTSTR,      /* absent when nothing is left, else OP_STR (WV0 decode_str, optional messages) */
    OP_INT,         /* 8 bytes, accepted iff bits 63 and 62 agree */
    OP_PID32,       /* WV0 pid: u32 read as signed 32-bit */
    OP_U16,
    OP_U32,
    OP_U64,
    OP_PTIME,       /* int days + raw int64 picoseconds, checked as Ptime.v does */
    OP_IPV4,        /* u32 address */
    OP_VMTYPE,      /* int, one of enum alb_vmtype */
    OP_EXIT_INT,    /* WV2 exit kind (int); checked by OP_CHECK_EXIT */
    OP_EXIT_U8,     /* WV0 exit kind (u8); checked by OP_CHECK_EXIT */
    OP_CHECK_EXIT,  /* the exit kind read before is 0, 1 or 2 (after the code, as the reference) */
    OP_IMAGE,       /* int size (field) + size bytes (aux field) */
    OP_LIST,        /* int count + elements (WV2 list) */
    OP_REPEAT,      /* elements to the end of the enclosing region (WV0 str*) */
    OP_SIZED_REPEAT,/* int byte length (aux field) + OP_REPEAT within it (WV0 taps) */
    OP_GROUP,       /* opens a group of fields, closed by OP_END of the layout */
    OP_CALL,        /* runs the sub layout in place (a shared group) */
    OP_EVENT2,      /* u16 event tag + WV2 event payload */
    OP_EVENT0,      /* u16 event tag + WV0 event payload */
    OP_REST         /* all remaining bytes */
};

/* list flag (aux of OP_LIST / OP_REPEAT): the reference decoder misparses
 * two or more elements (WIRE.md §4.4 quirks 1 and 18). */
#define LF_REF_MULTI 1u

struct layout;

struct op {
    uint8_t code;
    uint8_t flags;                  /* LF_* */
    uint16_t field;                 /* enum alb_field_id */
    uint16_t aux;                   /* a second field (OP_IMAGE, OP_SIZED_REPEAT) */
    uint16_t slot;                  /* where field is stored: 1 + offset, 0 = nowhere */
    uint16_t aux_slot;
    const struct layout *sub;       /* list element layout */
};

struct layout {
    const struct op *ops;
    uint32_t min_size;              /* smallest encoding of one instance */
    uint8_t strings;                /* list element that is one OP_STR: ops are {STR, END} */
};

/* layouts.c: message bodies named in messages.def and events.def */
extern const struct layout LAYOUT_NAME, LAYOUT_CONSOLE_DATA, LAYOUT_STATS_ADD,
    LAYOUT_STATS_DATA, LAYOUT_LOG, LAYOUT_VM_CREATE, LAYOUT_VM_INFO_REPLY,
    LAYOUT_OPT_MSG, LAYOUT_RAW, LAYOUT_GUESS_NAME, LAYOUT0_OPT_NAME, LAYOUT0_CONSOLE_HISTORY,
    LAYOUT0_CONSOLE_DATA, LAYOUT0_STATS_ADD, LAYOUT0_PID, LAYOUT0_STATS,
    LAYOUT0_LOG, LAYOUT0_LOG_HISTORY, LAYOUT0_CLIENT_ARG, LAYOUT0_INFO,
    LAYOUT0_OPT_MSG, LAYOUT_EV_NONE, LAYOUT_EV_ADDR, LAYOUT_EV_VM_START,
    LAYOUT0_EV_VM_START, LAYOUT_EV_VM_STOP, LAYOUT0_EV_VM_STOP,
    LAYOUT0_EV_BLOCK_CREATE, LAYOUT0_EV_BLOCK_DESTROY, LAYOUT0_EV_DELEGATE;

struct field_def {
    struct alb_field_info info;
    uint32_t slot;                  /* 1 + byte offset into the owning struct; 0 = not stored */
};

struct kind_def {
    struct alb_kind_info info;
    const struct layout *layout;
};

extern const struct field_def alb_fields_[ALB_F_COUNT];
extern const struct kind_def alb_kinds_[ALB_K_COUNT];
const struct layout *alb_event_layout_(unsigned version, uint64_t tag);

/* ---- kind lookup (alb_kind_of), inlined into the decoder
 *
 * One switch per table, each over the messages.def rows that belong to it:
 * ROWS_<version>_<channel>(v2, v0_channel, v0_any) keeps the argument of the
 * row's table.  A row with a version and channel not listed here does not
 * compile. */
#define ROWS_2_ANY(v2, v0_channel, v0_any) v2
#define ROWS_1_ANY(v2, v0_channel, v0_any)
#define ROWS_0_ANY(v2, v0_channel, v0_any) v0_any
#define ROWS_0_CONSOLE(v2, v0_channel, v0_any) v0_channel
#define ROWS_0_STATS(v2, v0_channel, v0_any) v0_channel
#define ROWS_0_LOG(v2, v0_channel, v0_any) v0_channel
#define ROWS_0_CLIENT(v2, v0_channel, v0_any) v0_channel

/* ALB_K_COUNT: no row */
static inline enum alb_kind kind_v2(uint32_t tag)
{
    switch (tag) {
#define MSG(id, ver, ch, tag, name, snake, layout, role) \
    ROWS_##ver##_##ch(case tag: return ALB_K_##id;, , )
#include "albatross/messages.def"
#undef MSG
    default: return ALB_K_COUNT;
    }
}

static inline enum alb_kind kind_v0_channel(enum alb_channel ch, uint32_t tag)
{
    switch ((uint64_t)ch << 32 | tag) {
#define MSG(id, ver, ch, tag, name, snake, layout, role) \
    ROWS_##ver##_##ch(, case (uint64_t)ALB_CH_##ch << 32 | tag: return ALB_K_##id;, )
#include "albatross/messages.def"
#undef MSG
    default: return ALB_K_COUNT;
    }
}

static inline enum alb_kind kind_v0_any(uint32_t tag)
{
    switch (tag) {
#define MSG(id, ver, ch, tag, name, snake, layout, role) \
    ROWS_##ver##_##ch(, , case tag: return ALB_K_##id;)
#include "albatross/messages.def"
#undef MSG
    default: return ALB_K_COUNT;
    }
}

static inline enum alb_kind kind_of(unsigned version, uint32_t tag, enum alb_channel ch)
{
    enum alb_kind k;
    switch (version) {
    case 2:
        k = kind_v2(tag);
        if (k != ALB_K_COUNT)
            return k;
        /* any other reply tag is a success reply; failure is 0xFFFFFFFF only */
        return (tag & 0x80000000u) ? ALB_K_SUCCESS : ALB_K_UNKNOWN;
    case 0:
        /* a channel outside the enum is taken as unknown */
        if ((unsigned)ch < ALB_CH_COUNT && ch != ALB_CH_ANY && (k = kind_v0_channel(ch, tag)) != ALB_K_COUNT)
            return k;
        k = kind_v0_any(tag);
        return k == ALB_K_COUNT ? ALB_K_V0_UNKNOWN : k;
    case 1:
        return ALB_K_V1_UNSUPPORTED;
    default:
        return ALB_K_UNKNOWN;
    }
}

#endif
