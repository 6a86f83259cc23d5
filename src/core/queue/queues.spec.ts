import { Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { jobPayload, RefreshRosterJob, SendBlastBatchJob, SendMailJob } from './queues';

const job = (data: unknown) => ({ id: '1', name: 'test', queue: { name: 'q' }, data }) as unknown as Job;

describe('jobPayload', () => {
  // Dropped jobs are logged (ids only); keep the test output to the results, and check the line is written.
  const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  afterAll(() => logged.mockRestore());

  it('returns a payload that matches its class', () => {
    const blastId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    expect(jobPayload(SendBlastBatchJob, job({ blastId, batch: 3 }))).toEqual({ blastId, batch: 3 });
    expect(jobPayload(SendMailJob, job({ to: 'a@example.org', subject: 'Hi', text: 'x', kind: 'test' }))).toMatchObject({ to: 'a@example.org' });
  });

  it.each([
    ['no data', undefined],
    ['a missing field', { blastId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }],
    ['a wrong type', { blastId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', batch: '3' }],
    ['a negative batch', { blastId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', batch: -1 }],
    ['an id that is not a uuid', { blastId: "1' OR 1=1", batch: 0 }],
  ])('refuses %s', (_what, data) => {
    expect(jobPayload(SendBlastBatchJob, job(data))).toBeNull();
    expect(logged).toHaveBeenLastCalledWith('q job 1 (test) has an invalid payload; dropped');
  });

  it('reads a roster refresh job and refuses an unknown trigger', () => {
    expect(jobPayload(RefreshRosterJob, job({ trigger: 'schedule' }))).toEqual({ trigger: 'schedule' });
    expect(jobPayload(RefreshRosterJob, job({ trigger: 'cli' }))).toBeNull();
  });

  it('refuses a mail job to an address the address rule refuses', () => {
    expect(jobPayload(SendMailJob, job({ to: '\u202ea@example.org', subject: 'Hi', text: 'x', kind: 'test' }))).toBeNull();
  });
});
