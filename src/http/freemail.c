/*
** freemail.c - placeholder for the free-mail domain list.
*/
#include <stdio.h>

#include "server_internal.h"

int http_freemail_load(garant_server *srv)
{
    (void)srv;
    return 0;
}

int http_freemail_is(const garant_server *srv, const char *domain)
{
    (void)srv, (void)domain;
    return 0;
}

int http_mail(garant_server *srv, const char *to, const char *subject, const char *body)
{
    (void)srv;
    fprintf(stderr, "mail to %s: %s\n%s\n", to, subject, body);
    return 0;
}
