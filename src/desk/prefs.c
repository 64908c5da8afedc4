/*
** prefs.c - a user's mail language and time zone (issue 14): which
** templates their mails use and in which zone their deadlines are written.
*/
#include <string.h>

#include "garant/error_wrap.h"
#include "desk.h"
#include "loader.h"
#include "template.h"

int desk_check_prefs(const char *language, const char *zone)
{
    if (language) {
        int known = 0;
        for (size_t i = 0; garant_mail_languages[i]; i++) known |= !strcmp(language, garant_mail_languages[i]);
        if (!known) return garant__error(GARANT_EINVAL, "'language': must be \"en\" or \"ro\"");
    }
    if (zone && zone[0]) {
        if (strlen(zone) > GARANT_MAX_ZONE)
            return garant__error(GARANT_EINVAL, "'zone': at most %d characters", GARANT_MAX_ZONE);
        /* The loader refuses "..", a leading '/' and what is no TZif file. */
        garant_tz *tz;
        if (garant_io_load_tz(&tz, zone, NULL) != 0)
            return garant__error(GARANT_EINVAL, "'zone': \"%.64s\" is not an IANA time zone (e.g. Europe/Bucharest)",
                                 zone);
        garant_tz_free(tz);
    }
    return 0;
}

typedef struct prefs_job {
    int64_t user_id;
    const char *language, *zone;
} prefs_job;

static int prefs_write(garant_store_conn *w, void *arg)
{
    prefs_job *j = arg;
    return GS(w)->notify->prefs_set(w, j->user_id, j->language, j->zone);
}

int desk_user_set_prefs(garant_desk *d, int64_t user_id, const char *language, const char *zone)
{
    int rc = desk_check_prefs(language, zone);
    if (rc) return rc;
    if (!language && !zone) return 0;
    prefs_job j = {user_id, language, zone};
    return desk_write(d, prefs_write, &j, DESK_WRITE_ONE_STATEMENT);
}
