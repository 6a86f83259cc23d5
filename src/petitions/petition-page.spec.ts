import { progressSteps, renderPetitionPage } from './petition-page';

describe('progressSteps', () => {
  it('reads well from the first signature: the bar fills toward the next milestone, the goal last', () => {
    expect(progressSteps(0, 1000)).toMatchObject({ max: 10, value: 0, caption: 'signatures so far — be the first to sign', goalLine: 'Goal: 1,000 signatures' });
    expect(progressSteps(1, 1000)).toMatchObject({ max: 10, value: 1, caption: 'signature — help us reach 10' });
    expect(progressSteps(10, 1000)).toMatchObject({ max: 25, value: 10 });
    expect(progressSteps(600, 1000)).toMatchObject({ max: 1000, value: 600, caption: 'signatures — help us reach 1,000', goalLine: '' });
    expect(progressSteps(1200, 1000)).toMatchObject({ max: 1000, value: 1000, caption: 'signatures — the goal of 1,000 is reached!' });
    expect(progressSteps(30, 40)).toMatchObject({ max: 40, value: 30 });
    expect(progressSteps(3, null)).toMatchObject({ max: 10, value: 3, goalLine: '' });
    expect(progressSteps(2_000_000, null)).toMatchObject({ max: 2_000_000, value: 2_000_000, caption: 'signatures' });
  });
});

describe('renderPetitionPage', () => {
  const base = {
    slug: 'hold-the-vote', title: 'Hold the vote', lede: 'Two minutes.', bodyHtml: '<p>Body</p>', targets: [], signatureCount: 0, goal: null,
    status: 'open' as const, optInText: 'Yes', askState: false,
    meta: { title: 'Card "title"', description: 'Desc <b>', canonical: 'https://act.example.org/p/hold-the-vote', imageUrl: null, siteName: null },
  };

  it('escapes card values into the head', () => {
    const html = renderPetitionPage(base);
    expect(html).toContain('<meta property="og:title" content="Card &quot;title&quot;">');
    expect(html).toContain('<meta name="description" content="Desc &lt;b&gt;">');
  });

  it('the embed posts to the page\'s endpoint with ?embed=1 and leaves out the body, keeping the disclaimer', () => {
    const html = renderPetitionPage({ ...base, embed: true, footer: ['Paid for by X'] });
    expect(html).toContain('action="/p/hold-the-vote?embed&#x3D;1"');
    expect(html).not.toContain('<p>Body</p>');
    expect(html).toContain('<footer class="org"><p>Paid for by X</p></footer>');
  });
});
