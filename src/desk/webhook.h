/*
** webhook.h - webhook targets: which URLs and addresses may be called, how
** a delivery is signed, and the delivery of a batch of outbox items.
**
** A webhook makes the server send requests where an admin points it, so a
** target on loopback, link-local or private addresses (the server's own
** admin ports, a cloud's metadata service, the office network) is refused
** unless the server runs with --allow-private-webhooks. The check runs at
** registration (every address the host resolves to) and again at delivery,
** where the connection is pinned to the addresses just checked and every
** socket curl opens is checked once more, so a name that resolves somewhere
** else later (DNS rebinding) gains nothing.
**
** Signing: X-Garant-Signature: sha256=HEX, the HMAC-SHA256 with the
** webhook's secret (its bytes as given) over "<X-Garant-Timestamp>.<body>".
*/
#ifndef GARANT_DESK_WEBHOOK_H
#define GARANT_DESK_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "store.h"

/* Longest webhook URL accepted (bytes): what the store keeps. */
#define DESK_WEBHOOK_MAX_URL GARANT_MAX_WEBHOOK_URL
/* Most deliveries of one item before it is given up (kept as failed). */
#define DESK_WEBHOOK_MAX_ATTEMPTS 20
/* The signature header's value: "sha256=" + 64 hex digits + NUL. */
#define DESK_WEBHOOK_SIG_LEN 72

/* Start libcurl once per process (thread-safe; safe to call often). */
int desk_webhook_global_init(void);

/* 1 if the address is a public unicast address a webhook may reach; 0 for
** every block of IANA's IPv4 and IPv6 special-purpose address registries
** (loopback, unspecified, private, shared, link-local, documentation,
** benchmarking, AS112, AMT, 6to4 relay anycast, 2001::/23, ...), multicast,
** broadcast and reserved space, and IPv6 forms that embed such an IPv4
** address (mapped, compatible, NAT64, 6to4). sa is AF_INET or AF_INET6;
** any other family is refused. */
int desk_webhook_addr_public(const struct sockaddr *sa);

/* A fixed map from host names to addresses that the webhook resolver
** consults before DNS: tests only (garant serve --test-resolve), so that a
** test can register and deliver to a name without touching /etc/hosts. A
** name in the map resolves to its addresses alone. NULL is an empty map. */
typedef struct desk_webhook_hosts desk_webhook_hosts;

/* Add "HOST:ADDR" to *io (made if NULL): HOST a host name, ADDR an IPv4
** or IPv6 address (without brackets); a host given twice has both
** addresses. GARANT_EINVAL naming what is wrong, GARANT_ENOMEM. Caller
** owns *io; free with desk_webhook_hosts_free. */
int desk_webhook_hosts_add(desk_webhook_hosts **io, const char *spec);
void desk_webhook_hosts_free(desk_webhook_hosts *h);

/* Check a webhook URL: at most DESK_WEBHOOK_MAX_URL bytes, http or https, a
** host, a port from 1 to 65535, no user name or password, no control
** characters or spaces; unless allow_private, the host must resolve
** (through hosts, then DNS) and every address must be public.
** GARANT_EINVAL with a message saying what is wrong. */
int desk_webhook_check_url(const char *url, int allow_private, const desk_webhook_hosts *hosts);

/* ---- targets, for every door (webhook.c) ---------------------------------- */

typedef struct garant_desk garant_desk; /* desk.h */

/* Register a webhook target at now (UTC epoch seconds): url checked as
** desk_check_webhook_url does, events "*" or event names joined by commas
** (the door chose them from the events there are), secret as the door
** chose or generated it. Its id through *out_id. */
int desk_webhook_add(int64_t *out_id, garant_desk *d, const char *url, const char *secret, const char *events,
                     int64_t now);

/* Remove webhook id with its outbox rows, delivered or not, so it is never
** called again. GARANT_ENOTFOUND ("no webhook N"). */
int desk_webhook_remove(garant_desk *d, int64_t id);

/* The X-Garant-Signature value for a delivery, NUL-terminated in out. */
void desk_webhook_sign(char out[DESK_WEBHOOK_SIG_LEN], const char *secret, int64_t timestamp_s, const char *body,
                       size_t body_len);

/* The outcome of one delivery. */
typedef struct desk_webhook_result {
    int attempted;    /* 0: not tried (stopping); leave the item as it was */
    int delivered;    /* 1: the target answered 2xx */
    long status;      /* HTTP status, 0 if none was received */
    char error[256];  /* why not delivered, "" if delivered */
} desk_webhook_result;

/* Called between transfers; nonzero aborts the batch (server stopping). */
typedef int (*desk_webhook_stop_fn)(void *ctx);

/* POST items[0..n) concurrently (each at most 10 s, no redirects, http and
** https only, no proxy), signed with timestamp now_s, and fill out[0..n).
** Every host name is resolved here (through hosts, then DNS), its
** addresses checked unless allow_private, and the connection pinned to
** exactly those addresses (CURLOPT_RESOLVE): curl never looks the name up
** itself, so there is no window between the check and the connection.
** Items not tried, or cut off, because should_stop said so come back with
** attempted = 0. Returns 0, or a negative garant_err if libcurl could not
** be set up (then nothing was sent). */
int desk_webhook_deliver(const garant_outbox_item *items, int n, int64_t now_s, int allow_private,
                         const desk_webhook_hosts *hosts, desk_webhook_stop_fn should_stop, void *stop_ctx,
                         desk_webhook_result *out);

#endif
