/*
** sink.h - the mail tests' local SMTP server: tests/mail/smtp_sink.py run
** as a child process (see that file for what it answers and writes).
*/
#ifndef GARANT_TEST_MAIL_SINK_H
#define GARANT_TEST_MAIL_SINK_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

typedef struct t_sink {
    pid_t pid;     /* 0 while down */
    int port;
    char dir[64];  /* where it writes; removed by t_sink_cleanup */
    char url[64];  /* "smtp://127.0.0.1:PORT" */
    char auth[128];
    char cert[128], key[128]; /* TLS: STARTTLS offered, or SMTPS */
    int smtps;
} t_sink;

/* Start a sink in a new folder; auth "user:password" or NULL. Skips the
** test (t_skip: fails under GARANT_NO_SKIP) when aiosmtpd is missing, so
** call it in a test's body: cmocka counts a skip in a setup function as a
** failure. */
void t_sink_start(t_sink *s, const char *auth);
/* A sink with TLS: a self-signed certificate for 127.0.0.1 made with the
** openssl command in its folder (s->cert, also the CA to trust), offered
** with STARTTLS, or from the first byte when smtps. */
void t_sink_start_tls(t_sink *s, int smtps);
/* Stop it (the port then refuses connections); its folder stays. */
void t_sink_stop(t_sink *s);
/* Start it again on the same port and folder. */
void t_sink_restart(t_sink *s);
/* Write the folder's mode file: "ok", "tempfail", "permfail". */
void t_sink_mode(t_sink *s, const char *mode);
/* Messages received so far. */
int t_sink_count(const t_sink *s);
/* Message n (from 1) as received. Caller owns; free(). */
char *t_sink_message(const t_sink *s, int n, size_t *out_len);
/* Its envelope. Caller owns; json_decref. */
json_t *t_sink_envelope(const t_sink *s, int n);
/* Stop it and remove its folder; a sink never started or cleaned up
** already is left alone. */
void t_sink_cleanup(t_sink *s);

#endif
