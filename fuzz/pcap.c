/* Harness "pcap": the input is a capture file (pcap or pcapng), read by
 * libpcap from memory (fmemopen + pcap_fopen_offline) through the same
 * dump_capture() the albatross-dump command uses: link layers, TCP
 * reassembly, sockdump and exported-PDU records, framing, gaps,
 * resynchronisation, both formatters and the statistics.
 *
 * Small limits (8 connections, 4 KiB buffers, 4 KiB of reordering) so that
 * eviction, oversized messages and reordering overflow are reached with
 * small inputs.  Every input is read twice, with the -vv text and as JSON;
 * for an odd-sized input the JSON run adds filters, port and path
 * selections, a WV0 channel and a flush after every record.  Output goes
 * to /dev/null; the sanitizers and the allocation checks of the build do
 * the judging. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *null_out(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    if (!f)
        abort();
    return f;
}

static void run(const uint8_t *data, size_t size, int json, int filtered)
{
    /* fmemopen wants a writable buffer it may not write to in "rb" mode;
     * a copy keeps the input const */
    uint8_t *copy = malloc(size);
    if (!copy)
        return;
    memcpy(copy, data, size);
    FILE *in = fmemopen(copy, size, "rb");
    if (!in) {
        free(copy);
        return;
    }
    struct dump_capture_opts co;
    dump_capture_defaults(&co);
    co.max_flows = 8;
    co.buffer = 4096;
    co.reorder = 4096;
    co.opts.max_len = 1u << 20;
    struct dump_run c;
    memset(&c, 0, sizeof c);
    ob_init(&c.out.ob, null_out());
    c.out.verbose = json ? 0 : 2;
    c.json = json;
    c.st = stats_new();
    if (filtered) {
        /* the selections of --port, --path and --channel, and flushing
         * after every record, as a live reader does */
        co.ports[co.nports++] = 1025;
        co.paths[co.npaths++] = "vmmd.sock";
        co.paths[co.npaths++] = "cons.sock";
        co.opts.channel = ALB_CH_CLIENT;
        co.flush_each = 1;
        c.flt.kinds[c.flt.nkinds++] = "vm_create";
        c.flt.kinds[c.flt.nkinds++] = "Reply Vm.Info";
        c.flt.vms[c.flt.nvms++] = "web";
    }
    struct dump_sink sink = { dump_run_item, dump_run_flush, &c };
    dump_capture(in, "fuzz", &co, &sink, c.st, null_out());   /* closes in */
    if (c.st) {
        stats_print(c.st, &c.out.ob);
        ob_commit(&c.out.ob);
        stats_free(c.st);
    }
    ob_flush(&c.out.ob);
    ob_free(&c.out.ob);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    run(data, size, 0, 0);
    run(data, size, 1, size & 1);
    return 0;
}
