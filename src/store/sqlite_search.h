/*
** sqlite_search.h - how sqlite_ticket_lists.c turns a search text into an
** FTS5 query that FTS5 answers lazily, newest first, and the check of what
** that query only approximates (sqlite_search.c).
*/
#ifndef GARANT_STORE_SQLITE_SEARCH_H
#define GARANT_STORE_SQLITE_SEARCH_H

#include <stdint.h>

#include "sqlite_internal.h"

/* The length of the prefix index of ticket_search (migration 23's
** prefix = '3'), in characters. */
#define GS_SEARCH_PREFIX 3

/* A search text made ready for one statement: match is the FTS5 query to
** drive with (ticket_search MATCH), which finds every ticket the text
** finds and possibly more; check, if not "", the items it only
** approximates, for gs_search_has (one a line: tokens separated by a space,
** the last followed by '*' if it is a prefix), in the columns of colmask.
** nothing: the text can match no ticket (a word of no token, as "€"). */
typedef struct gs_search_plan {
    char match[4 * GARANT_MAX_SEARCH + 256];
    char check[4 * GARANT_MAX_SEARCH + 40];
    int colmask;
    int nothing;
} gs_search_plan;

/* The work gs_search_has did for a statement: bytes of text tokenized.
** Bound to it as a pointer of type "gs_search_work". */
typedef struct gs_search_work {
    int64_t bytes;
} gs_search_work;

/* The tickets a selective filter keeps ("mine", one group, the tickets
** in their warning), their ids sorted, so that a search walking its
** words' matches skips the others before it looks any up
** (gs_search_in). walked counts the matches the walk met; past walk_max,
** gs_search_in lets the next one through and sets stopped, so that the
** caller ends the page there. Bound to a statement as a pointer of type
** "gs_id_set". */
typedef struct gs_id_set {
    int64_t *ids;
    size_t n;
    int64_t walked, walk_max;
    int stopped;
} gs_id_set;

/* Make the plan for the search text q: a customer's (public_only) leaves
** internal notes out; org_id and requester_id, if not 0, narrow it to one
** organization's tickets, one requester's, in the index itself. EINVAL
** for a text without a word or with more than GARANT_MAX_SEARCH_WORDS;
** ELIMIT for one too long to write out. */
int gs_sqlite_search_plan(gs_sqlite_conn *c, gs_search_plan *out, const char *q, int public_only, int64_t org_id,
                          int64_t requester_id);

/* Make the connection ready to search: find FTS5's API and register the
** auxiliary function gs_search_has(ticket_search, check, colmask, work),
** 1 if the row has every item of check (a gs_search_plan's) in the columns
** of colmask, and the function gs_search_in(set, id), 1 if id is in the
** gs_id_set set (or the walk is past its bound: see gs_id_set). Called
** once when the connection opens. */
int gs_sqlite_search_open(gs_sqlite_conn *c);

#endif
