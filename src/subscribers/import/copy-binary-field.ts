import { Transform, TransformCallback } from 'node:stream';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Turns the output of `COPY (SELECT <one bytea column> …) TO STDOUT (FORMAT binary)` into the concatenated bytes of
 * that column, as Buffer slices — no hex strings, no per-row allocations beyond the socket's own chunks. Used to
 * stream a stored upload back out of PostgreSQL with flat memory. Format: PostgreSQL docs, "COPY — Binary Format".
 */
export class CopyBinaryFieldStream extends Transform {
  private pending = Buffer.alloc(0);
  private state: 'header' | 'extension' | 'tuple' | 'length' | 'data' | 'done' = 'header';
  private remaining = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    try {
      while (buf.length) {
        if (this.state === 'data') {
          const n = Math.min(this.remaining, buf.length);
          this.push(buf.subarray(0, n));
          buf = buf.subarray(n);
          this.remaining -= n;
          if (this.remaining === 0) this.state = 'tuple';
          continue;
        }
        if (this.state === 'done') break;
        if (this.state === 'extension') {
          const n = Math.min(this.remaining, buf.length);
          buf = buf.subarray(n);
          this.remaining -= n;
          if (this.remaining === 0) this.state = 'tuple';
          continue;
        }
        const need = this.state === 'header' ? SIGNATURE.length + 8 : this.state === 'tuple' ? 2 : 4;
        if (buf.length < need) break;
        if (this.state === 'header') {
          if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
          this.remaining = buf.readInt32BE(SIGNATURE.length + 4);
          this.state = this.remaining > 0 ? 'extension' : 'tuple';
        } else if (this.state === 'tuple') {
          const fields = buf.readInt16BE(0);
          if (fields === -1) this.state = 'done';
          else if (fields !== 1) throw new Error(`expected one column per row, got ${fields}`);
          else this.state = 'length';
        } else {
          const length = buf.readInt32BE(0);
          this.remaining = Math.max(length, 0); // -1 is NULL: no bytes
          this.state = this.remaining > 0 ? 'data' : 'tuple';
        }
        buf = buf.subarray(need);
      }
    } catch (e) {
      return cb(e as Error);
    }
    if (buf.length) this.pending = Buffer.from(buf); // a few bytes of a field header split across chunks
    cb();
  }

  override _flush(cb: TransformCallback): void {
    cb(this.state === 'done' ? null : new Error('binary COPY stream ended early'));
  }
}
