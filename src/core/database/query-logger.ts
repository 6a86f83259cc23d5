import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { describeDatabaseError, statementLabel } from './database-errors';

/**
 * TypeORM's log lines, JSON through the app's logger (OPS-2): a failed or slow statement is named by its verb, table
 * and a hash of its text (`UPDATE blast_deliveries #3fa1c2…`), with the SQLSTATE and a scrubbed message — never the
 * SQL text, its parameters (keys, addresses) or PostgreSQL's DETAIL. TypeORM's own loggers print all three as text.
 */
export class QueryLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {
    // Every statement would be noise and could leak through a future message format; never logged.
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.warn(`query failed: ${statementLabel(query)}: ${describeDatabaseError(error)}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${statementLabel(query)}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug?.(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : describeDatabaseError(message);
    if (level === 'warn') this.logger.warn(text);
    else this.logger.log(text);
  }
}
