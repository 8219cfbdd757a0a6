/*
 * Plugin entry points.  Wireshark's registration generator needs a config.h
 * that distributions do not ship, so the few lines it would write are
 * written here by hand, for each loader the supported releases have
 * (ws_compat.h lists them).
 */
#define WS_BUILD_DLL
#include <stdint.h>
#include <gmodule.h>
#include <ws_symbol_export.h>
#include <ws_version.h>
#include <epan/proto.h>
#include <epan/tap.h>

#include "packet-albatross.h"
#include "ws_compat.h"
#if ALB_WS_AT_LEAST(4, 2)
#include <wsutil/plugins.h>   /* WS_PLUGIN_DESC_* from 4.4; 4.0 installs no such header */
#endif

static void register_albatross(void)
{
    static proto_plugin proto;
    static tap_plugin tap;

    proto.register_protoinfo = proto_register_albatross;
    proto.register_handoff = proto_reg_handoff_albatross;
    proto_register_plugin(&proto);

    tap.register_tap_listener = albatross_register_stats_tree;
    tap_register_plugin(&tap);
}

#ifdef WIRESHARK_PLUGIN_REGISTER_EPAN
/* Releases after 4.6 ask one function for a module description. */
static struct ws_module albatross_module = {
    .license = WS_PLUGIN_IS_GPLv2_OR_LATER,
    .flags = WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER,
    .version = ALB_PLUGIN_VERSION,
    .spdx_id = WS_PLUGIN_SPDX_GPLv2,
    .home_url = "",
    .blurb = "albatross VMM wire protocol (wire versions 2 and 0)",
    .register_cb = register_albatross,
};
WIRESHARK_PLUGIN_REGISTER_EPAN(&albatross_module, 0)
#else
WS_DLL_PUBLIC_DEF const char plugin_version[] = ALB_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void plugin_register(void)
{
    register_albatross();
}

#ifdef WS_PLUGIN_DESC_DISSECTOR
/* 4.4 to 4.6 ask what a plugin registers (tshark -G plugins); 4.2 has no
 * such question, and its plugins.h no WS_PLUGIN_DESC_* to answer it with. */
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER;
}
#endif
#endif
