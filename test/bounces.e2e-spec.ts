import { BouncesService } from '../src/bounces/bounces.service';
import { SubscribersService } from '../src/subscribers/subscribers.service';
import { bootApp, TestApp } from './support/app';
import { insertListMember, statusOf, WEBHOOK_SECRET } from './support/bounce-factories';

describe('Bounces (e2e, COMP-3)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({ worker: false, env: { BOUNCE_WEBHOOK_SECRET: WEBHOOK_SECRET } });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('SMTP replies at send time (service the send loop calls)', () => {
    it('550 5.1.1 marks the recipient bounced at once and records the event', async () => {
      const s = await insertListMember(t);
      const out = await t.get(BouncesService).handleSmtpRejection({ subscriberId: s.id, blastId: null, responseCode: 550, response: '5.1.1 <x>: Recipient address rejected: User unknown' });
      expect(out).toMatchObject({ action: 'bounced', type: 'hard' });
      expect(await statusOf(t, s.id)).toBe('bounced');
      const events = await t.query('SELECT type, provider, code FROM bounce_events WHERE subscriber_id = $1', [s.id]);
      expect(events).toEqual([{ type: 'hard', provider: 'smtp', code: expect.stringContaining('550 5.1.1') }]);
    });

    it('550 5.7.26 (DMARC, about the sender) suppresses nobody and records an alert', async () => {
      const s = await insertListMember(t);
      const out = await t.get(BouncesService).handleSmtpRejection({ subscriberId: s.id, responseCode: 550, response: '5.7.26 This mail has been blocked because the sender is unauthenticated.' });
      expect(out.action).toBe('alerted');
      expect(await statusOf(t, s.id)).toBe('subscribed');
      expect(await t.get(SubscribersService).isSuppressed(s.email)).toBe(false);
      const events = await t.query('SELECT type FROM bounce_events WHERE subscriber_id = $1', [s.id]);
      expect(events).toEqual([{ type: 'policy' }]);
    });

    it('a hard bounce never turns a complaint back into a bounce', async () => {
      const s = await insertListMember(t, 'complained');
      await t.get(BouncesService).handleSmtpRejection({ subscriberId: s.id, responseCode: 550, response: '5.1.1 gone' });
      expect(await statusOf(t, s.id)).toBe('complained');
    });
  });
});
