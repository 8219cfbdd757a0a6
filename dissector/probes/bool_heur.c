/* Compiles when a heuristic dissector returns bool (4.4 and later);
 * wireshark.cmake then defines ALB_WS_BOOL_HEUR. */
#include <stdbool.h>
#include <epan/packet.h>
static bool h(tvbuff_t *t, packet_info *p, proto_tree *r, void *d)
{
    (void)t; (void)p; (void)r; (void)d;
    return false;
}
heur_dissector_t probe = h;
