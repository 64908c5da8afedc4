/*
** bench_deadline.c - how fast a first-response deadline is computed, and
** how that compares with the day-by-day loop people usually write.
**
** Measures, on the "business" calendar of the default policy (or of
** --config FILE):
**   - garant_calendar_add over pre-generated random submissions (uniform
**     over 2025-2030 UTC, targets of 3, 6 or 9 business hours);
**   - garant_clock_due through the policy layer (plan x priority x stage);
**   - a naive reference that walks local days with localtime_r/mktime under
**     TZ=Europe/Bratislava, checked against the compiled calendar first;
**   - the compiled calendar's memory and the policy's load+compile time.
** Inputs are generated before timing with a fixed-seed PRNG so every run
** measures the same work; a checksum of the results keeps the compiler from
** dropping it. This is a benchmark, not a test: it asserts nothing about
** speed and exits 0 unless something fails outright (a query error or a
** disagreement with the naive reference, which means a bug somewhere).
**
** Usage: bench_deadline [--config FILE] [--n N] [--policy-n N]
**                       [--naive-n N] [--verify-n N]
*/
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "garant/garant.h"
#include "loader.h"

/* Goals printed next to the figures (docs/SLA.md promises "fast enough to
** recompute every open ticket on each policy change"). */
#define GOAL_NS_PER_DEADLINE 50.0
#define GOAL_SPEEDUP 20.0

/* Repetitions of each timed loop; the best is reported (least disturbed
** by other processes), the spread shown beside it. */
#define REPS 3

#define HOUR_S 3600

typedef struct options {
    const char *config;  /* NULL = embedded default */
    size_t n;            /* compiled-calendar submissions */
    size_t policy_n;     /* policy-layer submissions */
    size_t naive_n;      /* naive submissions timed */
    size_t verify_n;     /* submissions checked naive vs compiled */
} options;

/* ---- helpers -------------------------------------------------------- */

/* splitmix64: tiny, fast, and good enough to spread submissions evenly. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Monotonic time in nanoseconds. */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int parse_count(size_t *out, const char *flag, const char *text)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || v == 0 || v > 1000000000ull) {
        fprintf(stderr, "bench_deadline: %s wants a count 1..1000000000, not '%s'\n", flag, text);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

static int parse_options(options *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "bench_deadline: '%s' needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        int rc = 0;
        if (strcmp(a, "--config") == 0) o->config = v;
        else if (strcmp(a, "--n") == 0) rc = parse_count(&o->n, a, v);
        else if (strcmp(a, "--policy-n") == 0) rc = parse_count(&o->policy_n, a, v);
        else if (strcmp(a, "--naive-n") == 0) rc = parse_count(&o->naive_n, a, v);
        else if (strcmp(a, "--verify-n") == 0) rc = parse_count(&o->verify_n, a, v);
        else {
            fprintf(stderr, "usage: bench_deadline [--config FILE] [--n N] [--policy-n N] "
                            "[--naive-n N] [--verify-n N]\n");
            return -1;
        }
        if (rc) return rc;
    }
    return 0;
}

static void print_machine(void)
{
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            /* x86 says "model name", some ARM kernels only "Hardware". */
            if (strncmp(line, "model name", 10) == 0 || strncmp(line, "Hardware", 8) == 0) {
                const char *colon = strchr(line, ':');
                if (!colon) continue;
                colon++;
                while (*colon == ' ' || *colon == '\t') colon++;
                snprintf(model, sizeof model, "%s", colon);
                model[strcspn(model, "\n")] = '\0';
                break;
            }
        }
        fclose(f);
    }
    printf("machine:  %ld CPUs online, %s\n", sysconf(_SC_NPROCESSORS_ONLN), model);
#if defined(__OPTIMIZE__)
    const char *opt = "optimized";
#else
    const char *opt = "NOT optimized (figures are meaningless; build Release/RelWithDebInfo)";
#endif
#if defined(__VERSION__)
    printf("compiler: %s, %s\n", __VERSION__, opt);
