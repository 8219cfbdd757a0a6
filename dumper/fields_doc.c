/* docs/fields.md, generated from the parser's field table. */
#include "dump.h"

static const char intro[] =
    "# Field names\n"
    "\n"
    "Every field the albatross wire decoder reports, with the name it goes by. The same names are\n"
    "the keys of `albatross-dump --json` and the display-filter fields of the Wireshark plugin\n"
    "(`albatross.vm.name.part == \"web\"`), so a query written for one works for the other.\n"
    "\n"
    "This file is generated: `albatross-dump --list-fields > docs/fields.md`. A test fails when it\n"
    "no longer matches the field table (`parser/include/albatross/fields.def`).\n"
    "\n"
    "## Values in `albatross-dump --json`\n"
    "\n"
    "* Quantities 8 bytes wide on the wire (ids, `int`s, `u64` counters) are decimal strings;\n"
    "  narrower ones (version, length, `u16`/`u32` values, WV0 ids and pids) are numbers.\n"
    "* `albatross.tag` is a hex string: `\"0x%08x\"` in WV2, `\"0x%04x\"` in WV0.\n"
    "* Strings are byte strings: each byte below 0x20 or from 0x7f up is written `\\u00XX`, `\"` and\n"
    "  `\\` are escaped, every other byte stands for itself. Nothing is lost.\n"
    "* Opaque bytes (`albatross.body`, `albatross.trailing`) are lowercase hex; `albatross.vm.image`\n"
    "  is `{\"length\": N, \"head\": \"<hex of the first 32 bytes>\"}`.\n"
    "* Timestamps are `{\"days\": \"N\", \"ps\": \"N\", \"iso\": \"…Z\"}`; `iso` is left out when the\n"
    "  value is out of range. IPv4 addresses are dotted strings.\n"
    "* Lists are arrays: of strings for lists of strings, of objects (keyed by the element's field\n"
    "  names) for lists of groups. The resource-usage group is flattened into top-level\n"
    "  `albatross.ru.*` keys.\n"
    "\n"
    "Keys the dumper adds: `offset` (stream offset of the message), `file` (with several inputs),\n"
    "`albatross.kind` and `albatross.kind_name` (message kind, snake case and display name),\n"
    "`error` (`{\"code\", \"text\", \"field\", \"offset\"}`, present exactly when the message is\n"
    "malformed or could not be framed), `warnings` (list of warning names), `captured` (bytes\n"
    "present when the input ended inside the message), `decoded_prefix` (bytes decoded of a message\n"
    "longer than the buffer) and `skipped` (bytes dropped to find the next header after a framing\n"
    "error).\n"
    "\n"
    "Keys of captures (not of `--raw` streams): `frame` (capture record number, 1-based), `ts`\n"
    "(capture time, ISO 8601 UTC with microseconds) and `flow` (`{\"transport\": \"tcp\" | \"unix\" |\n"
    "\"exported_pdu\", \"src\", \"dst\"` (addresses with ports), `\"path\"` (Unix socket path),\n"
    "`\"pids\": {\"src\", \"dst\"}` (sockdump records), `\"direction\": \"to_server\" | \"to_client\" |\n"
    "\"unknown\"}`). Objects that are not messages: `{\"gap\": N}` (bytes of the stream never captured)\n"
    "and `{\"resync_skipped\": N}` (bytes skipped after a gap up to the next plausible header).\n";

static const struct {
    enum alb_field_id first;
    const char *title;
} sections[] = {
    { ALB_F_VERSION, "Header" },
    { ALB_F_VM_NAME, "VM names" },
    { ALB_F_TS, "Time" },
    { ALB_F_CONSOLE_LINE, "Console" },
    { ALB_F_STATS_PID, "Statistics" },
    { ALB_F_LOG_CONTEXT, "Log" },
    { ALB_F_VM_CPUID, "VM creation" },
    { ALB_F_VMS, "VM information reply" },
    { ALB_F_MSG, "Replies, WV0 client commands, undecoded bytes" },
};

static const char *type_name(enum alb_ftype t)
{
    switch (t) {
    case ALB_T_UINT: return "unsigned";
    case ALB_T_INT: return "int";
    case ALB_T_STR: return "string";
    case ALB_T_BYTES: return "bytes";
    case ALB_T_TIME: return "time";
    case ALB_T_IPV4: return "IPv4";
    case ALB_T_LIST: return "list";
    case ALB_T_GROUP: return "group";
    }
    return "?";
}

void dump_list_fields(FILE *f)
{
    size_t s = 0;
    const size_t ns = sizeof sections / sizeof sections[0];

    fputs(intro, f);
    for (unsigned id = 0; id < ALB_F_COUNT; id++) {
        if (s < ns && id == (unsigned)sections[s].first) {
            fprintf(f, "\n## %s\n\n| Field | Type | Description |\n|---|---|---|\n",
                    sections[s].title);
            s++;
        }
        const struct alb_field_info *fi = alb_field_info((enum alb_field_id)id);
        fprintf(f, "| `%s` | %s | %s |\n", fi->name, type_name(fi->type), fi->desc);
    }
}
