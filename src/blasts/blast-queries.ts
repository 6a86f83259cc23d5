/**
 * Every hot SQL statement of blasts, in one place (STYLE: reviewable SQL). All are set-based: freezing a
 * million-person audience is one INSERT … SELECT; the send loop claims, flushes and releases rows in small sets.
 */
import { capCountsSql, capSkipSql, freezeCapJoinsSql } from '../preferences/frequency-caps';
import { scrubAddressSql } from '../subscribers/subscriber-queries';

/** Rows of `DataSource.query`: TypeORM answers UPDATE/DELETE … RETURNING with [rows, count], SELECT with rows. */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : (result as T[]));

/** Serializes audience freezes, so caps see the rows of a blast frozen a moment earlier (PREF-4). */
export const FREEZE_LOCK_KEY = 0x0b1a_5701;

/**
 * Suppression (SUB-5, COMP-3) of subscriber `s`: its address' keyed hash is in suppressions. `$keyParam` is the
 * current suppression key (bytea); the hash is pgcrypto's hmac(bytea, bytea) over the UTF-8 bytes of the lower-cased
 * address, as SubscribersService computes it (there is no hmac(text, bytea): the text must be converted). Primary key
 * lookup per row; the freeze passes `FALSE` instead when the table is empty (test/blast-sql.e2e-spec.ts prepares
 * every variant against PostgreSQL, since the empty-table one hid a broken statement until the first erasure).
 */
