import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { createTransport } from 'nodemailer';
import { loadEnv } from '../config/env';
import { DKIM_OVERSIGNED_HEADERS, dkimKeyFromEnv, useDkimSigning } from './dkim-signer';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKey = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
// One-line form, as it would sit in an environment variable.
const env = loadEnv({
  DKIM_DOMAIN: 'Mail.Example.org',
  DKIM_SELECTOR: 's1',
  DKIM_PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().replace(/\n/g, '\\n'),
});

const resolver = async (name: string, rr: string) => {
  if (rr === 'TXT' && name === 's1._domainkey.mail.example.org') return [[`v=DKIM1; k=rsa; p=${publicKey}`]];
  throw Object.assign(new Error(`no ${rr} for ${name}`), { code: 'ENOTFOUND' });
};

/** The status of every DKIM signature on the message. */
async function verify(raw: string): Promise<string[]> {
  const res = await dkimVerify(raw, { resolver } as never);
  return res.results.map((r) => r.status.result);
}

/** A message as the transport writes it: nodemailer's MIME output, signed by our plugin. */
async function signedMessage(newline: 'unix' | 'windows', extra: Record<string, unknown> = {}): Promise<string> {
  const transporter = createTransport({ streamTransport: true, buffer: true, newline });
  useDkimSigning(transporter, dkimKeyFromEnv(env)!);
  const info = await transporter.sendMail({
    from: { name: 'Stop the Stall', address: 'action@mail.example.org' },
    to: 'reader@example.org',
    subject: 'Ünïcode subject, Friend — one call',
    text: 'Friend,\n\nCall now.   \n\n\n',
    html: '<p>Friend,</p>\n<p>Call now.</p>',
    messageId: '<b1.s1@mail.example.org>',
    date: new Date('2026-03-01T12:00:00Z'),
    headers: {
      'List-Unsubscribe': { prepared: true, value: '<https://act.example.org/unsubscribe/TOKEN>' },
      'List-Unsubscribe-Post': { prepared: true, value: 'List-Unsubscribe=One-Click' },
      'List-Id': { prepared: true, value: '"Stop the Stall PAC" <blasts.mail.example.org>' },
    },
    ...extra,
  });
  return (info.message as Buffer).toString('utf8');
}

const signedNames = (raw: string) => {
  const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
  const h = head.match(/^DKIM-Signature:.*?[; ]h=([^;]+)/im)![1];
  return h.replace(/\s+/g, '').split(':');
};

describe('DKIM signing (COMP-2)', () => {
  it('reads the key from the environment, or none', () => {
    expect(dkimKeyFromEnv(loadEnv({}))).toBeUndefined();
    expect(dkimKeyFromEnv(env)).toMatchObject({ domainName: 'mail.example.org', keySelector: 's1' });
  });

  it.each(['windows', 'unix'] as const)('signs one signature that verifies (%s line ends), folded to short lines', async (newline) => {
    const raw = await signedMessage(newline);
    expect(raw.match(/^DKIM-Signature:/gim)).toHaveLength(1);
    expect(raw.replace(/\r?\n[ \t]+/g, ' ')).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=mail\.example\.org; s=s1;/m);
    expect(await verify(raw)).toEqual(['pass']);
    const head = raw.split(/\r?\n\r?\n/, 1)[0];
    expect(head.split(/\r?\n/).every((l) => l.length <= 78)).toBe(true);
  });

  it('over-signs the identity and one-click headers: listed once more than they occur, absent ones once', async () => {
    const names = signedNames(await signedMessage('windows'));
    const count = (n: string) => names.filter((x) => x === n).length;
    for (const n of ['from', 'to', 'subject', 'date', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id']) {
      expect({ n, times: count(n) }).toEqual({ n, times: 2 });
    }
    for (const n of ['sender', 'cc', 'reply-to']) expect({ n, times: count(n) }).toEqual({ n, times: 1 });
    expect(count('content-type')).toBe(1);
    expect(count('mime-version')).toBe(1);
    expect(DKIM_OVERSIGNED_HEADERS.map((n) => n.toLowerCase())).toEqual(expect.arrayContaining([...new Set(names)].filter((n) => !['content-type', 'mime-version', 'content-transfer-encoding'].includes(n))));
  });

  it('a header added in transit breaks the signature, on top or below the original', async () => {
    const raw = await signedMessage('windows', { replyTo: 'team@example.org' });
    expect(await verify(raw)).toEqual(['pass']);
    for (const added of ['From: "Bank" <security@bank.example>', 'Subject: Your account is locked', 'Reply-To: thief@evil.example', 'Sender: x@evil.example', 'Cc: y@evil.example', 'List-Unsubscribe: <https://evil.example/u>']) {
      expect({ added, result: await verify(`${added}\r\n${raw}`) }).toEqual({ added, result: ['fail'] });
    }
    const [head, ...body] = raw.split('\r\n\r\n');
    expect(await verify(`${head}\r\nSubject: appended\r\n\r\n${body.join('\r\n\r\n')}`)).toEqual(['fail']);
    // A changed body: mailauth reports a body-hash mismatch as "neutral"; either way, not a pass.
    expect(await verify(raw.replace('Call now.', 'Call later.'))).toEqual([expect.stringMatching(/^(fail|neutral)$/)]);
    // Whitespace changes that relaxed canonicalization forgives.
    expect(await verify(raw.replace(/^Subject:\s*/m, 'Subject:    '))).toEqual(['pass']);
  });
});
