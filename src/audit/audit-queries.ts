/**
 * The audit log's SQL (STYLE: reviewable SQL in one place).
 */

/** $1 actor type, $2 actor id, $3 actor label, $4 action, $5 subject type, $6 subject id, $7 details (jsonb). */
export const INSERT_AUDIT_EVENT_SQL = `
  INSERT INTO audit_events (actor_type, actor_id, actor_label, action, subject_type, subject_id, details)
  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`;

export interface AuditFilter {
  action?: string;
  subjectType?: string;
  subjectId?: string;
  /** An actor's id (uuid), or its label (an address, `API key "name"`, `system`), case-insensitive. */
  actor?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One page, newest first, rows with id below the cursor. Each filter has its index, led by the filtered column and
 * ending in `id DESC`, so a page reads `limit` index entries: audit_events_action_idx, audit_events_subject_idx,
 * audit_events_actor_id_idx, audit_events_actor_label_idx; without a filter, the primary key backwards.
 */
export function auditPageSql(filter: AuditFilter, cursor: string | undefined, limit: number): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (filter.action) where.push(`action = ${p(filter.action)}`);
  if (filter.subjectType) where.push(`subject_type = ${p(filter.subjectType)}`);
  if (filter.subjectId) where.push(`subject_id = ${p(filter.subjectId)}`);
  if (filter.actor) {
    where.push(UUID.test(filter.actor) ? `actor_id = ${p(filter.actor)}::uuid` : `lower(actor_label) = lower(${p(filter.actor)})`);
  }
  if (cursor) where.push(`id < ${p(cursor)}::bigint`);
  const sql = `
    SELECT id::text AS id, created_at, actor_type, actor_id, actor_label, action, subject_type, subject_id, details
    FROM audit_events
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY audit_events.id DESC
    LIMIT ${p(limit + 1)}`;
  return { sql, params };
}
