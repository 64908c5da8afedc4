/*
** ticket_explain.c - why a ticket's first response is due when it is
** (desk_tickets.h, desk_ticket_explain): the clock's explanation of the
** deadline, for every door (the API's ticket "sla" object, the CLI).
*/
#include "garant/error_wrap.h"
#include "desk.h"
#include "desk_tickets.h"

int desk_ticket_explain(garant_explanation **out, const garant_policy *pol, const garant_ticket_terms *src,
                        int64_t start_s, int64_t due_s)
{
    *out = NULL;
    if (due_s < start_s) {
        char a[GARANT_RFC3339_UTC_LEN], b[GARANT_RFC3339_UTC_LEN];
        return garant__error(GARANT_ERANGE, "the deadline %s is before its clock's start %s",
                             garant_time_format_utc(a, due_s), garant_time_format_utc(b, start_s));
    }
    return garant_clock_explain_in(out, pol, src, start_s, due_s, desk_words());
}