export const suppressedSql = (keyParam: string) =>
  `EXISTS (SELECT 1 FROM suppressions x WHERE x.email_hash = encode(hmac(convert_to(lower(s.email), 'UTF8'), ${keyParam}::bytea, 'sha256'), 'hex'))`;

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
    WITH ${audienceCandidatesSql(segmentSql, anySuppressions)}, inserted AS (
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
 * The freeze's audience as two CTEs, `candidates` (every member of the segment with its skip reason, if any) and
 * `ranked` (send order `seq`), shared by the freeze and its dry run so the estimate applies the very same rules.
 * Parameters as freezeSql's.
 */
function audienceCandidatesSql(segmentSql: string, anySuppressions: boolean): string {
  return `
      candidates AS (
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
    )`;
}

/**
 * The freeze as a dry run (the console's audience step): how many it would send to and how many each rule would
 * skip, right now, writing nothing. Same parameters and plan as freezeSql, without the insert.
 */
export function estimateAudienceSql(segmentSql: string, anySuppressions: boolean): string {
  return `
    WITH ${audienceCandidatesSql(segmentSql, anySuppressions)}
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE skip_reason IS NULL AND ($6::int IS NULL OR seq < $6::int))::int AS send,
           count(*) FILTER (WHERE skip_reason IS NULL AND $6::int IS NOT NULL AND seq >= $6::int)::int AS beyond_limit,
           count(*) FILTER (WHERE skip_reason = 'not_subscribed')::int AS not_subscribed,
           count(*) FILTER (WHERE skip_reason = 'suppressed')::int AS suppressed,
           count(*) FILTER (WHERE skip_reason = 'topic_opt_out')::int AS topic_opt_out,
           count(*) FILTER (WHERE skip_reason = 'frequency_cap')::int AS frequency_cap,
           count(*) FILTER (WHERE skip_reason = 'org_cap')::int AS org_cap
      FROM ranked`;
}

/**
 * Claim up to $4 due pending rows of one batch (seq in [$2, $3)) for worker $5, re-checking each person just before
 * the send (MSG-6, UNSUB-4): current status, suppression, topic opt-out, frequency and org caps. Failing rows become
 * `skipped` with the reason; the others `sending`. SKIP LOCKED: two jobs on one batch split it, never share a row.
 * $6 priority, $7 org cap, $8 topic id, $9 suppression key (always checked: a chunk is at most 50 hmacs, and one
 * statement for every case leaves no variant untested), $10 the claiming job's token: a worker runs several batch
 * jobs, and each hands back or records only the rows it claimed itself (a rescue job may claim rows of the same
 * batch while an older job of the same worker is still winding down). Uses blast_deliveries_pending_idx (blast_id, seq), and
 * blast_deliveries_caps_idx per claimed person (a LATERAL lookup: never a scan of everyone's recent deliveries).
 */
export function claimSql(): string {
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
               WHEN ${suppressedSql('$9')} THEN 'suppressed'
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
           claim_token = CASE WHEN c.skip_reason IS NULL THEN $10::uuid END,
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
 * or 250 ms). $1 blast, $2 worker, $3..$9 parallel arrays, $10 the job's claim token. Rows this worker still holds take any outcome. A message this
 * worker did send also lands on its row when the row was taken back meanwhile (a pause, an outage: recovered to
 * pending, not yet claimed again): recorded as sent it is not sent a second time (REL-3). A row another worker has
 * claimed again is left to that worker.
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
         claim_token = NULL,
         updated_at = now()
    FROM unnest($3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[], $8::timestamptz[], $9::timestamptz[])
         AS v(subscriber_id, status, message_id, code, response, next_attempt_at, sent_at)
   WHERE d.blast_id = $1 AND d.subscriber_id = v.subscriber_id
     AND ((d.status = 'sending' AND d.claimed_by = $2 AND d.claim_token = $10::uuid)
          OR (v.status = 'sent' AND d.status = 'pending' AND d.claimed_by IS NULL))`;

/** Hand back claimed rows that were never attempted (pause, cancel, shutdown, lapsed lease): pending again, or cancelled. $4 claim token. */
export const RELEASE_SQL = `
  UPDATE blast_deliveries d
     SET status = CASE WHEN b.status = 'cancelled' THEN 'cancelled' ELSE 'pending' END,
         attempts = greatest(d.attempts - 1, 0), claimed_by = NULL, claim_token = NULL, updated_at = now()
    FROM blasts b
   WHERE b.id = d.blast_id AND d.blast_id = $1 AND d.subscriber_id = ANY ($3::uuid[])
     AND d.status = 'sending' AND d.claimed_by = $2 AND d.claim_token = $4::uuid`;

/** A live job still working through its claimed rows renews them (blast_deliveries_sending_idx). */
export const RENEW_CLAIMS_SQL = `
  UPDATE blast_deliveries SET claimed_at = now()
   WHERE blast_id = $1 AND claimed_by = $2 AND claim_token = $4::uuid AND status = 'sending' AND subscriber_id = ANY ($3::uuid[])`;

/**
 * Rows left `sending` by a worker that is gone, back to pending and flagged, since each may have been sent already —
 * counted once per row on the blast (MSG-7's permitted duplicates; a row recovered twice is one possible duplicate).
 * A worker is gone when its heartbeat is older than $1 ms (a pause, a partition), or — judged only by a caller whose
 * own beats were continuous ($2) — when its liveness lock is released (its process died) and it has been silent
 * for $3 ms. Rows claimed over 15 minutes ago by a live worker that lost track of them are taken back too.
 * Uses blast_deliveries_sending_idx. Returns how many rows, and the blasts they belong to (re-queued at once).
 */
export const RECOVER_STALE_SQL = `
  WITH dead AS (
    SELECT w.id FROM blast_workers w
     WHERE $2::boolean AND w.liveness_lock AND w.heartbeat_at < now() - $3::int * interval '1 millisecond'
       AND NOT EXISTS (
         SELECT 1 FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(w.id, 0))
  ), doomed AS (
    SELECT d.blast_id, d.subscriber_id, d.possible_duplicate AS was_flagged
      FROM blast_deliveries d
     WHERE d.status = 'sending'
       AND (d.claimed_by IN (SELECT id FROM dead)
            OR (d.claimed_at < now() - $1::int * interval '1 millisecond'  -- never a row claimed a moment ago
                AND NOT EXISTS (
                  SELECT 1 FROM blast_workers w
                   WHERE w.id = d.claimed_by AND w.heartbeat_at > now() - $1::int * interval '1 millisecond'))
            -- a live worker that lost its results (its job failed mid-flush) never comes back for them
            OR d.claimed_at < now() - interval '15 minutes')
       FOR UPDATE OF d SKIP LOCKED
  ), recovered AS (
    UPDATE blast_deliveries d
       SET status = CASE WHEN b.status = 'cancelled' THEN 'cancelled' ELSE 'pending' END,
           possible_duplicate = true, claimed_by = NULL, claim_token = NULL, updated_at = now()
      FROM doomed x, blasts b
     WHERE d.blast_id = x.blast_id AND d.subscriber_id = x.subscriber_id AND b.id = d.blast_id AND d.status = 'sending'
    RETURNING d.blast_id, x.was_flagged
  ), counted AS (
    UPDATE blasts b SET possible_duplicates = b.possible_duplicates + x.n
      FROM (SELECT blast_id, count(*) FILTER (WHERE NOT was_flagged)::int AS n FROM recovered GROUP BY blast_id) x
     WHERE b.id = x.blast_id AND x.n > 0
    RETURNING b.id
  )
  SELECT (SELECT count(*)::int FROM recovered) AS recovered,
         coalesce((SELECT array_agg(DISTINCT blast_id::text) FROM recovered), '{}') AS blast_ids,
         (SELECT count(*)::int FROM counted) AS counted_blasts`;

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

/** $1 worker, $2 whether it holds its liveness lock (then others may judge it dead by the lock's absence). */
export const HEARTBEAT_SQL = `
  INSERT INTO blast_workers (id, heartbeat_at, liveness_lock) VALUES ($1, now(), $2)
  ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), liveness_lock = blast_workers.liveness_lock OR EXCLUDED.liveness_lock`;

/** A worker's liveness: a session advisory lock, released by PostgreSQL when its connection (its process) ends. */
export const LIVENESS_LOCK_SQL = `SELECT pg_advisory_lock(hashtextextended($1, 0))`;

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
 * One more consecutive failure of a blast that is sending (a freeze or claim that PostgreSQL refused); returns the
 * new count. $1 blast, $2 the failure as the organizer may read it.
 */
export const RECORD_FAILURE_SQL = `
  UPDATE blasts SET failure_count = failure_count + 1, last_failure = left($2, 500), last_failure_at = now()
   WHERE id = $1 AND status = 'sending'
  RETURNING failure_count`;

/** After too many failures in a row: paused, saying why (resume clears the count). */
export const PAUSE_FOR_FAILURES_SQL = `
  UPDATE blasts SET status = 'paused', pause_reason = left($2, 500), updated_at = now()
   WHERE id = $1 AND status = 'sending'
  RETURNING id`;

export const CLEAR_FAILURES_SQL = `UPDATE blasts SET failure_count = 0 WHERE id = $1 AND failure_count > 0`;

/**
 * SUB-5: the SMTP replies kept in a person's ledger rows (`550 5.1.1 <alex@…>: unknown user`) lose the address.
 * By primary key (blast_id, subscriber_id), one probe per blast. $1 subscriber, $2 erasedAddressPattern.
 */
export const SCRUB_ERASED_RESPONSES_SQL = `
  UPDATE blast_deliveries d SET response = ${scrubAddressSql('d.response', '$2')}
   WHERE d.blast_id IN (SELECT id FROM blasts) AND d.subscriber_id = $1 AND d.response IS NOT NULL`;

/**
 * Age in ms of the freshest heartbeat of any worker whose id starts with $1 (`<hostname>:`, see WorkerLeaseService's
 * workerId): the worker health check of a container. Scans blast_workers, a table of one row per live worker.
 */
export const HOST_HEARTBEAT_AGE_SQL = `
  SELECT floor(extract(epoch FROM now() - max(heartbeat_at)) * 1000)::bigint AS age_ms
    FROM blast_workers WHERE starts_with(id, $1)`;

/**
 * Messages sent per time bucket of one blast ($2 seconds wide, aligned to the epoch): the console's "sent over time"
 * chart. One pass over the blast's rows by the primary key (blast_id, subscriber_id); at most a few hundred buckets.
 */
export const SENT_TIMELINE_SQL = `
  SELECT to_timestamp(floor(extract(epoch FROM sent_at) / $2::int) * $2::int) AS at, count(*)::int AS sent
    FROM blast_deliveries
   WHERE blast_id = $1 AND sent_at IS NOT NULL
   GROUP BY 1 ORDER BY 1`;

/** First and last send of one blast (the timeline's span; same scan as above, no sort). */
export const SENT_SPAN_SQL = `
  SELECT min(sent_at) AS first, max(sent_at) AS last FROM blast_deliveries WHERE blast_id = $1 AND sent_at IS NOT NULL`;

/**
 * MSG-10 ledger page: a blast's rows in subscriber-id order after $2 (keyset on the primary key), optionally one
 * status ($3), one skip reason ($4), and addresses starting with $5 (lower case, LIKE-escaped; under the C collation
 * this is a range on subscribers_email_lower_key, then a primary-key probe per match). $6 page size + 1.
 */
export const LEDGER_PAGE_SQL = `
  SELECT d.subscriber_id AS "subscriberId", s.email, d.status, d.skip_reason AS "skipReason", d.attempts,
         d.response_code AS "responseCode", d.response, d.message_id AS "messageId",
         d.possible_duplicate AS "possibleDuplicate", d.sent_at AS "sentAt", d.updated_at AS "updatedAt"
    FROM blast_deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
   WHERE d.blast_id = $1
     AND ($2::uuid IS NULL OR d.subscriber_id > $2::uuid)
     AND ($3::text IS NULL OR d.status = $3::text)
     AND ($4::text IS NULL OR d.skip_reason = $4::text)
     AND ($5::text IS NULL OR lower(s.email) LIKE $5::text || '%')
   ORDER BY d.subscriber_id
   LIMIT $6`;
