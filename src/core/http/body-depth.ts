/** Deepest JSON body any endpoint needs (segment rule trees stop at 10 levels); deeper bodies are refused. */
export const MAX_BODY_DEPTH = 64;

/**
 * True when a parsed body nests arrays/objects deeper than `max`. Iterative on purpose: the point is to refuse
 * bodies like 20,000 nested arrays (40 KB) before the recursive validation pipe (class-transformer) walks them —
 * that recursion overflows the stack and can abort the whole process, not just fail the request.
 */
export function nestedDeeperThan(body: unknown, max: number = MAX_BODY_DEPTH): boolean {
  const stack: [unknown, number][] = [[body, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    // Only what a JSON or form parser produces: streams (CSV uploads) and buffers (raw MIME reports) are not walked.
    if (!isPlainData(value)) continue;
    if (depth > max) return true;
    const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
    for (const child of children) if (isPlainData(child)) stack.push([child, depth + 1]);
  }
  return false;
}

function isPlainData(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
