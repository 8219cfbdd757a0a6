/* The dumper's timestamps (dump_cap_time, dump_iso_time) against gmtime_r
 * and snprintf, over random times and times in runs within one second:
 * the formatter keeps the date and time of day of the last second it saw,
 * so the order of the calls matters as much as the values. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdint.h>
#include <time.h>

#include "../testlib.h"
#include "dump.h"

#define DAY 86400LL
#define YEAR0 (-62167219200LL)      /* 0000-01-01T00:00:00Z */
#define YEAR10000 253402300800LL    /* 10000-01-01T00:00:00Z */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t in_range(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(next() % (uint64_t)(hi - lo));
}

/* What the text should be, from the C library. */
static void model(int64_t sec, long usec, char *buf, size_t n)
{
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, n, "gmtime failed");
        return;
    }
    int64_t y = (int64_t)tm.tm_year + 1900;
    /* years outside 0000-9999: ISO 8601's expanded form, sign and 6+ digits */
    const char *form = y >= 0 && y <= 9999 ? "%s%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%06ldZ"
                                           : "%s%06" PRId64 "-%02d-%02dT%02d:%02d:%02d.%06ldZ";
    const char *sign = y < 0 ? "-" : y > 9999 ? "+" : "";
    snprintf(buf, n, form, sign, y < 0 ? -y : y, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
             tm.tm_sec, usec);
}

static void cap_case(int64_t sec, long usec)
{
    char got[64], want[64];
    dump_cap_time(sec, usec, got, sizeof got);
    model(sec, usec, want, sizeof want);
    CHECK(strcmp(got, want) == 0, "cap %" PRId64 ".%06ld: %s, want %s", sec, usec, got, want);
}

static void ptime_case(int64_t sec, uint64_t ps)
{
    char got[64], want[64];
    int64_t days = sec >= 0 ? sec / DAY : -((-sec + DAY - 1) / DAY);
    struct alb_time t = { days, (int64_t)((uint64_t)(sec - days * DAY) * 1000000000000ull + ps) };
    CHECK(dump_iso_time(t, got, sizeof got), "ptime %" PRId64 " refused", sec);
    model(sec, (long)(ps / 1000000u), want, sizeof want);
    CHECK(strcmp(got, want) == 0, "ptime %" PRId64 " +%" PRIu64 "ps: %s, want %s", sec, ps, got,
          want);
}

int main(void)
{
    /* fixed points: the epoch, leap days, the ends of the range */
    static const int64_t fixed[] = { 0, -1, 951782400, 951868799, 4107456000LL,
                                     YEAR0, YEAR10000 - 1, 1539338400 };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        cap_case(fixed[i], 0);
        cap_case(fixed[i], 999999);
        ptime_case(fixed[i], 0);
        ptime_case(fixed[i], 999999999999ull);
    }

    /* the date and the time of day are kept apart: the same time of day on
     * other days, and other times on the same day */
    for (int64_t k = 0; k < 4; k++) {
        cap_case(1539338400 + k * DAY, 5);
        ptime_case(1539338400 + k * 366 * DAY, 5000000);
        cap_case(1539338400 + k * 61, 5);
    }

    /* random seconds, and runs within one second, of both kinds in turn */
    for (int i = 0; i < 20000; i++) {
        int64_t a = in_range(YEAR0, YEAR10000), b = in_range(0, 4102444800LL);
        int run = (int)(next() % 4);
        for (int k = 0; k <= run; k++) {
            cap_case(b, (long)(next() % 1000000));
            ptime_case(a, next() % 1000000000000ull);
        }
        cap_case(b + 1, 0);
        cap_case(b, 1);
    }

    /* capture times outside years 0-9999 take the slow path, and a bad
     * fraction is shown as zero */
    cap_case(YEAR10000, 5);
    cap_case(YEAR10000 + 123456789, 5);
    cap_case(YEAR0 - 1, 5);
    cap_case(YEAR0 - DAY * 400, 5);
    char got[64], want[64];
    /* the expanded years, spelt out rather than modelled */
    static const struct { int64_t sec; const char *text; } expanded[] = {
        { YEAR10000 - 1, "9999-12-31T23:59:59.000005Z" },
        { YEAR10000, "+010000-01-01T00:00:00.000005Z" },
        { YEAR0, "0000-01-01T00:00:00.000005Z" },
        { YEAR0 - 1, "-000001-12-31T23:59:59.000005Z" },
        { 10089858774397LL, "+321704-11-23T20:26:37.000005Z" },
        { INT64_MAX, "+292277026596-12-04T15:30:07.000005Z" },
    };
    for (size_t i = 0; i < sizeof expanded / sizeof expanded[0]; i++) {
        dump_cap_time(expanded[i].sec, 5, got, sizeof got);
        CHECK(strcmp(got, expanded[i].text) == 0, "cap %" PRId64 ": %s, want %s", expanded[i].sec,
              got, expanded[i].text);
    }
    dump_cap_time(1539338400, 1000000, got, sizeof got);
    model(1539338400, 0, want, sizeof want);
    CHECK(strcmp(got, want) == 0, "fraction out of range: %s", got);
    dump_cap_time(1539338400, -3, got, sizeof got);
    CHECK(strcmp(got, want) == 0, "negative fraction: %s", got);

    /* a buffer too small for the text is cut, never overrun */
    char small[12];
    memset(small, 'x', sizeof small);
    dump_cap_time(1539338400, 7, small, 10);
    CHECK(small[9] == '\0' && small[10] == 'x' && memcmp(small, "2018-10-12", 9) == 0,
          "short buffer: %.12s", small);

    /* outside Ptime's range: refused */
    struct alb_time bad = { 2932897, 0 };
    CHECK(!dump_iso_time(bad, got, sizeof got), "day beyond 9999-12-31 accepted");
    return t_summary("test_time");
}
