/*
** mail_internal.h - what the files of the mail library (src/mail/) share.
*/
#ifndef GARANT_MAIL_INTERNAL_H
#define GARANT_MAIL_INTERNAL_H

/* GMime's and libcurl's global state, set up once per process (the only
** globals of the library: both libraries require them). Safe to call from
** any thread, any number of times. 0, or GARANT_EIO with a message if
** libcurl could not be set up. */
int garant_mail__init(void);

#endif
