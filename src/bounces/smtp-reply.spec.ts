import { classifySmtpReply, enhancedStatusOf } from './smtp-reply';

describe('classifySmtpReply', () => {
  it('5xx with a recipient status is a hard bounce', () => {
    expect(classifySmtpReply(550, '550 5.1.1 <x@example.org>: Recipient address rejected')).toEqual({ type: 'hard', enhanced: '5.1.1' });
    expect(classifySmtpReply(552, 'Mailbox full')).toEqual({ type: 'hard', enhanced: null });
  });

  it('5.7.x is about the sender: policy, not a bounce of the address', () => {
    expect(classifySmtpReply(550, '550 5.7.26 This mail has been blocked because the sender is unauthenticated')).toMatchObject({ type: 'policy', enhanced: '5.7.26' });
    expect(classifySmtpReply(554, '5.7.1 Message rejected under DMARC policy').type).toBe('policy');
  });

  it('4xx is a deferral, 2xx nothing', () => {
    expect(classifySmtpReply(421, '4.7.0 Try again later').type).toBe('soft');
    expect(classifySmtpReply(250, 'OK').type).toBe('none');
  });

  it('falls back to the enhanced status when the basic code is missing', () => {
    expect(classifySmtpReply(undefined, 'smtp; 5.1.1 unknown user').type).toBe('hard');
    expect(classifySmtpReply(null, null).type).toBe('none');
  });

  it('reads enhanced codes without leading zeros', () => {
    expect(enhancedStatusOf('status 5.01.001')).toBe('5.1.1');
    expect(enhancedStatusOf('no code here')).toBeNull();
  });
});
