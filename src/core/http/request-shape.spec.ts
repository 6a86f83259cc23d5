import { isPrototypeKey, MAX_BODY_DEPTH, nestedDeeperThan, requestShapeProblem } from './request-shape';

const nest = (levels: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

describe('nestedDeeperThan', () => {
  it(`accepts ${MAX_BODY_DEPTH} levels and refuses one more`, () => {
    expect(nestedDeeperThan(nest(MAX_BODY_DEPTH))).toBe(false);
    expect(nestedDeeperThan(nest(MAX_BODY_DEPTH + 1))).toBe(true);
  });

  it('walks 20,000 nested arrays without recursion', () => {
    expect(nestedDeeperThan(JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`))).toBe(true);
  });

  it('ignores scalars, buffers and wide flat bodies', () => {
    expect(nestedDeeperThan('x')).toBe(false);
    expect(nestedDeeperThan(Buffer.alloc(10))).toBe(false);
    expect(nestedDeeperThan(new (require('node:stream').PassThrough)())).toBe(false);
    expect(nestedDeeperThan({ events: Array.from({ length: 500 }, () => ({ type: 'hard' })) })).toBe(false);
  });
});

describe('requestShapeProblem', () => {
  it('refuses NUL and lone surrogates in values and keys, anywhere in the body', () => {
    expect(requestShapeProblem({ email: '\ud800' })).toEqual({ path: 'email', message: expect.stringMatching(/valid Unicode/) });
    expect(requestShapeProblem({ events: [{ detail: 'a\u0000b' }] })).toEqual({ path: 'events[0].detail', message: expect.stringMatching(/NUL/) });
    expect(requestShapeProblem({ ['k\udc00']: 1 })?.message).toMatch(/field names must be valid Unicode/);
    expect(requestShapeProblem('x\u0000')).toEqual({ path: '', message: expect.stringMatching(/NUL/) });
  });

  it('accepts ordinary text, including emoji (surrogate pairs) and accents', () => {
    expect(requestShapeProblem({ firstName: 'Zoë 🗳️', comment: 'Line one\nline two\ttab' })).toBeNull();
    expect(requestShapeProblem(undefined)).toBeNull();
  });
});

describe('prototype keys', () => {
  it('recognises __proto__, constructor and prototype alone and in bracket or dot notation', () => {
    for (const k of ['__proto__', 'constructor', 'prototype', '__proto__[x]', 'constructor[prototype][x]', 'a[__proto__]', 'a.__proto__.b', 'x[ constructor ]']) {
      expect({ k, hit: isPrototypeKey(k) }).toEqual({ k, hit: true });
    }
    for (const k of ['proto', '__proto', 'constructors', 'myprototype', 'email', 'customFields', 'a[b]', '']) {
      expect({ k, hit: isPrototypeKey(k) }).toEqual({ k, hit: false });
    }
  });

  it('refuses them at any depth of a parsed body, naming the path', () => {
    expect(requestShapeProblem(JSON.parse('{"a":{"b":[{"__proto__":{"x":1}}]}}'))).toEqual({ path: 'a.b[0].__proto__', message: expect.stringMatching(/__proto__, constructor or prototype/) });
    const form = Object.create(null);
    form['constructor[prototype][x]'] = '1';
    expect(requestShapeProblem(form)?.path).toBe('constructor[prototype][x]');
    expect(requestShapeProblem({ constructorName: 'x', prototypeId: 1 })).toBeNull();
  });
});
