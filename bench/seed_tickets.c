/*
** seed_tickets.c - fill a fresh database with many open tickets, fast, for
** the load benchmark (bench/load.sh): the queue's latency only means
** something with a realistic number of tickets awaiting a first response.
**
** Writes through the storage interface (src/store/store.h), not through
** SQL of its own, so it fills whatever backend the store opens and every
** row is what the service itself would write: three organizations, one on
** each plan, each with a verified customer; then N tickets spread over
** the 30 days (--spread-days) before now, 10 % P1, 30 % P2, 60 % P3, 3 % on
** a beta product, each with its deadline and warning instant from the
** default policy's clock (the insert is also its 'created' event), numbered in
** order of submission. Most are breached by now, as in a desk that has
** fallen a month behind; the warnings and breaches that fell due are
** recorded as the SLA monitor would have recorded them (sla_events and
** history), so that the server starts with its monitor caught up, not with
** a backlog; so is the mail producer (its cursor is moved past the seeded
** rows, as for the rows of a desk upgraded to mail). Rows are inserted in transactions of BATCH tickets: one fsync
** each, not one per ticket.
**
** The customers are customer@basic.load.example,
** customer@professional.load.example and customer@advanced.load.example,
** all with the password read from the first line of stdin.
**
** Usage: seed_tickets --db FILE [--tickets N] [--spread-days D] [--seed S] [--text words] < password
** (--spread-days 0 files every ticket now: nothing is due yet, and the SLA
** monitor has nothing to look at.)
**
** --text words (the search benchmark, bench/search.py) gives every ticket a
** subject of 6 and a body of 48 words drawn from a vocabulary of VOCAB
** words by Zipf's law (word k about 1/k as frequent as the first): a few
** words are in most tickets, most words in a few; the words are the
** support desk's own (vocab_word(k)), so bench/search.py can name a word
** by its rank. Statuses are then mixed too (60 % open, 15 % pending, 15 %
** solved, 10 % closed), so that a status filter is selective.
** A tool, not a test: it exits non-zero only if the store refuses a row.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "garant/garant.h"
#include "http.h"
#include "loader.h"
#include "store.h"

/* Words of --text words, and how many of them a ticket has. */
#define VOCAB 50000
#define SUBJECT_WORDS 6
#define BODY_WORDS 48

/* Tickets per transaction. */
#define BATCH 5000
/* Submissions spread over this many days before now, by default. */
#define SPREAD_DAYS 30

static const char *const plans[] = {"basic", "professional", "advanced"};

/* xorshift64*: a fixed seed gives every run the same tickets. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static double now_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Word k (1-based) of the vocabulary: the first ones are English's and a
** support desk's common words; the rest are made of syllables, distinct
** for distinct k (k written in base 20 with a syllable a digit, behind a
** fixed prefix syllable), so each is one FTS5 token. bench/search.py computes the same
** words: change both together. */
static const char *const common_words[] = {
    "the",        "and",          "to",         "is",          "we",       "it",       "not",
    "in",         "our",          "since",      "error",       "login",    "export",   "invoice",
    "timeout",    "dashboard",    "payment",    "report",      "user",     "password", "api",
    "checkout",   "email",        "sync",       "upload",      "server",   "customer", "order",
    "page",       "slow",         "failed",     "update",      "account",  "access",   "data",
    "import",     "webhook",      "certificate", "integration", "mobile",  "search",   "billing",
    "permission", "backup",       "notification","calendar",    "crash",    "database", "latency",
    "refund"};
#define N_COMMON (sizeof common_words / sizeof common_words[0])

