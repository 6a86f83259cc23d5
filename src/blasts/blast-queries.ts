/**
 * Every hot SQL statement of blasts, in one place (STYLE: reviewable SQL). All are set-based: freezing a
 * million-person audience is one INSERT … SELECT; the send loop claims, flushes and releases rows in small sets.
 */
import { capCountsSql, capSkipSql, freezeCapJoinsSql } from '../preferences/frequency-caps';

/** Rows of `DataSource.query`: TypeORM answers UPDATE/DELETE … RETURNING with [rows, count], SELECT with rows. */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : (result as T[]));

/** Serializes audience freezes, so caps see the rows of a blast frozen a moment earlier (PREF-4). */
export const FREEZE_LOCK_KEY = 0x0b1a_5701;

/**
 * Suppression (SUB-5, COMP-3) of subscriber `s`: its address' keyed hash is in suppressions. `$keyParam` is the
 * current suppression key (bytea); the hash is pgcrypto's hmac over the lower-cased address, as SubscribersService
 * computes it. Primary key lookup per row; callers pass `FALSE` instead when the table is empty.
 */
export const suppressedSql = (keyParam: string) =>
  `EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = encode(hmac(lower(s.email), ${keyParam}::bytea, 'sha256'), 'hex'))`;

const topicOptOutSql = (topicParam: string) =>
  `(${topicParam}::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM subscriber_topic_opt_outs o WHERE o.subscriber_id = s.id AND o.topic_id = ${topicParam}::uuid))`;

/**
 * MSG-6 / PREF-2..5: freeze the audience. One row per member of the segment (`segmentSql`, params from $8), skipped
 * ones with their reason; the rest `pending`, numbered by `seq` in send order (random by seed under a random limit,
 * else by id). ON CONFLICT DO NOTHING: freezing twice adds nothing.
 * $1 blast id, $2 priority, $3 org cap per day (null), $4 topic id (null), $5 suppression key, $6 random limit (null),
 * $7 random seed.
 * Subscribers: a sequential or segment-index scan; topic opt-outs hash-joined; caps per freezeCapJoinsSql (a grouped
 * scan of the last day only under an org cap, index lookups for weekly/monthly people only).
 */
export function freezeSql(segmentSql: string, anySuppressions: boolean): string {
  return `
    WITH candidates AS (
      SELECT s.id AS subscriber_id,
             CASE
               WHEN s.status <> 'subscribed' THEN 'not_subscribed'
               WHEN ${anySuppressions ? suppressedSql('$5') : 'FALSE AND $5::bytea IS NULL'} THEN 'suppressed'
               WHEN o.subscriber_id IS NOT NULL THEN 'topic_opt_out'
               ELSE ${capSkipSql('$2', '$3', { day: 'rd.day', week: 'rw.week', month: 'rw.month' })}
             END AS skip_reason,
             -- random order only under a random limit; otherwise by id (uuid order, no text collation)
             CASE WHEN $6::int IS NOT NULL THEN md5(s.id::text || $7::text) END AS ord
        FROM subscribers s
        LEFT JOIN subscriber_topic_opt_outs o ON o.subscriber_id = s.id AND o.topic_id = $4::uuid
        ${freezeCapJoinsSql('$1::uuid', '$3')}
       WHERE (${segmentSql})
    ), ranked AS (
      SELECT subscriber_id, skip_reason,
             CASE WHEN skip_reason IS NULL THEN (row_number() OVER (PARTITION BY skip_reason IS NULL ORDER BY ord, subscriber_id) - 1)::int END AS seq
        FROM candidates
    ), inserted AS (
      INSERT INTO blast_deliveries (blast_id, subscriber_id, status, skip_reason, seq)
      SELECT $1::uuid, subscriber_id, CASE WHEN skip_reason IS NULL THEN 'pending' ELSE 'skipped' END, skip_reason, seq
        FROM ranked
       WHERE skip_reason IS NOT NULL OR $6::int IS NULL OR seq < $6::int
      ON CONFLICT (blast_id, subscriber_id) DO NOTHING
      RETURNING status
    )
    SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'pending')::int AS pending FROM inserted`;
}

/**
 * Claim up to $4 due pending rows of one batch (seq in [$2, $3)) for worker $5, re-checking each person just before
 * the send (MSG-6, UNSUB-4): current status, suppression, topic opt-out, frequency and org caps. Failing rows become
 * `skipped` with the reason; the others `sending`. SKIP LOCKED: two jobs on one batch split it, never share a row.
 * $6 priority, $7 org cap, $8 topic id, $9 suppression key. Uses blast_deliveries_pending_idx (blast_id, seq), and
 * blast_deliveries_caps_idx per claimed person (a LATERAL lookup: never a scan of everyone's recent deliveries).
 */