#else
    printf("compiler: %s\n", opt);
#endif
}

static void fmt_utc(char buf[GARANT_RFC3339_UTC_LEN], int64_t t)
{
    garant_time_format_utc(buf, t);
}

/* ---- the naive reference -------------------------------------------- */

/*
** What a deadline function usually looks like before anyone optimizes it:
** walk the local days from the submission with libc's time functions
** (the process's TZ), skip weekends and holidays, clip each day to 09:00-17:00
** local time and consume the target. It hard-codes the default policy's
** rules; it is here to be timed and to cross-check the compiled calendar,
** so it deliberately shares no code with the core (own Easter algorithm,
** glibc's own TZif reader).
*/

/* Easter Sunday (month, day) by Carter's method, valid 1900-2099. */
static void naive_easter(int y, int *out_m, int *out_d)
{
    int b = 225 - 11 * (y % 19);
    int d = (b - 21) % 30 + 21;
    if (d > 48) d--;
    int e = (y + y / 4 + d + 1) % 7;
    int q = d + 7 - e;
    if (q < 32) {
        *out_m = 3;
        *out_d = q;
    } else {
        *out_m = 4;
        *out_d = q - 31;
    }
}

static int naive_is_holiday(int y, int m, int d)
{
    if ((m == 1 && d == 1) || (m == 5 && d == 1) || (m == 12 && (d == 24 || d == 25 || d == 26)))
        return 1;
    int em, ed;
    naive_easter(y, &em, &ed);
    /* Good Friday: two days before Easter; Easter Monday: the day after. */
    int gm = em, gd = ed - 2;
    if (gd < 1) {
        gm = 3;
        gd += 31;
    }
    int mm = em, md = ed + 1;
    if (em == 3 && md > 31) {
        mm = 4;
        md = 1;
    }
    return (m == gm && d == gd) || (m == mm && d == md);
}

/* mktime of a local wall time on y-m-d; isdst left to libc. */
static time_t naive_local(int y, int m, int d, int hour)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = hour;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

static int64_t naive_add(int64_t from_s, int64_t business_s)
{
    time_t t = (time_t)from_s;
    struct tm lt;
    localtime_r(&t, &lt);
    int y = lt.tm_year + 1900, m = lt.tm_mon + 1, d = lt.tm_mday;
    int64_t left = business_s;
    for (int guard = 0; guard < 3660; guard++) {
        /* The weekday and the normalized date of this local day. */
        struct tm day = {0};
        day.tm_year = y - 1900;
        day.tm_mon = m - 1;
        day.tm_mday = d;
        day.tm_hour = 12;
        day.tm_isdst = -1;
        mktime(&day);
        y = day.tm_year + 1900;
        m = day.tm_mon + 1;
        d = day.tm_mday;
        if (day.tm_wday >= 1 && day.tm_wday <= 5 && !naive_is_holiday(y, m, d)) {
            int64_t open = naive_local(y, m, d, 9);
            int64_t close = naive_local(y, m, d, 17);
            int64_t start = open > from_s ? open : from_s;
            if (start < close) {
                if (left <= close - start) return start + left;
                left -= close - start;
            }
        }
        d++; /* mktime normalizes the 32nd into the next month */
    }
    return -1;
}

/* ---- the benchmark -------------------------------------------------- */

typedef struct timing {
    int64_t best_ns, worst_ns;
    uint64_t checksum;
    int checksum_stable;
} timing;