static void vocab_word(char *out, size_t cap, unsigned k)
{
    static const char *const syl[20] = {"ba", "ke", "li", "mo", "nu", "pa", "re", "si", "to", "vu",
                                        "da", "fe", "gi", "ho", "ju", "la", "me", "ni", "po", "ru"};
    if (k >= 1 && k <= N_COMMON) {
        snprintf(out, cap, "%s", common_words[k - 1]);
        return;
    }
    char digits[16][3];
    int n = 0;
    unsigned v = k;
    do {
        snprintf(digits[n++], sizeof digits[0], "%s", syl[v % 20]);
        v /= 20;
    } while (v && n < 16);
    size_t len = (size_t)snprintf(out, cap, "zo");
    while (n-- > 0 && len + 2 < cap) len += (size_t)snprintf(out + len, cap - len, "%s", digits[n]);
}

/* The Zipf cumulative weights, cum[k-1] = sum of 1/i for i <= k. */
static double *zipf_table(void)
{
    double *cum = malloc(VOCAB * sizeof *cum);
    if (!cum) return NULL;
    double sum = 0;
    for (unsigned k = 1; k <= VOCAB; k++) cum[k - 1] = sum += 1.0 / k;
    return cum;
}

static unsigned zipf_pick(const double *cum, uint64_t r)
{
    double u = (double)(r >> 11) / 9007199254740992.0 * cum[VOCAB - 1];
    unsigned lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (cum[mid] < u) lo = mid + 1;
        else hi = mid;
    }
    return lo + 1;
}

/* n words of the vocabulary, space separated, into out. */
static void words(char *out, size_t cap, int n, const double *cum, uint64_t *s)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        char w[40];
        vocab_word(w, sizeof w, zipf_pick(cum, rnd(s)));
        if (len + strlen(w) + 2 >= cap) break;
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", w);
    }
}

static int fail(const char *what)
{
    fprintf(stderr, "seed_tickets: %s: %s\n", what, garant_error_last());
    return 1;
}

/* An organization on `plan` with its domain and one verified customer.
** *out_org and *out_user receive their ids. */
static int seed_org(garant_store_conn *w, const char *plan, const char *hash, int64_t now, int64_t *out_org,
                    int64_t *out_user)
{
    const garant_store_ops *ops = GS(w);
    garant_org o;
    memset(&o, 0, sizeof o);
    snprintf(o.name, sizeof o.name, "Load %s s.r.o.", plan);
    snprintf(o.plan, sizeof o.plan, "%s", plan);
    o.created_at = now;
    int rc = ops->accounts->org_insert(w, &o);
    char domain[96];
    snprintf(domain, sizeof domain, "%s.load.example", plan);
    if (!rc) rc = ops->accounts->domain_add(w, o.id, domain);
    garant_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.email, sizeof u.email, "customer@%s", domain);
    snprintf(u.name, sizeof u.name, "Customer on %s", plan);
    u.role = GARANT_ROLE_CUSTOMER;
    u.org_id = o.id;
    snprintf(u.password_hash, sizeof u.password_hash, "%s", hash);
    u.verified_at = u.created_at = now;
    if (!rc) rc = ops->accounts->user_insert(w, &u);
    *out_org = o.id;
    *out_user = u.id;
    return rc;
}

/* A warning or breach as the SLA monitor records it (src/desk/monitor.c):
** its sla_events row and its history event, at the instant it fell due. */
static int raised(garant_store_conn *w, int64_t id, const char *kind, const char *history, int64_t due, int64_t at)
{
    int rc = GS(w)->sla->record_event(w, id, kind, due, at);
    if (rc) return rc;
    char due_s[GARANT_RFC3339_UTC_LEN], at_s[GARANT_RFC3339_UTC_LEN];
    json_t *data = json_pack("{s:s,s:s}", "due", garant_time_format_utc(due_s, due), "at",
                             garant_time_format_utc(at_s, at));
    if (!data) return GARANT_ENOMEM;
    garant_event_in ev = {id, at, 0, history, data};
    rc = GS(w)->tickets->append_event(w, &ev);
    json_decref(data);
    return rc;
}

