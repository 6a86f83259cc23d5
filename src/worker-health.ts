import './core/config/node-version';
import 'reflect-metadata';
import { checkWorkerHealth } from './blasts/worker-health';
import { loadEnvOrExit } from './core/config/env';

/**
 * `node dist/worker-health.js`: the worker container's health check (docker-compose.yml). Exit 0 when a worker in
 * this container heartbeat recently, 1 otherwise. A script of its own, not a `cli.js` command: the CLI loads the
 * whole application (seconds of CPU), this loads the settings and `pg` only.
 */
async function main() {
  const env = loadEnvOrExit();
  const { healthy, message } = await checkWorkerHealth(env);
  (healthy ? process.stdout : process.stderr).write(`${message}\n`);
  process.exit(healthy ? 0 : 1);
}

void main();
