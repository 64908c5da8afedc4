/*
** log.h - the server's log (stderr): one line a record, whatever came
** from outside escaped.
**
** A request path, a header, an e-mail address or a URL is chosen by a
** client; written as it is, a "%0a" in a path (libmicrohttpd hands over
** the path URL-decoded) starts a line of the client's choosing, which a
** reader or a log shipper takes for a record of the server's. So every
** text from outside goes through desk_log_escape, which keeps a record on
** its line and leaves nothing that looks like a field boundary.
*/
#ifndef GARANT_DESK_LOG_H
#define GARANT_DESK_LOG_H

#include <stddef.h>

/* desk_log_escape's flags. */
#define DESK_LOG_SPACE 1u /* escape the space too: for a field of a line
                          ** whose fields are separated by spaces */

/* The most bytes desk_log_escape writes for one input byte: "\xNN", or a
** character escaped as "\uNNNN" (at least 2 input bytes). */
#define DESK_LOG_ESCAPE_MAX 4

/* n bytes of s as text that is safe on one log line, into out (cap bytes,
** at least 8), NUL-terminated:
**   - printable ASCII and well-formed UTF-8 stay as they are;
**   - '\\' and '"' get a backslash, so a quoted field cannot be closed;
**   - \n, \r and \t are written so, other C0 controls, DEL and each byte
**     that is not part of well-formed UTF-8 as \xNN;
**   - characters that end or reorder a line on a terminal or in a viewer
**     (the C1 controls U+0080-U+009F, U+2028 and U+2029, the bidi
**     controls U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) as
**     \uNNNN;
**   - with DESK_LOG_SPACE, the space as \x20.
** A result longer than cap is cut at a character boundary and ends in
** "...". s may hold NULs (written \x00). Returns out. */
const char *desk_log_escape(char *out, size_t cap, const char *s, size_t n, unsigned flags);

/* Write one record to the log: "garant: " and the formatted text, escaped
** as above (spaces kept), and a line break, in one write so that threads do
** not interleave. For messages that may carry text from outside (e-mail
** addresses, URLs, error messages that quote input, a saved policy's
** diagnostics). At most about 2 KB of text; longer is cut. */
void desk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
