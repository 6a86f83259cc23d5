import { cursorTimestampSql } from '../core/database/keyset-cursor';
/**
 * The petitions module's SQL, with the index each statement relies on (see migration 1763821000000-Petitions).
 */

/** Sum of the petition's counter shards (primary key; at most 16 rows), not a count(*) over its signatures. */
export const COUNT_SIGNATURES_SQL =
  `SELECT coalesce(sum(count), 0)::int AS n FROM petition_signature_counts WHERE petition_id = $1`;

export const COUNT_SIGNATURES_MANY_SQL = `
  SELECT petition_id, sum(count)::int AS n FROM petition_signature_counts WHERE petition_id = ANY($1::uuid[]) GROUP BY petition_id`;

/** In the signing transaction, after a new signature: one of 16 shards, so concurrent signers rarely contend. */
export const INCREMENT_SIGNATURE_COUNT_SQL = `
  INSERT INTO petition_signature_counts (petition_id, shard, count) VALUES ($1, $2, 1)
  ON CONFLICT (petition_id, shard) DO UPDATE SET count = petition_signature_counts.count + 1`;

/**
 * One signature per person per petition: a duplicate (even a concurrent one) inserts nothing. The thank-you is
 * marked queued optimistically (it is queued right after commit); a failed enqueue clears the mark again.
 */
export const INSERT_SIGNATURE_SQL = `
  INSERT INTO petition_signatures (petition_id, subscriber_id, email, first_name, last_name, zip, state, comment,
    opted_in, referral_code, blast_id, thank_you_queued_at, share_code, referrer_signature_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), $12,
    -- Credit goes to the signer whose share code this is, on this petition only (petition_signatures_share_code_key);
    -- an unknown or tampered code signs without credit.
    (SELECT r.id FROM petition_signatures r WHERE r.share_code = $10 AND r.petition_id = $1))
  ON CONFLICT (petition_id, lower(email)) DO NOTHING
  RETURNING id, share_code`;

/**
 * Signing again: nothing new is recorded, but a later opt-in is kept and a subscriber link filled in — written only
 * when one of those changes, so a flood of repeats costs reads, not writes (petition_signatures_petition_email_key).
 */
export const TOUCH_EXISTING_SIGNATURE_SQL = `
  WITH existing AS (
    SELECT id, opted_in, subscriber_id, thank_you_queued_at, share_code FROM petition_signatures
    WHERE petition_id = $1 AND lower(email) = lower($2)),
  touched AS (
    UPDATE petition_signatures p SET opted_in = p.opted_in OR $3, subscriber_id = coalesce(p.subscriber_id, $4::uuid),
      share_code = coalesce(p.share_code, $5)
    FROM existing e
    WHERE p.id = e.id AND (($3 AND NOT e.opted_in) OR (e.subscriber_id IS NULL AND $4::uuid IS NOT NULL) OR e.share_code IS NULL))
  SELECT id, thank_you_queued_at, coalesce(share_code, $5) AS share_code FROM existing`;

/** A signer's share code → their signature, for their personal page (petition_signatures_share_code_key). */
export const SIGNATURE_BY_SHARE_CODE_SQL = `
  SELECT id, first_name FROM petition_signatures WHERE share_code = $1 AND petition_id = $2`;

/** How many signed through one signer's link (petition_signatures_referrer_idx). */
export const COUNT_REFERRED_SQL = `
  SELECT count(*)::int AS n FROM petition_signatures WHERE referrer_signature_id = $1`;

/**
 * The page's social proof: the latest signers' first name and state only, never the erased (first_name NULL).
 * petition_signatures_petition_created_idx scanned backwards, stopping after a few rows.
 */
export const RECENT_SIGNERS_SQL = `
  SELECT first_name AS "firstName", state FROM petition_signatures
  WHERE petition_id = $1 AND first_name IS NOT NULL
  ORDER BY created_at DESC, id DESC
  LIMIT $2`;

export const INSERT_SIGNATURE_TARGETS_SQL = `
  INSERT INTO petition_signature_targets (signature_id, bioguide_id, role)
  SELECT $1, t."bioguideId", t.role FROM jsonb_to_recordset($2::jsonb) AS t("bioguideId" text, role text)
  ON CONFLICT DO NOTHING`;

/**
 * Signatures addressed to one senator now: named directly or as the signer's own senator (role IS NULL,
 * petition_signature_targets_bioguide_idx), or addressed to a role that senator holds today (role resolved at
 * packet time, petition_signature_targets_role_idx) — $2 NULL and $3 one role for a vacant role's packet. Each row
 * says whom the signature was addressed to when it was signed (the role's holder then, NULL for a vacancy; the
 * lateral prefers a role row, through the signature's own targets by petition_signature_targets_key).
 * Keyset-paged by (created_at, id).
 */
