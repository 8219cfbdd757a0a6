/*
 * Plugin entry points for Wireshark 4.0.  Wireshark's registration
 * generator needs a config.h that distributions do not ship, so the few
 * lines it would write are written here by hand.
 */
#define WS_BUILD_DLL
#include <gmodule.h>
#include <ws_symbol_export.h>
#include <ws_version.h>
#include <epan/proto.h>
#include <epan/tap.h>

#include "packet-albatross.h"

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = ALB_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void plugin_register(void)
{
    static proto_plugin proto;
    static tap_plugin tap;

    proto.register_protoinfo = proto_register_albatross;
    proto.register_handoff = proto_reg_handoff_albatross;
    proto_register_plugin(&proto);

    tap.register_tap_listener = albatross_register_stats_tree;
    tap_register_plugin(&tap);
}