export function claimSql(anySuppressions: boolean): string {
  return `
    WITH picked AS (
      SELECT d.ctid AS row_ctid, d.subscriber_id, d.possible_duplicate
        FROM blast_deliveries d
       WHERE d.blast_id = $1 AND d.status = 'pending' AND d.seq >= $2 AND d.seq < $3
         AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now())
       ORDER BY d.seq
       LIMIT $4
       FOR UPDATE SKIP LOCKED
    ), checked AS (
      SELECT p.row_ctid, p.subscriber_id, p.possible_duplicate, s.email, s.first_name, s.last_name, s.zip, s.state, s.custom_fields,
             CASE
               WHEN s.id IS NULL OR s.status <> 'subscribed' THEN 'not_subscribed'
               WHEN ${anySuppressions ? suppressedSql('$9') : 'FALSE AND $9::bytea IS NULL'} THEN 'suppressed'
               WHEN ${topicOptOutSql('$8')} THEN 'topic_opt_out'
               ELSE ${capSkipSql('$6', '$7')}
             END AS skip_reason
        FROM picked p
        LEFT JOIN subscribers s ON s.id = p.subscriber_id
        LEFT JOIN LATERAL ${capCountsSql('$1::uuid', 'c.subscriber_id = p.subscriber_id', ['sending', 'sent'])} rc ON true
    )
    UPDATE blast_deliveries d
       SET status = CASE WHEN c.skip_reason IS NULL THEN 'sending' ELSE 'skipped' END,
           skip_reason = c.skip_reason,
           claimed_by = CASE WHEN c.skip_reason IS NULL THEN $5 END,
           claimed_at = now(),
           attempts = d.attempts + CASE WHEN c.skip_reason IS NULL THEN 1 ELSE 0 END,
           updated_at = now()
      FROM checked c
     -- by ctid (the rows locked above): a TID scan, whatever the planner believes about this blast's size
     WHERE d.ctid = c.row_ctid AND d.blast_id = $1
    RETURNING d.subscriber_id AS "subscriberId", d.status, d.attempts, d.possible_duplicate AS "possibleDuplicate",
              c.email, c.first_name AS "firstName", c.last_name AS "lastName", c.zip, c.state, c.custom_fields AS "customFields"`;
}

/**
 * Record the outcome of sent/failed/deferred messages in one statement (the send loop flushes every ~50 messages
 * or 250 ms). Only rows this worker still holds are touched. $1 blast, $2 worker, then parallel arrays.
 */
export const FLUSH_RESULTS_SQL = `
  WITH progress AS (UPDATE blasts SET progress_at = now() WHERE id = $1)
  UPDATE blast_deliveries d
     SET status = v.status,
         message_id = coalesce(v.message_id, d.message_id),
         response_code = v.code,
         response = left(v.response, 1000),
         next_attempt_at = v.next_attempt_at,
         sent_at = CASE WHEN v.status = 'sent' THEN coalesce(v.sent_at, now()) ELSE d.sent_at END,
         claimed_by = NULL,
         updated_at = now()
    FROM unnest($3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[], $8::timestamptz[], $9::timestamptz[])
         AS v(subscriber_id, status, message_id, code, response, next_attempt_at, sent_at)
   WHERE d.blast_id = $1 AND d.subscriber_id = v.subscriber_id AND d.status = 'sending' AND d.claimed_by = $2`;

/** Hand back claimed rows that were never attempted (pause, cancel, shutdown): pending again, or cancelled. */
export const RELEASE_SQL = `
  UPDATE blast_deliveries d
     SET status = CASE WHEN b.status = 'cancelled' THEN 'cancelled' ELSE 'pending' END,
         attempts = greatest(d.attempts - 1, 0), claimed_by = NULL, updated_at = now()
    FROM blasts b
   WHERE b.id = d.blast_id AND d.blast_id = $1 AND d.subscriber_id = ANY ($3::uuid[])
     AND d.status = 'sending' AND d.claimed_by = $2`;

/** A live job still working through its claimed rows renews them (blast_deliveries_sending_idx). */
export const RENEW_CLAIMS_SQL = `
  UPDATE blast_deliveries SET claimed_at = now()
   WHERE blast_id = $1 AND claimed_by = $2 AND status = 'sending' AND subscriber_id = ANY ($3::uuid[])`;

