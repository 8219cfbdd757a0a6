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

#endif
