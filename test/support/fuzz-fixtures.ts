import type { FuzzContext, Query } from './fuzz';

/** How the fuzz fixtures reach the app: organizer API calls, SQL, and the app's own token signers. */
export interface FuzzFixtureDeps {
  api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any; text?: string }>;
  query: Query;
  signLink: (claims: { subscriberId: string; purpose: 'preferences' | 'unsubscribe'; blastId?: string }) => string;
  signConfirmation: (subscriberId: string) => string;
  webhookSecret: string;
}

/**
 * The fixtures every fuzz run starts from: an open petition (a leadership role plus the signer's own senators), a
 * closed one, a subscribed person with genuine preference/unsubscribe links, an unconfirmed one with a genuine
 * confirmation link, and a topic.
 */
export async function createFuzzFixtures(d: FuzzFixtureDeps, label: string): Promise<FuzzContext> {
  const petition = async (slug: string) => {
    const res = await d.api('POST', '/api/v1/petitions', {
      slug,
      title: 'Tell Senate leadership: hold the vote',
      body: 'The bill has the votes. **Schedule it.**',
      targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }],
      goal: 100000,
    });
    if (res.status !== 201) throw new Error(`fuzz fixture petition: ${res.status} ${res.text ?? JSON.stringify(res.body)}`);
    return res.body as { id: string; slug: string };
  };
  const open = await petition(`fuzz-open-${label}`);
  const closed = await petition(`fuzz-closed-${label}`);
  const closing = await d.api('PATCH', `/api/v1/petitions/${closed.id}`, { status: 'closed' });
  if (closing.status !== 200) throw new Error(`fuzz fixture close: ${closing.status}`);

  const [subscribed] = await d.query(
    `INSERT INTO subscribers (email, first_name, status, source) VALUES ($1, 'Fixture', 'subscribed', 'fuzz') RETURNING id`,
    [`fuzz-fixture-${label}@example.org`],
  );
  const [unconfirmed] = await d.query(
    `INSERT INTO subscribers (email, status, source) VALUES ($1, 'unconfirmed', 'fuzz') RETURNING id`,
    [`fuzz-unconfirmed-${label}@example.org`],
  );
  const [topic] = await d.query(`INSERT INTO topics (name) VALUES ($1) RETURNING id`, [`Fuzz topic ${label}`]);
  const subscriberId = subscribed.id as string;
  return {
    slug: open.slug,
    closedSlug: closed.slug,
    unsubscribeToken: d.signLink({ subscriberId, purpose: 'unsubscribe' }),
    preferencesToken: d.signLink({ subscriberId, purpose: 'preferences' }),
    confirmToken: d.signConfirmation(unconfirmed.id as string),
    topicId: topic.id as string,
    webhookSecret: d.webhookSecret,
  };
}

/** App settings for fuzz runs: rate limits out of the way (each request claims a random client IP) and signed webhooks on. */
export const FUZZ_APP_ENV = {
  TRUST_PROXY: 'true',
  RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000',
  PETITION_SIGNATURES_PER_IP_PER_DAY: '1000000',
  BOUNCE_WEBHOOK_SECRET: 'fuzz-webhook-secret-0123456789',
  SES_SNS_AUTO_CONFIRM: 'false',
  // Background work (the blast reconciler reads settings through TypeORM, logs through pino) runs several times during
  // a run, so damage a request did to shared state (a polluted prototype) shows before the verdict.
  BLAST_RECONCILE_INTERVAL_MS: '500',
};
