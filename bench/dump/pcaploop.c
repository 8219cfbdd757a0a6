/* albatross-dump-pcaploop: the floor for the dumper benchmark, a bare
 * libpcap read loop that touches every captured byte (a checksum) and
 * does nothing else.
 *
 *   albatross-dump-pcaploop FILE */
#define _DEFAULT_SOURCE
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: albatross-dump-pcaploop FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "albatross-dump-pcaploop: %s\n", err);
        return 2;
    }
    struct pcap_pkthdr *h;
    const unsigned char *d;
    unsigned long long records = 0, bytes = 0;
    unsigned sum = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        records++;
        bytes += h->caplen;
        for (unsigned i = 0; i < h->caplen; i++)
            sum += d[i];
    }
    pcap_close(p);
    printf("%llu records, %llu bytes, sum %u\n", records, bytes, sum);
    return 0;
}
