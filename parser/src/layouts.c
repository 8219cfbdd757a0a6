/* Message body layouts (WIRE.md §1, §2.5, §3.4) and the tables derived from
 * fields.def, messages.def and events.def. */
#include <stddef.h>
#include <string.h>

#include "layout.h"

/* where each field is stored (1 + offset; 0 = nowhere), from fields.def */
#define MSG(member) (1u + (uint32_t)offsetof(struct alb_msg, member))
#define IN(type, member) (1u + (uint32_t)offsetof(type, member))
#define ITEM 1u
#define NOSLOT 0u
#define EL(type) (uint32_t)sizeof(type)
#define NOELEM 0u
enum field_slot {
#define FIELD(id, name, type, slot, elem, desc) SLOT_##id = slot,
#include "albatross/fields.def"
#undef FIELD
};

/* The decoder stores every field an op reads without asking whether it has
 * a slot: an op that stores a field declared NOSLOT does not compile (only a
 * group's field has none). */
#define SLOT_OF(code, field) \
    (SLOT_##field + 0 * sizeof(char[OP_##code == OP_GROUP || SLOT_##field != 0 ? 1 : -1]))
#define F(id) ALB_F_##id
#define O(code, field) { OP_##code, 0, F(field), 0, SLOT_OF(code, field), 0, NULL }
#define O2(code, field, aux) \
    { OP_##code, 0, F(field), F(aux), SLOT_OF(code, field), SLOT_OF(code, aux), NULL }
#define LIST(field, sub) { OP_LIST, 0, F(field), 0, SLOT_OF(LIST, field), 0, &sub }
#define LIST_F(field, sub, fl) { OP_LIST, fl, F(field), 0, SLOT_OF(LIST, field), 0, &sub }
#define REPEAT(field, sub) { OP_REPEAT, 0, F(field), 0, SLOT_OF(REPEAT, field), 0, &sub }
#define REPEAT_F(field, sub, fl) { OP_REPEAT, fl, F(field), 0, SLOT_OF(REPEAT, field), 0, &sub }
#define CALL(sub) { OP_CALL, 0, NO_FIELD, 0, 0, 0, &sub }
#define END { OP_END, 0, 0, 0, 0, 0, NULL }
#define NO_FIELD ((uint16_t)ALB_F_NONE)
#define LAYOUT(name, min, ...) \
    static const struct op name##_ops[] = { __VA_ARGS__, END }; \
    const struct layout name = { name##_ops, min, 0 }
/* the decoder checks a list count against count * min_size of its element */
#define ELEMENT(name, min, ...) \
    _Static_assert((min) > 0, "a list element has a smallest size"); \
    static const struct op name##_ops[] = { __VA_ARGS__, END }; \
    static const struct layout name = { name##_ops, min, 0 }

/* A list element that is one string.  The decoder reads lists of these in
 * one loop instead of running the element layout once per element; the
 * flag promises that the ops are exactly { OP_STR, OP_END }. */
#define STRINGS(name, field) \
    static const struct op name##_ops[] = { O(STR, field), END }; \
    static const struct layout name = { name##_ops, 2, 1 }

/* ---- list elements */
STRINGS(STR_NAME_PART, VM_NAME_PART);
STRINGS(STR_STATS_TAP, STATS_TAP);
STRINGS(STR_EV_TAP, EV_TAP);
STRINGS(STR_EV_BRIDGE, EV_BRIDGE);
STRINGS(STR_VM_BRIDGE, VM_BRIDGE);
STRINGS(STR_VM_ARG, VM_ARG);
STRINGS(STR_INFO_NAME_PART, INFO_NAME_PART);
STRINGS(STR_INFO_TAP, INFO_TAP);

/* §1.9: str key, raw u64 value */
ELEMENT(VMM_STAT, 10, O(GROUP, VMM_STAT), O(STR, VMM_KEY), O(U64, VMM_VALUE));

/* §1.8: str name + 116 bytes (not aligned) */
ELEMENT(IFDATA, 118,
        O(GROUP, IF), O(STR, IF_NAME),
        O(U32, IF_FLAGS), O(U32, IF_SEND_LENGTH), O(U32, IF_MAX_SEND_LENGTH),
        O(U32, IF_SEND_DROPS), O(U32, IF_MTU),
        O(U64, IF_BAUDRATE), O(U64, IF_INPUT_PACKETS), O(U64, IF_INPUT_ERRORS),
        O(U64, IF_OUTPUT_PACKETS), O(U64, IF_OUTPUT_ERRORS), O(U64, IF_COLLISIONS),
        O(U64, IF_INPUT_BYTES), O(U64, IF_OUTPUT_BYTES), O(U64, IF_INPUT_MCAST),
        O(U64, IF_OUTPUT_MCAST), O(U64, IF_INPUT_DROPPED), O(U64, IF_OUTPUT_DROPPED));

/* §1.12 WV2: name, memory, cmd, pid, taps (the true size includes the pid) */
ELEMENT(VM_INFO, 34,
        O(GROUP, VMINFO), LIST(INFO_NAME, STR_INFO_NAME_PART), O(INT, INFO_MEMORY),
        O(STR, INFO_CMD), O(INT, INFO_PID), LIST(INFO_TAPS, STR_INFO_TAP));

/* §1.12 WV0: leaf name, cmd, u32 pid, int tapc, tapc bytes of str* */
ELEMENT(VM_INFO0, 16,
        O(GROUP, VMINFO), O(STR, INFO_LEAF), O(STR, INFO_CMD), O(PID32, INFO_PID),
        { OP_SIZED_REPEAT, 0, F(INFO_TAPS), F(INFO_TAPC), SLOT_OF(SIZED_REPEAT, INFO_TAPS),
          SLOT_OF(SIZED_REPEAT, INFO_TAPC), &STR_INFO_TAP });

/* ---- §1.7 rusage, the same in both versions */
#define RUSAGE \
    O(GROUP, RU), \
    O(U64, RU_UTIME_SEC), O(INT, RU_UTIME_USEC), O(U64, RU_STIME_SEC), O(INT, RU_STIME_USEC), \
    O(U64, RU_MAXRSS), O(U64, RU_IXRSS), O(U64, RU_IDRSS), O(U64, RU_ISRSS), \
    O(U64, RU_MINFLT), O(U64, RU_MAJFLT), O(U64, RU_NSWAP), O(U64, RU_INBLOCK), \
    O(U64, RU_OUTBLOCK), O(U64, RU_MSGSND), O(U64, RU_MSGRCV), O(U64, RU_NSIGNALS), \
    O(U64, RU_NVCSW), O(U64, RU_NIVCSW)
ELEMENT(RUSAGE_GROUP, 144, RUSAGE);

/* ---- wire version 2 bodies (§2.5) */
#define VM_NAME LIST(VM_NAME, STR_NAME_PART)
LAYOUT(LAYOUT_NAME, 8, VM_NAME);
LAYOUT(LAYOUT_CONSOLE_DATA, 26, VM_NAME, O(PTIME, TS), O(STR, CONSOLE_LINE));
LAYOUT(LAYOUT_STATS_ADD, 24, VM_NAME, O(INT, STATS_PID), LIST(STATS_TAPS, STR_STATS_TAP));
LAYOUT(LAYOUT_STATS_DATA, 168, VM_NAME,
       CALL(RUSAGE_GROUP),
       LIST(VMM, VMM_STAT), LIST(IFDATA, IFDATA));
LAYOUT(LAYOUT_LOG, 26, VM_NAME, O(PTIME, TS), O(EVENT2, EVENT));
LAYOUT(LAYOUT_VM_CREATE, 74, VM_NAME, O(INT, VM_CPUID), O(INT, VM_MEMORY), O(STR, VM_BLOCK),
       LIST(VM_NETWORK, STR_VM_BRIDGE), O(VMTYPE, VM_VMTYPE), O2(IMAGE, VM_IMAGE_SIZE, VM_IMAGE),
       LIST(VM_ARGV, STR_VM_ARG));
LAYOUT(LAYOUT_VM_INFO_REPLY, 8, LIST_F(VMS, VM_INFO, LF_REF_MULTI));
LAYOUT(LAYOUT_OPT_MSG, 0, O(OPTSTR, MSG));
LAYOUT(LAYOUT_RAW, 0, O(REST, BODY));
/* §2.5: every WV2 message with bit 31 clear starts with a name, so an
 * unknown request is shown as a name and the rest, when that parses */
LAYOUT(LAYOUT_GUESS_NAME, 8, VM_NAME, O(REST, BODY));

/* events (§1.13) */
LAYOUT(LAYOUT_EV_NONE, 0, END);
LAYOUT(LAYOUT_EV_ADDR, 6, O(IPV4, EV_IP), O(U16, EV_PORT));
LAYOUT(LAYOUT_EV_VM_START, 18, O(INT, EV_PID), O(STR, EV_BLOCK), LIST(EV_TAPS, STR_EV_TAP));
LAYOUT(LAYOUT_EV_VM_STOP, 24, O(INT, EV_PID), O(EXIT_INT, EV_EXIT), O(INT, EV_CODE),
       O(CHECK_EXIT, EV_EXIT));

/* ---- wire version 0 bodies (§3.4) */
LAYOUT(LAYOUT0_OPT_NAME, 0, O(OPTSTR, NAME));
LAYOUT(LAYOUT0_CONSOLE_HISTORY, 16, O(OPTSTR, NAME), O(PTIME, SINCE));
LAYOUT(LAYOUT0_CONSOLE_DATA, 20, O(STR, NAME), O(PTIME, TS), O(STR, CONSOLE_LINE));
LAYOUT(LAYOUT0_STATS_ADD, 4, O(PID32, STATS_PID), REPEAT(STATS_TAPS, STR_STATS_TAP));
LAYOUT(LAYOUT0_PID, 4, O(PID32, STATS_PID));
LAYOUT(LAYOUT0_STATS, 144, CALL(RUSAGE_GROUP),
       REPEAT_F(IFDATA, IFDATA, LF_REF_MULTI));
LAYOUT(LAYOUT0_LOG, 22, O(PTIME, TS), O(STR, LOG_CONTEXT), O(STR, NAME), O(EVENT0, EVENT));
LAYOUT(LAYOUT0_LOG_HISTORY, 18, O(STR, LOG_CONTEXT), O(PTIME, SINCE));
LAYOUT(LAYOUT0_CLIENT_ARG, 0, O(OPTSTR, CLIENT_ARG));
LAYOUT(LAYOUT0_INFO, 0, REPEAT(VMS, VM_INFO0));
LAYOUT(LAYOUT0_OPT_MSG, 0, O(OPTSTR, MSG));

LAYOUT(LAYOUT0_EV_VM_START, 6, O(PID32, EV_PID), O(STR, EV_BLOCK), REPEAT(EV_TAPS, STR_EV_TAP));
LAYOUT(LAYOUT0_EV_VM_STOP, 13, O(PID32, EV_PID), O(EXIT_U8, EV_EXIT), O(INT, EV_CODE),
       O(CHECK_EXIT, EV_EXIT));
LAYOUT(LAYOUT0_EV_BLOCK_CREATE, 10, O(STR, EV_BLOCK_NAME), O(INT, EV_SIZE));
LAYOUT(LAYOUT0_EV_BLOCK_DESTROY, 2, O(STR, EV_BLOCK_NAME));
LAYOUT(LAYOUT0_EV_DELEGATE, 2, O(STR, EV_BLOCK), REPEAT(EV_BRIDGES, STR_EV_BRIDGE));

/* ---- tables */

const struct field_def alb_fields_[ALB_F_COUNT] = {
#define FIELD(id, name, type, slot, elem, desc) \
    { { name, &name[sizeof("albatross.") - 1], desc, ALB_T_##type, elem }, slot },
#include "albatross/fields.def"
#undef FIELD
};

#undef MSG
const struct kind_def alb_kinds_[ALB_K_COUNT] = {
#define MSG(id, ver, ch, tag, name, snake, layout, role) \
    { { name, snake, ver, ALB_CH_##ch, tag, ALB_ROLE_##role }, &layout },
#include "albatross/messages.def"
#undef MSG
};

#define NOLAYOUT (*(const struct layout *)NULL)
const struct layout *alb_event_layout_(unsigned version, uint64_t tag)
{
    switch (tag) {
#define EVENT(id, t, name, snake, l2, l0) \
    case t: return version == 2 ? &l2 : &l0;
#include "albatross/events.def"
#undef EVENT
    default: return NULL;
    }
}

const char *alb_event_name(uint64_t tag)
{
    switch (tag) {
#define EVENT(id, t, name, snake, l2, l0) case t: return name;
#include "albatross/events.def"
#undef EVENT
    default: return NULL;
    }
}

const char *alb_event_snake(uint64_t tag)
{
    switch (tag) {
#define EVENT(id, t, name, snake, l2, l0) case t: return snake;
#include "albatross/events.def"
#undef EVENT
    default: return NULL;
    }
}
