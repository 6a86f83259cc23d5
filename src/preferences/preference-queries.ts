/*
 * Erased subscribers (SUB-5: placeholder address, `erased_at` set) are treated as gone: their links answer the same
 * 404 as an unknown token, and nothing can resubscribe the placeholder.
 */

/**
 * The preference domain's SQL. Every statement touches one subscriber by primary key (subscribers_pkey) and
 * its opt-outs by the (subscriber_id, topic_id) primary key.
 */

/**
 * Unsubscribe a `subscribed` or `unconfirmed` person and record the event, atomically; bounced, complained and
 * already-unsubscribed people are left as they are (so a repeated one-click POST changes nothing and, taking no row
 * lock, writes nothing). Two concurrent POSTs record one event: the second UPDATE waits for the first's row lock,
 * re-checks its WHERE on the new row and matches nothing. $1 subscriber id, $2 blast id or null, $3 via.
 * Returns no row when the subscriber does not exist; `previousStatus` is the status this statement started from.
 */
export const UNSUBSCRIBE_SQL = `
  WITH changed AS (
    UPDATE subscribers
       SET status = 'unsubscribed', unsubscribed_at = now(), unsubscribed_blast_id = $2::uuid, updated_at = now()
     WHERE id = $1 AND erased_at IS NULL AND status IN ('subscribed', 'unconfirmed')
    RETURNING id
  ), event AS (
    INSERT INTO unsubscribe_events (subscriber_id, blast_id, kind, via)
    SELECT id, $2::uuid, 'unsubscribe', $3 FROM changed
  )
  SELECT s.email, s.status AS "previousStatus", EXISTS (SELECT 1 FROM changed) AS changed
    FROM subscribers s WHERE s.id = $1 AND s.erased_at IS NULL`;

/**
 * Resubscribe an `unsubscribed` person from their own link: fresh consent, recorded as such. Never touches
 * bounced or complained people. $1 subscriber id, $2 blast id or null, $3 consent wording.
 */
export const RESUBSCRIBE_SQL = `
  WITH changed AS (
    UPDATE subscribers
       SET status = 'subscribed', consent_at = now(), consent_source = 'preference-center', consent_text = $3,
           unsubscribed_at = NULL, unsubscribed_blast_id = NULL, updated_at = now()
     WHERE id = $1 AND status = 'unsubscribed' AND erased_at IS NULL
    RETURNING id
  )
  INSERT INTO unsubscribe_events (subscriber_id, blast_id, kind, via)
  SELECT id, $2::uuid, 'resubscribe', 'preference-center' FROM changed
  RETURNING subscriber_id`;

/** The subscriber's row, locked for the rest of the transaction (a preference save). */
export const LOCK_SUBSCRIBER_SQL = `SELECT id, email, status, frequency FROM subscribers WHERE id = $1 AND erased_at IS NULL FOR UPDATE`;

/** The subscriber a link names, for a page (read only). */
export const FIND_SUBSCRIBER_SQL = `SELECT id, email, status, frequency FROM subscribers WHERE id = $1 AND erased_at IS NULL`;

/** Opt out of the given topics ($2 uuid[]); topics deleted meanwhile are skipped. Returns the topics added. */
export const ADD_OPT_OUTS_SQL = `
  INSERT INTO subscriber_topic_opt_outs (subscriber_id, topic_id)
  SELECT $1, t.id FROM topics t WHERE t.id = ANY($2::uuid[])
  ON CONFLICT (subscriber_id, topic_id) DO NOTHING
  RETURNING topic_id`;

/** Opt back in to the given topics ($2 uuid[]). Returns the topics removed. */
export const REMOVE_OPT_OUTS_SQL = `
  DELETE FROM subscriber_topic_opt_outs WHERE subscriber_id = $1 AND topic_id = ANY($2::uuid[])
  RETURNING topic_id`;

/**
 * The name of the blast a test link was sent for (blasts_pkey), shown on the test-link page. Read-only, and the one
 * place this module looks at blasts: the blasts module depends on this one, not the other way round.
 */
export const TEST_LINK_BLAST_NAME_SQL = `SELECT name FROM blasts WHERE id = $1`;
