import { BadRequestException } from '@nestjs/common';
import { isUuid } from '../http/uuid';

/**
 * Keyset paging cursors: the last row's (timestamp, id), opaque to clients as base64url. The timestamp keeps
 * PostgreSQL's microseconds (a JavaScript Date would drop them and skip or repeat rows created in the same
 * millisecond), so select it with `cursorTimestampSql` and compare with `(col, id) < ($at::timestamptz, $id::uuid)`.
 */
export const cursorTimestampSql = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(at: string, id: string): string {
  return Buffer.from(`${at}|${id}`, 'utf8').toString('base64url');
}

/** The (timestamp, id) of a cursor this API handed out; a 400 naming `cursor` for anything else. */
export function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const wellFormed =
    extra === undefined && !!at && TIMESTAMP.test(at) && isUuid(id) &&
    // a real instant: no rolled-over dates such as Feb 31
    !Number.isNaN(Date.parse(at)) && new Date(at).toISOString().slice(0, 19) === at.slice(0, 19);
  if (!wellFormed) {
    throw new BadRequestException({ message: 'cursor: not a cursor returned by this endpoint', details: [{ path: 'cursor', message: 'invalid cursor' }] });
  }
  return { at, id };
}
