/*
** token.h - signed per-ticket reply addresses and Message-IDs (issue 14).
**
** A customer's reply finds its ticket by one of two marks we put on every
** mail, both signed with the server's mail key (libsodium crypto_auth,
** HMAC-SHA-512-256, truncated to 80 bits) so no one can forge a mark for a
** ticket they have not been mailed about:
**
**   Reply-To:    <local>+<ticket>-<mac>@<domain>
**                e.g. support+42-k3q7cz2m5nwa4xbe@desk.example
**   Message-ID:  <t<ticket>.<event>.<mac>@<domain>>
**                e.g. <t42.7.hd2x5kq3mv7bnyra@desk.example>
**
** The MAC is written in lowercase base32 (a-z, 2-7): no characters an MTA
** treats specially, and a receiver that changes the case of a local part
** changes nothing (verification reads it in lowercase). The Message-ID is a
** function of (ticket, event), so a resend carries the same id. Verifying
** compares MACs in constant time. A signature says only "we wrote this for
** that ticket": the desk still checks that the sender may see the ticket.
**
** Functions return 0 or a negative garant_err with garant_error_last().
*/
#ifndef GARANT_MAIL_TOKEN_H
#define GARANT_MAIL_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "garant/service_error.h"

#define GARANT_MAIL_KEY_BYTES 32
/* Room for the longest address or Message-ID these functions write. */
#define GARANT_MAIL_TOKEN_MAX 320

/* Read the mail key from a file holding its 64 hex digits (whitespace
** around them allowed). GARANT_EIO if unreadable, GARANT_EINVAL if not a
** key. Make one with: head -c 32 /dev/urandom | xxd -p -c 64 */
int garant_mail_key_load(unsigned char out[GARANT_MAIL_KEY_BYTES], const char *path);

/* The reply address of ticket_id (> 0) into out (cap bytes, at least
** GARANT_MAIL_TOKEN_MAX). local: "support"; domain: "desk.example". */
int garant_mail_reply_address(char *out, size_t cap, const unsigned char key[GARANT_MAIL_KEY_BYTES],
                              const char *local, const char *domain, int64_t ticket_id);

/* The ticket of a reply address. GARANT_ENOTFOUND when address is not a
** token address of local@domain (the plain support address included: a
** new ticket, not a reply); GARANT_EAUTH when it has the form but its MAC
** is wrong (forged or for another key). */
int garant_mail_reply_address_verify(int64_t *out_ticket, const unsigned char key[GARANT_MAIL_KEY_BYTES],
                                     const char *local, const char *domain, const char *address);

/* Our Message-ID for event (>= 0) of ticket_id (> 0), without angle
** brackets. The same arguments give the same id. */
int garant_mail_message_id(char *out, size_t cap, const unsigned char key[GARANT_MAIL_KEY_BYTES],
                           const char *domain, int64_t ticket_id, int64_t event);

/* The ticket and event of one of our Message-IDs (with or without angle
** brackets). ENOTFOUND if not of our form and domain, EAUTH if forged. */
int garant_mail_message_id_verify(int64_t *out_ticket, int64_t *out_event,
                                  const unsigned char key[GARANT_MAIL_KEY_BYTES], const char *domain,
                                  const char *message_id);

/* The ticket a reply threads to: the first of the ids in an In-Reply-To or
** References header value ("<a> <b> ...", folded or not) that verifies.
** ENOTFOUND when none is ours; EAUTH when some had our form but none
** verified (a forgery worth counting). */
int garant_mail_thread_ticket(int64_t *out_ticket, const unsigned char key[GARANT_MAIL_KEY_BYTES],
                              const char *domain, const char *header_value);

#endif
