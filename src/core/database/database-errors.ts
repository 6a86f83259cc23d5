import { createHash } from 'node:crypto';

/** The SQLSTATE (or Node network code) of an error from pg or TypeORM (which wraps it as `driverError`). */
export function pgErrorCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = err?.driverError?.code ?? err?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATE 23505: a unique constraint refused the row. */
export const isUniqueViolation = (e: unknown): boolean => pgErrorCode(e) === '23505';
/** SQLSTATE 23503: a foreign key refused the row, or a row still referenced was to be deleted. */
export const isForeignKeyViolation = (e: unknown): boolean => pgErrorCode(e) === '23503';
/** SQLSTATE 57014: statement_timeout cancelled the statement. */
export const isStatementTimeout = (e: unknown): boolean => pgErrorCode(e) === '57014';

// Network errors, and PostgreSQL SQLSTATEs of a server restarting, refusing connections or out of connection slots.
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001', '08003', '08004', '55000', '53300']);

/** Database or Redis unreachable (a restart, a failover): retrying later can succeed, unlike a bad statement. */
export function isTransientInfrastructureError(e: unknown): boolean {
  if (!e) return false;
  const code = pgErrorCode(e);
  if (code && TRANSIENT_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|Driver not Connected|Connection is closed|the database system is (starting|shutting) up|is not currently accepting connections|too many clients|terminating connection|MaxRetriesPerRequest|Stream isn't writeable/i.test(
    (e as { message?: string }).message ?? '',
  );
}

/**
 * A database error as it may be logged or shown to an organizer: SQLSTATE and PostgreSQL's message with every
 * quoted literal and key detail removed (`invalid input syntax for type uuid: "…"`) — values can be addresses or
 * secrets; the statement, its parameters and PostgreSQL's DETAIL line are never included.
 */
export function describeDatabaseError(e: unknown): string {
  const code = pgErrorCode(e);
  const message = ((e as { message?: string } | null)?.message ?? String(e))
    .split('\n')[0]
    .replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'/g, '"…"')
    .replace(/\b[^\s@"]+@[^\s@"]+\b/g, '…@…')
    .slice(0, 200);
  return code ? `database error ${code}: ${message}` : message;
}

/** A short stable name for a statement (no literal, no parameter): its first words and a hash of its text. */
export function statementLabel(sql: string): string {
  const words = sql.replace(/--[^\n]*/g, ' ').replace(/\s+/g, ' ').trim().split(' ');
  // WITH … AS (…) hides the verb: name the first of the main verbs found instead.
  const verb = words.find((w) => /^(SELECT|INSERT|UPDATE|DELETE|COPY|CREATE|ALTER|DROP|TRUNCATE|ANALYZE|SET|BEGIN|COMMIT|ROLLBACK|LOCK)$/i.test(w)) ?? words[0] ?? '';
  const target = words.find((w, i) => i > 0 && /^(FROM|INTO|UPDATE|TABLE)$/i.test(words[i - 1]) && /^[a-z_][a-z0-9_."]*$/i.test(w));
  return `${verb.toUpperCase()}${target ? ` ${target}` : ''} #${createHash('sha256').update(sql).digest('hex').slice(0, 12)}`;
}
