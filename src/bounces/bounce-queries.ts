/**
 * The SQL of bounce handling, in one place. Parameters are positional; each statement names the index it uses.
 */
import { scrubAddressSql } from '../subscribers/subscriber-queries';

/**
 * SUB-5: a person's bounce reports keep no address. Their own events (bounce_events_subscriber_idx), and unattributed
 * ones whose text names the address (a scan of the unattributed rows; erasures are rare). $1 subscriber, $2 the
 * address, $3 erasedAddressPattern.
 */
export const SCRUB_ERASED_EVENTS_SQL = `
  UPDATE bounce_events
     SET detail = ${scrubAddressSql('detail', '$3')}, code = ${scrubAddressSql('code', '$3')}
   WHERE (detail IS NOT NULL OR code IS NOT NULL)
     AND (subscriber_id = $1 OR (subscriber_id IS NULL AND (strpos(lower(detail), lower($2)) > 0 OR strpos(lower(code), lower($2)) > 0)))`;

/** Store one event; a repeated dedupe key stores nothing (bounce_events_dedupe_key). */
export const INSERT_EVENT_SQL = `
  INSERT INTO bounce_events (subscriber_id, blast_id, type, provider, code, detail, message_id, attribution, dedupe_key, occurred_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
  RETURNING id`;

/** Serializes the policy decisions of one subscriber (two soft bounces arriving together both see each other). */
export const LOCK_SUBSCRIBER_SQL = `SELECT id, email, status, erased_at FROM subscribers WHERE id = $1 FOR UPDATE`;

/** Hard bounce: no more mail of any kind (PREF-5). A complaint is never downgraded to a bounce. */
export const MARK_BOUNCED_SQL = `
  UPDATE subscribers SET status = 'bounced', updated_at = now()
  WHERE id = $1 AND status IN ('subscribed', 'unconfirmed', 'unsubscribed')
  RETURNING status`;

export const MARK_COMPLAINED_SQL = `
  UPDATE subscribers SET status = 'complained', updated_at = now()
  WHERE id = $1 AND status <> 'complained'
  RETURNING status`;

/**
 * Soft bounces that count: inside the window and after the subscriber's last successful delivery. A delivery is
 * successful when it was sent and no bounce of any kind was attributed to it (otherwise the very message that
 * soft-bounced would reset its own count). bounce_events_subscriber_idx; blast_deliveries_caps_idx.
 */
export const COUNT_SOFT_SQL = `
  SELECT count(*)::int AS n FROM bounce_events e
  WHERE e.subscriber_id = $1 AND e.type = 'soft' AND e.occurred_at > now() - make_interval(days => $2)
    AND e.occurred_at > coalesce((
      SELECT max(d.sent_at) FROM blast_deliveries d
      WHERE d.subscriber_id = $1 AND d.status = 'sent' AND d.sent_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM bounce_events b WHERE b.subscriber_id = d.subscriber_id AND b.blast_id = d.blast_id)
    ), '-infinity')`;

/** The delivery a Message-ID names (primary key lookup; the id must match what was sent). */
export const DELIVERY_BY_MESSAGE_ID_SQL = `
  SELECT blast_id, subscriber_id FROM blast_deliveries WHERE blast_id = $1 AND subscriber_id = $2 AND message_id = $3`;

/**
 * Complaint-rate guard: complaints against messages sent (blast_deliveries_status_idx, bounce_events_blast_idx).
 */
export const COMPLAINT_RATE_SQL = `
  SELECT (SELECT count(*) FROM blast_deliveries WHERE blast_id = $1 AND status IN ('sent', 'bounced', 'complained'))::int AS sent,
         (SELECT count(DISTINCT coalesce(subscriber_id::text, id::text)) FROM bounce_events WHERE blast_id = $1 AND type = 'complaint')::int AS complaints`;

/** Sender-policy guard: policy rejections against messages tried (sent or rejected). */
export const POLICY_RATE_SQL = `
  SELECT (SELECT count(*) FROM blast_deliveries WHERE blast_id = $1 AND status IN ('sent', 'failed', 'bounced', 'complained'))::int AS tried,
         (SELECT count(*) FROM bounce_events WHERE blast_id = $1 AND type = 'policy')::int AS rejections`;

/**
 * Pauses a blast still sending, once per guard kind (blast_auto_pauses), with the reason the organizer sees. Plain SQL
 * rather than BlastsService.pause(): the Blasts module imports this one (the send loop reports SMTP rejections here),
 * so the reverse import would be a cycle; the sender notices the status change before its next message, as for a
 * manual pause. A blast the organizer resumed after an automatic pause is not paused again for the same cause.
 */
export const AUTO_PAUSE_BLAST_SQL = `
  WITH target AS (
    SELECT id FROM blasts WHERE id = $1 AND status = 'sending' FOR UPDATE
  ), recorded AS (
    INSERT INTO blast_auto_pauses (blast_id, kind, reason)
    SELECT id, $2, $3 FROM target
    ON CONFLICT (blast_id, kind) DO NOTHING
    RETURNING blast_id
  )
  UPDATE blasts SET status = 'paused', pause_reason = $3, updated_at = now()
  WHERE id IN (SELECT blast_id FROM recorded)`;

export const AUTO_PAUSES_SQL = `SELECT kind, reason, created_at FROM blast_auto_pauses WHERE blast_id = $1 ORDER BY created_at`;

/** Per-blast counts for stats and the complaint-rate guard (bounce_events_blast_idx). */
export const BLAST_COUNTS_SQL = `
  SELECT count(DISTINCT subscriber_id) FILTER (WHERE type = 'hard')::int AS hard,
         count(DISTINCT subscriber_id) FILTER (WHERE type = 'soft')::int AS soft,
         count(DISTINCT subscriber_id) FILTER (WHERE type = 'complaint')::int AS complaints,
         count(*) FILTER (WHERE type = 'policy')::int AS policy
  FROM bounce_events WHERE blast_id = $1`;

/** Organizer list, newest first, keyset-paged on (occurred_at, id) (bounce_events_type_time_idx / _blast_idx). */
export const LIST_EVENTS_SQL = `
  SELECT id, type, provider, subscriber_id, blast_id, code, detail, attribution, occurred_at, created_at
    FROM bounce_events
   WHERE ($1::text IS NULL OR type = $1)
     AND ($2::uuid IS NULL OR blast_id = $2)
     AND ($3::uuid IS NULL OR subscriber_id = $3)
     AND ($4::timestamptz IS NULL OR (occurred_at, id) < ($4, $5::uuid))
   ORDER BY occurred_at DESC, id DESC
   LIMIT $6`;

export const BLAST_STATUS_SQL = `SELECT status, pause_reason FROM blasts WHERE id = $1`;