static int time_compiled(timing *out, const garant_calendar *cal, const int64_t *sub,
                         const int64_t *target_s, size_t n)
{
    out->best_ns = INT64_MAX;
    out->worst_ns = 0;
    out->checksum_stable = 1;
    for (int rep = 0; rep < REPS; rep++) {
        uint64_t sum = 0;
        int64_t t0 = now_ns();
        for (size_t i = 0; i < n; i++) {
            int64_t due;
            int rc = garant_calendar_add(&due, cal, sub[i], target_s[i]);
            if (rc) {
                fprintf(stderr, "bench_deadline: garant_calendar_add(%lld, %lld): %s\n", (long long)sub[i],
                        (long long)target_s[i], garant_error_last());
                return rc;
            }
            sum = sum * 31 + (uint64_t)due;
        }
        int64_t dt = now_ns() - t0;
        if (dt < out->best_ns) out->best_ns = dt;
        if (dt > out->worst_ns) out->worst_ns = dt;
        if (rep > 0 && sum != out->checksum) out->checksum_stable = 0;
        out->checksum = sum;
    }
    return 0;
}

static int time_policy(timing *out, const garant_policy *pol, const garant_ticket_terms *terms,
                       const uint8_t *which, const int64_t *sub, size_t n)
{
    out->best_ns = INT64_MAX;
    out->worst_ns = 0;
    out->checksum_stable = 1;
    for (int rep = 0; rep < REPS; rep++) {
        uint64_t sum = 0;
        int64_t t0 = now_ns();
        for (size_t i = 0; i < n; i++) {
            int64_t due;
            int rc = garant_clock_due(&due, pol, &terms[which[i]], sub[i]);
            if (rc) {
                fprintf(stderr, "bench_deadline: garant_clock_due: %s\n", garant_error_last());
                return rc;
            }
            sum = sum * 31 + (uint64_t)due;
        }
        int64_t dt = now_ns() - t0;
        if (dt < out->best_ns) out->best_ns = dt;
        if (dt > out->worst_ns) out->worst_ns = dt;
        if (rep > 0 && sum != out->checksum) out->checksum_stable = 0;
        out->checksum = sum;
    }
    return 0;
}

static double per(int64_t ns, size_t n) { return (double)ns / (double)n; }

static void print_row(const char *what, size_t n, const timing *t, const char *goal)
{
    double ns = per(t->best_ns, n);
    printf("  %-36s %10zu %8.1f %8.1f %12.0f  %-20s %016llx%s\n", what, n, ns, per(t->worst_ns, n), 1e9 / ns,
           goal, (unsigned long long)t->checksum, t->checksum_stable ? "" : " (UNSTABLE)");
}

