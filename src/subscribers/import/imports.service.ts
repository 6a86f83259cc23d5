import { InjectQueue } from '@nestjs/bull';
import { BadRequestException, Injectable, Logger, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { parse } from 'csv-parse/sync';
import { Repository } from 'typeorm';
import type { Caller } from '../../api-keys/api-keys.service';
import { Env } from '../../core/config/env';
import { assertSafeShape } from '../../core/http/request-shape';
import { JOBS, QUEUES, RunImportJob } from '../../core/queue/queues';
import { CONSENT_TEXT_MAX_LENGTH, FieldError, cleanTags } from '../subscriber-fields';
import { ImportMapping, MappingError, resolveMapping, validateMappingShape } from './import-mapping';
import { SubscriberImport } from './subscriber-import.entity';

/** Size of the stored pieces of an upload (rows of `import_uploads`; the worker streams them back with binary COPY). */
const CHUNK_BYTES = 1024 * 1024;
/** The header line must fit in this many bytes. */
const HEADER_MAX_BYTES = 1024 * 1024;

export interface ImportOptions {
  consentBasis: string;
  tags: string[];
  mapping: ImportMapping;
}

const badRequest = (path: string, message: string) =>
  new BadRequestException({ message: `${path}: ${message}`, details: [{ path, message }] });

/**
 * Receives CSV uploads (SUB-4): validates the options and the header against the mapping, stores the file in
 * PostgreSQL in 1 MB pieces as it streams in (constant memory; any worker can read it), then queues the import.
 */
@Injectable()
export class ImportsService {
  private readonly logger = new Logger(ImportsService.name);

  constructor(
    @InjectRepository(SubscriberImport) private readonly imports: Repository<SubscriberImport>,
    @InjectQueue(QUEUES.imports) private readonly queue: Queue<RunImportJob>,
    private readonly env: Env,
  ) {}

  /** Options from query parameters and/or multipart fields (strings). Unknown options → 400. */
  parseOptions(raw: Record<string, unknown>): ImportOptions {
    const known = ['consentBasis', 'tags', 'mapping'];
    for (const k of Object.keys(raw)) if (!known.includes(k)) throw badRequest(k, `unknown option (options: ${known.join(', ')})`);
    const basis = raw.consentBasis;
    if (typeof basis !== 'string' || !basis.trim()) {
      throw badRequest('consentBasis', 'required: state how and when the people in this file agreed to receive email');
    }
    if (basis.length > CONSENT_TEXT_MAX_LENGTH) throw badRequest('consentBasis', `must be at most ${CONSENT_TEXT_MAX_LENGTH} characters`);
    let tags: string[] = [];
    if (raw.tags !== undefined) {
      if (typeof raw.tags !== 'string') throw badRequest('tags', 'must be a comma-separated list');
      try {
        tags = cleanTags(raw.tags.split(',').map((t) => t.trim()).filter(Boolean)) ?? [];
      } catch (e) {
        if (e instanceof FieldError) throw badRequest(e.field, e.message.slice(e.field.length + 2));
        throw e;
      }
    }
    let mapping: ImportMapping = {};
    if (raw.mapping !== undefined) {
      let parsed: unknown;
      try {
        parsed = typeof raw.mapping === 'string' ? JSON.parse(raw.mapping) : raw.mapping;
      } catch {
        throw badRequest('mapping', 'must be a JSON object, e.g. {"email":"E-mail","firstName":"First name"}');
      }
      // JSON inside a query or form field never passed the edge's check of parsed bodies.
      assertSafeShape(parsed, 'mapping');
      try {
        mapping = validateMappingShape(parsed);
      } catch (e) {
        if (e instanceof MappingError) throw badRequest(e.path, e.message.slice(e.path.length + 2));
        throw e;
      }
    }
    return { consentBasis: basis.trim(), tags, mapping };
  }

  /**
   * Stores an upload and queues its import. The header is checked against the mapping as soon as it has arrived:
   * a wrong mapping or an unreadable header answers 400 and leaves nothing behind.
   */
  async upload(body: AsyncIterable<Buffer | string>, options: ImportOptions, filename: string | null, caller: Caller): Promise<SubscriberImport> {
    // Uploads cut off by an api process that died mid-way never finish: drop them (and their pieces) after a day.
    await this.imports.query(`DELETE FROM imports WHERE status = 'uploading' AND created_at < now() - interval '1 day'`);
    const imp = await this.imports.save(
      this.imports.create({
        status: 'uploading',
        filename: filename?.slice(0, 255) ?? null,
        mapping: options.mapping as Record<string, unknown>,
        tags: options.tags,
        consentBasis: options.consentBasis,
        createdByKeyId: caller.keyId,
      }),
    );
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    let seq = 0;
    let headerChecked = false;
    const store = async (final: boolean) => {
      if (!pendingBytes) return;
      const data = Buffer.concat(pending, pendingBytes);
      if (!headerChecked) {
        if (!final && data.length < HEADER_MAX_BYTES && !data.includes(0x0a)) return; // header still incomplete
        this.checkHeader(data, options.mapping);
        headerChecked = true;
      }
      await this.imports.query(`INSERT INTO import_uploads (import_id, seq, data) VALUES ($1, $2, $3)`, [imp.id, seq++, data]);
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const piece of body) {
        const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
        total += chunk.length;
        if (total > this.env.IMPORT_MAX_BYTES) throw new PayloadTooLargeException(`The file is larger than ${this.env.IMPORT_MAX_BYTES} bytes`);
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= CHUNK_BYTES) await store(false);
      }
      await store(true);
      if (total === 0) throw badRequest('file', 'the file is empty');
    } catch (e) {
      await this.imports.delete({ id: imp.id }); // its stored pieces go with it (ON DELETE CASCADE)
      const err = e as { code?: string; statusCode?: number };
      if (err.code === 'FST_REQ_FILE_TOO_LARGE') throw new PayloadTooLargeException(`The file is larger than ${this.env.IMPORT_MAX_BYTES} bytes`);
      throw e;
    }
    await this.imports.update({ id: imp.id }, { status: 'queued', bytes: total });
    await this.queue.add(JOBS.imports.run, { importId: imp.id }, {
      jobId: imp.id,
      attempts: 3,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
    this.logger.log(`import ${imp.id} queued (${total} bytes)`);
    return this.getOrThrow(imp.id);
  }

  /** The header line: text, parseable, and matching the mapping (the worker checks again when it runs). */
  private checkHeader(data: Buffer, mapping: ImportMapping): void {
    if (data.includes(0)) throw badRequest('file', 'the file contains NUL bytes: it is not a CSV text file');
    let header: string[] | undefined;
    try {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(data.subarray(0, HEADER_MAX_BYTES));
      header = (parse(text, { bom: true, to: 1, relax_column_count: true, skip_empty_lines: true }) as string[][])[0];
    } catch (e) {
      throw badRequest('file', `the header line is not valid CSV (${(e as Error).message})`);
    }
    if (!header?.length) throw badRequest('file', 'the file is empty: expected a header line');
    try {
      resolveMapping(mapping, header);
    } catch (e) {
      if (e instanceof MappingError) throw badRequest(e.path, e.message.slice(e.path.length + 2));
      throw e;
    }
  }

  async getOrThrow(id: string): Promise<SubscriberImport> {
    const imp = await this.imports.findOne({ where: { id } });
    if (!imp) throw new NotFoundException(`Import ${id} not found`);
    return imp;
  }

  list(limit = 50): Promise<SubscriberImport[]> {
    return this.imports.find({ order: { createdAt: 'DESC' }, take: limit });
  }
}

/** The API's view of an import: counters grouped, as documented by ImportDto. */
export function importView(i: SubscriberImport) {
  const skipped = {
    invalidEmail: i.skippedInvalidEmail,
    duplicateInFile: i.skippedDuplicate,
    suppressed: i.skippedSuppressed,
    invalidRow: i.skippedInvalidRow,
    total: i.skippedInvalidEmail + i.skippedDuplicate + i.skippedSuppressed + i.skippedInvalidRow,
  };
  return {
    id: i.id,
    status: i.status,
    filename: i.filename,
    bytes: i.bytes,
    mapping: i.mapping,
    tags: i.tags,
    consentBasis: i.consentBasis,
    rowsRead: i.rowsRead,
    created: i.created,
    updated: i.updated,
    unchanged: i.unchanged,
    skipped,
    errors: i.errors,
    errorCount: i.errorCount,
    failure: i.failure,
    createdAt: i.createdAt,
    startedAt: i.startedAt,
    finishedAt: i.finishedAt,
  };
}
