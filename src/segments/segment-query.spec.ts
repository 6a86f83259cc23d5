import {
  buildSegmentQuery,
  parseRuleDate,
  petitionSlugReferences,
  InvalidSegmentRulesException,
  MAX_RULE_DEPTH,
  MAX_SEGMENT_NESTING,
  randomLimitOrder,
  segmentReferences,
} from './segment-query';

const build = (rules: unknown, firstParamIndex = 1, segments?: Map<string, unknown>, selfId?: string) =>
  buildSegmentQuery(rules, { firstParamIndex, segments, selfId });

/** The errors a tree is rejected with. */
function errorsOf(rules: unknown, segments?: Map<string, unknown>, selfId?: string) {
  try {
    build(rules, 1, segments, selfId);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidSegmentRulesException);
    const res = (e as InvalidSegmentRulesException).getResponse() as { message: string; details: { path: string; message: string }[] };
    expect((e as InvalidSegmentRulesException).getStatus()).toBe(400);
    return res.details;
  }
  throw new Error('expected the rules to be rejected');
}

/** Every placeholder in the SQL is bound, numbered consecutively from the first index. */
function expectPlaceholdersMatch(sql: string, params: unknown[], first = 1) {
  const used = [...new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
  expect(used).toEqual(params.map((_, i) => first + i));
}

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const C = '33333333-3333-4333-8333-333333333333';

describe('buildSegmentQuery: each rule kind (SEG-1)', () => {
  it.each<[string, unknown, string, unknown[]]>([
    ['tag', { tag: 'volunteer' }, 's.tags @> $1::text[]', [['volunteer']]],
    ['tag list (any of)', { tag: ['volunteer', 'donor', 'volunteer'] }, 's.tags && $1::text[]', [['volunteer', 'donor']]],
    ['state list', { state: ['CO', 'al'] }, '(s.state IS NOT NULL AND s.state = ANY ($1::text[]))', [['CO', 'AL']]],
    ['state string', { state: 'co' }, '(s.state IS NOT NULL AND s.state = ANY ($1::text[]))', [['CO']]],
    ['zipPrefix', { zipPrefix: '802' }, '(s.zip IS NOT NULL AND s.zip LIKE $1::text)', ['802%']],
    ['field eq', { field: 'firstName', op: 'eq', value: 'Ann' }, '(s.first_name IS NOT NULL AND s.first_name = $1::text)', ['Ann']],
    ['field neq', { field: 'lastName', op: 'neq', value: 'Lee' }, 's.last_name IS DISTINCT FROM $1::text', ['Lee']],
    ['field in', { field: 'source', op: 'in', value: ['api', 'import'] }, '(s.source IS NOT NULL AND s.source = ANY ($1::text[]))', [['api', 'import']]],
    ['field exists', { field: 'firstName', op: 'exists' }, "(s.first_name IS NOT NULL AND s.first_name <> '')", []],
    ['field exists false', { field: 'zip', op: 'exists', value: false }, "NOT (s.zip IS NOT NULL AND s.zip <> '')", []],
    ['field prefix escapes LIKE wildcards', { field: 'source', op: 'prefix', value: 'petition:50%_off\\' }, '(s.source IS NOT NULL AND s.source LIKE $1::text)', ['petition:50\\%\\_off\\\\%']],
    ['email is compared lower-cased', { field: 'email', op: 'eq', value: 'Ann@Example.ORG' }, '(lower(s.email) IS NOT NULL AND lower(s.email) = $1::text)', ['ann@example.org']],
    ['frequency', { field: 'frequency', op: 'in', value: ['weekly', 'monthly'] }, '(s.frequency IS NOT NULL AND s.frequency = ANY ($1::text[]))', [['weekly', 'monthly']]],
    ['state field', { field: 'state', op: 'eq', value: 'ny' }, '(s.state IS NOT NULL AND s.state = $1::text)', ['NY']],
    ['date field', { field: 'createdAt', op: 'gte', value: '2026-01-01' }, '(s.created_at IS NOT NULL AND s.created_at >= $1::timestamptz)', ['2026-01-01T00:00:00.000Z']],
    ['custom eq string', { custom: 'donor', op: 'eq', value: 'yes' }, 's.custom_fields @> $1::jsonb', ['{"donor":"yes"}']],
    ['custom eq number matches its text form too', { custom: 'age', op: 'eq', value: 30 }, 's.custom_fields @> ANY ($1::jsonb[])', [['{"age":30}', '{"age":"30"}']]],
    ['custom neq', { custom: 'donor', op: 'neq', value: true }, 'NOT (s.custom_fields @> ANY ($1::jsonb[]))', [['{"donor":true}', '{"donor":"true"}']]],
    ['custom in', { custom: 'team', op: 'in', value: ['red', 'blue'] }, 's.custom_fields @> ANY ($1::jsonb[])', [['{"team":"red"}', '{"team":"blue"}']]],
    ['custom exists', { custom: 'team', op: 'exists' }, "(s.custom_fields ? $1::text AND jsonb_typeof(s.custom_fields -> $2::text) <> 'null')", ['team', 'team']],
    ['custom prefix', { custom: 'team', op: 'prefix', value: 'r' }, 'COALESCE((s.custom_fields ->> $1::text) LIKE $2::text, FALSE)', ['team', 'r%']],
    [
      'custom gt',
      { custom: 'age', op: 'gt', value: 17 },
      "COALESCE(CASE WHEN (s.custom_fields ->> $1::text) ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN (s.custom_fields ->> $2::text)::numeric END > $3::numeric, FALSE)",
      ['age', 'age', '17'],
    ],
    [
      'signed by slug',
      { signed: 'save-the-senate' },
      'EXISTS (SELECT 1 FROM petition_signatures ps WHERE ps.subscriber_id = s.id AND ps.petition_id = (SELECT p.id FROM petitions p WHERE p.slug = $1::text))',
      ['save-the-senate'],
    ],
    ['signed by id', { signed: A.toUpperCase() }, 'EXISTS (SELECT 1 FROM petition_signatures ps WHERE ps.subscriber_id = s.id AND ps.petition_id = $1::uuid)', [A]],
    [
      'signedAnySince',
      { signedAnySince: '2026-11-01T12:00:00Z' },
      'EXISTS (SELECT 1 FROM petition_signatures ps WHERE ps.subscriber_id = s.id AND ps.created_at >= $1::timestamptz)',
      ['2026-11-01T12:00:00.000Z'],
    ],
    ['joined after', { joined: { after: '2026-01-01' } }, 's.created_at >= $1::timestamptz', ['2026-01-01T00:00:00.000Z']],
    [
      'joined between',
      { joined: { after: '2026-01-01', before: '2026-02-01T00:00:00+02:00' } },
      '(s.created_at >= $1::timestamptz AND s.created_at < $2::timestamptz)',
      ['2026-01-01T00:00:00.000Z', '2026-01-31T22:00:00.000Z'],
    ],
    [
      'received',
      { received: B },
      "EXISTS (SELECT 1 FROM blast_deliveries bd WHERE bd.subscriber_id = s.id AND bd.blast_id = $1::uuid AND bd.status = 'sent')",
      [B],
    ],
    ['topicOptedOut', { topicOptedOut: C }, 'EXISTS (SELECT 1 FROM subscriber_topic_opt_outs o WHERE o.subscriber_id = s.id AND o.topic_id = $1::uuid)', [C]],
  ])('%s', (_name, rules, sql, params) => {
    const q = build(rules);
    expect(q.sql).toBe(sql);
    expect(q.params).toEqual(params);
    expectPlaceholdersMatch(q.sql, q.params);
  });

  it('signed by slug with slugs resolved by the service: the petition id is the parameter; unknown slugs match nobody', () => {
    const petitionIdsBySlug = new Map([['save-the-senate', A]]);
    const q = buildSegmentQuery({ or: [{ signed: 'Save-The-Senate' }, { signed: 'nope' }, { not: { signed: 'nope' } }] }, { firstParamIndex: 1, petitionIdsBySlug });
    expect(q.sql).toBe(
      '(EXISTS (SELECT 1 FROM petition_signatures ps WHERE ps.subscriber_id = s.id AND ps.petition_id = $1::uuid) OR FALSE OR NOT (FALSE))',
    );
    expect(q.params).toEqual([A]);
  });

  it('petitionSlugReferences lists the slugs (not ids) named by signed rules, lower-cased', () => {
    expect(petitionSlugReferences({ and: [{ signed: 'Save-The-Senate' }, { not: { signed: A } }, { or: [{ signed: 'b' }, { signed: 5 }] }] })).toEqual([
      'save-the-senate',
      'b',
    ]);
  });

  it('and / or / not compose, numbering placeholders from the given offset', () => {
    const q = build({ and: [{ tag: 'volunteer' }, { or: [{ state: 'CO' }, { zipPrefix: '80' }] }, { not: { tag: 'staff' } }] }, 4);
    expect(q.sql).toBe(
      '(s.tags @> $4::text[] AND ((s.state IS NOT NULL AND s.state = ANY ($5::text[])) OR (s.zip IS NOT NULL AND s.zip LIKE $6::text)) AND NOT (s.tags @> $7::text[]))',
    );
    expect(q.params).toEqual([['volunteer'], ['CO'], '80%', ['staff']]);
    expectPlaceholdersMatch(q.sql, q.params, 4);
  });

  it('a one-item group is just its item', () => {
    expect(build({ or: [{ tag: 'a' }] })).toEqual(build({ tag: 'a' }));
  });

  it('inlines a nested saved segment with its parameters renumbered', () => {
    const segments = new Map<string, unknown>([
      [A, { and: [{ tag: 'donor' }, { segment: B }] }],
      [B, { state: 'CO' }],
    ]);
    const q = build({ or: [{ tag: 'volunteer' }, { segment: A }] }, 2, segments);
    expect(q.sql).toBe('(s.tags @> $2::text[] OR (s.tags @> $3::text[] AND (s.state IS NOT NULL AND s.state = ANY ($4::text[]))))');
    expect(q.params).toEqual([['volunteer'], ['donor'], ['CO']]);
    expectPlaceholdersMatch(q.sql, q.params, 2);
  });

  it('the same segment referenced twice (a diamond) is fine', () => {
    const segments = new Map<string, unknown>([[A, { tag: 'x' }]]);
    const q = build({ and: [{ segment: A }, { not: { segment: A } }] }, 1, segments);
    expect(q.params).toEqual([['x'], ['x']]);
  });
});

describe('buildSegmentQuery: user text only ever travels as a parameter (SEG-2)', () => {
  const attacks = [
    "x'; DROP TABLE subscribers; --",
    "' OR 1=1 --",
    '"); DELETE FROM segments; /*',
    '{"status":"unsubscribed"}',
    '$1',
    "\\'; SELECT pg_sleep(10); --",
    'E\'\\x27\'',
  ];

  /** Every string among the parameters, with jsonb parameters opened up. */
  const paramStrings = (params: unknown[]): string[] =>
    params.flat().flatMap((p) => {
      if (typeof p !== 'string') return [String(p)];
      try {
        const parsed = JSON.parse(p) as unknown;
        if (parsed && typeof parsed === 'object') return [p, ...Object.entries(parsed).flat().map(String)];
      } catch {
        /* plain string */
      }
      return [p];
    });

  it.each(attacks)('%s', (attack) => {
    const trees = (v: string): unknown[] => [
      { tag: v },
      { tag: [v, 'ok'] },
      { field: 'firstName', op: 'eq', value: v },
      { field: 'lastName', op: 'neq', value: v },
      { field: 'source', op: 'in', value: [v] },
      { field: 'email', op: 'prefix', value: v },
      { custom: 'employer', op: 'eq', value: v },
      { custom: 'employer', op: 'prefix', value: v },
      { custom: 'k', op: 'in', value: [v, 2, false] },
      { signed: v },
    ];
    const benign = trees('benign');
    trees(attack).forEach((rules, i) => {
      const q = build({ not: { or: [rules] } });
      // The SQL text does not depend on the value at all: it is the text compiled for a harmless value.
      expect(q.sql).toBe(build({ not: { or: [benign[i]] } }).sql);
      expect(q.sql).not.toMatch(/;|--|\/\*/);
      expectPlaceholdersMatch(q.sql, q.params);
      // (LIKE patterns carry the value with its \\, % and _ escaped.)
      const carried = (p: string) => [p, p.replace(/\\(.)/g, '$1')].some((x) => x.toLowerCase().includes(attack.toLowerCase()));
      expect(paramStrings(q.params).some(carried)).toBe(true);
    });
  });

  it.each(attacks)('as a custom field name, %s is refused naming the rule (one safe pattern for field names)', (attack) => {
    for (const rule of [{ custom: attack, op: 'exists' }, { custom: attack, op: 'gt', value: 1 }]) {
      expect(() => build({ not: { or: [rule] } })).toThrow(expect.objectContaining({ errors: [expect.objectContaining({ path: 'rules.not.or[0].custom' })] }));
    }
  });

  it('the SQL text is built only from the compiler constants: no client string appears in it', () => {
    const marker = 'zzmarkerzz';
    const q = build({
      and: [
        { tag: marker },
        { field: 'firstName', op: 'eq', value: marker },
        { custom: marker, op: 'eq', value: marker },
        { custom: marker, op: 'prefix', value: marker },
        { signed: marker },
      ],
    });
    expect(q.sql).not.toContain(marker);
    expect(q.params.flat().filter((p) => String(p).includes(marker))).toHaveLength(6);
  });

  it('JSON in a custom value is a string inside the jsonb parameter, not structure', () => {
    const q = build({ custom: 'note', op: 'eq', value: '{"a":1}' });
    expect(JSON.parse(q.params[0] as string)).toEqual({ note: '{"a":1}' });
  });

  it('a field name is never used as SQL: only whitelisted fields compile', () => {
    expect(errorsOf({ field: 'first_name; DROP TABLE x', op: 'eq', value: 'a' })).toEqual([
      { path: 'rules.field', message: expect.stringContaining('unknown field') },
    ]);
    expect(errorsOf({ field: 'status', op: 'eq', value: 'unsubscribed' })[0].path).toBe('rules.field');
    expect(errorsOf({ field: '__proto__', op: 'eq', value: 'a' })[0].path).toBe('rules.field');
    expect(errorsOf({ field: 'toString', op: 'eq', value: 'a' })[0].path).toBe('rules.field');
  });
});

describe('buildSegmentQuery: strict validation names the bad node (SEG-2)', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['not an object', 'volunteer', 'rules', /rule object/],
    ['an array', [{ tag: 'a' }], 'rules', /rule object/],
    ['null', null, 'rules', /rule object/],
    ['empty rule', {}, 'rules', /empty rule/],
    ['unknown rule kind', { and: [{ tag: 'a' }, { tga: 'b' }] }, 'rules.and[1].tga', /unknown rule "tga"/],
    ['two kinds in one node', { tag: 'a', state: 'CO' }, 'rules', /exactly one kind/],
    ['unknown key beside a kind', { tag: 'a', op: 'eq' }, 'rules.op', /unknown key/],
    ['unknown operator', { and: [{ tag: 'a' }, { tag: 'b' }, { field: 'firstName', op: 'like', value: 'x' }] }, 'rules.and[2].op', /unknown operator/],
    ['missing operator', { custom: 'k', value: 'x' }, 'rules.op', /missing "op"/],
    ['operator not allowed for a date', { field: 'createdAt', op: 'prefix', value: '2026' }, 'rules.op', /unknown operator/],
    ['prefix not allowed for frequency', { field: 'frequency', op: 'prefix', value: 'w' }, 'rules.op', /unknown operator/],
    ['empty and', { and: [] }, 'rules.and', /empty "and"/],
    ['empty or deep inside', { not: { or: [] } }, 'rules.not.or', /empty "or"/],
    ['and not an array', { and: { tag: 'a' } }, 'rules.and', /array/],
    ['tag not a string', { tag: 5 }, 'rules.tag', /tag/],
    ['empty tag', { tag: '' }, 'rules.tag', /empty/],
    ['empty tag list', { tag: [] }, 'rules.tag', /empty list/],
    ['bad item in tag list', { tag: ['a', { b: 1 }] }, 'rules.tag[1]', /tag/],
    ['long tag', { tag: 'x'.repeat(501) }, 'rules.tag', /at most 500/],
    ['NUL in a value', { tag: 'a\u0000b' }, 'rules.tag', /NUL/],
    ['lone surrogate in a custom value', { custom: 'k', op: 'eq', value: 'a\ud800' }, 'rules.value', /Unicode/],
    ['bad state', { state: ['CO', 'Colorado'] }, 'rules.state[1]', /2-letter/],
    ['zipPrefix with letters', { zipPrefix: '80%' }, 'rules.zipPrefix', /digits/],
    ['zipPrefix too long', { zipPrefix: '802011' }, 'rules.zipPrefix', /digits/],
    ['zipPrefix a number', { zipPrefix: 802 }, 'rules.zipPrefix', /digits/],
    ['field value wrong type', { field: 'firstName', op: 'eq', value: 5 }, 'rules.value', /string/],
    ['field value missing', { field: 'firstName', op: 'eq' }, 'rules.value', /missing/],
    ['in needs an array', { field: 'firstName', op: 'in', value: 'Ann' }, 'rules.value', /array/],
    ['in with an empty array', { field: 'firstName', op: 'in', value: [] }, 'rules.value', /empty/],
    ['exists takes a boolean', { field: 'firstName', op: 'exists', value: 'yes' }, 'rules.value', /true or false/],
    ['bad frequency value', { field: 'frequency', op: 'eq', value: 'daily' }, 'rules.value', /one of all, weekly/],
    ['bad date', { field: 'createdAt', op: 'gt', value: 'yesterday' }, 'rules.value', /ISO 8601/],
    ['impossible date', { signedAnySince: '2026-02-31x' }, 'rules.signedAnySince', /ISO 8601/],
    ['custom object value (JSON structure)', { custom: 'k', op: 'eq', value: { $ne: 1 } }, 'rules.value', /string, a number or a boolean/],
    ['custom array value for eq', { custom: 'k', op: 'eq', value: ['a'] }, 'rules.value', /string, a number or a boolean/],
    ['custom NaN-ish', { custom: 'k', op: 'gt', value: '5' }, 'rules.value', /takes a number/],
    ['custom key empty', { custom: '', op: 'exists' }, 'rules.custom', /empty/],
    ['custom key not a string', { custom: ['a'], op: 'exists' }, 'rules.custom', /custom field name/],
    ['signed empty', { signed: '' }, 'rules.signed', /empty/],
    ['joined empty', { joined: {} }, 'rules.joined', /after.*before/],
    ['joined unknown key', { joined: { since: '2026-01-01' } }, 'rules.joined.since', /unknown key/],
    ['joined reversed', { joined: { after: '2026-02-01', before: '2026-01-01' } }, 'rules.joined', /earlier/],
    ['joined bad date', { joined: { after: 'soon' } }, 'rules.joined.after', /ISO 8601/],
    ['received not a uuid', { received: "1' OR '1'='1" }, 'rules.received', /blast id/],
    ['topicOptedOut not a uuid', { topicOptedOut: 'election-security' }, 'rules.topicOptedOut', /topic id/],
    ['segment not a uuid', { segment: 'my segment' }, 'rules.segment', /segment id/],
    ['segment that does not exist', { segment: A }, 'rules.segment', /does not exist/],
    ['not of a list', { not: [{ tag: 'a' }] }, 'rules.not', /rule object/],
  ])('%s → %s', (_name, rules, path, message) => {
    const errors = errorsOf(rules);
    expect(errors).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('reports every bad node at once, and the message names them', () => {
    let caught: InvalidSegmentRulesException | undefined;
    try {
      build({ and: [{ tag: 1 }, { field: 'firstName', op: 'like', value: 'x' }, { or: [] }] });
    } catch (e) {
      caught = e as InvalidSegmentRulesException;
    }
    expect(caught!.errors.map((e) => e.path)).toEqual(['rules.and[0].tag', 'rules.and[1].op', 'rules.and[2].or']);
    expect((caught!.getResponse() as { message: string }).message).toMatch(/rules\.and\[1\]\.op/);
  });

  it('unusual keys are quoted in the path', () => {
    expect(errorsOf({ and: [{ 'a b': 1 }] })[0].path).toBe('rules.and[0]["a b"]');
  });

  it(`rejects trees deeper than ${MAX_RULE_DEPTH} levels, accepts ${MAX_RULE_DEPTH}`, () => {
    const nest = (levels: number): unknown => (levels === 1 ? { tag: 'a' } : { not: nest(levels - 1) });
    expect(() => build(nest(MAX_RULE_DEPTH))).not.toThrow();
    const errors = errorsOf(nest(MAX_RULE_DEPTH + 1));
    expect(errors).toEqual([{ path: `rules${'.not'.repeat(MAX_RULE_DEPTH)}`, message: expect.stringMatching(/nest too deeply/) }]);
  });

  it('rejects too many nodes', () => {
    const wide = { or: Array.from({ length: 100 }, () => ({ and: [{ tag: 'a' }, { tag: 'b' }, { tag: 'c' }, { tag: 'd' }, { tag: 'e' }] })) };
    expect(errorsOf(wide)).toContainEqual({ path: expect.any(String), message: expect.stringMatching(/too many rules/) });
  });

  it('rejects groups over 100 items', () => {
    expect(errorsOf({ or: Array.from({ length: 101 }, () => ({ tag: 'a' })) })).toEqual([{ path: 'rules.or', message: expect.stringMatching(/at most 100/) }]);
  });

  it('uses a custom path prefix', () => {
    expect(() => buildSegmentQuery({ tag: 1 }, { firstParamIndex: 1, path: 'segment.rules' })).toThrow(/segment\.rules\.tag/);
  });

  it('refuses a bad firstParamIndex (programming error, not a 400)', () => {
    expect(() => buildSegmentQuery({ tag: 'a' }, { firstParamIndex: 0 })).toThrow(/firstParamIndex/);
  });
});

