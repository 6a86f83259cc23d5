import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor } from './keyset-cursor';

describe('keyset cursors', () => {
  const at = '2026-11-25T18:30:01.123456Z';
  const id = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

  it('round-trips a timestamp with its microseconds and an id', () => {
    expect(decodeCursor(encodeCursor(at, id))).toEqual({ at, id });
  });

  it.each([
    ['not base64 of anything', '!!!'],
    ['milliseconds only', encodeCursor('2026-11-25T18:30:01.123Z', id)],
    ['a rolled-over date', encodeCursor('2026-02-31T00:00:00.000000Z', id)],
    ['no id', encodeCursor(at, '')],
    ['an id that is not a uuid', encodeCursor(at, "x' OR 1=1 --")],
    ['a third part', Buffer.from(`${at}|${id}|x`).toString('base64url')],
    ['PostgreSQL text output', encodeCursor('2026-11-25 18:30:01.123456+00', id)],
  ])('refuses %s with a 400 naming the cursor', (_what, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(BadRequestException);
  });
});
