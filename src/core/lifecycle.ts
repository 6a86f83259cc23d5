import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Env } from './config/env';
import { describeDatabaseError } from './database/database-errors';
import { DatabaseNotMigratedError, prepareDatabase } from './database/prepare-database';

/** Create/migrate the database before booting; a refusal prints the command that migrates and exits 1. */
export async function prepareOrExit(env: Env): Promise<void> {
  try {
    await prepareDatabase(env);
  } catch (e) {
    const logger = new Logger('Database');
    if (e instanceof DatabaseNotMigratedError) logger.error(e.message);
    else logger.error(`Cannot prepare the database at ${redactedDbUrl(env)}: ${describeDatabaseError(e)}`);
    process.exit(1);
  }
}

export function redactedDbUrl(env: Env): string {
  const u = new URL(env.DATABASE_URL);
  if (u.password) u.password = '***';
  return u.toString();
}

/** If graceful shutdown hangs (a stuck SMTP socket), exit anyway after SHUTDOWN_TIMEOUT_MS. */
export function armShutdownDeadline(env: Env): void {
  const arm = (signal: string) => {
    new Logger('Shutdown').log(`${signal} received, shutting down`);
    setTimeout(() => {
      new Logger('Shutdown').warn(`shutdown took longer than ${env.SHUTDOWN_TIMEOUT_MS} ms; exiting`);
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS).unref();
  };
  process.once('SIGTERM', () => arm('SIGTERM'));
  process.once('SIGINT', () => arm('SIGINT'));
}

/** Logs the end of a graceful shutdown: queues closed, connections drained (Nest then re-raises the signal). */
@Injectable()
export class ShutdownLogger implements OnApplicationShutdown {
  onApplicationShutdown(signal?: string): void {
    new Logger('Shutdown').log(`shutdown complete${signal ? ` (${signal})` : ''}`);
  }
}
