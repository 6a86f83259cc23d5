import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { SubscriberFilter, subscriberFilterSql } from './subscriber-queries';
import { SubscribersService } from './subscribers.service';

const PAGE_SIZE = 5000;

/** Column order of the CSV export; the names are the ones the CSV import recognises, so an export re-imports. */
export const EXPORT_COLUMNS = [
  'id', 'email', 'first_name', 'last_name', 'zip', 'state', 'tags', 'status', 'frequency', 'source',
  'consent_at', 'consent_source', 'consent_text', 'custom_fields', 'unsubscribed_at', 'created_at', 'updated_at',
] as const;

/**
 * Spreadsheet programs run cells that start with = + - @ as formulas: prefix those with a quote (OWASP CSV
 * injection). Applied to free-text columns only (email, ids and dates never start that way legitimately).
 */
const defuse = (v: string | null) => (v && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

@Injectable()
export class SubscriberExportService {
  private readonly logger = new Logger(SubscriberExportService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly subscribers: SubscribersService,
  ) {}

  /**
   * Streamed CSV of a filter (SUB-5): keyset pages of 5,000 rows (subscribers_created_id_idx), so memory stays flat
   * whatever the list size. Unsubscribed/bounced/complained people are left out unless `includeSuppressed`.
   */
  exportCsv(filter: SubscriberFilter, includeSuppressed: boolean): Readable {
    const db = this.db;
    const logger = this.logger;
    async function* pages() {
      let after: { at: string; id: string } | null = null;
      let total = 0;
      for (;;) {
        const params: unknown[] = [];
        let where = subscriberFilterSql({ ...filter, mailableOnly: !includeSuppressed }, params);
        if (after) where += ` AND (s.created_at, s.id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`;
        const rows: Record<string, unknown>[] = await db.query(
          `SELECT s.id, s.email, s.first_name, s.last_name, s.zip, s.state, array_to_string(s.tags, ';') AS tags, s.status,
             s.frequency, s.source, s.consent_at, s.consent_source, s.consent_text, s.custom_fields::text AS custom_fields,
             s.unsubscribed_at, s.created_at, s.updated_at,
             to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
           FROM subscribers s WHERE ${where} ORDER BY s.created_at DESC, s.id DESC LIMIT ${PAGE_SIZE}`,
          params,
        );
        for (const r of rows) {
          yield EXPORT_COLUMNS.map((c) => {
            const v = r[c];
            if (v instanceof Date) return v.toISOString();
            if (v === null || v === undefined) return '';
            return ['first_name', 'last_name', 'tags', 'source', 'consent_source', 'consent_text', 'custom_fields'].includes(c)
              ? defuse(String(v))
              : String(v);
          });
        }
        total += rows.length;
        if (rows.length < PAGE_SIZE) break;
        const last = rows[rows.length - 1];
        after = { at: last.cursor_at as string, id: last.id as string };
      }
      logger.log(`exported ${total} subscribers`);
    }
    return Readable.from(pages()).pipe(stringify({ header: true, columns: [...EXPORT_COLUMNS] }));
  }

  /** Everything Cloture holds about one person (SUB-5), as JSON. */
  async exportPerson(id: string) {
    const subscriber = await this.subscribers.findById(id);
    if (!subscriber) throw new NotFoundException(`Subscriber ${id} not found`);
    const topicOptOuts: { topicId: string; name: string }[] = await this.db.query(
      `SELECT t.id AS "topicId", t.name FROM subscriber_topic_opt_outs o JOIN topics t ON t.id = o.topic_id
       WHERE o.subscriber_id = $1 ORDER BY t.name`,
      [id],
    );
    return { subscriber, topicOptOuts, related: await this.relatedRecords(id), exportedAt: new Date().toISOString() };
  }

  /**
   * Rows of every other table that refers to the person by `subscriber_id` (signatures, deliveries, unsubscribe and
   * bounce events, …), found in the catalog so that a module added later is exported too. Up to 1,000 rows a table;
   * columns that hold tokens, secrets or hashes are left out.
   */
  private async relatedRecords(id: string): Promise<Record<string, Record<string, unknown>[]>> {
    const columns: { table_name: string; column_name: string }[] = await this.db.query(
      `SELECT c.table_name, c.column_name
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
       WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
         AND c.table_name IN (SELECT table_name FROM information_schema.columns
                              WHERE table_schema = current_schema() AND column_name = 'subscriber_id')
         AND c.table_name NOT IN ('subscribers', 'subscriber_topic_opt_outs')
       ORDER BY c.table_name, c.ordinal_position`,
    );
    const byTable = new Map<string, string[]>();
    for (const c of columns) {
      if (/token|secret|hash|password/i.test(c.column_name)) continue;
      byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name]);
    }
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const related: Record<string, Record<string, unknown>[]> = {};
    for (const [table, cols] of byTable) {
      const rows: Record<string, unknown>[] = await this.db.query(
        `SELECT ${cols.map(quote).join(', ')} FROM ${quote(table)} WHERE subscriber_id = $1 LIMIT 1000`,
        [id],
      );
      if (rows.length) related[table] = rows;
    }
    return related;
  }
}
