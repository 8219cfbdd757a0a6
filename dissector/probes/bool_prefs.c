/* Compiles when prefs_register_bool_preference takes a bool * (4.4 and
 * later); wireshark.cmake then defines ALB_WS_BOOL_PREFS. */
#include <stdbool.h>
#include <epan/prefs.h>
static bool v;
void probe(module_t *m);
void probe(module_t *m) { prefs_register_bool_preference(m, "a", "b", "c", &v); }
