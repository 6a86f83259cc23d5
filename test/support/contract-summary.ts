import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OPENAPI_DOCUMENT_PATH } from '../../src/core/docs/openapi';
import { contractLogDir } from './contract-check';

/**
 * After the run: how many responses the contract check saw, how many broke it, and which documented operations no
 * test exercised (a gap in the suite, not a failure). Printed once by the global teardown.
 */
export function contractSummary(): string | null {
  const dir = contractLogDir();
  if (!existsSync(dir)) return null;
  let responses = 0;
  let broken = 0;
  const seen = new Set<string>();
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      const { route, problems } = JSON.parse(line) as { route: string; problems: string[] };
      responses++;
      broken += problems.length ? 1 : 0;
      seen.add(route.replace(/^HEAD /, 'GET '));
    }
  }
  if (!process.env.CLOTURE_CONTRACT_KEEP_LOG) rmSync(dir, { recursive: true, force: true });
  const doc = JSON.parse(readFileSync(resolve(__dirname, '../..', OPENAPI_DOCUMENT_PATH), 'utf8')) as { paths: Record<string, object> };
  const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
  const untested = operations.filter((op) => !seen.has(op));
  return (
    `contract check: ${responses} responses checked against ${OPENAPI_DOCUMENT_PATH}, ${broken} mismatched; ` +
    `${operations.length - untested.length}/${operations.length} documented operations exercised` +
    (untested.length && untested.length <= 30 ? ` (not exercised: ${untested.join(', ')})` : '')
  );
}
