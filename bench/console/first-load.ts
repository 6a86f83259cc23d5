/**
 * The console's first load: the JavaScript and CSS that /console/index.html pulls in, gzipped (level 9, as a server
 * or CDN would send them), in KB. Goal (issue 14): ≤ 300 KB. Builds first unless --no-build.
 *
 *   npm run bench:console [-- --no-build]
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CONSOLE_DIR } from '../../src/core/http/console-app';

if (!process.argv.includes('--no-build')) execSync('npm run build:console', { stdio: 'inherit' });
const html = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
const assets = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const rows = assets.map((a) => {
  const bytes = readFileSync(join(CONSOLE_DIR, a));
  return { asset: a, rawKB: +(bytes.length / 1024).toFixed(1), gzipKB: +(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1) };
});
const total = rows.reduce((n, r) => n + r.gzipKB, 0);
console.table(rows);
console.log(JSON.stringify({ bench: 'console-first-load', gzipKB: +total.toFixed(1), goalKB: 300, withinGoal: total <= 300 }));
