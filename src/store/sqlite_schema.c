/*
** sqlite_schema.c - the SQLite schema, as numbered migrations run on open.
**
** Never edit a migration that has shipped: append a new one. Instants are
** INTEGER UTC epoch seconds; a NULL deadline means "no guarantee".
*/
#include "sqlite_internal.h"

const char *const gs_sqlite_migrations[] = {
    /* 1: the first schema. */
    "CREATE TABLE orgs ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  plan TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE org_domains ("
    "  domain TEXT PRIMARY KEY,"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id));"
    "CREATE INDEX org_domains_org ON org_domains(org_id);"
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  email TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'admin')),"
    "  org_id INTEGER REFERENCES orgs(id),"
    "  password_hash TEXT NOT NULL,"
    "  verified_at INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  CHECK ((role = 'customer') = (org_id IS NOT NULL)));"
    "CREATE TABLE tokens ("
    "  hash BLOB PRIMARY KEY,"
    "  kind INTEGER NOT NULL,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  expires_at INTEGER NOT NULL,"
    "  used_at INTEGER);"
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  token_hash BLOB NOT NULL UNIQUE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  csrf TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  revoked_at INTEGER);"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE throttle ("
    "  key TEXT NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX throttle_key ON throttle(key, at);"
    "CREATE TABLE products ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  stage TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE tickets ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  requester_id INTEGER NOT NULL REFERENCES users(id),"
    "  subject TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  priority INTEGER NOT NULL,"
    "  initial_priority INTEGER NOT NULL,"
    "  plan TEXT NOT NULL,"
    "  product TEXT NOT NULL DEFAULT '',"
    "  stage TEXT NOT NULL DEFAULT 'ga',"
    "  environment TEXT NOT NULL,"
    "  impact TEXT NOT NULL DEFAULT '',"
    "  status TEXT NOT NULL DEFAULT 'open',"
    "  submitted_at INTEGER NOT NULL,"
    "  first_response_due INTEGER,"
    "  warn_at INTEGER,"
    "  first_response_at INTEGER);"
    "CREATE INDEX tickets_org ON tickets(org_id, id);"
    /* The queue: awaiting a first response, by deadline. */
    "CREATE INDEX tickets_awaiting ON tickets(first_response_due, id)"
    "  WHERE first_response_at IS NULL AND status IN ('open', 'pending');"
    "CREATE INDEX tickets_submitted ON tickets(submitted_at);"
    "CREATE TABLE replies ("
    "  id INTEGER PRIMARY KEY,"
    "  ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
    "  author_id INTEGER NOT NULL REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  public INTEGER NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX replies_ticket ON replies(ticket_id, id);"
    "CREATE TABLE ticket_events ("
    "  id INTEGER PRIMARY KEY,"
    "  ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
    "  at INTEGER NOT NULL,"
    "  actor_id INTEGER REFERENCES users(id),"
    "  kind TEXT NOT NULL,"
    "  data TEXT NOT NULL);"
    "CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);"
    /* The history is append-only, whatever code runs against the file. */
    "CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events"
    "  BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;"
    "CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events"
    "  BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;"
    "CREATE TABLE sla_events ("
    "  ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
    "  kind TEXT NOT NULL,"
    "  due INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (ticket_id, kind, due));"
    "CREATE TABLE webhooks ("
    "  id INTEGER PRIMARY KEY,"
    "  url TEXT NOT NULL,"
    "  secret TEXT NOT NULL,"
    "  events TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  webhook_id INTEGER NOT NULL REFERENCES webhooks(id),"
    "  event TEXT NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL,"
    "  delivered_at INTEGER,"
    "  last_error TEXT);"
    "CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE delivered_at IS NULL;"
    "CREATE TABLE policies ("
    "  id INTEGER PRIMARY KEY,"
    "  yaml TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  created_by INTEGER REFERENCES users(id));",
    /* 2: the monitor's warning query, without a full scan at 1M tickets. */
    "CREATE INDEX tickets_warn ON tickets(warn_at, id)"
    "  WHERE first_response_at IS NULL AND status IN ('open', 'pending');",
    /* 3: the monitor's queries stay small however many tickets wait. The
    ** ranges of migration 2 still held every awaiting ticket past its
    ** warning or deadline, raised or not, each probed in sla_events on
    ** every round (2.5 s a round with 600,000 such tickets). A ticket now
    ** remembers the deadline its warning and its breach were raised for
    ** (record_event sets them), and the partial indexes hold only tickets
    ** whose current deadline has not been raised: a new deadline puts a
    ** ticket back by itself, an answer takes it out. */
    "ALTER TABLE tickets ADD COLUMN warned_due INTEGER;"
    "ALTER TABLE tickets ADD COLUMN breached_due INTEGER;"
    "UPDATE tickets SET warned_due = first_response_due WHERE first_response_due IS NOT NULL AND EXISTS"
    "  (SELECT 1 FROM sla_events e WHERE e.ticket_id = tickets.id AND e.kind = 'warning'"
    "   AND e.due = tickets.first_response_due);"
    "UPDATE tickets SET breached_due = first_response_due WHERE first_response_due IS NOT NULL AND EXISTS"
    "  (SELECT 1 FROM sla_events e WHERE e.ticket_id = tickets.id AND e.kind = 'breach'"
    "   AND e.due = tickets.first_response_due);"
    "DROP INDEX tickets_warn;"
    "CREATE INDEX tickets_warn_due ON tickets(warn_at, id)"
    "  WHERE first_response_at IS NULL AND status IN ('open', 'pending')"
    "  AND warned_due IS NOT first_response_due;"
    "CREATE INDEX tickets_breach_due ON tickets(first_response_due, id)"
    "  WHERE first_response_at IS NULL AND status IN ('open', 'pending')"
    "  AND breached_due IS NOT first_response_due;",
    /* 4: the admins' user list by organization (GET /api/v1/users?org_id=)
    ** walks one organization's users newest first, not the whole table. */
    "CREATE INDEX users_org ON users(org_id, id);",
    /* 5: a ticket's creation is its own row. Filing a ticket is the one
    ** write under heavy load, and its 'created' event cost a second table
    ** row, an index entry and a JSON text: a quarter of the writer's time
    ** per ticket (docs/performance.md, "The server"). The row already holds what
    ** that event said (submitter, instant, initial priority, plan,
    ** product, stage, environment) except the first deadline and warning
    ** instant, added here; the history reads a 'created' event from these
    ** columns, which the trigger keeps as written, so the history stays
    ** append-only. Tickets filed before keep their 'created' row
    ** (created_in_events). */
    "ALTER TABLE tickets ADD COLUMN initial_due INTEGER;"
    "ALTER TABLE tickets ADD COLUMN initial_warn_at INTEGER;"
    "ALTER TABLE tickets ADD COLUMN created_in_events INTEGER NOT NULL DEFAULT 1;"
    "CREATE TRIGGER tickets_creation_is_history BEFORE UPDATE OF requester_id, submitted_at, initial_priority,"
    "  plan, product, stage, environment, initial_due, initial_warn_at, created_in_events ON tickets"
    "  BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;",
    /* 6: a ticket keeps the terms it was filed under (docs/SLA.md, "The
    ** terms a ticket was filed under"). policy_version is the policies row
    ** its deadlines are counted under: open tickets were recomputed under
    ** the newest saved policy until now, so they take that one (NULL while
    ** none is saved: the server adopts them into the version it saves on
    ** its first start). breached_at is when the monitor first recorded a
    ** breach, a fact nothing takes back. */
    "ALTER TABLE tickets ADD COLUMN policy_version INTEGER REFERENCES policies(id);"
    "UPDATE tickets SET policy_version = (SELECT max(id) FROM policies);"
    "ALTER TABLE tickets ADD COLUMN breached_at INTEGER;"
    "UPDATE tickets SET breached_at = (SELECT min(e.at) FROM sla_events e"
    "  WHERE e.ticket_id = tickets.id AND e.kind = 'breach');",
    /* 7: a correction replays every open ticket's priority changes, a
    ** batch of tickets at a time (tickets.each_awaiting); this index holds
    ** those events alone, so the walk does not read the rest of the
    ** history. Each applied correction is a row: who moved the open
    ** tickets onto which version, when and why (its tickets' events name
    ** it). */
    "CREATE INDEX ticket_events_priority ON ticket_events(ticket_id, at, id) WHERE kind = 'priority_changed';"
    "CREATE TABLE corrections ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  by_user INTEGER NOT NULL REFERENCES users(id),"
    "  to_version INTEGER NOT NULL REFERENCES policies(id),"
    "  reason TEXT,"
    "  examined INTEGER NOT NULL,"
    "  moved INTEGER NOT NULL,"
    "  earlier INTEGER NOT NULL,"
    "  later INTEGER NOT NULL);"
    "CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections"
    "  BEGIN SELECT RAISE(ABORT, 'corrections are history'); END;"
    "CREATE TRIGGER corrections_no_delete BEFORE DELETE ON corrections"
    "  BEGIN SELECT RAISE(ABORT, 'corrections are history'); END;",
    /* 8: everything that waits for the desk is in the queue, not only the
    ** first responses: a customer's follow-up on an answered ticket, a
    ** reopened ticket. awaiting_since is since when it waits (the desk's
    ** next public answer clears it); the partial index holds only those
    ** tickets, longest waiting first. A closed ticket takes no reply: the
    ** customer files a follow-up ticket, which names it (follow_up_of). */
    "ALTER TABLE tickets ADD COLUMN awaiting_since INTEGER;"
    "ALTER TABLE tickets ADD COLUMN follow_up_of INTEGER REFERENCES tickets(id);"
    "CREATE INDEX tickets_follow_ups ON tickets(awaiting_since, id)"
    "  WHERE awaiting_since IS NOT NULL AND status = 'open';",
    /* 9: an unconfirmed sign-up owns nothing (issue 13, findings 3 and 8).
    ** A sign-up waits in signups, with the password its own link will set,
    ** until someone opens a link from the mailbox; only then do the user,
    ** the organization and its domain claim exist. Two strangers' sign-ups
    ** for one address are two rows, so the first can neither keep the
    ** mailbox owner's password out nor hold a domain an admin wants.
    ** Confirmation links mailed before this version set the first sign-up's
    ** password, the very fault: they stop working (signing up again mails a
    ** new one). A deactivated user keeps their history and cannot sign in. */
    "CREATE TABLE signups ("
    "  id INTEGER PRIMARY KEY,"
    "  token_hash BLOB NOT NULL UNIQUE,"
    "  email TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  password_hash TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE INDEX signups_email ON signups(email, id);"
    "CREATE INDEX signups_expiry ON signups(expires_at);"
    "UPDATE tokens SET used_at = 0 WHERE kind = 0 AND used_at IS NULL;"
    "ALTER TABLE users ADD COLUMN deactivated_at INTEGER;",
    /* 10: full-text search over tickets (issue 15). One FTS5 row a ticket,
    ** its rowid the ticket's id, so that a search walks newest first and
    ** stops at a page: subject, body, the public conversation, the
    ** internal notes (a customer's search leaves that column out) and the
    ** requester's name and address. unicode61 with remove_diacritics 2
    ** finds "sistem" in "sistém" and "ș" as "s". Triggers keep it in the
    ** transaction of the write it follows: a ticket and its words are
    ** filed together or not at all. */
    "CREATE VIRTUAL TABLE ticket_search USING fts5(subject, body, public, internal, requester,"
    "  tokenize = 'unicode61 remove_diacritics 2');"
    "INSERT INTO ticket_search (rowid, subject, body, public, internal, requester)"
    "  SELECT t.id, t.subject, t.body,"
    "    coalesce((SELECT group_concat(r.body, ' ') FROM replies r WHERE r.ticket_id = t.id AND r.public = 1), ''),"
    "    coalesce((SELECT group_concat(r.body, ' ') FROM replies r WHERE r.ticket_id = t.id AND r.public = 0), ''),"
    "    u.name || ' ' || u.email"
    "  FROM tickets t JOIN users u ON u.id = t.requester_id;"
    "CREATE TRIGGER ticket_search_filed AFTER INSERT ON tickets BEGIN"
    "  INSERT INTO ticket_search (rowid, subject, body, public, internal, requester)"
    "  VALUES (new.id, new.subject, new.body, '', '',"
    "    (SELECT name || ' ' || email FROM users WHERE id = new.requester_id));"
    "END;"
    "CREATE TRIGGER ticket_search_replied AFTER INSERT ON replies BEGIN"
    "  UPDATE ticket_search SET public = public || ' ' || new.body WHERE rowid = new.ticket_id AND new.public;"
    "  UPDATE ticket_search SET internal = internal || ' ' || new.body WHERE rowid = new.ticket_id AND NOT new.public;"
    "END;",
    /* 11: the admin operations of issue 12. An organization may be
    ** deactivated (its users with it, marked deactivated_with_org) and come
    ** back (with those users, not one deactivated alone). Every admin change
    ** is a row of the append-only audit trail; a product's stage change
    ** names the policy version it created, which is how the stage of a
    ** product under any version is found (store_admin.h). A correction
    ** onto such a version may move an open ticket to its product's stage
    ** there: stage becomes the stage a ticket is counted under, and
    ** filed_stage keeps the one it was filed under once they differ (the
    ** 'created' event reads it), written once. */
    "ALTER TABLE orgs ADD COLUMN deactivated_at INTEGER;"
    "ALTER TABLE users ADD COLUMN deactivated_with_org INTEGER;"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  by_user INTEGER,"
    "  action TEXT NOT NULL,"
    "  subject_id INTEGER NOT NULL,"
    "  old_value TEXT,"
    "  new_value TEXT,"
    "  policy_version INTEGER);"
    "CREATE INDEX audit_stages ON audit(subject_id, policy_version) WHERE action = 'product_stage';"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
    "ALTER TABLE tickets ADD COLUMN filed_stage TEXT;"
    "DROP TRIGGER tickets_creation_is_history;"
    "CREATE TRIGGER tickets_creation_is_history BEFORE UPDATE OF requester_id, submitted_at, initial_priority,"
    "  plan, product, environment, initial_due, initial_warn_at, created_in_events ON tickets"
    "  BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;"
    "CREATE TRIGGER tickets_stage_keeps_filed BEFORE UPDATE OF stage, filed_stage ON tickets"
    "  WHEN NEW.stage IS NOT OLD.stage AND NEW.filed_stage IS NOT COALESCE(OLD.filed_stage, OLD.stage)"
    "    OR NEW.stage IS OLD.stage AND NEW.filed_stage IS NOT OLD.filed_stage"
    "  BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;",
    /* 12: the mail outbox (issue 14; src/store/sqlite_mail.c). A mail is
    ** queued in the same transaction as the event it tells of, as its
    ** finished bytes (raw), so a resend after a crash is the same message
    ** with the same Message-ID. due_at is when it may next be tried (a
    ** claim pushes it out by a lease, so a crashed sender's mails come back
    ** on their own); the partial index holds only the queued ones. */
    "CREATE TABLE mail_outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  due_at INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),"
    "  message_id TEXT NOT NULL,"
    "  recipient TEXT NOT NULL,"
    "  raw BLOB NOT NULL,"
    "  ticket_id INTEGER REFERENCES tickets(id),"
    "  last_error TEXT,"
    "  sent_at INTEGER);"
    "CREATE INDEX mail_outbox_due ON mail_outbox(due_at, id) WHERE state = 'queued';"
    "CREATE INDEX mail_outbox_ticket ON mail_outbox(ticket_id) WHERE ticket_id IS NOT NULL;",
    /* 13: the mail key (issue 14), made at the first start when no
    ** --mail-key-file is given and kept here, so reply addresses and
    ** Message-IDs survive restarts and one backup holds everything. One
    ** row, never changed (a new key invalidates every address in the wild). */
    "CREATE TABLE mail_key ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  key BLOB NOT NULL CHECK (length(key) = 32),"
    "  created_at INTEGER NOT NULL);",
    /* 14: a reply re-indexed its ticket's whole conversation for search
    ** (migration 10): with thousands of messages on one ticket each reply
    ** cost the writer seconds, and every write of the desk waited behind
    ** it. The conversation columns now keep the newest 64 K characters of
    ** each kind: a reply costs at most that much indexing, and the older
    ** words of a very long thread are no longer found (docs/api.md). */
    "DROP TRIGGER ticket_search_replied;"
    "CREATE TRIGGER ticket_search_replied AFTER INSERT ON replies BEGIN"
    "  UPDATE ticket_search SET public = substr(public || ' ' || new.body, -65536)"
    "    WHERE rowid = new.ticket_id AND new.public;"
    "  UPDATE ticket_search SET internal = substr(internal || ' ' || new.body, -65536)"
    "    WHERE rowid = new.ticket_id AND NOT new.public;"
    "END;",
    /* 15: mail to requesters and
    ** staff about ticket events (issue 14, docs/mail.md "Ticket mails").
    ** users.language picks a user's mail templates; users.zone is the IANA
    ** zone their deadlines are written in (NULL: the policy's display
    ** zone). A sign-up keeps the language chosen in the browser until its
    ** link makes the account. tickets.filed_by_mail marks a ticket opened
    ** by a mail to the support address. mail_cursor is the mail producer's durable
    ** cursor: the last ticket and ticket event whose mails are queued,
    ** moved in the job that queues them. It starts after the rows an
    ** upgraded desk holds already, so upgrading mails no one about the past. */
    "ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ro'));"
    "ALTER TABLE users ADD COLUMN zone TEXT;"
    "ALTER TABLE signups ADD COLUMN language TEXT;"
    /* A ticket opened by mail is acknowledged differently (the priority it
    ** got by default, and where to raise it). */
    "ALTER TABLE tickets ADD COLUMN filed_by_mail INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE mail_cursor ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  ticket_id INTEGER NOT NULL,"
    "  event_id INTEGER NOT NULL);"
    "INSERT INTO mail_cursor (id, ticket_id, event_id) VALUES (1,"
    "  (SELECT COALESCE(max(id), 0) FROM tickets), (SELECT COALESCE(max(id), 0) FROM ticket_events));",
    /* 16: inbound mail loops and bounces (issue 14; src/store/sqlite_inbound.c).
    ** A user whose address our mail bounced from (a DSN naming one of our
    ** Message-IDs) is bouncing from bounced_at, for bounce_reason, until a
    ** mail from the address is accepted again. mail_autoreplies counts the
    ** automatic answers sent to an address, for their rate limit
    ** (desk_autoreply_allowed). A DSN names the returned mail by
    ** Message-ID, so the outbox is searchable by it. The sender counts
    ** the outbox by state after each round it sent something (for
    ** /metrics): without an index that covers the count, that read every
    ** row with its message, the whole table, each round (a drain of 6,000
    ** queued mails ran at 144/s, most of it in those reads). */
    "ALTER TABLE users ADD COLUMN bounced_at INTEGER;"
    "ALTER TABLE users ADD COLUMN bounce_reason TEXT;"
    "CREATE TABLE mail_autoreplies ("
    "  address TEXT NOT NULL,"
    "  sent_at INTEGER NOT NULL);"
    "CREATE INDEX mail_autoreplies_address ON mail_autoreplies(address, sent_at);"
    "CREATE INDEX mail_outbox_message_id ON mail_outbox(message_id);"
    "CREATE INDEX mail_outbox_state ON mail_outbox(state, created_at);",
    /* 17: attachments (issue 14; src/store/
    ** sqlite_attachments.c). The bytes live in the database, so one backup
    ** holds everything, cut into chunks of GARANT_ATTACHMENT_CHUNK bytes
    ** (attachment_chunks), each written with incremental BLOB I/O into a
    ** zeroblob of its length: an upload is written by many short jobs of
    ** the group commit, none holding the writer for more than one chunk
    ** (docs/attachments.md); the chunk size is part of the format. An
    ** attachment is 'pending' while its chunks
    ** are written, 'staged' once whole (its uploader's, on no message
    ** yet), 'linked' once on a message (reply_id NULL: the ticket's first
    ** message), and then never changes nor goes. internal is the
    ** message's: an internal note's files are never a customer's. */
    "CREATE TABLE attachments ("
    "  id INTEGER PRIMARY KEY,"
    "  ticket_id INTEGER REFERENCES tickets(id),"
    "  reply_id INTEGER REFERENCES replies(id),"
    "  uploader_id INTEGER NOT NULL REFERENCES users(id),"
    "  filename TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),"
    "  declared_type TEXT NOT NULL,"
    "  sniffed_type TEXT NOT NULL,"
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  sha256 BLOB NOT NULL CHECK (length(sha256) = 32),"
    "  created_at INTEGER NOT NULL,"
    "  internal INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'staged', 'linked')),"
    "  CHECK ((state = 'linked') = (ticket_id IS NOT NULL)));"
    "CREATE INDEX attachments_ticket ON attachments(ticket_id, id) WHERE ticket_id IS NOT NULL;"
    "CREATE INDEX attachments_unlinked ON attachments(state, created_at) WHERE state <> 'linked';"
    "CREATE TABLE attachment_chunks ("
    "  id INTEGER PRIMARY KEY,"
    "  attachment_id INTEGER NOT NULL REFERENCES attachments(id),"
    "  seq INTEGER NOT NULL,"
    "  bytes BLOB NOT NULL,"
    "  UNIQUE (attachment_id, seq));"
    "CREATE TRIGGER attachments_linked_stay BEFORE DELETE ON attachments WHEN OLD.state = 'linked'"
    "  BEGIN SELECT RAISE(ABORT, 'an attachment on a message stays'); END;"
    "CREATE TRIGGER attachments_linked_fixed BEFORE UPDATE ON attachments WHEN OLD.state = 'linked'"
    "  BEGIN SELECT RAISE(ABORT, 'an attachment on a message stays'); END;"
    "CREATE TRIGGER attachment_chunks_linked_stay BEFORE DELETE ON attachment_chunks"
    "  WHEN (SELECT state FROM attachments WHERE id = OLD.attachment_id) = 'linked'"
    "  BEGIN SELECT RAISE(ABORT, 'an attachment on a message stays'); END;",
    /* 18: groups of agents and assignment (issue
    ** 15, src/store/sqlite_groups.c). A group has a unique name, an
    ** optional round-robin for new tickets and may be the desk's default
    ** group (at most one: the partial unique index), which every new
    ** ticket joins. A ticket has an assignee (staff) and/or a group, both
    ** changed by agents with an 'assigned' event. What the ticket was
    ** filed with is kept apart and never changes (the creation trigger):
    ** filed_group_id and filed_assignee_id, the routing at filing, which
    ** the 'created' event reads and which round-robin continues from (the
    ** last ticket the group handed out names the agent who had the last
    ** turn: durable with the ticket itself, no counter to keep in step);
    ** filed_by, the agent who filed the ticket on the requester's behalf. */
    "CREATE TABLE agent_groups ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  round_robin INTEGER NOT NULL DEFAULT 0 CHECK (round_robin IN (0, 1)),"
    "  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),"
    "  created_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX agent_groups_one_default ON agent_groups(is_default) WHERE is_default = 1;"
    "CREATE TABLE agent_group_members ("
    "  group_id INTEGER NOT NULL REFERENCES agent_groups(id) ON DELETE CASCADE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (group_id, user_id)) WITHOUT ROWID;"
    "CREATE INDEX agent_group_members_user ON agent_group_members(user_id, group_id);"
    "ALTER TABLE tickets ADD COLUMN assignee_id INTEGER REFERENCES users(id);"
    "ALTER TABLE tickets ADD COLUMN group_id INTEGER REFERENCES agent_groups(id);"
    "ALTER TABLE tickets ADD COLUMN filed_group_id INTEGER;"
    "ALTER TABLE tickets ADD COLUMN filed_assignee_id INTEGER;"
    "ALTER TABLE tickets ADD COLUMN filed_by INTEGER;"
    "CREATE INDEX tickets_assignee ON tickets(assignee_id, id) WHERE assignee_id IS NOT NULL;"
    "CREATE INDEX tickets_group ON tickets(group_id, id) WHERE group_id IS NOT NULL;"
    "CREATE INDEX tickets_round_robin ON tickets(filed_group_id, id) WHERE filed_assignee_id IS NOT NULL;"
    "DROP TRIGGER tickets_creation_is_history;"
    "CREATE TRIGGER tickets_creation_is_history BEFORE UPDATE OF requester_id, submitted_at, initial_priority,"
    "  plan, product, environment, initial_due, initial_warn_at, created_in_events, filed_group_id,"
    "  filed_assignee_id, filed_by ON tickets"
    "  BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;",
    /* 19: mail retention (issue 14; src/store/sqlite_mail.c, prune). A
    ** sent or failed mail's bytes (a reply's files ride along, base64) are
    ** dropped after the retention time; the row stays, with pruned_at. The
    ** partial index holds the rows still to prune. */
    "ALTER TABLE mail_outbox ADD COLUMN pruned_at INTEGER;"
    "CREATE INDEX mail_outbox_unpruned ON mail_outbox(created_at) WHERE state != 'queued' AND pruned_at IS NULL;",
    /* 20: who of an organization sees what (issue 15; docs/api.md,
    ** "Organization members"). ticket_visibility 'organization' lets every
    ** member see every ticket of the organization (the behaviour until
    ** now, so every existing organization keeps it); 'own' only the
    ** tickets a member requested. approval_required makes a member who
    ** joins by confirming an address of the organization's domain wait
    ** for a manager: users.approval is 'pending' until a manager (or an
    ** admin) sets 'approved' or 'refused' (refused members are
    ** deactivated too); NULL for everyone who never waited, so switching
    ** approval on later touches no existing member. org_manager marks the
    ** customers who see every ticket of their organization whatever its
    ** visibility, and decide on pending members. Both are a customer's
    ** only: the CHECKs refuse them on staff, and a change of role or
    ** organization drops them (store_admin.h, user_set_role). An
    ** 'own' member's list walks tickets_requester. */
    "ALTER TABLE orgs ADD COLUMN ticket_visibility TEXT NOT NULL DEFAULT 'organization'"
    "  CHECK (ticket_visibility IN ('organization', 'own'));"
    "ALTER TABLE orgs ADD COLUMN approval_required INTEGER NOT NULL DEFAULT 0 CHECK (approval_required IN (0, 1));"
    "ALTER TABLE users ADD COLUMN org_manager INTEGER NOT NULL DEFAULT 0"
    "  CHECK (org_manager IN (0, 1) AND (org_manager = 0 OR role = 'customer'));"
    "ALTER TABLE users ADD COLUMN approval TEXT"
    "  CHECK (approval IS NULL OR (approval IN ('pending', 'approved', 'refused') AND role = 'customer'));"
    "CREATE INDEX users_org_pending ON users(org_id, id) WHERE approval = 'pending';"
    "CREATE INDEX IF NOT EXISTS tickets_requester ON tickets(requester_id, id);",
    /* 21: saved views and the list's new filters (issue 15;
    ** src/store/sqlite_views.c). A view is a named query of the ticket
    ** list, its owner's, shared with one group or none; a name is unique
    ** per owner in any case. A deleted group's views become private again,
    ** a deleted user's go (they had no history: a user with some is
    ** deactivated instead). The list's requester= filter walks
    ** tickets_requester, newest first; sla=none walks the tickets without a
    ** guarantee (tickets_no_guarantee) and sla=warning the clocks still
    ** running, neither answered nor breached (tickets_clock_running, by
    ** deadline: a warning is due later than now), rather than the whole
    ** table when few tickets match; it holds the warning instant too, so
    ** that only the tickets in their warning are read from the table. It
    ** holds only clocks with a warning instant, which the monitor's breach
    ** query does not ask for: that keeps to its own, smaller index
    ** (migration 3). */
    "CREATE TABLE saved_views ("
    "  id INTEGER PRIMARY KEY,"
    "  owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  group_id INTEGER REFERENCES agent_groups(id) ON DELETE SET NULL,"
    "  name TEXT NOT NULL COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 80),"
    "  query TEXT NOT NULL CHECK (length(CAST(query AS BLOB)) <= 1024),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE (owner_id, name));"
    "CREATE INDEX saved_views_group ON saved_views(group_id, name) WHERE group_id IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS tickets_requester ON tickets(requester_id, id);" /* also 20's */
    "CREATE INDEX tickets_no_guarantee ON tickets(id) WHERE first_response_due IS NULL;"
    "CREATE INDEX tickets_clock_running ON tickets(first_response_due, warn_at)"
    "  WHERE first_response_at IS NULL AND breached_at IS NULL AND warn_at IS NOT NULL;",
    /* 22: a ticket's last update by a person (issue 15: the queue's "last
    ** update"; store_tickets.h, updated_at): the instant of its latest
    ** history event with an actor, kept on the ticket by a trigger on every
    ** such event, whatever code appends it; NULL until there is one (the
    ** lists read its submission then). On the row rather than looked up
    ** in the history per listed ticket: that cost the queue's page 50
    ** index walks of ticket_events, past the SLA monitor's events (100 to
    ** 170 us of a 300 us page at a million tickets); the trigger costs one
    ** UPDATE of a row that the same write mostly changes anyway. The
    ** tickets that have such events already get theirs. */
    "ALTER TABLE tickets ADD COLUMN updated_at INTEGER;"
    "CREATE TRIGGER ticket_events_update_ticket AFTER INSERT ON ticket_events WHEN NEW.actor_id IS NOT NULL"
    "  BEGIN UPDATE tickets SET updated_at = NEW.at WHERE id = NEW.ticket_id; END;"
    "UPDATE tickets SET updated_at = (SELECT e.at FROM ticket_events e WHERE e.ticket_id = tickets.id"
    "  AND e.actor_id IS NOT NULL ORDER BY e.id DESC LIMIT 1)"
    "  WHERE id IN (SELECT ticket_id FROM ticket_events WHERE actor_id IS NOT NULL);",
    /* 23: search at a million tickets with bounded work (issue 15,
    ** src/store/sqlite_search.c, docs/performance.md "Search"). The index
    ** is built again, with two changes. A prefix index of 3 characters:
    ** FTS5 answered "expo*" by merging the lists of every word starting
    ** with "expo" before returning a row (half a second for "cust*"); a
    ** 3-character prefix is now one list, read lazily newest first, and a
    ** longer one is found through its first 3 and checked row by row. A
    ** scope column, "t o<organization> r<requester>": an organization's
    ** search is FTS5's intersection of two lists instead of a walk through
    ** every match of its words. The old index's text is copied as it is
    ** (the conversations already cut to 64 K), then merged into one
    ** segment ('optimize'), which a search reads once per word rather than
    ** once per segment. The triggers are those of migrations 10 and 14,
    ** with the scope. tickets_search_filter holds the columns the list's
    ** filters read, by id: a search checks the tickets its words find
    ** against the filters in this narrow index (some hundred to a page)
    ** rather than in the table (eight to a page), which, with the cache
    ** cold, read a page of the table for every ticket a rare filter
    ** passed over. It costs every write of those columns an index entry
    ** (a deadline correction one more per ticket). */
    "DROP TRIGGER ticket_search_filed;"
    "DROP TRIGGER ticket_search_replied;"
    "CREATE VIRTUAL TABLE ticket_search_v22 USING fts5(subject, body, public, internal, requester, scope,"
    "  tokenize = 'unicode61 remove_diacritics 2', prefix = '3');"
    "INSERT INTO ticket_search_v22 (rowid, subject, body, public, internal, requester, scope)"
    "  SELECT s.rowid, s.subject, s.body, s.public, s.internal, s.requester,"
    "    't o' || t.org_id || ' r' || t.requester_id"
    "  FROM ticket_search s JOIN tickets t ON t.id = s.rowid;"
    "INSERT INTO ticket_search_v22 (ticket_search_v22) VALUES ('optimize');"
    "DROP TABLE ticket_search;"
    "ALTER TABLE ticket_search_v22 RENAME TO ticket_search;"
    "CREATE TRIGGER ticket_search_filed AFTER INSERT ON tickets BEGIN"
    "  INSERT INTO ticket_search (rowid, subject, body, public, internal, requester, scope)"
    "  VALUES (new.id, new.subject, new.body, '', '',"
    "    (SELECT name || ' ' || email FROM users WHERE id = new.requester_id),"
    "    't o' || new.org_id || ' r' || new.requester_id);"
    "END;"
    "CREATE TRIGGER ticket_search_replied AFTER INSERT ON replies BEGIN"
    "  UPDATE ticket_search SET public = substr(public || ' ' || new.body, -65536)"
    "    WHERE rowid = new.ticket_id AND new.public;"
    "  UPDATE ticket_search SET internal = substr(internal || ' ' || new.body, -65536)"
    "    WHERE rowid = new.ticket_id AND NOT new.public;"
    "END;"
    "CREATE INDEX tickets_search_filter ON tickets(id, org_id, requester_id, status, priority, plan, product,"
    "  assignee_id, group_id, first_response_due, first_response_at, warn_at, breached_at);",
    /* 24: a filed ticket joins the search index once per transaction, not
    ** once per statement. FTS5 (SQLite 3.40) writes what it holds in memory
    ** as a new segment of the index at every savepoint, and a statement in
    ** a transaction opens one: the group commit's jobs each wrote a segment
    ** of one ticket, and FTS5 merged them, 60-430 us of the writer's time a
    ** ticket against 18-25 us without the index (docs/performance.md
    ** "Filing and the search index"). The trigger now only notes the
    ** ticket in search_pending; the store's commit indexes every noted
    ** ticket with one statement just before COMMIT (sqlite.c,
    ** gs_search_flush), in the same transaction, so a committed ticket is
    ** always searchable and a rolled-back one leaves nothing. A reply to a
    ** ticket still pending updates no index row (there is none yet); the
    ** flush takes the ticket's conversation from the replies table. */
    "CREATE TABLE search_pending (ticket_id INTEGER PRIMARY KEY);"
    "DROP TRIGGER ticket_search_filed;"
    "CREATE TRIGGER ticket_search_filed AFTER INSERT ON tickets BEGIN"
    "  INSERT OR IGNORE INTO search_pending (ticket_id) VALUES (new.id);"
    "END;",
    /* 25: an organization's list with a filter checks it in the index it
    ** walks. tickets_org held (org_id, id): a customer's "my breached
    ** tickets" read the row of every ticket of her organization newer
    ** than its 50th breach, 20,000 of them at a million tickets on a
    ** weekend (24-66 ms, docs/performance.md "Search"). It now holds every
    ** column LIST_FILTERS reads (sqlite_ticket_lists.c; the same as
    ** tickets_search_filter's), so the table is read only for the
    ** tickets listed. */
    "DROP INDEX tickets_org;"
    "CREATE INDEX tickets_org ON tickets(org_id, id, requester_id, status, priority, plan, product,"
    "  assignee_id, group_id, first_response_due, first_response_at, warn_at, breached_at);"
    /* And sla=warning, the running clocks due from now on whose warning
    ** has begun, sorted newest first: the rows of all of them (5,700 of
    ** 42,000 on that weekend) were read to be sorted, 22 ms. The index
    ** now covers the filters too, so their ids are picked and sorted from
    ** it alone and only a page's rows are read. */
    "DROP INDEX tickets_clock_running;"
    "CREATE INDEX tickets_clock_running ON tickets(first_response_due, warn_at, first_response_at, breached_at,"
    "  org_id, requester_id, status, priority, plan, product, assignee_id, group_id)"
    "  WHERE first_response_at IS NULL AND breached_at IS NULL AND warn_at IS NOT NULL;",
};

const int gs_sqlite_migration_count = (int)(sizeof gs_sqlite_migrations / sizeof gs_sqlite_migrations[0]);
