/*
 * What differs between the Wireshark releases the plugin supports, 4.0 to
 * 4.6, in one place.  Nothing else in dissector/ tests a Wireshark version.
 *
 *   callbacks   4.0 and 4.2 type the preference variables and the heuristic
 *               dissectors' result as gboolean, 4.4 and 4.6 as bool.
 *               CMake (wireshark.cmake) compiles a probe against the headers
 *               found and defines ALB_WS_BOOL_PREFS / ALB_WS_BOOL_HEUR, so
 *               the answer comes from the headers, not from a table of
 *               releases.
 *   format_text 4.0 declares it in epan/strutil.h with `const guchar *`;
 *               4.2 to 4.6 in wsutil/str_util.h (which epan/strutil.h
 *               includes) with `const char *`.  alb_ws_format_text passes
 *               the bytes as `const void *`, which converts to either.
 *   plugin      4.0 to 4.6 find a plugin by plugin_version, plugin_want_* and
 *               plugin_register; 4.4 to 4.6 also ask plugin_describe what
 *               it registers, exported when wsutil/plugins.h defines the
 *               WS_PLUGIN_DESC_* flags; a release whose wsutil/plugins.h
 *               defines WIRESHARK_PLUGIN_REGISTER_EPAN loads it through
 *               wireshark_load_module instead (plugin.c).
 */
#ifndef ALB_WS_COMPAT_H
#define ALB_WS_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include <ws_version.h>
#include <epan/wmem_scopes.h>
#include <epan/strutil.h>    /* format_text, or the wsutil header that has it */

#define ALB_WS_AT_LEAST(major, minor)                                                            \
    (WIRESHARK_VERSION_MAJOR > (major) ||                                                        \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

/* The type of a variable given to prefs_register_bool_preference. */
#ifdef ALB_WS_BOOL_PREFS
typedef bool alb_ws_pref_bool;
#else
typedef gboolean alb_ws_pref_bool;
#endif

/* The result type of a heuristic dissector (heur_dissector_t). */
#ifdef ALB_WS_BOOL_HEUR
typedef bool alb_ws_heur_result;
#else
typedef gboolean alb_ws_heur_result;
#endif

/* format_text: printable text of any bytes, allocated in `a`. */
static inline char *alb_ws_format_text(wmem_allocator_t *a, const unsigned char *p, size_t n)
{
    return format_text(a, (const void *)p, n);
}

#endif
