import { Readable } from 'node:stream';
import { CopyBinaryFieldStream } from './copy-binary-field';

/** A binary COPY stream of one bytea column, as PostgreSQL writes it. */
function binaryCopy(values: (Buffer | null)[]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])];
  for (const v of values) {
    const head = Buffer.alloc(6);
    head.writeInt16BE(1, 0);
    head.writeInt32BE(v ? v.length : -1, 2);
    parts.push(head);
    if (v) parts.push(v);
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

async function collect(chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of Readable.from(chunks).pipe(new CopyBinaryFieldStream())) out.push(b as Buffer);
  return Buffer.concat(out);
}

describe('CopyBinaryFieldStream', () => {
  const values: (Buffer | null)[] = [Buffer.from('email,name\na@b.co,'), null, Buffer.from('Ada\n'), Buffer.alloc(3000, 0x41)];
  const stream = binaryCopy(values);
  const expected = Buffer.concat(values.filter((v): v is Buffer => !!v));

  it('extracts the column bytes from one chunk', async () => {
    expect((await collect([stream])).equals(expected)).toBe(true);
  });

  it('extracts the same bytes whatever the chunk boundaries', async () => {
    for (const size of [1, 2, 3, 5, 7, 64, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
      expect((await collect(chunks)).equals(expected)).toBe(true);
    }
  });

  it('fails on a truncated stream', async () => {
    await expect(collect([stream.subarray(0, stream.length - 10)])).rejects.toThrow(/ended early/);
  });
});
