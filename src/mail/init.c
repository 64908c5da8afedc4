/*
** init.c - the one-time global set-up of GMime, libxml2 and libcurl for the mail
** library, behind pthread_once so any thread may be the first to need it.
**
** Neither is torn down: both live until the process ends, as the server
** does (libcurl's cleanup is not thread-safe, and GMime's would break a
** second user in the same process).
*/
#include <pthread.h>

#include <curl/curl.h>
#include <gmime/gmime.h>
#include <libxml/parser.h>

#include "garant/error_wrap.h"
#include "garant/service_error.h"
#include "mail_internal.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int curl_rc;

static void init_once(void)
{
    g_mime_init();
    xmlInitParser();
    curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int garant_mail__init(void)
{
    pthread_once(&once, init_once);
    if (curl_rc) return garant__error(GARANT_EIO, "mail: libcurl's global set-up failed");
    return 0;
}

void mail__init_once(void) { pthread_once(&once, init_once); }
