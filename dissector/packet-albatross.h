/* Functions plugin.c hands to Wireshark's plugin registry. */
#ifndef PACKET_ALBATROSS_H
#define PACKET_ALBATROSS_H

#ifndef ALB_PLUGIN_VERSION
#define ALB_PLUGIN_VERSION "0.1.0"
#endif

void proto_register_albatross(void);
void proto_reg_handoff_albatross(void);
void albatross_register_stats_tree(void);

#endif
