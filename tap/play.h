/* albatross-play: shared message builders (play.c) and the writers of the
 * other transports (play_transports.c). */
#ifndef ALBATROSS_PLAY_H
#define ALBATROSS_PLAY_H

#include <stddef.h>
#include <stdint.h>

#include "albatross/wire.h"

#define PLAY_MAX_MSG 65536

/* Fixed message timestamps: 2018-10-12T10:00:00Z plus sec seconds. */
#define PLAY_DAY 17816
struct alb_time play_time(int sec);

/* A message built by the encoder. */
struct pmsg {
    uint8_t b[PLAY_MAX_MSG];
    size_t n;
};

struct play_vm {
    const char *name;       /* dotted */
    int64_t memory;
    const char *cmd;
    int64_t pid;
    const char *taps[4];
    int ntaps;
};

/* wire version 2 */
void b2_name_req(struct pmsg *m, enum alb_kind kind, uint64_t id, const char *name);
void b2_reply(struct pmsg *m, uint32_t op_tag, uint64_t id, const char *text);
void b2_fail(struct pmsg *m, uint64_t id, const char *text);
void b2_console_data(struct pmsg *m, const char *name, int sec, const char *line);
void b2_stats_add(struct pmsg *m, uint64_t id, const char *name, int64_t pid,
                  const char *const *taps, int ntaps);
/* name NULL: the name [""] (count 1, one empty component) */
void b2_stats_data(struct pmsg *m, const char *name, unsigned tick, const char *const *taps,
                   int ntaps);
void b2_log_start(struct pmsg *m, enum alb_kind kind, uint64_t id, const char *name, int sec,
                  int64_t pid, const char *const *taps, int ntaps);
void b2_log_stop(struct pmsg *m, enum alb_kind kind, uint64_t id, const char *name, int sec,
                 int64_t pid, int64_t exit_kind, int64_t code);
void b2_create(struct pmsg *m, uint64_t id, const char *name, int64_t memory,
               const char *const *nets, int nnets, const char *const *argv, int nargv);
void b2_info_reply(struct pmsg *m, uint64_t id, const struct play_vm *vms, int n);

/* wire version 0 */
void b0_str(struct pmsg *m, enum alb_kind kind, uint64_t id, const char *text);
void b0_console_history(struct pmsg *m, uint64_t id, const char *name, int since);
void b0_log_history(struct pmsg *m, uint64_t id, const char *context, int since);
void b0_console_data(struct pmsg *m, enum alb_kind kind, const char *name, int sec,
                     const char *line);
void b0_pid(struct pmsg *m, enum alb_kind kind, uint64_t id, int64_t pid);
void b0_stats_add(struct pmsg *m, uint64_t id, int64_t pid, const char *const *taps, int ntaps);
void b0_stats(struct pmsg *m, enum alb_kind kind, uint64_t id, unsigned tick, const char *ifname);
void b0_log_login(struct pmsg *m, enum alb_kind kind, uint64_t id, int sec, const char *context,
                  const char *name, uint32_t ip, uint16_t port);
void b0_log_start(struct pmsg *m, enum alb_kind kind, uint64_t id, int sec, const char *context,
                  const char *name, int64_t pid, const char *const *taps, int ntaps);
void b0_log_stop(struct pmsg *m, enum alb_kind kind, uint64_t id, int sec, const char *context,
                 const char *name, int64_t pid, int64_t exit_kind, int64_t code);
void b0_info(struct pmsg *m, uint64_t id, const struct play_vm *vms, int n);

/* Scripted conversations for the synthetic transports: a list of messages,
 * each on a connection (0..) and in a direction (0 client to server). */
struct script_msg {
    int conn;
    int dir;
    struct pmsg *m;
};
struct script {
    struct script_msg *v;
    int n, cap;
    int nconn;
};
void script_wv2(struct script *s);
void script_wv0_client(struct script *s);
void script_free(struct script *s);

/* play_transports.c */
int write_tcp(const char *out, const struct script *s, uint16_t port);
int write_exported(const char *out, const struct script *s);
int write_sockdump16(const char *out, const struct script *s);

void play_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
