import { hostname } from 'node:os';
import { Client } from 'pg';
import type { Env } from '../core/config/env';
import { HOST_HEARTBEAT_AGE_SQL } from './blast-queries';

export interface WorkerHealth {
  healthy: boolean;
  message: string;
}

/**
 * Is a worker on this host (in a container: this container) alive? Every worker heartbeats in PostgreSQL each
 * BLAST_RECONCILE_INTERVAL_MS from a timer of its own (BlastReconciler); it is healthy while its heartbeat is younger
 * than BLAST_WORKER_STALE_MS — the very age after which the other workers treat it as dead and re-send its rows.
 * A hung event loop, a lost database or a crashed process all stop the heartbeat. Plain `pg`, no Nest: a container
 * health check runs this every 30 s and must cost a fraction of a second.
 */
export async function checkWorkerHealth(env: Env, host = hostname()): Promise<WorkerHealth> {
  const client = new Client({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: 5000, statement_timeout: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ age_ms: string | null }>(HOST_HEARTBEAT_AGE_SQL, [`${host}:`]);
    // A beat written a moment after this statement's now() reads as a few milliseconds in the future: that is age 0.
    const age = rows[0]?.age_ms === null || rows[0]?.age_ms === undefined ? null : Math.max(0, Number(rows[0].age_ms));
    if (age === null) return { healthy: false, message: `no worker heartbeat from host ${host}` };
    const seconds = (age / 1000).toFixed(1);
    if (age > env.BLAST_WORKER_STALE_MS) {
      return { healthy: false, message: `last worker heartbeat from host ${host} was ${seconds} s ago (stale after ${env.BLAST_WORKER_STALE_MS} ms)` };
    }
    return { healthy: true, message: `worker on host ${host} heartbeat ${seconds} s ago` };
  } catch (e) {
    // pg's messages name host and port, never the password.
    return { healthy: false, message: `cannot read worker heartbeats: ${(e as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}
