/*
** parse_parts.h - the two halves of the inbound-mail parser, which
** parse.c joins over one GMime message: its top header (parse_headers.c)
** and its MIME walk (parse_mime.c). Not an API: garant_mail_parse
** (parse.h) is.
*/
#ifndef GARANT_MAIL_PARSE_PARTS_H
#define GARANT_MAIL_PARSE_PARTS_H

#include <gmime/gmime.h>

#include "parse.h"

/* Fill m's senders, recipients, subject, Message-ID, In-Reply-To,
** References, date, automatic-mail flags and Authentication-Results
** verdicts (only headers naming authserv_id, or without one the topmost)
** from gm's top header. Sets *failed when out of memory; what was read is
** kept in m either way (garant_mail_message_free frees it). */
void mail__read_header(garant_mail_message *m, GMimeMessage *gm, GMimeParserOptions *opts, const char *authserv_id,
                       int *failed);

/* Walk gm's MIME tree within lim (limits with their defaults filled in):
** m's text (never NULL unless out of memory), attachments, bounce fields
** and the defects met. Sets *failed when out of memory. */
void mail__read_body(garant_mail_message *m, GMimeMessage *gm, const garant_mail_limits *lim, int *failed);

#endif
