/**
 * The petitions module's SQL, with the index each statement relies on (see migration 1763821000000-Petitions).
 */

export const COUNT_SIGNATURES_SQL =
  // petition_signatures_petition_email_key (index-only count per petition)
  `SELECT count(*)::int AS n FROM petition_signatures WHERE petition_id = $1`;

/** One signature per person per petition: a duplicate (even a concurrent one) inserts nothing. */
export const INSERT_SIGNATURE_SQL = `
  INSERT INTO petition_signatures (petition_id, subscriber_id, email, first_name, last_name, zip, state, comment,
    opted_in, referral_code, blast_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
  ON CONFLICT (petition_id, lower(email)) DO NOTHING
  RETURNING id`;

/**
 * Signing again: nothing new is recorded, but a later opt-in is kept and a subscriber link filled in
 * (petition_signatures_petition_email_key). A CTE so the driver returns the row.
 */
export const TOUCH_EXISTING_SIGNATURE_SQL = `
  WITH touched AS (
    UPDATE petition_signatures SET opted_in = opted_in OR $3, subscriber_id = coalesce(subscriber_id, $4)
    WHERE petition_id = $1 AND lower(email) = lower($2)
    RETURNING id, thank_you_queued_at)
  SELECT id, thank_you_queued_at FROM touched`;

export const INSERT_SIGNATURE_TARGETS_SQL = `
  INSERT INTO petition_signature_targets (signature_id, bioguide_id, role)
  SELECT $1, t."bioguideId", t.role FROM jsonb_to_recordset($2::jsonb) AS t("bioguideId" text, role text)
  ON CONFLICT DO NOTHING`;

/**
 * Signatures addressed to one senator now: named directly or as the signer's own senator (role IS NULL,
 * petition_signature_targets_bioguide_idx), or addressed to a role that senator holds today (role resolved at
 * packet time, petition_signature_targets_role_idx). Keyset-paged by (created_at, id).
 */
export const DELIVERY_PAGE_SQL = `
  SELECT s.id, s.first_name, s.last_name, s.state, s.zip, s.comment, s.created_at, s.created_at::text AS cursor_at,
    (SELECT t.role FROM petition_signature_targets t
      WHERE t.signature_id = s.id AND t.role = ANY($3::text[]) ORDER BY t.role LIMIT 1) AS via_role
  FROM petition_signatures s
  WHERE s.petition_id = $1
    AND EXISTS (SELECT 1 FROM petition_signature_targets t WHERE t.signature_id = s.id
      AND ((t.role IS NULL AND t.bioguide_id = $2) OR t.role = ANY($3::text[])))
    AND ($4::timestamptz IS NULL OR (s.created_at, s.id) > ($4::timestamptz, $5::uuid))
  ORDER BY s.created_at, s.id
  LIMIT $6`;

/** Organizer list, newest first (petition_signatures_petition_created_idx, scanned backwards). */
export const SIGNATURE_PAGE_SQL = `
  SELECT s.id, s.email, s.first_name AS "firstName", s.last_name AS "lastName", s.zip, s.state, s.comment,
    s.opted_in AS "optedIn", s.referral_code AS "referralCode", s.blast_id AS "blastId", s.subscriber_id AS "subscriberId",
    s.created_at AS "createdAt", s.created_at::text AS "cursorAt",
    COALESCE((SELECT array_agg(DISTINCT t.bioguide_id) FROM petition_signature_targets t WHERE t.signature_id = s.id), '{}') AS targets
  FROM petition_signatures s
  WHERE s.petition_id = $1
    AND ($2::timestamptz IS NULL OR (s.created_at, s.id) < ($2::timestamptz, $3::uuid))
  ORDER BY s.created_at DESC, s.id DESC
  LIMIT $4`;

/** Signatures per senator, role rows counted for the role's current holder (the holder-at-signing if vacant). */
export const COUNT_BY_TARGET_SQL = `
  WITH per AS (
    SELECT coalesce(h.bioguide_id, t.bioguide_id) AS bioguide_id, count(DISTINCT t.signature_id)::int AS count
    FROM petition_signatures s
    JOIN petition_signature_targets t ON t.signature_id = s.id
    LEFT JOIN leadership_roles h ON h.role = t.role
    WHERE s.petition_id = $1
    GROUP BY 1)
  SELECT per.bioguide_id AS "bioguideId", l.official_name AS name, per.count,
    COALESCE((SELECT array_agg(r.role ORDER BY r.role) FROM leadership_roles r WHERE r.bioguide_id = per.bioguide_id), '{}') AS roles
  FROM per JOIN legislators l ON l.bioguide_id = per.bioguide_id
  ORDER BY per.count DESC, l.official_name`;

export const COUNT_BY_STATE_SQL = `
  SELECT state, count(*)::int AS count FROM petition_signatures WHERE petition_id = $1
  GROUP BY state ORDER BY count DESC, state NULLS LAST`;

export const COUNT_BY_DAY_SQL = `
  SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS count
  FROM petition_signatures WHERE petition_id = $1 GROUP BY 1 ORDER BY 1`;

export const COUNT_OPTED_IN_SQL = `SELECT count(*) FILTER (WHERE opted_in)::int AS n FROM petition_signatures WHERE petition_id = $1`;
