import { createHash, createPrivateKey, KeyObject, sign } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { Transporter } from 'nodemailer';
import type { Env } from '../config/env';

/**
 * DKIM signing of every message that leaves Cloture (COMP-2): rsa-sha256, relaxed/relaxed (RFC 6376).
 *
 * Our own signer rather than nodemailer's: nodemailer lists each header name once in h= and drops names the message
 * lacks, so a second `From:` or `Subject:` prepended in transit still verifies (RFC 6376 §8.15) — the MUA shows the
 * forged one, the verifier checks the original. Here the identity headers are over-signed: each name is listed once
 * more than it occurs, and the extra entry signs "no further instance", so any added copy breaks the signature.
 */

/** Headers a reader sees or acts on: over-signed (count + 1), so none can be added in transit. */
export const DKIM_OVERSIGNED_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'To',
  'Cc',
  'Subject',
  'Date',
  'Message-ID',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
] as const;

/** MIME structure headers: signed as they occur (a relay may legitimately add a missing one). */
export const DKIM_SIGNED_HEADERS = ['MIME-Version', 'Content-Type', 'Content-Transfer-Encoding'] as const;

export interface DkimKey {
  domainName: string;
  keySelector: string;
  privateKey: KeyObject;
}

/** The signing key from DKIM_DOMAIN / DKIM_SELECTOR / DKIM_PRIVATE_KEY (validated together at boot), or none. */
export function dkimKeyFromEnv(env: Env): DkimKey | undefined {
  if (!env.DKIM_DOMAIN || !env.DKIM_SELECTOR || !env.DKIM_PRIVATE_KEY) return undefined;
  return {
    domainName: env.DKIM_DOMAIN.toLowerCase(),
    keySelector: env.DKIM_SELECTOR,
    privateKey: createPrivateKey(env.DKIM_PRIVATE_KEY.replace(/\\n/g, '\n')),
  };
}

interface HeaderField {
  /** Lower-case name. */
  key: string;
  /** The whole field as written, folding included, without the final line break. */
  line: string;
}

/** Header fields in order, and the body, of a message as a binary (latin1) string. */
function splitMessage(message: string): { headers: HeaderField[]; body: string } {
  const end = message.search(/\r?\n\r?\n/);
  const head = end < 0 ? message : message.slice(0, end);
  const body = end < 0 ? '' : message.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers: HeaderField[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length) headers[headers.length - 1].line += `\r\n${line}`;
    else if (line.includes(':')) headers.push({ key: line.slice(0, line.indexOf(':')).trim().toLowerCase(), line });
  }
  return { headers, body };
}

/** RFC 6376 §3.4.2 relaxed header canonicalization, with the final CRLF left to the caller. */
function relaxedHeader(line: string): string {
  const colon = line.indexOf(':');
  const value = line
    .slice(colon + 1)
    .replace(/\r?\n/g, '')
    .replace(/[ \t]+/g, ' ')
    // Not trim(): it would also strip 0xA0, a byte of many UTF-8 characters in this binary string.
    .replace(/^ | $/g, '');
  return `${line.slice(0, colon).replace(/[ \t]+$/, '').toLowerCase()}:${value}`;
}

/** RFC 6376 §3.4.4 relaxed body canonicalization. */
function relaxedBody(body: string): string {
  const canonical = body
    .split(/\r?\n/)
    .map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''))
    .join('\r\n')
    .replace(/(\r\n)+$/, '');
  return canonical ? `${canonical}\r\n` : '';
}

/** Folds `Name: tag; tag; …` at tag and h= list boundaries so no line passes 76 characters. */
function foldTags(name: string, tags: string[]): string {
  let out = `${name}:`;
  let lineLength = out.length;
  tags.forEach((tag, t) => {
    const last = t === tags.length - 1;
    // The h= list may break after any colon; whitespace there is allowed and canonicalized the same on both ends.
    const pieces = tag.startsWith('h=') ? tag.split(/(?<=:)/) : [tag];
    pieces.forEach((piece, p) => {
      const text = p === pieces.length - 1 && !last ? `${piece};` : piece;
      const sep = p === 0 ? ' ' : '';
      if (lineLength + sep.length + text.length > 76 && lineLength > 1) {
        out += `\r\n ${text}`;
        lineLength = 1 + text.length;
      } else {
        out += sep + text;
        lineLength += sep.length + text.length;
      }
    });
  });
  return out;
}

/**
 * The `DKIM-Signature` field (with its CRLF) for a whole message. Header names listed in h= are taken bottom-up
 * per RFC 6376 §5.4.2; a name listed more often than it occurs contributes nothing for the extra entries.
 */
export function dkimSignature(message: Buffer, key: DkimKey, now: Date = new Date()): string {
  const { headers, body } = splitMessage(message.toString('latin1'));
  const names: string[] = [];
  for (const name of DKIM_OVERSIGNED_HEADERS) {
    const count = headers.filter((h) => h.key === name.toLowerCase()).length;
    for (let i = 0; i <= count; i++) names.push(name.toLowerCase());
  }
  for (const name of DKIM_SIGNED_HEADERS) {
    for (const h of headers) if (h.key === name.toLowerCase()) names.push(h.key);
  }
  const used = new Set<HeaderField>();
  let signedHeaders = '';
  for (const name of names) {
    const field = [...headers].reverse().find((h) => h.key === name && !used.has(h));
    if (!field) continue;
    used.add(field);
    signedHeaders += `${relaxedHeader(field.line)}\r\n`;
  }
  const bodyHash = createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64');
  const unsigned = foldTags('DKIM-Signature', [
    'v=1',
    'a=rsa-sha256',
    'c=relaxed/relaxed',
    `d=${key.domainName}`,
    `s=${key.keySelector}`,
    `t=${Math.floor(now.getTime() / 1000)}`,
    `h=${names.join(':')}`,
    `bh=${bodyHash}`,
    'b=',
  ]);
  const signature = sign('sha256', Buffer.from(signedHeaders + relaxedHeader(unsigned), 'latin1'), key.privateKey).toString('base64');
  const lastLine = unsigned.length - unsigned.lastIndexOf('\n');
  const first = Math.max(0, 76 - lastLine);
  const rest = signature.slice(first).match(/.{1,75}/g) ?? [];
  return [unsigned + signature.slice(0, first), ...rest].join('\r\n ') + '\r\n';
}

/** A stream that reads the whole message and writes it back with its DKIM-Signature on top. */
function signingStream(input: Readable, key: DkimKey): Readable {
  const chunks: Buffer[] = [];
  const output = new Transform({
    transform(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
    flush(done) {
      try {
        const message = Buffer.concat(chunks);
        this.push(Buffer.from(dkimSignature(message, key), 'latin1'));
        this.push(message);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
  input.on('error', (e) => output.destroy(e));
  return input.pipe(output);
}

/** Signs every message the transporter sends (a nodemailer `stream` plugin: runs once the MIME tree is built). */
export function useDkimSigning(transporter: Transporter, key: DkimKey): void {
  transporter.use('stream', (mail, done) => {
    mail.message.processFunc((input) => signingStream(input, key));
    done();
  });
}
