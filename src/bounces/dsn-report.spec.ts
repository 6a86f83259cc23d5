import { arfMessage, autoReplyMessage, dsnMessage } from '../../test/support/bounce-factories';
import { parseDsnOrArf } from './dsn-report';

const parse = (raw: string) => parseDsnOrArf(Buffer.from(raw));

describe('parseDsnOrArf', () => {
  it('reads a failed recipient of an RFC 3464 report, with the original Message-ID', async () => {
    const out = await parse(dsnMessage({ to: 'gone@example.org', messageId: '<b.s@mail.example>' }));
    expect(out).toEqual({
      kind: 'reports',
      reports: [expect.objectContaining({ type: 'hard', provider: 'dsn', email: 'gone@example.org', messageId: '<b.s@mail.example>', code: '5.1.1' })],
    });
  });

  it('5.7.x failures are sender-policy alerts; 4.x.x failed after retries are soft; delayed is nothing', async () => {
    expect(await parse(dsnMessage({ to: 'a@example.org', status: '5.7.26' }))).toMatchObject({ reports: [{ type: 'policy' }] });
    expect(await parse(dsnMessage({ to: 'a@example.org', status: '4.2.2', diagnostic: '452 4.2.2 mailbox full' }))).toMatchObject({ reports: [{ type: 'soft' }] });
    expect(await parse(dsnMessage({ to: 'a@example.org', status: '4.4.1', action: 'delayed' }))).toEqual({ kind: 'ignored', reason: 'no-failure' });
  });

  it('an ARF abuse report is a complaint; not-spam is nothing; auth-failure is about the sender', async () => {
    expect(await parse(arfMessage({ to: 'x@example.org' }))).toMatchObject({ reports: [{ type: 'complaint', email: 'x@example.org' }] });
    expect(await parse(arfMessage({ to: 'x@example.org', feedbackType: 'not-spam' }))).toEqual({ kind: 'ignored', reason: 'no-failure' });
    expect(await parse(arfMessage({ to: 'x@example.org', feedbackType: 'auth-failure' }))).toMatchObject({ reports: [{ type: 'policy' }] });
  });

  it('auto-replies and ordinary mail are not bounces', async () => {
    expect(await parse(autoReplyMessage('a@example.org'))).toEqual({ kind: 'ignored', reason: 'auto-reply' });
    expect(await parse('From: a@example.org\r\nSubject: hi\r\n\r\n550 5.1.1 looks like a bounce but is not\r\n')).toEqual({ kind: 'ignored', reason: 'not-a-report' });
  });
});