int main(int argc, char **argv)
{
    options o = {NULL, 10000000, 10000000, 200000, 10000};
    if (parse_options(&o, argc, argv)) return 2;

    print_machine();

    /* Load + compile the policy a few times; the best is the cost a CLI
    ** invocation pays before it can answer. */
    garant_policy *pol = NULL;
    int64_t load_best_ns = INT64_MAX;
    for (int rep = 0; rep < REPS; rep++) {
        garant_diags *diags = NULL;
        garant_policy_free(pol);
        int64_t t0 = now_ns();
        int rc = garant_io_load_policy(&pol, &diags, o.config);
        int64_t dt = now_ns() - t0;
        if (rc) {
            fprintf(stderr, "bench_deadline: cannot load %s: %s\n", o.config ? o.config : "the default policy",
                    garant_error_last());
            for (size_t i = 0; diags && i < garant_diags_count(diags); i++) {
                const garant_diag *dg = garant_diags_get(diags, i);
                fprintf(stderr, "  %d:%d: %s\n", dg->line, dg->column, dg->message);
            }
            garant_diags_free(diags);
            return 1;
        }
        garant_diags_free(diags);
        if (dt < load_best_ns) load_best_ns = dt;
    }
    const garant_calendar *cal = garant_policy_calendar(pol, "business");
    if (!cal) {
        fprintf(stderr, "bench_deadline: the policy has no calendar named 'business'\n");
        garant_policy_free(pol);
        return 1;
    }
    int64_t cal_from, cal_to;
    garant_calendar_range(cal, &cal_from, &cal_to);
    char from_txt[GARANT_RFC3339_UTC_LEN], to_txt[GARANT_RFC3339_UTC_LEN];
    fmt_utc(from_txt, cal_from);
    fmt_utc(to_txt, cal_to);
    printf("calendar: business (%s), covers %s .. %s\n", garant_tz_name(garant_calendar_tz(cal)), from_txt,
           to_txt);

    /* Inputs: uniform over 2025-01-01T00:00Z .. 2031-01-01T00:00Z. */
    const int64_t lo = garant_days_from_civil(2025, 1, 1) * 86400;
    const int64_t span = garant_days_from_civil(2031, 1, 1) * 86400 - lo;
    static const int64_t targets[3] = {3 * HOUR_S, 6 * HOUR_S, 9 * HOUR_S};
    size_t nmax = o.n > o.policy_n ? o.n : o.policy_n;
    if (o.naive_n > nmax) nmax = o.naive_n;
    if (o.verify_n > nmax) nmax = o.verify_n;
    int64_t *sub = malloc(nmax * sizeof *sub);
    int64_t *target_s = malloc(nmax * sizeof *target_s);
    uint8_t *which = malloc(nmax);
    if (!sub || !target_s || !which) {
        fprintf(stderr, "bench_deadline: out of memory for %zu submissions\n", nmax);
        return 1;
    }
    uint64_t seed = 0x67617261u; /* "gara"; fixed so runs are comparable */
    for (size_t i = 0; i < nmax; i++) {
        sub[i] = lo + (int64_t)(rng_next(&seed) % (uint64_t)span);
        target_s[i] = targets[rng_next(&seed) % 3];
    }

    /* Policy-layer terms: every plan x priority on "ga", plus some beta.
    ** Index 0..8 ga, 9 beta; 1 in 10 tickets is beta. */
    garant_ticket_terms terms[10];
    static const char *const plans[3] = {"basic", "professional", "advanced"};
    for (int p = 0; p < 3; p++)
        for (int pr = 0; pr < 3; pr++) terms[p * 3 + pr] = (garant_ticket_terms){plans[p], pr + 1, "ga"};
    terms[9] = (garant_ticket_terms){"professional", 2, "beta"};
    for (size_t i = 0; i < nmax; i++) {
        uint64_t r = rng_next(&seed) % 10;
        which[i] = (uint8_t)r;
    }
    /* A second mix that stays on business targets only, to show what the
    ** policy lookup itself adds over garant_calendar_add. */
    garant_ticket_terms biz[3] = {{"professional", 1, "ga"}, {"professional", 2, "ga"}, {"professional", 3, "ga"}};
    uint8_t *which_biz = malloc(nmax);
    if (!which_biz) {
        fprintf(stderr, "bench_deadline: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < nmax; i++) which_biz[i] = (uint8_t)(rng_next(&seed) % 3);

    /* ---- verify naive vs compiled before timing anything ---- */
    if (setenv("TZ", "Europe/Bratislava", 1) != 0) {
        fprintf(stderr, "bench_deadline: setenv TZ failed\n");
        return 1;
    }
    tzset();
    size_t mismatches = 0;
    for (size_t i = 0; i < o.verify_n; i++) {
        int64_t due;
        int rc = garant_calendar_add(&due, cal, sub[i], target_s[i]);
        int64_t ref = naive_add(sub[i], target_s[i]);
        if (rc || due != ref) {
            if (mismatches < 10) {
                char a[GARANT_RFC3339_UTC_LEN], b[GARANT_RFC3339_UTC_LEN], c[GARANT_RFC3339_UTC_LEN];
                fmt_utc(a, sub[i]);
                fmt_utc(b, rc ? 0 : due);
                fmt_utc(c, ref);
                fprintf(stderr, "MISMATCH #%zu: submitted %s + %lld h: compiled %s%s, naive %s\n", i, a,
                        (long long)(target_s[i] / HOUR_S), rc ? "error " : b, rc ? garant_error_last() : "", c);
            }
            mismatches++;
        }
    }

    /* ---- compiled calendar ---- */
    timing tc, tp, tb, tn;
    if (time_compiled(&tc, cal, sub, target_s, o.n)) return 1;
    if (time_policy(&tb, pol, biz, which_biz, sub, o.policy_n)) return 1;
    if (time_policy(&tp, pol, terms, which, sub, o.policy_n)) return 1;

    /* ---- naive, on a smaller sample: it is ~3 orders slower ---- */
    tn.best_ns = INT64_MAX;
    tn.worst_ns = 0;
    tn.checksum_stable = 1;
    tn.checksum = 0;
    for (int rep = 0; rep < REPS; rep++) {
        uint64_t sum = 0;
        int64_t t0 = now_ns();
        for (size_t i = 0; i < o.naive_n; i++) sum = sum * 31 + (uint64_t)naive_add(sub[i], target_s[i]);
        int64_t dt = now_ns() - t0;
        if (dt < tn.best_ns) tn.best_ns = dt;
        if (dt > tn.worst_ns) tn.worst_ns = dt;
        if (rep > 0 && sum != tn.checksum) tn.checksum_stable = 0;
        tn.checksum = sum;
    }
    /* The same sample through the compiled calendar, for a like-for-like
    ** checksum: equal checksums mean equal answers on all naive_n. */
    uint64_t same = 0;
    for (size_t i = 0; i < o.naive_n; i++) {
        int64_t due = -1;
        garant_calendar_add(&due, cal, sub[i], target_s[i]);
        same = same * 31 + (uint64_t)due;
    }

    double ns_c = per(tc.best_ns, o.n), ns_n = per(tn.best_ns, o.naive_n);
    double speedup = ns_n / ns_c;
    char goal_ns[32], goal_x[32];
    snprintf(goal_ns, sizeof goal_ns, "goal <= %.0f ns %s", GOAL_NS_PER_DEADLINE,
             ns_c <= GOAL_NS_PER_DEADLINE ? "MET" : "MISSED");
    snprintf(goal_x, sizeof goal_x, "goal >= %.0fx %s", GOAL_SPEEDUP, speedup >= GOAL_SPEEDUP ? "MET" : "MISSED");

    printf("inputs:   submissions uniform over 2025-01-01..2030-12-31 UTC, seed 0x67617261,\n"
           "          targets 3/6/9 business hours; best of %d runs each\n\n", REPS);
    printf("  %-36s %10s %8s %8s %12s  %-20s %s\n", "approach", "deadlines", "ns best", "ns worst",
           "per second", "goal", "checksum");
    print_row("compiled: garant_calendar_add", o.n, &tc, goal_ns);
    print_row("policy: garant_clock_due, prof. P1-3", o.policy_n, &tb, "");
    print_row("policy: garant_clock_due, mixed (*)", o.policy_n, &tp, "");
    print_row("naive: localtime_r/mktime day walk", o.naive_n, &tn, "");
    printf("  (*) basic/professional/advanced x P1-P3 on ga (advanced P1 is 24/7, basic has none), 10%% beta\n\n");

    printf("  speed-up compiled vs naive          %.0fx (%.1f ns / %.1f ns)   %s\n", speedup, ns_n, ns_c, goal_x);
    printf("  naive agrees with compiled          %zu mismatches in the first %zu submissions%s\n", mismatches,
           o.verify_n, mismatches ? "  <-- BUG" : "");
    printf("  naive sample checksum               %s on all %zu timed submissions\n",
           same == tn.checksum ? "equal to compiled" : "DIFFERS from compiled  <-- BUG", o.naive_n);
    printf("  compiled calendar memory            %zu bytes (%.1f KiB), %lld open hours 1970-2100\n",
           garant_calendar_memory(cal), (double)garant_calendar_memory(cal) / 1024.0,
           (long long)(garant_calendar_open_total(cal) / HOUR_S));
    printf("  policy load + compile               %.2f ms (best of %d; %s)\n", (double)load_best_ns / 1e6, REPS,
           o.config ? o.config : "embedded default, zone from the system's zoneinfo");

    free(which_biz);
    free(which);
    free(target_s);
    free(sub);
    garant_policy_free(pol);
    return mismatches || same != tn.checksum ? 1 : 0;
}
