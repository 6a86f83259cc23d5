import { sesBounce, sesComplaint } from '../../test/support/bounce-factories';
import { sesNotificationToReports } from './ses-notification';

describe('sesNotificationToReports', () => {
  it('Permanent → hard, Transient → soft, Complaint → complaint, with our Message-ID and a per-recipient dedupe key', () => {
    const [hard] = sesNotificationToReports(sesBounce('a@example.org', 'Permanent', '<b.s@mail.example>'), 'sns-1');
    expect(hard).toMatchObject({ type: 'hard', provider: 'ses', email: 'a@example.org', messageId: '<b.s@mail.example>', dedupeKey: expect.stringMatching(/^ses:.+:a@example\.org$/) });
    expect(sesNotificationToReports(sesBounce('a@example.org', 'Transient'), 'sns-2')[0].type).toBe('soft');
    expect(sesNotificationToReports(sesComplaint('c@example.org'), 'sns-3')[0]).toMatchObject({ type: 'complaint', code: 'abuse' });
  });

  it('event-publishing format (eventType) works too; deliveries and junk map to nothing', () => {
    const doc = JSON.parse(sesComplaint('c@example.org'));
    doc.eventType = doc.notificationType;
    delete doc.notificationType;
    expect(sesNotificationToReports(JSON.stringify(doc), 'sns-4')).toHaveLength(1);
    expect(sesNotificationToReports(JSON.stringify({ notificationType: 'Delivery', delivery: {} }), 'sns-5')).toEqual([]);
    expect(sesNotificationToReports('not json', 'sns-6')).toEqual([]);
    expect(sesNotificationToReports(JSON.stringify({ notificationType: 'Bounce', bounce: { bouncedRecipients: [{}] } }), 'sns-7')).toEqual([]);
  });
});
