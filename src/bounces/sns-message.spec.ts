import { isSnsUrl, parseSnsMessage, snsStringToSign, SnsMessage } from './sns-message';

describe('SNS messages', () => {
  it('accepts only https certificate URLs on sns.<region>.amazonaws.com ending in .pem', () => {
    expect(isSnsUrl('https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem', true)).toBe(true);
    expect(isSnsUrl('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem', true)).toBe(true);
    for (const bad of [
      'http://sns.us-east-1.amazonaws.com/a.pem',
      'https://sns.us-east-1.amazonaws.com.evil.example/a.pem',
      'https://evil.example/sns.us-east-1.amazonaws.com/a.pem',
      'https://user:pw@sns.us-east-1.amazonaws.com/a.pem',
      'https://sns.us-east-1.amazonaws.com:8443/a.pem',
      'https://sqs.us-east-1.amazonaws.com/a.pem',
      'https://sns.us-east-1.amazonaws.com/a.txt',
      'not a url',
    ]) {
      expect(isSnsUrl(bad, true)).toBe(false);
    }
  });

  it('builds the documented string to sign (Subject only when present)', () => {
    const base = { MessageId: 'm1', Message: 'hello', Timestamp: 't', TopicArn: 'arn', SignatureVersion: '2', Signature: 's', SigningCertURL: 'u' };
    expect(snsStringToSign({ ...base, Type: 'Notification' } as SnsMessage)).toBe(
      'Message\nhello\nMessageId\nm1\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n',
    );
    expect(snsStringToSign({ ...base, Type: 'Notification', Subject: 'S' } as SnsMessage)).toContain('MessageId\nm1\nSubject\nS\nTimestamp');
    expect(snsStringToSign({ ...base, Type: 'SubscriptionConfirmation', SubscribeURL: 'https://x', Token: 'tok' } as SnsMessage)).toBe(
      'Message\nhello\nMessageId\nm1\nSubscribeURL\nhttps://x\nTimestamp\nt\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n',
    );
  });

  it('rejects bodies that are not SNS messages with a reason', () => {
    expect(parseSnsMessage('nope')).toEqual({ error: 'body is not JSON' });
    expect(parseSnsMessage('[]')).toEqual({ error: 'body is not an SNS message' });
    expect(parseSnsMessage({ Type: 'Other' })).toMatchObject({ error: expect.stringContaining('Type') });
    expect(parseSnsMessage({ Type: 'Notification', MessageId: 'm' })).toMatchObject({ error: 'TopicArn is missing' });
  });
});
