import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parse } from 'csv-parse';
import { isUUID } from 'class-validator';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { DataSource, QueryRunner } from 'typeorm';
import { SubscribersService } from '../subscribers.service';
import { MappingError, resolveMapping, ResolvedMapping, validateMappingShape } from './import-mapping';
import { CopyBinaryFieldStream } from './copy-binary-field';
import { cleanImportRow, copyLine } from './import-row';
import { DROP_UNCHANGED_IMPORT_ROWS_SQL, IMPORT_ROWS_TABLE_SQL, MERGE_IMPORT_SQL, STAGING_TABLE_SQL } from './import-queries';
import { ImportRowIssue, ImportRowIssueReason } from './subscriber-import.entity';

/** Returns a connection to the pool as broken, so that the pool closes it instead of handing it out again. */
function discard(runner: QueryRunner, error: Error): Promise<void> {
  return (runner as unknown as { releasePostgresConnection(err?: Error): Promise<void> }).releasePostgresConnection(error);
}

/** A problem with the file or its mapping: the import fails as a whole, nothing is written, no retry. */
export class ImportFailure extends Error {}

const MAX_LISTED_ISSUES = 1000;
const PROGRESS_EVERY_ROWS = 25_000;
/**
 * COPY text is sent in strings of about this many characters: below V8's large-object size (~128 KB; a string of
 * non-Latin-1 text takes two bytes a character), so spent batches die young instead of waiting for a full GC.
 */
const COPY_BATCH_CHARS = 32 * 1024;

interface ImportRecord {
  id: string;
  mapping: Record<string, unknown>;
  tags: string[];
  consent_basis: string;
}

interface StageResult {
  rowsRead: number;
  staged: number;
  invalidEmail: number;
  invalidRow: number;
  issues: ImportRowIssue[];
}

/**
 * Runs one CSV import (SUB-4) with constant memory: the stored upload streams back (binary COPY), is parsed by
 * csv-parse, each row validated and normalized, and streamed with COPY into a temporary staging table; then one
 * set-based merge (duplicates in the file, suppressed addresses, INSERT … ON CONFLICT) — all in one transaction,
 * so a malformed file or a wrong mapping writes nothing. Existing subscribers never change status (SUB-3).
 */
@Injectable()
export class ImportRunnerService {
  private readonly logger = new Logger(ImportRunnerService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly subscribers: SubscribersService,
  ) {}