describe('segment references and cycles', () => {
  it('a segment referencing itself is a cycle', () => {
    const errors = errorsOf({ and: [{ tag: 'a' }, { segment: A }] }, new Map([[A, {}]]), A);
    expect(errors).toEqual([{ path: 'rules.and[1].segment', message: `segment reference cycle: ${A} → ${A}` }]);
  });

  it('a longer cycle is reported at the node that closes it from the saved tree', () => {
    // Saving A with rules → B; B → C; C → A.
    const segments = new Map<string, unknown>([
      [A, { segment: B }],
      [B, { or: [{ tag: 'x' }, { segment: C }] }],
      [C, { segment: A }],
    ]);
    const errors = errorsOf({ segment: B }, segments, A);
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe('rules.segment');
    expect(errors[0].message).toContain(`cycle: ${A} → ${B} → ${C} → ${A}`);
  });

  it('a cycle among saved segments is caught at compile time even without selfId', () => {
    const segments = new Map<string, unknown>([
      [A, { segment: B }],
      [B, { segment: A }],
    ]);
    expect(errorsOf({ segment: A }, segments)[0].message).toMatch(/cycle/);
  });

  it(`chains of more than ${MAX_SEGMENT_NESTING} saved segments are rejected`, () => {
    const ids = Array.from({ length: MAX_SEGMENT_NESTING + 1 }, (_, i) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`);
    const segments = new Map<string, unknown>(ids.map((id, i) => [id, i + 1 < ids.length ? { segment: ids[i + 1] } : { tag: 'x' }]));
    expect(errorsOf({ segment: ids[0] }, segments)[0].message).toMatch(/nest too deeply/);
    expect(() => build({ segment: ids[1] }, 1, segments)).not.toThrow();
  });

  it('a segment referencing others many times cannot expand without bound', () => {
    // Each level references the next 50 times: 50^3 leaves if inlined blindly.
    const segments = new Map<string, unknown>([
      [A, { or: Array.from({ length: 50 }, () => ({ segment: B })) }],
      [B, { or: Array.from({ length: 50 }, () => ({ segment: C })) }],
      [C, { or: Array.from({ length: 50 }, () => ({ tag: 'x' })) }],
    ]);
    const errors = errorsOf({ segment: A }, segments);
    expect(errors.some((e) => /expand to too many rules/.test(e.message))).toBe(true);
    expect(() => build({ segment: C }, 1, segments)).not.toThrow();
  });

  it('depth counts afresh inside each referenced segment', () => {
    const nest = (levels: number, leaf: unknown): unknown => (levels === 1 ? leaf : { not: nest(levels - 1, leaf) });
    const segments = new Map<string, unknown>([[A, nest(MAX_RULE_DEPTH, { tag: 'x' })]]);
    expect(() => build(nest(MAX_RULE_DEPTH, { segment: A }), 1, segments)).not.toThrow();
  });

  it('segmentReferences lists direct references, lower-cased, ignoring malformed nodes', () => {
    expect(segmentReferences({ and: [{ segment: A.toUpperCase() }, { not: { segment: B } }, { or: [{ segment: 'nope' }, { segment: A }] }, 5] })).toEqual([A, B]);
    expect(segmentReferences('garbage')).toEqual([]);
  });
});

describe('parseRuleDate', () => {
  it.each<[string, string | undefined]>([
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2026-01-31T12:30', '2026-01-31T12:30:00.000Z'],
    ['2026-01-31 12:30:15', '2026-01-31T12:30:15.000Z'],
    ['2026-01-31T12:30:15.123456Z', '2026-01-31T12:30:15.123Z'],
    ['2026-01-31T12:30:15+02:00', '2026-01-31T10:30:15.000Z'],
    ['2026-01-31T12:30:15-0500', '2026-01-31T17:30:15.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-02-29', undefined],
    ['2026-02-31', undefined],
    ['2026-13-01', undefined],
    ['2026-00-10', undefined],
    ['0000-01-01', undefined],
    ['1899-12-31', undefined],
    ['2026-01-01T24:00', undefined],
    ['2026-01-01T10:60', undefined],
    ['yesterday', undefined],
    ['2026-1-1', undefined],
    ['', undefined],
  ])('%s → %s', (input, expected) => {
    expect(parseRuleDate(input)).toBe(expected);
  });
});

describe('randomLimitOrder (SEG-4)', () => {
  it('orders by a seeded hash bound as a parameter', () => {
    expect(randomLimitOrder("blast-1'; --", 3)).toEqual({ sql: 'md5(s.id::text || $3::text), s.id', params: ["blast-1'; --"] });
  });
});

describe('buildSegmentQuery: values that do not exist are refused, naming the rule (issue 12 item 7)', () => {
  const refs = { petitions: new Set<string>(), blasts: new Set<string>(), topics: new Set<string>() };
  const errorsOf = (rules: unknown, references?: typeof refs) => {
    try {
      buildSegmentQuery(rules, { firstParamIndex: 1, references, petitionIdsBySlug: new Map() });
      return [];
    } catch (e) {
      return (e as { errors: { path: string; message: string }[] }).errors;
    }
  };

  it('refuses a state code that is not a USPS state or territory', () => {
    expect(errorsOf({ state: ['CO', 'XX'] })).toEqual([{ path: 'rules.state[1]', message: '"XX" is not a USPS state or territory code' }]);
    expect(errorsOf({ field: 'state', op: 'eq', value: 'ZZ' })).toEqual([expect.objectContaining({ path: 'rules.value' })]);
    expect(errorsOf({ state: ['co', 'PR', 'DC'] })).toEqual([]);
  });

  it("refuses custom field names outside the safe pattern: a'b, spaces, prototype keys", () => {
    for (const name of ["a'b", 'a b', '__proto__', 'constructor', '', 'x'.repeat(65)]) {
      expect(errorsOf({ custom: name, op: 'exists' })).toEqual([expect.objectContaining({ path: 'rules.custom' })]);
    }
    expect(errorsOf({ custom: 'employer.name-2', op: 'exists' })).toEqual([]);
  });

  it('with the existing ids at hand, refuses petitions, blasts and topics that do not exist; without, they match nobody', () => {
    const id = '11111111-1111-4111-8111-111111111111';
    const rules = { or: [{ signed: "' OR 1=1" }, { signed: id }, { received: id }, { topicOptedOut: id }] };
    expect(errorsOf(rules, refs).map((e) => [e.path, e.message])).toEqual([
      ['rules.or[0].signed', `petition "' OR 1=1" does not exist`],
      ['rules.or[1].signed', `petition "${id}" does not exist`],
      ['rules.or[2].received', `blast "${id}" does not exist`],
      ['rules.or[3].topicOptedOut', `topic "${id}" does not exist`],
    ]);
    expect(errorsOf(rules, { petitions: new Set([id]), blasts: new Set([id]), topics: new Set([id]) }).map((e) => e.path)).toEqual(['rules.or[0].signed']);
    expect(errorsOf(rules)).toEqual([]);
  });
});