/* Move the mail producer's cursor past every ticket and event there is. */
static int mail_caught_up(garant_store_conn *w)
{
    const garant_store_notify_ops *notify = GS(w)->notify;
    int64_t from_ticket = 0, from_event = 0, to_ticket = 0, to_event = 0;
    int rc = GS(w)->begin_write(w);
    if (rc) return rc;
    rc = notify->cursor(w, &from_ticket, &from_event);
    if (!rc) rc = notify->last_ids(w, &to_ticket, &to_event);
    if (!rc) rc = notify->advance(w, from_ticket, from_event, to_ticket, to_event);
    if (!rc) return GS(w)->commit(w);
    GS(w)->rollback(w);
    return rc;
}

int main(int argc, char **argv)
{
    const char *db = NULL;
    long long n = 1000000, seed = 0x67617261, spread_days = SPREAD_DAYS;
    int text_words = 0;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--tickets") && i + 1 < argc) {
            n = strtoll(argv[++i], &end, 10);
            if (*end || n < 0 || n > 100000000) {
                fprintf(stderr, "seed_tickets: --tickets must be 0-100000000\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--spread-days") && i + 1 < argc) {
            spread_days = strtoll(argv[++i], &end, 10);
            if (*end || spread_days < 0 || spread_days > 3650) {
                fprintf(stderr, "seed_tickets: --spread-days must be 0-3650\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            seed = strtoll(argv[++i], &end, 10);
            if (*end || seed == 0) {
                fprintf(stderr, "seed_tickets: --seed must be a non-zero integer\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--text") && i + 1 < argc) {
            if (strcmp(argv[++i], "words")) {
                fprintf(stderr, "seed_tickets: --text takes 'words'\n");
                return 2;
            }
            text_words = 1;
        } else {
            fprintf(stderr, "usage: seed_tickets --db FILE [--tickets N] [--spread-days D] [--seed S] [--text words] < password\n");
            return 2;
        }
    }
    if (!db) {
        fprintf(stderr, "usage: seed_tickets --db FILE [--tickets N] [--spread-days D] [--seed S] [--text words] < password\n");
        return 2;
    }
    char password[1100];
    if (!fgets(password, sizeof password, stdin)) {
        fprintf(stderr, "seed_tickets: no password on stdin\n");
        return 2;
    }
    password[strcspn(password, "\r\n")] = '\0';
    if (sodium_init() < 0) return 1;
    char hash[128];
    if (http_password_hash(hash, password)) return fail("hashing the password");

    garant_policy *pol = NULL;
    garant_diags *diags = NULL;
    if (garant_io_load_policy(&pol, &diags, NULL)) return fail("loading the default policy");
    garant_diags_free(diags);

    garant_store *st = NULL;
    if (garant_store_open(&st, db, 1)) {
        garant_policy_free(pol);
        return fail(db);
    }
    const garant_store_ops *ops = garant_store_ops_of(st);
    garant_store_conn *w = ops->writer(st);
    int64_t now = (int64_t)time(NULL);
    int64_t org_ids[3], user_ids[3];
    int rc = ops->begin_write(w);
    for (int p = 0; !rc && p < 3; p++) rc = seed_org(w, plans[p], hash, now, &org_ids[p], &user_ids[p]);
    if (!rc) rc = ops->commit(w);
    if (rc) {
        ops->rollback(w);
        garant_store_close(st);
        garant_policy_free(pol);
        return fail("creating the organizations (is the database fresh?)");
    }

    uint64_t s = (uint64_t)seed;
    const int64_t spread_s = (int64_t)spread_days * 86400;
    double t0 = now_mono_s();
    long long done = 0, with_due = 0, breached = 0;
    static const char fixed_body[] =
        "Since this morning the export job stops half way with a timeout; the log is attached. "
        "We need the nightly export for our invoicing run.";
    double *cum = NULL;
    if (text_words && !(cum = zipf_table())) {
        garant_store_close(st);
        garant_policy_free(pol);
        return fail("allocating the vocabulary");
    }
    char body[BODY_WORDS * 24];
    while (!rc && done < n) {
        rc = ops->begin_write(w);
        long long end = done + BATCH < n ? done + BATCH : n;
        for (; !rc && done < end; done++) {
            uint64_t r = rnd(&s);
            int p = (int)(r % 3);
            unsigned pick = (unsigned)((r >> 8) % 100);
            int priority = pick < 10 ? 1 : pick < 40 ? 2 : 3;
            int beta = (r >> 16) % 100 < 3;
            garant_ticket t;
            memset(&t, 0, sizeof t);
            t.org_id = org_ids[p];
            t.requester_id = user_ids[p];
            if (cum) {
                words(t.subject, sizeof t.subject, SUBJECT_WORDS, cum, &s);
                words(body, sizeof body, BODY_WORDS, cum, &s);
            } else {
                snprintf(t.subject, sizeof t.subject, "Export stops half way (load ticket %lld)", done + 1);
                snprintf(body, sizeof body, "%s", fixed_body);
            }
            t.priority = t.initial_priority = priority;
            snprintf(t.plan, sizeof t.plan, "%s", plans[p]);
            snprintf(t.product, sizeof t.product, "%s", beta ? "Garant Insights" : "Garant Desk");
            snprintf(t.stage, sizeof t.stage, "%s", beta ? "beta" : "ga");
            snprintf(t.environment, sizeof t.environment, "production");
            unsigned st_pick = (unsigned)((r >> 40) % 100);
            snprintf(t.status, sizeof t.status, "%s",
                     !cum || st_pick < 60 ? "open" : st_pick < 75 ? "pending" : st_pick < 90 ? "solved" : "closed");
            /* In order of submission, as the service would number them, with
            ** a little jitter: the indexes then grow at their ends. */
            t.submitted_at = now - spread_s + (int64_t)((double)spread_s * (double)done / (double)n) +
                             (int64_t)((r >> 24) % 60);
            if (t.submitted_at > now) t.submitted_at = now;
            garant_ticket_terms terms = {t.plan, priority, t.stage};
            rc = garant_clock_due(&t.first_response_due, pol, &terms, t.submitted_at);
            if (!rc) rc = garant_clock_warning_at(&t.warn_at, pol, &terms, t.first_response_due);
            if (rc) break;
            if (t.first_response_due != GARANT_NO_DUE) {
                with_due++;
                if (t.first_response_due <= now) breached++;
            }
            /* The insert is also the ticket's 'created' event. */
            rc = ops->tickets->insert(w, &t, body);
            /* The SLA monitor kept up: past warnings and breaches are recorded. */
            if (!rc && t.warn_at != GARANT_NO_DUE && t.warn_at <= now)
                rc = raised(w, t.id, "warning", "sla_warning", t.first_response_due, t.warn_at);
            if (!rc && t.first_response_due != GARANT_NO_DUE && t.first_response_due <= now)
                rc = raised(w, t.id, "breach", "sla_breach", t.first_response_due, t.first_response_due);
        }
        if (!rc) rc = ops->commit(w);
        else ops->rollback(w);
        if (!rc && (done % 200000 == 0 || done == n))
            fprintf(stderr, "seed_tickets: %lld tickets (%.0f/s)\n", done, done / (now_mono_s() - t0));
    }
    double dt = now_mono_s() - t0;
    /* What was seeded is the desk's past, as an upgraded desk's rows are
    ** (migration 15): the mail producer starts after it rather than mailing
    ** a million acknowledgements and breach notices while a benchmark
    ** measures something else. */
    if (!rc) rc = mail_caught_up(w);
    free(cum);
    garant_store_close(st);
    garant_policy_free(pol);
    if (rc) return fail("inserting tickets");
    printf("seeded %lld open tickets in %.1f s (%.0f/s): %lld with a deadline, %lld of them breached\n", done, dt,
           dt > 0 ? done / dt : 0.0, with_due, breached);
    return 0;
}