export const DELIVERY_PAGE_SQL = `
  SELECT s.id, s.first_name, s.last_name, s.state, s.zip, s.comment, s.created_at, ${cursorTimestampSql('s.created_at')} AS cursor_at,
    t.role AS via_role, t.bioguide_id AS signed_bioguide_id, l.official_name AS signed_name
  FROM petition_signatures s
  JOIN LATERAL (
    SELECT t.role, t.bioguide_id FROM petition_signature_targets t
    WHERE t.signature_id = s.id AND ((t.role IS NULL AND t.bioguide_id = $2) OR t.role = ANY($3::text[]))
    ORDER BY t.role NULLS LAST, t.bioguide_id NULLS LAST LIMIT 1) t ON true
  LEFT JOIN legislators l ON l.bioguide_id = t.bioguide_id
  WHERE s.petition_id = $1
    AND ($4::timestamptz IS NULL OR (s.created_at, s.id) > ($4::timestamptz, $5::uuid))
  ORDER BY s.created_at, s.id
  LIMIT $6`;

/** Organizer list, newest first (petition_signatures_petition_created_idx, scanned backwards). */
export const SIGNATURE_PAGE_SQL = `
  SELECT s.id, s.email, s.first_name AS "firstName", s.last_name AS "lastName", s.zip, s.state, s.comment,
    s.opted_in AS "optedIn", s.referral_code AS "referralCode", s.blast_id AS "blastId", s.subscriber_id AS "subscriberId",
    s.created_at AS "createdAt", ${cursorTimestampSql('s.created_at')} AS "cursorAt",
    COALESCE((SELECT array_agg(DISTINCT t.bioguide_id) FILTER (WHERE t.bioguide_id IS NOT NULL)
      FROM petition_signature_targets t WHERE t.signature_id = s.id), '{}') AS targets
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

/** Who brought signers: referral codes and blasts (top 50 each). */
export const COUNT_BY_REFERRAL_SQL = `
  SELECT referral_code AS "referralCode", count(*)::int AS count FROM petition_signatures
  WHERE petition_id = $1 AND referral_code IS NOT NULL GROUP BY referral_code ORDER BY count DESC, referral_code LIMIT 50`;

/**
 * Top referrers: signers whose own share link brought others (top 50), for the organizer — who may see signers.
 * Grouped on petition_signatures_referrer_idx's column within the petition's rows.
 */
export const COUNT_BY_REFERRER_SQL = `
  SELECT r.id AS "signatureId", r.share_code AS "shareCode", r.email, r.first_name AS "firstName", r.last_name AS "lastName",
    per.count
  FROM (SELECT referrer_signature_id, count(*)::int AS count FROM petition_signatures
        WHERE petition_id = $1 AND referrer_signature_id IS NOT NULL GROUP BY referrer_signature_id) per
  JOIN petition_signatures r ON r.id = per.referrer_signature_id
  ORDER BY per.count DESC, r.created_at
  LIMIT 50`;

export const COUNT_BY_BLAST_SQL = `
  SELECT blast_id AS "blastId", count(*)::int AS count FROM petition_signatures
  WHERE petition_id = $1 AND blast_id IS NOT NULL GROUP BY blast_id ORDER BY count DESC LIMIT 50`;

export const COUNT_OPTED_IN_SQL = `SELECT count(*) FILTER (WHERE opted_in)::int AS n FROM petition_signatures WHERE petition_id = $1`;

/**
 * Erasure (SUB-5) of one person's signatures: personal fields blanked, the row kept so counts and the packet
 * totals stay right; the address becomes a unique placeholder (the one-per-person index still holds).
 */
export const ERASE_SIGNER_SQL = `
  WITH erased AS (
    UPDATE petition_signatures SET email = 'erased+' || id || '@invalid', first_name = NULL, last_name = NULL, zip = NULL,
      comment = NULL, referral_code = NULL, subscriber_id = NULL
    WHERE lower(email) = lower($1) OR ($2::uuid IS NOT NULL AND subscriber_id = $2::uuid)
    RETURNING id)
  SELECT count(*)::int AS n FROM erased`;

/**
 * Open petitions that target any of these roles, for the organizer notice after a roster change. A scan of the
 * open petitions (a few hundred rows at most), run only when a role changes hands.
 */
export const OPEN_PETITIONS_TARGETING_ROLES_SQL = `
  SELECT p.id, p.slug, p.title,
    ARRAY(SELECT DISTINCT t->>'role' FROM jsonb_array_elements(p.targets) t
          WHERE t->>'type' = 'role' AND t->>'role' = ANY($1::text[]) ORDER BY 1) AS roles
  FROM petitions p
  WHERE p.status = 'open'
    AND EXISTS (SELECT 1 FROM jsonb_array_elements(p.targets) t WHERE t->>'type' = 'role' AND t->>'role' = ANY($1::text[]))
  ORDER BY p.created_at`;
