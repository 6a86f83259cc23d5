/**
 * Frequency caps (PREF-2..4): the one place the rules are written down, as SQL. The blast freeze applies them
 * set-based (`freezeCapJoinsSql` + `capSkipSql`) and the send loop re-checks them per recipient just before each
 * message (`capCountsSql` + `capSkipSql`); `test/frequency-caps.e2e-spec.ts` runs both forms against PostgreSQL.
 *
 * What counts: every blast delivery to the person, whatever its priority, that was sent — or is frozen and not yet
 * sent (pending/sending). Counting frozen-but-unsent rows is what makes two concurrently frozen blasts unable to
 * both take a `weekly` subscriber (freezes are serialized by an advisory lock, so the second sees the first's rows).
 */

/** Rolling windows, in days, of the capped frequencies: at most one blast per window. */
export const FREQUENCY_WINDOW_DAYS: Readonly<Record<'weekly' | 'monthly', number>> = { weekly: 7, monthly: 30 };
/** The org-wide cap's window (PREF-3). */
export const ORG_CAP_WINDOW_HOURS = 24;
/** Delivery statuses that count towards a cap. */
export const CAP_COUNTED_STATUSES = ['pending', 'sending', 'sent'] as const;

/**
 * Per subscriber, counted deliveries of OTHER blasts in the three windows, as a derived table
 * `(subscriber_id, day, week, month)`. `$blastParam` is this blast's id (its own rows never count against it).
 * Uses blast_deliveries_caps_idx (subscriber_id, created_at) WHERE status IN counted statuses.
 * `subscriberFilter`, when given, restricts the scan to some subscribers (the send loop's claimed rows); the send
 * loop's re-check counts only sent/sending rows (`counted`), so two blasts pending for one person cannot skip each other.
 */
export function capCountsSql(
  blastParam: string,
  subscriberFilter = 'TRUE',
  counted: readonly string[] = CAP_COUNTED_STATUSES,
): string {
  const statuses = counted.map((s) => `'${s}'`).join(', ');
  return `(
    SELECT c.subscriber_id,
           count(*) FILTER (WHERE c.created_at > now() - interval '${ORG_CAP_WINDOW_HOURS} hours')::int AS day,
           count(*) FILTER (WHERE c.created_at > now() - interval '${FREQUENCY_WINDOW_DAYS.weekly} days')::int AS week,
           count(*)::int AS month
      FROM blast_deliveries c
     WHERE c.status IN (${statuses})
       AND c.created_at > now() - interval '${FREQUENCY_WINDOW_DAYS.monthly} days'
       AND c.blast_id <> ${blastParam}
       AND ${subscriberFilter}
     GROUP BY c.subscriber_id
  )`;
}

/**
 * A CASE expression giving 'frequency_cap', 'org_cap' or NULL, over the subscriber `s`, the counts row `rc`
 * (from `capCountsSql`, LEFT JOINed: NULL means none), the blast's priority `$priorityParam` and the org cap
 * `$orgCapParam` (NULL: no cap).
 */
export function capSkipSql(
  priorityParam: string,
  orgCapParam: string,
  cols: { day: string; week: string; month: string } = { day: 'rc.day', week: 'rc.week', month: 'rc.month' },
): string {
  return `CASE
    WHEN s.frequency = 'important_only' AND ${priorityParam}::text <> 'important' THEN 'frequency_cap'
    WHEN s.frequency = 'weekly' AND coalesce(${cols.week}, 0) >= 1 THEN 'frequency_cap'
    WHEN s.frequency = 'monthly' AND coalesce(${cols.month}, 0) >= 1 THEN 'frequency_cap'
    WHEN ${orgCapParam}::int IS NOT NULL AND coalesce(${cols.day}, 0) >= ${orgCapParam}::int THEN 'org_cap'
  END`;
}

/**
 * The freeze's cap lookups over subscriber `s`, built for a million candidates: the org cap's 24-hour counts as one
 * grouped scan of the last day's deliveries (only when an org cap is set), and the 7/30-day counts as an index
 * lookup per `weekly`/`monthly` subscriber only (a gated LATERAL: everyone else costs nothing).
 * Columns: rd.day, rw.week, rw.month (pass them to `capSkipSql`).
 */
export function freezeCapJoinsSql(blastParam: string, orgCapParam: string): string {
  const statuses = CAP_COUNTED_STATUSES.map((st) => `'${st}'`).join(', ');
  return `
    LEFT JOIN (
      SELECT c.subscriber_id, count(*)::int AS day
        FROM blast_deliveries c
       WHERE ${orgCapParam}::int IS NOT NULL AND c.status IN (${statuses})
         AND c.created_at > now() - interval '${ORG_CAP_WINDOW_HOURS} hours' AND c.blast_id <> ${blastParam}
       GROUP BY c.subscriber_id
    ) rd ON rd.subscriber_id = s.id
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE c.created_at > now() - interval '${FREQUENCY_WINDOW_DAYS.weekly} days')::int AS week,
             count(*)::int AS month
        FROM blast_deliveries c
       WHERE s.frequency IN ('weekly', 'monthly') AND c.subscriber_id = s.id AND c.status IN (${statuses})
         AND c.created_at > now() - interval '${FREQUENCY_WINDOW_DAYS.monthly} days' AND c.blast_id <> ${blastParam}
    ) rw ON true`;
}
