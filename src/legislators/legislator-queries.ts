/**
 * The roster's SQL. Senators are few (100 current, a few hundred ever), so reads are simple; the import is
 * set-based (one statement per table) inside one transaction guarded by an advisory lock.
 */

/** Serializes imports (CLI, first-start snapshot on several instances at once). */
export const ROSTER_LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('cloture:legislators:import'))`;

/**
 * The roster's version: bumped by every import inside its transaction, read before every cached roster lookup so
 * that each process's in-memory roster follows the database at once (one row by primary key, roster_version_pkey).
 */
export const ROSTER_VERSION_SQL = `SELECT version::text AS version FROM roster_version WHERE id = 1`;
export const BUMP_ROSTER_VERSION_SQL = `
  UPDATE roster_version SET version = version + 1, changed_at = now() WHERE id = 1 RETURNING version::text AS version`;

/** Upsert every senator of the file; `inserted` tells created from updated (xmax = 0 on a fresh row). */
export const UPSERT_SENATORS_SQL = `
  INSERT INTO legislators AS l (bioguide_id, chamber, official_name, first_name, last_name, state, party, senate_class,
    state_rank, office, address, phone, url, contact_form, term_start, term_end, in_office, left_office_at)
  SELECT s."bioguideId", 'senate', s."officialName", s."firstName", s."lastName", s.state, s.party, s."senateClass",
    s."stateRank", s.office, s.address, s.phone, s.url, s."contactForm", s."termStart"::date, s."termEnd"::date, true, NULL
  FROM jsonb_to_recordset($1::jsonb) AS s("bioguideId" text, "officialName" text, "firstName" text, "lastName" text,
    state text, party text, "senateClass" smallint, "stateRank" text, office text, address text, phone text, url text,
    "contactForm" text, "termStart" text, "termEnd" text)
  ON CONFLICT (bioguide_id) DO UPDATE SET
    chamber = 'senate', official_name = EXCLUDED.official_name, first_name = EXCLUDED.first_name,
    last_name = EXCLUDED.last_name, state = EXCLUDED.state, party = EXCLUDED.party, senate_class = EXCLUDED.senate_class,
    state_rank = EXCLUDED.state_rank, office = EXCLUDED.office, address = EXCLUDED.address, phone = EXCLUDED.phone,
    url = EXCLUDED.url, contact_form = EXCLUDED.contact_form, term_start = EXCLUDED.term_start,
    term_end = EXCLUDED.term_end, in_office = true, left_office_at = NULL, updated_at = now()
  RETURNING (xmax = 0) AS inserted`;

/** Senators missing from the new file have left: keep the row (signatures point at it), mark it. */
export const MARK_DEPARTED_SQL = `
  WITH departed AS (
    UPDATE legislators SET in_office = false, left_office_at = now(), updated_at = now()
    WHERE chamber = 'senate' AND in_office AND NOT (bioguide_id = ANY($1::text[]))
    RETURNING bioguide_id)
  SELECT bioguide_id FROM departed ORDER BY bioguide_id`;

export const REPLACE_ROLES_SQL = `
  INSERT INTO leadership_roles (role, bioguide_id, title, since, updated_at)
  SELECT r.role, r."bioguideId", r.title, r.since::date, now()
  FROM jsonb_to_recordset($1::jsonb) AS r(role text, "bioguideId" text, title text, since text)`;

/** Columns of a senator as the API shows it, with the roles held now (legislators_state_in_office_idx for state). */
export const SENATOR_COLUMNS = `
  l.bioguide_id AS "bioguideId", l.official_name AS name, l.first_name AS "firstName", l.last_name AS "lastName",
  l.state, l.party, l.senate_class AS "senateClass", l.state_rank AS "stateRank", l.office, l.address, l.phone, l.url,
  l.contact_form AS "contactForm", l.in_office AS "inOffice",
  COALESCE((SELECT array_agg(r.role ORDER BY r.role) FROM leadership_roles r WHERE r.bioguide_id = l.bioguide_id), '{}') AS roles`;
