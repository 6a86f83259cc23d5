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
