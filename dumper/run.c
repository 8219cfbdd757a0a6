/* What albatross-dump does with each item: one decode that also feeds the
 * formatter, then the filters decide whether the output is kept, and the
 * statistics count the item either way. */
#include "dump.h"

void dump_run_item(void *ctx, struct dump_item *it)
{
    struct dump_run *r = ctx;
    if (r->quiet)
        dump_item_fields(it, NULL, NULL);
    else if (r->json)
        json_item(&r->out, it);
    else
        text_item(&r->out, it);
    int shown = dump_filter_pass(&r->flt, it);
    if (r->st)
        stats_item(r->st, it, shown);
    if (shown)
        ob_commit(&r->out.ob);
    else
        ob_rewind(&r->out.ob);
}

void dump_run_flush(void *ctx)
{
    struct dump_run *r = ctx;
    ob_flush(&r->out.ob);
}
