import { MailService } from '../src/core/mail/mail.service';
import { bootApp, TestApp } from './support/app';
import { eventually, mailQueueIdle } from './support/petition-factories';
import { SmtpSink } from './support/smtp-sink';
import { insertSubscriber, uniqueEmail } from './support/subscriber-factories';

/**
 * Transactional mail queued for a person is dropped when it is consumed if, meanwhile, they bounced, complained or
 * were erased (PREF-5, SUB-5). The subscribers module answers for its own table; the mail processor only asks.
 */
describe('Transactional mail and the recipient’s state when it is sent (e2e)', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await bootApp({ env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('sends to a subscribed person and drops mail to bounced, complained and erased ones', async () => {
    const mail = t.get(MailService);
    const people: Record<string, { id: string; email: string }> = {};
    for (const status of ['subscribed', 'bounced', 'complained', 'erased']) {
      people[status] = await insertSubscriber(t, { email: uniqueEmail(status), status: status === 'erased' ? 'subscribed' : status });
    }
    await t.query(`UPDATE subscribers SET erased_at = now() WHERE id = $1`, [people.erased.id]);
    for (const p of Object.values(people)) {
      await mail.enqueue({ to: p.email, subject: 'Thank you', text: 'Thanks for signing.', kind: 'test', subscriberId: p.id });
    }
    await eventually(() => sink.to(people.subscribed.email).length > 0);
    await mailQueueIdle(t);
    expect(sink.to(people.subscribed.email)).toHaveLength(1);
    for (const status of ['bounced', 'complained', 'erased']) expect(sink.to(people[status].email)).toEqual([]);
  });
});