/**
 * Rows left `sending` by a worker whose heartbeat is older than $1 ms (killed, or cut off): back to pending and
 * flagged, since each may have been sent already — and counted on the blast (MSG-7's permitted duplicates).
 * Uses blast_deliveries_sending_idx.
 */
export const RECOVER_STALE_SQL = `
  WITH stale AS (
    UPDATE blast_deliveries d
       SET status = CASE WHEN b.status = 'cancelled' THEN 'cancelled' ELSE 'pending' END,
           possible_duplicate = true, claimed_by = NULL, updated_at = now()
      FROM blasts b
     WHERE b.id = d.blast_id AND d.status = 'sending'
       AND ((d.claimed_at < now() - $1::int * interval '1 millisecond'  -- never a row claimed a moment ago
             AND NOT EXISTS (
              SELECT 1 FROM blast_workers w
               WHERE w.id = d.claimed_by AND w.heartbeat_at > now() - $1::int * interval '1 millisecond'))
            -- a live worker that lost its results (its job failed mid-flush) never comes back for them
            OR d.claimed_at < now() - interval '15 minutes')
    RETURNING d.blast_id
  ), counted AS (
    UPDATE blasts b SET possible_duplicates = b.possible_duplicates + x.n
      FROM (SELECT blast_id, count(*)::int AS n FROM stale GROUP BY blast_id) x
     WHERE b.id = x.blast_id
    RETURNING x.n
  )
  SELECT coalesce(sum(n), 0)::int AS recovered FROM counted`;

/** A blast is sent when it is frozen and no row is pending or sending (blast_deliveries_pending_idx). */
export const COMPLETE_BLAST_SQL = `
  UPDATE blasts b SET status = 'sent', finished_at = now(), updated_at = now()
   WHERE b.id = $1 AND b.status = 'sending' AND b.frozen_at IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM blast_deliveries d WHERE d.blast_id = b.id AND d.status IN ('pending', 'sending'))
  RETURNING b.id`;

/** Batches of a blast that still have due pending rows — what the reconciler re-enqueues. */
export const PENDING_BATCHES_SQL = `
  SELECT DISTINCT (d.seq / $2::int)::int AS batch
    FROM blast_deliveries d
   WHERE d.blast_id = $1 AND d.status = 'pending' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now())
   ORDER BY 1
   LIMIT $3`;

export const HEARTBEAT_SQL = `
  INSERT INTO blast_workers (id, heartbeat_at) VALUES ($1, now())
  ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`;

/** Forget workers silent for a day (their rows were recovered long ago). */
export const PRUNE_WORKERS_SQL = `DELETE FROM blast_workers WHERE heartbeat_at < now() - interval '1 day'`;

/** MSG-9: delivery figures of one blast (one pass over its rows by the primary key). */
export const DELIVERY_COUNTS_SQL = `
  SELECT count(*)::int AS total,
         count(*) FILTER (WHERE status <> 'skipped')::int AS audience,
         count(*) FILTER (WHERE status = 'pending')::int AS pending,
         count(*) FILTER (WHERE status = 'sending')::int AS sending,
         count(*) FILTER (WHERE status IN ('sent', 'bounced', 'complained'))::int AS sent,
         count(*) FILTER (WHERE status = 'failed')::int AS failed,
         count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
         count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
         count(*) FILTER (WHERE skip_reason = 'not_subscribed')::int AS not_subscribed,
         count(*) FILTER (WHERE skip_reason = 'suppressed')::int AS suppressed,
         count(*) FILTER (WHERE skip_reason = 'topic_opt_out')::int AS topic_opt_out,
         count(*) FILTER (WHERE skip_reason = 'frequency_cap')::int AS frequency_cap,
         count(*) FILTER (WHERE skip_reason = 'org_cap')::int AS org_cap,
         count(*) FILTER (WHERE possible_duplicate AND status IN ('sent', 'bounced', 'complained'))::int AS possible_duplicates
    FROM blast_deliveries WHERE blast_id = $1`;

/**
 * Age in ms of the freshest heartbeat of any worker whose id starts with $1 (`<hostname>:`, see BlastSenderService's
 * workerId): the worker health check of a container. Scans blast_workers, a table of one row per live worker.
 */
export const HOST_HEARTBEAT_AGE_SQL = `
  SELECT floor(extract(epoch FROM now() - max(heartbeat_at)) * 1000)::bigint AS age_ms
    FROM blast_workers WHERE starts_with(id, $1)`;