  /**
   * Runs the import if it is still due (queued, or running after a worker died). A failure of the file itself is
   * recorded and returned; anything else is rethrown for a retry, except on the last attempt, where it is recorded.
   */
  async run(importId: string, lastAttempt: boolean): Promise<void> {
    const [imp]: ImportRecord[] = await this.db.query(
      `WITH u AS (UPDATE imports SET status = 'running', started_at = now(), rows_read = 0
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING id, mapping, tags, consent_basis) SELECT * FROM u`,
      [importId],
    );
    if (!imp) {
      this.logger.warn(`import ${importId} is not due (unknown, finished or still uploading); skipped`);
      return;
    }
    const started = Date.now();
    const runner = this.db.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // Sorting a million addresses for the de-duplication: in memory rather than on disk (server side).
      await client.query(`SET LOCAL work_mem = '128MB'`);
      await client.query(STAGING_TABLE_SQL);
      const staged = await this.stage(imp, client);
      const stagedAt = Date.now();
      const merged = await this.merge(imp, client, staged);
      const skipped = staged.invalidEmail + staged.invalidRow + merged.duplicates + merged.suppressed;
      await client.query(
        `UPDATE imports SET status = 'completed', finished_at = clock_timestamp(), rows_read = $2, created = $3, updated = $4,
           unchanged = $5, skipped_invalid_email = $6, skipped_duplicate = $7, skipped_suppressed = $8,
           skipped_invalid_row = $9, errors = $10::jsonb, error_count = $11 WHERE id = $1`,
        [imp.id, staged.rowsRead, merged.created, merged.updated, merged.unchanged, staged.invalidEmail, merged.duplicates,
          merged.suppressed, staged.invalidRow, JSON.stringify(merged.issues), skipped],
      );
      await client.query(`DELETE FROM import_uploads WHERE import_id = $1`, [imp.id]);
      await client.query('COMMIT');
      this.logger.log(
        `import ${imp.id} completed in ${Date.now() - started} ms (parse+copy ${stagedAt - started} ms, ` +
          `dedupe ${merged.timings.dedupe} ms, suppression ${merged.timings.suppression} ms, unchanged ${merged.timings.unchanged} ms, ` +
          `merge ${merged.timings.merge} ms): ` +
          `${staged.rowsRead} rows, ${merged.created} created, ${merged.updated} updated, ${merged.unchanged} unchanged, ${skipped} skipped`,
      );
    } catch (e) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError; // a connection that cannot roll back goes back to the pool only to be closed
      });
      if (e instanceof ImportFailure || lastAttempt) {
        const message = e instanceof ImportFailure ? e.message : 'The import could not be completed (internal error); nothing was written';
        this.logger.warn(`import ${imp.id} failed: ${e instanceof ImportFailure ? message : (e as Error).message}`);
        await this.db.query(
          `UPDATE imports SET status = 'failed', failure = $2, finished_at = clock_timestamp(), created = 0, updated = 0, unchanged = 0 WHERE id = $1`,
          [imp.id, message],
        );
        await this.db.query(`DELETE FROM import_uploads WHERE import_id = $1`, [imp.id]);
        return;
      }
      throw e;
    } finally {
      await (broken ? discard(runner, broken) : runner.release());
    }
  }

  /** Parse, validate and COPY every row into the staging table. */
  private async stage(imp: ImportRecord, client: PoolClient): Promise<StageResult> {
    const result: StageResult = { rowsRead: 0, staged: 0, invalidEmail: 0, invalidRow: 0, issues: [] };
    let mapping: ResolvedMapping | undefined;
    const shape = (() => {
      try {
        return validateMappingShape(imp.mapping);
      } catch (e) {
        throw new ImportFailure((e as Error).message);
      }
    })();
    const tags = imp.tags;
    const db = this.db;
    let prevEndLine = 0;
    let batch = '';

    const decoder = new TextDecoder('utf-8', { fatal: true });
    const decode = new Transform({
      readableObjectMode: false,
      transform(chunk: Buffer, _enc, cb) {
        if (chunk.includes(0)) return cb(new ImportFailure('The file contains NUL bytes: it is not a CSV text file'));
        try {
          cb(null, decoder.decode(chunk, { stream: true }));
        } catch {
          cb(new ImportFailure('The file is not UTF-8 text (save the CSV as UTF-8 and upload it again)'));
        }
      },
      flush(cb) {
        try {
          cb(null, decoder.decode());
        } catch {
          cb(new ImportFailure('The file is not UTF-8 text (save the CSV as UTF-8 and upload it again)'));
        }
      },
    });

    const rows = new Transform({
      writableObjectMode: true,
      readableObjectMode: false,
      transform(item: { record: string[]; info: { lines: number } }, _enc, cb) {
        const { record, info } = item;
        // Where the record starts: its end line, less the line breaks inside quoted fields.
        let line = info.lines;
        if (line > prevEndLine + 1) for (const f of record) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) line--;
        prevEndLine = info.lines;
        if (!mapping) {
          try {
            mapping = resolveMapping(shape, record);
          } catch (e) {
            return cb(e instanceof MappingError ? new ImportFailure(`${e.message}`) : (e as Error));
          }
          return cb();
        }
        result.rowsRead++;
        const cleaned = cleanImportRow(record, mapping, tags);
        if ('row' in cleaned) {
          result.staged++;
          batch += copyLine(line, cleaned.row);
        } else {
          if (cleaned.reason === 'invalid_email') result.invalidEmail++;
          else result.invalidRow++;
          if (result.issues.length < MAX_LISTED_ISSUES) result.issues.push({ line, reason: cleaned.reason, message: cleaned.message });
        }
        const out = batch.length >= COPY_BATCH_CHARS ? batch : '';
        if (out) batch = '';
        if (result.rowsRead % PROGRESS_EVERY_ROWS === 0) {
          // Progress through the pool (the import's own transaction is not visible until it commits).
          db.query(`UPDATE imports SET rows_read = $2 WHERE id = $1`, [imp.id, result.rowsRead]).then(
            () => cb(null, out || undefined),
            cb,
          );
          return;
        }
        cb(null, out || undefined);
      },
      flush(cb) {
        if (!mapping) return cb(new ImportFailure('The file is empty: expected a header line and data rows'));
        cb(null, batch || undefined);
      },
    });

    const parser = parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, max_record_size: 1024 * 1024 });
    const copy = client.query(
      copyFrom(`COPY import_staging (line, email, first_name, last_name, zip, state, tags, custom_fields) FROM STDIN`),
    );
    // The stored upload streams back on a second connection as binary COPY: Buffer slices straight off the socket.
    // (Reading the pieces with SELECT would turn each into a hex string twice its size: RSS grows by the file size.)
    if (!isUUID(imp.id)) throw new ImportFailure('invalid import id');
    const reader = this.db.createQueryRunner();
    const readClient = (await reader.connect()) as PoolClient;
    try {
      const upload = readClient.query(
        copyTo(`COPY (SELECT data FROM import_uploads WHERE import_id = '${imp.id}' ORDER BY seq) TO STDOUT (FORMAT binary)`),
      );
      await pipeline(upload, new CopyBinaryFieldStream(), decode, parser, rows, copy);
    } catch (e) {
      // The reading connection may be left in the middle of its COPY: the pool must discard it, not reuse it.
      await discard(reader, e as Error);
      const err = e as Error & { code?: string };
      if (err.code?.startsWith('CSV_')) throw new ImportFailure(`Malformed CSV: ${err.message}`);
      throw e;
    }
    await reader.release();
    return result;
  }

  /** The set-based part: first occurrence per address, suppressed addresses out, one INSERT … ON CONFLICT. */
  private async merge(imp: ImportRecord, client: PoolClient, staged: StageResult) {
    const issues: ImportRowIssue[] = [...staged.issues];
    const addIssues = (rows: { line: number; message: string }[], reason: ImportRowIssueReason) =>
      issues.push(...rows.map((r) => ({ line: r.line, reason, message: r.message })));

    const t0 = Date.now();
    await client.query(IMPORT_ROWS_TABLE_SQL);
    const [{ n: distinct }] = (await client.query(`SELECT count(*)::int AS n FROM import_rows`)).rows;
    const duplicates = staged.staged - distinct;
    if (duplicates > 0) {
      const dup = await client.query(
        `SELECT s.line, 'duplicate of line ' || r.line AS message
         FROM import_staging s JOIN import_rows r ON lower(r.email) = lower(s.email) AND r.line <> s.line
         ORDER BY s.line LIMIT ${MAX_LISTED_ISSUES}`,
      );
      addIssues(dup.rows, 'duplicate_in_file');
    }

    const t1 = Date.now();
    // Erased addresses stay out (SUB-5): an import is never fresh consent. Hashes under every key still accepted.
    let suppressed = 0;
    const [{ any }] = (await client.query(`SELECT EXISTS (SELECT 1 FROM suppressions) AS any`)).rows;
    if (any) {
      for (const key of this.subscribers.suppressionKeys) {
        const r = await client.query(
          `WITH d AS (
             DELETE FROM import_rows r USING suppressions x
             WHERE x.email_hash = encode(hmac(convert_to(lower(r.email), 'UTF8'), $1::bytea, 'sha256'), 'hex')
             RETURNING r.line)
           SELECT (SELECT count(*)::int FROM d) AS n,
                  (SELECT coalesce(array_agg(line ORDER BY line), '{}') FROM (SELECT line FROM d ORDER BY line LIMIT ${MAX_LISTED_ISSUES}) l) AS lines`,
          [key],
        );
        suppressed += r.rows[0].n;
        addIssues((r.rows[0].lines as number[]).map((line) => ({ line, message: 'address was erased; an import does not bring it back' })), 'suppressed');
      }
    }

    const t2 = Date.now();
    await client.query(DROP_UNCHANGED_IMPORT_ROWS_SQL);
    const t3 = Date.now();
    const m = await client.query(MERGE_IMPORT_SQL, [`import:${imp.id}`, imp.consent_basis, Date.now()]);
    const created = m.rows[0].created as number;
    const updated = m.rows[0].updated as number;
    issues.sort((a, b) => a.line - b.line);
    return {
      created,
      updated,
      unchanged: distinct - suppressed - created - updated,
      duplicates,
      suppressed,
      issues: issues.slice(0, MAX_LISTED_ISSUES),
      timings: { dedupe: t1 - t0, suppression: t2 - t1, unchanged: t3 - t2, merge: Date.now() - t3 },
    };
  }
}
