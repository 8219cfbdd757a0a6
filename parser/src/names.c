/* Kind lookup and the names users see, all derived from the .def tables. */
#include <string.h>

#include "layout.h"

enum alb_kind alb_kind_of(unsigned version, uint32_t tag, enum alb_channel ch)
{
    return kind_of(version, tag, ch);
}

enum alb_kind alb_reply_op(uint32_t tag)
{
    if (!(tag & 0x80000000u) || tag == 0xFFFFFFFFu)
        return ALB_K_UNKNOWN;
    enum alb_kind k = kind_v2(tag & 0x7FFFFFFFu);
    if (k == ALB_K_COUNT || alb_kinds_[k].info.role == ALB_ROLE_REPLY || k == ALB_K_UNKNOWN)
        return ALB_K_UNKNOWN;
    return k;
}

const struct alb_field_info *alb_field_info(enum alb_field_id id)
{
    return (unsigned)id < ALB_F_COUNT ? &alb_fields_[id].info : NULL;
}

const struct alb_kind_info *alb_kind_info(enum alb_kind kind)
{
    return (unsigned)kind < ALB_K_COUNT ? &alb_kinds_[kind].info : NULL;
}

const char *alb_err_str(enum alb_err code)
{
    static const char *const text[] = {
#define ALB_ERR_TEXT(id, t, cls) t,
        ALB_ERRORS(ALB_ERR_TEXT)
#undef ALB_ERR_TEXT
    };
    return (unsigned)code < ALB_E_COUNT ? text[code] : "unknown error";
}

const char *alb_err_name(enum alb_err code)
{
    static const char *const names[] = {
#define ALB_ERR_NAME(id, t, cls) #id,
        ALB_ERRORS(ALB_ERR_NAME)
#undef ALB_ERR_NAME
    };
    return (unsigned)code < ALB_E_COUNT ? names[code] : "UNKNOWN";
}

static const char *const warning_names[ALB_W_COUNT] = {
    "trailing", "padding", "reference_rejects", "string_65535", "heuristic", "no_channel",
    "vmtype_arm64",
};

static const char *const warning_text[ALB_W_COUNT] = {
    "trailing bytes after the last field",
    "padding is not zero",
    "the albatross reference decoder rejects this valid message",
    "65535-byte string: the reference encoder cannot produce it",
    "unknown tag: body read as a VM name and raw bytes, by guess",
    "WV0 tag needs a channel (console, stats, log, client)",
    "vmtype hvt_arm64: vmmd refuses it (\"no amd64 hvt image found\")",
};

const char *alb_warning_str(unsigned i)
{
    return i < ALB_W_COUNT ? warning_text[i] : NULL;
}

const char *alb_warning_name(unsigned i)
{
    return i < ALB_W_COUNT ? warning_names[i] : NULL;
}

const char *alb_vmtype_name(int64_t vmtype)
{
    switch (vmtype) {
    case ALB_VMTYPE_HVT_AMD64: return "hvt_amd64";
    case ALB_VMTYPE_HVT_ARM64: return "hvt_arm64";
    case ALB_VMTYPE_HVT_AMD64_COMPRESSED: return "hvt_amd64_compressed";
    default: return NULL;
    }
}

const char *alb_exit_name(int64_t kind)
{
    switch (kind) {
    case ALB_EXIT_EXIT: return "exit";
    case ALB_EXIT_SIGNAL: return "signal";
    case ALB_EXIT_STOP: return "stop";
    default: return NULL;
    }
}

static const char *const channel_names[ALB_CH_COUNT] = { "any", "console", "stats", "log", "client" };

const char *alb_channel_name(enum alb_channel ch)
{
    return (unsigned)ch < ALB_CH_COUNT ? channel_names[ch] : "any";
}

enum alb_channel alb_channel_from_name(const char *name)
{
    for (unsigned i = 1; i < ALB_CH_COUNT; i++)
        if (strcmp(name, channel_names[i]) == 0)
            return (enum alb_channel)i;
    return ALB_CH_ANY;
}

static int is_base(const char *path, size_t len, const char *base)
{
    size_t n = strlen(base);
    if (len < n || memcmp(path + len - n, base, n) != 0)
        return 0;
    return len == n || path[len - n - 1] == '/';
}

enum alb_channel alb_channel_from_path(const char *path, size_t len)
{
    /* WV0 vmmd's directory holds cons.sock, stat.sock and log.sock (§3.2) */
    if (is_base(path, len, "cons.sock") || is_base(path, len, "console.sock"))
        return ALB_CH_CONSOLE;
    if (is_base(path, len, "stat.sock"))
        return ALB_CH_STATS;
    if (is_base(path, len, "log.sock"))
        return ALB_CH_LOG;
    return ALB_CH_ANY;
}

void alb_time_to_unix(struct alb_time t, int64_t *sec, uint64_t *ps)
{
    *sec = t.d * 86400 + t.ps / 1000000000000LL;
    *ps = (uint64_t)(t.ps % 1000000000000LL);
}
