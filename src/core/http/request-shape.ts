import { BadRequestException } from '@nestjs/common';

/** Deepest JSON body any endpoint needs (segment rule trees stop at 10 levels); deeper bodies are refused. */
export const MAX_BODY_DEPTH = 64;

/**
 * NUL (PostgreSQL text cannot hold it) and lone UTF-16 surrogates (not Unicode; `encodeURI` in validators throws on
 * them): no endpoint has a use for either, and letting one through turns a bad request into a 500 deep inside.
 */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasUnstorableText(value: string): boolean {
  return UNSTORABLE.test(value);
}

export interface ShapeProblem {
  /** Where in the part, as validation errors name fields: `rules.value[1]`; empty for the part itself. */
  path: string;
  message: string;
}

const TEXT_PROBLEM = 'must be valid Unicode text without NUL characters';

/**
 * Names that reach an object's prototype when used as a property key. A body, query string or multipart form never
 * needs them, and any code that copies client keys into a plain object (`o[key] = …`, a bracket-notation form
 * parser, a deep merge) would let them rewrite `Object.prototype` for the whole process — one request then breaks
 * every later one. Refused at the edge whatever the parser: also as a segment of bracket or dot notation
 * (`__proto__[x]`, `constructor[prototype][y]`, `a.__proto__.b`).
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const PROTOTYPE_KEY_PROBLEM = 'field names must not be __proto__, constructor or prototype (alone or in bracket/dot notation)';

export function isPrototypeKey(key: string): boolean {
  if (PROTOTYPE_KEYS.has(key)) return true;
  // Cheap pre-check: the plain keys of every real request skip the split.
  if (!/proto|constructor/i.test(key)) return false;
  return key.split(/[[\].]+/).some((part) => PROTOTYPE_KEYS.has(part.trim()));
}

const childPath = (parent: string, key: string | number) =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

/**
 * What is wrong with a parsed request part (body, query, params) before any pipe sees it, or null. Iterative on
 * purpose: a body like 20,000 nested arrays (40 KB) must be refused before the recursive validation pipe
 * (class-transformer) walks it — that recursion overflows the stack and can abort the whole process.
 */
export function requestShapeProblem(input: unknown, max: number = MAX_BODY_DEPTH): ShapeProblem | null {
  const stack: [unknown, number, string][] = [[input, 1, '']];
  while (stack.length) {
    const [value, depth, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (hasUnstorableText(value)) return { path, message: TEXT_PROBLEM };
      continue;
    }
    // Only what a JSON or form parser produces: streams (CSV uploads) and buffers (raw MIME reports) are not walked.
    if (!isPlainData(value)) continue;
    if (depth > max) return { path, message: `Body is nested too deeply (more than ${max} levels)` };
    if (Array.isArray(value)) {
      value.forEach((child, i) => stack.push([child, depth + 1, childPath(path, i)]));
    } else {
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        if (hasUnstorableText(key)) return { path, message: `field names ${TEXT_PROBLEM}` };
        if (isPrototypeKey(key)) return { path: childPath(path, key), message: PROTOTYPE_KEY_PROBLEM };
        stack.push([child, depth + 1, childPath(path, key)]);
      }
    }
  }
  return null;
}

/** True when a parsed body nests arrays/objects deeper than `max`. */
export function nestedDeeperThan(body: unknown, max: number = MAX_BODY_DEPTH): boolean {
  return requestShapeProblem(body, max)?.message.startsWith('Body is nested') ?? false;
}

function isPlainData(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  // Query strings parse into objects whose prototype is itself a null-prototype object (fast-querystring).
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * The edge check for parts the HTTP hook cannot see (multipart text fields, JSON held inside a string field): throws
 * the same 400 `requestShapeProblem` gives, its path under `prefix`.
 */
export function assertSafeShape(value: unknown, prefix = ''): void {
  const problem = requestShapeProblem(value);
  if (!problem) return;
  const path = [prefix, problem.path].filter(Boolean).join(problem.path.startsWith('[') ? '' : '.');
  throw new BadRequestException({ message: path ? `${path}: ${problem.message}` : problem.message, details: [{ path, message: problem.message }] });
}
