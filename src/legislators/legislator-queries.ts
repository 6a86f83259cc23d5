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

/** The senators in office as the roster file shapes them (RosterSenator), to diff against a new file. */
export const CURRENT_ROSTER_SQL = `
  SELECT bioguide_id AS "bioguideId", official_name AS "officialName", first_name AS "firstName", last_name AS "lastName",
    state, party, senate_class::int AS "senateClass", state_rank AS "stateRank", office, address, phone, url,
    contact_form AS "contactForm", to_char(term_start, 'YYYY-MM-DD') AS "termStart", to_char(term_end, 'YYYY-MM-DD') AS "termEnd"
  FROM legislators WHERE chamber = 'senate' AND in_office`;

export const CURRENT_ROLES_SQL = `SELECT role, bioguide_id AS "bioguideId" FROM leadership_roles`;

/** One row per import that changed the roster (written in the import's transaction). */
export const INSERT_ROSTER_CHANGE_SQL = `
  INSERT INTO roster_changes (source, trigger, roster_version, diff, roles_moved)
  VALUES ($1, $2, $3, $4::jsonb, $5::text[])
  RETURNING id::text AS id, created_at AS "createdAt"`;

/** Newest first, keyset-paged on the primary key. */
export const LIST_ROSTER_CHANGES_SQL = `
  SELECT id::text AS id, created_at AS "createdAt", source, trigger, roster_version::text AS "rosterVersion", diff
  FROM roster_changes
  WHERE ($1::bigint IS NULL OR id < $1::bigint)
  ORDER BY id DESC
  LIMIT $2`;

/**
 * Leadership roles that changed hands, oldest first, for the roles petitions target (roster_changes_roles_moved_idx;
 * a few rows a year). Cached per roster version by the service.
 */
export const ROLE_MOVES_SQL = `
  SELECT c.id::text AS "changeId", c.created_at AS "changedAt", m.value AS move
  FROM roster_changes c, jsonb_array_elements(c.diff->'roles') m
  WHERE c.roles_moved <> '{}'
  ORDER BY c.id, m.value->>'role'`;

/** The refresh state row (id 1): the last attempt, and the validators of the last successful fetch. */
export const REFRESH_STATE_SQL = `
  SELECT attempts::int AS attempts, last_attempt_at AS "lastAttemptAt", last_trigger AS "lastTrigger",
    last_result AS "lastResult", last_reason AS "lastReason", last_http_status AS "lastHttpStatus",
    last_change_id::text AS "lastChangeId", source_url AS "sourceUrl", last_success_at AS "lastSuccessAt", etag,
    last_modified AS "lastModified", content_hash AS "contentHash", content_bytes::int AS "contentBytes"
  FROM roster_refresh_state WHERE id = 1`;

/**
 * Records an attempt. The fetch validators move only on success ($7); a failed attempt on another URL than the one
 * they came from clears them (right-hand sides see the row before the update).
 */
export const RECORD_REFRESH_SQL = `
  UPDATE roster_refresh_state SET attempts = attempts + 1, last_attempt_at = now(), last_trigger = $1, last_result = $2,
    last_reason = $3, last_http_status = $4, last_change_id = coalesce($5::bigint, last_change_id), source_url = $6,
    last_success_at = CASE WHEN $7 THEN now() WHEN source_url IS DISTINCT FROM $6 THEN NULL ELSE last_success_at END,
    etag = CASE WHEN $7 THEN $8 WHEN source_url IS DISTINCT FROM $6 THEN NULL ELSE etag END,
    last_modified = CASE WHEN $7 THEN $9 WHEN source_url IS DISTINCT FROM $6 THEN NULL ELSE last_modified END,
    content_hash = CASE WHEN $7 THEN $10 WHEN source_url IS DISTINCT FROM $6 THEN NULL ELSE content_hash END,
    content_bytes = CASE WHEN $7 THEN $11::bigint WHEN source_url IS DISTINCT FROM $6 THEN NULL ELSE content_bytes END
  WHERE id = 1`;

/**
 * One refresh at a time across every process (a scheduled run, an admin's trigger, the CLI): a session lock held
 * on a connection of its own for the whole fetch and import; a second refresh finds it taken and reports so.
 */
export const REFRESH_TRY_LOCK_SQL = `SELECT pg_try_advisory_lock(hashtext('cloture:legislators:refresh')) AS locked`;
export const REFRESH_UNLOCK_SQL = `SELECT pg_advisory_unlock(hashtext('cloture:legislators:refresh'))`;
