import { ConflictException, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { CreateSegmentDto, SegmentCountDto, UpdateSegmentDto } from './dto/segment.dto';
import { Segment } from './segment.entity';
import {
  buildSegmentQuery,
  countMembersSql,
  InvalidSegmentRulesException,
  MAX_SEGMENT_NESTING,
  petitionSlugReferences,
  referencedIds,
  SegmentQuery,
  SegmentReferences,
  SegmentRuleError,
  segmentReferences,
} from './segment-query';
import { isForeignKeyViolation, isStatementTimeout, isUniqueViolation } from '../core/database/database-errors';

const SAMPLE_SIZE = 10;
/** A count that runs longer than this is cancelled (a runaway tree must not hold a connection). */
const COUNT_TIMEOUT_MS = 30_000;
/** Serialises segment writes so two concurrent edits cannot create a reference cycle between them. */
const SEGMENT_WRITE_LOCK = 0x5e6_0001;
const MAX_LOADED_SEGMENTS = 200;


@Injectable()
export class SegmentsService {
  private readonly logger = new Logger(SegmentsService.name);

  constructor(
    @InjectRepository(Segment) private readonly segments: Repository<Segment>,
    private readonly dataSource: DataSource,
  ) {}

  list(): Promise<Segment[]> {
    return this.segments.find({ order: { name: 'ASC' } });
  }

  async get(id: string): Promise<Segment> {
    const segment = await this.segments.findOne({ where: { id } });
    if (!segment) throw new NotFoundException(`Segment ${id} not found`);
    return segment;
  }

  async create(dto: CreateSegmentDto): Promise<Segment> {
    return this.write(async (m) => {
      await this.assertNameFree(m, dto.name);
      await this.compile(dto.rules, 1, undefined, m, new Map(), true);
      const segment = m.create(Segment, {
        name: dto.name.trim(),
        description: dto.description ?? null,
        rules: dto.rules,
        referencedSegmentIds: segmentReferences(dto.rules),
      });
      const saved = await m.save(segment);
      this.logger.log(`segment ${saved.id} created`);
      return saved;
    });
  }

  async update(id: string, dto: UpdateSegmentDto): Promise<Segment> {
    return this.write(async (m) => {
      const segment = await m.findOne(Segment, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!segment) throw new NotFoundException(`Segment ${id} not found`);
      if (dto.rules !== undefined) {
        await this.compile(dto.rules, 1, id, m, new Map(), true);
        await this.assertReferrersStillCompile(m, id, dto.rules);
        segment.rules = dto.rules;
        segment.referencedSegmentIds = segmentReferences(dto.rules);
      }
      if (dto.name !== undefined) {
        await this.assertNameFree(m, dto.name, id);
        segment.name = dto.name.trim();
      }
      if (dto.description !== undefined) segment.description = dto.description;
      return m.save(segment);
    });
  }

  /** Refuses (409) while another segment references it, or while a blast uses it (foreign key). */
  async remove(id: string): Promise<void> {
    await this.write(async (m) => {
      const segment = await m.findOne(Segment, { where: { id } });
      if (!segment) throw new NotFoundException(`Segment ${id} not found`);
      // segments_referenced_segment_ids_gin.
      const users: { id: string; name: string }[] = await m.query(
        `SELECT id, name FROM segments WHERE referenced_segment_ids @> ARRAY[$1::uuid] ORDER BY name`,
        [id],
      );
      if (users.length) {
        throw new ConflictException({
          message: `Segment ${id} is used by ${users.length} other segment(s): ${users.map((u) => u.name).join(', ')}; remove those references first`,
          details: users.map((u) => ({ path: 'id', message: `referenced by segment ${u.id} (${u.name})` })),
        });
      }
      // blasts.segment_id is a foreign key (ON DELETE RESTRICT): check first for a clear answer; the key still guards
      // against a blast created meanwhile (23503 → 409 below).
      const [usedByBlast] = await m.query(`SELECT 1 FROM blasts WHERE segment_id = $1 LIMIT 1`, [id]);
      if (usedByBlast) throw new ConflictException(`Segment ${id} is used by a blast and cannot be deleted`);
      await m.delete(Segment, { id });
      this.logger.log(`segment ${id} deleted`);
    });
  }

  /**
   * The audience condition of a saved segment over `s` (subscribers), placeholders from `firstParamIndex`;
   * `null` means everyone (`TRUE`). Does NOT include `s.status = 'subscribed'`: the caller adds it.
   */
  async audienceFilter(segmentId: string | null, firstParamIndex: number): Promise<SegmentQuery> {
    if (segmentId === null) return { sql: 'TRUE', params: [] };
    const segment = await this.get(segmentId);
    return this.compile(segment.rules, firstParamIndex, segment.id);
  }

  /**
   * Keyset page of a segment's subscribed members in id order (after `afterId`, at most `limit`), for callers that
   * walk an audience without holding it in memory. subscribers_id_subscribed_idx serves the order.
   */
  async audiencePage(segmentId: string | null, afterId: string | null, limit: number): Promise<string[]> {
    const filter = await this.audienceFilter(segmentId, 3);
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT s.id FROM subscribers s
        WHERE s.status = 'subscribed' AND ($1::uuid IS NULL OR s.id > $1::uuid) AND (${filter.sql})
        ORDER BY s.id LIMIT $2`,
      [afterId, Math.max(1, Math.min(limit, 10_000)), ...filter.params],
    );
    return rows.map((r) => r.id);
  }

  /** SEG-3: subscribed members of a saved segment, right now, with a small sample. */
  async count(segmentId: string): Promise<SegmentCountDto> {
    return this.countWhere(await this.audienceFilter(segmentId, 1));
  }

  /** SEG-3: the same for an unsaved rule tree. */
  async preview(rules: unknown): Promise<SegmentCountDto> {
    return this.countWhere(await this.compile(rules, 1, undefined, this.dataSource.manager, new Map(), true));
  }

  /**
   * Validates and compiles `rules`, loading every saved segment they reach through `{"segment": id}` (the
   * transitive closure); `selfId` marks the segment being saved, so a reference back to it is a cycle.
   */
  async compile(
    rules: unknown,
    firstParamIndex: number,
    selfId?: string,
    m: EntityManager = this.dataSource.manager,
    /** Rules to use instead of the stored ones (a segment being edited). */
    overrides: ReadonlyMap<string, unknown> = new Map(),
    /** Refuse rules naming a petition, blast or topic that does not exist (rules being saved or previewed). */
    checkReferences = false,
  ): Promise<SegmentQuery> {
    const known = new Map<string, unknown>(overrides);
    if (selfId) known.set(selfId.toLowerCase(), rules);
    let frontier = [...new Set([rules, ...known.values()].flatMap(segmentReferences))].filter((id) => !known.has(id));
    for (let level = 0; frontier.length && level <= MAX_SEGMENT_NESTING && known.size < MAX_LOADED_SEGMENTS; level++) {
      const rows: { id: string; rules: unknown }[] = await m.query(`SELECT id, rules FROM segments WHERE id = ANY ($1::uuid[])`, [frontier]);
      for (const r of rows) known.set(r.id, r.rules);
      frontier = [...new Set(rows.flatMap((r) => segmentReferences(r.rules)))].filter((id) => !known.has(id));
    }
    // Petition slugs → ids up front: the SQL then names the petition id, and the planner estimates from its statistics.
    const slugs = [...new Set([rules, ...known.values()].flatMap(petitionSlugReferences))];
    const petitionIdsBySlug = new Map<string, string>();
    if (slugs.length) {
      const rows: { id: string; slug: string }[] = await m.query(`SELECT id, slug FROM petitions WHERE slug = ANY ($1::text[])`, [slugs]);
      for (const r of rows) petitionIdsBySlug.set(r.slug, r.id);
    }
    let references: SegmentReferences | undefined;
    if (checkReferences) {
      const ids = referencedIds(rules);
      // Existence only, by primary key; empty arrays cost nothing.
      const [row]: { petitions: string[]; blasts: string[]; topics: string[] }[] = await m.query(
        `SELECT ARRAY(SELECT id::text FROM petitions WHERE id = ANY ($1::uuid[])) AS petitions,
                ARRAY(SELECT id::text FROM blasts WHERE id = ANY ($2::uuid[])) AS blasts,
                ARRAY(SELECT id::text FROM topics WHERE id = ANY ($3::uuid[])) AS topics`,
        [ids.petitions, ids.blasts, ids.topics],
      );
      references = { petitions: new Set(row.petitions), blasts: new Set(row.blasts), topics: new Set(row.topics) };
    }
    return buildSegmentQuery(rules, { firstParamIndex, segments: known, selfId, petitionIdsBySlug, references });
  }

  /**
   * New rules for `id` must not break the segments that use it (directly or through others): a longer chain, a
   * bigger expansion. 409 naming each one that would no longer compile.
   */
  private async assertReferrersStillCompile(m: EntityManager, id: string, rules: unknown): Promise<void> {
    // segments_referenced_segment_ids_gin at each step.
    const referrers: { id: string; name: string; rules: unknown }[] = await m.query(
      `WITH RECURSIVE up(id) AS (
         SELECT s.id FROM segments s WHERE s.referenced_segment_ids @> ARRAY[$1::uuid]
         UNION
         SELECT s.id FROM segments s JOIN up ON s.referenced_segment_ids @> ARRAY[up.id]
       )
       SELECT s.id, s.name, s.rules FROM segments s JOIN up USING (id) ORDER BY s.name LIMIT ${MAX_LOADED_SEGMENTS}`,
      [id],
    );
    const broken: SegmentRuleError[] = [];
    for (const r of referrers) {
      try {
        await this.compile(r.rules, 1, r.id, m, new Map([[id.toLowerCase(), rules]]));
      } catch (e) {
        if (!(e instanceof InvalidSegmentRulesException)) throw e;
        for (const err of e.errors) broken.push({ path: 'rules', message: `segment ${r.id} (${r.name}) would break: ${err.path}: ${err.message}` });
      }
    }
    if (broken.length) {
      throw new ConflictException({
        message: `These rules would break ${new Set(broken.map((b) => b.message.split(' would')[0])).size} segment(s) that use this one: ${broken.map((b) => b.message).join('; ')}`,
        details: broken,
      });
    }
  }

  private async countWhere(filter: SegmentQuery): Promise<SegmentCountDto> {
    try {
      // One snapshot for the sample and the count, so they agree.
      return await this.dataSource.transaction('REPEATABLE READ', async (m) => {
        await m.query(`SET LOCAL statement_timeout = ${COUNT_TIMEOUT_MS}`);
        // A big rule tree can cross jit_above_cost; compiling it costs more than an interactive count saves.
        await m.query(`SET LOCAL jit = off`);
        // Sample first: when it comes back short it is the whole segment, and the count needs no second scan.
        const sample = await m.query(
          `SELECT s.id, s.email, s.first_name AS "firstName", s.last_name AS "lastName", s.state, s.zip
             FROM subscribers s WHERE s.status = 'subscribed' AND (${filter.sql}) LIMIT ${SAMPLE_SIZE}`,
          filter.params,
        );
        if (sample.length < SAMPLE_SIZE) return { count: sample.length, sample };
        const [{ count }] = await m.query(countMembersSql(filter), filter.params);
        return { count, sample };
      });
    } catch (e) {
      if (isStatementTimeout(e)) throw new ServiceUnavailableException('Counting this segment took too long; try a narrower rule');
      throw e;
    }
  }

  /** Checked under the write lock, so it cannot race; the unique index on lower(name) stays the last word. */
  private async assertNameFree(m: EntityManager, name: string, exceptId?: string): Promise<void> {
    const [taken] = await m.query(`SELECT id FROM segments WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2::uuid`, [name.trim(), exceptId ?? null]);
    if (taken) throw new ConflictException('A segment with this name already exists');
  }

  /** A segment write under the write lock; a duplicate name is a 409. */
  private async write<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(async (m) => {
        await m.query(`SELECT pg_advisory_xact_lock($1)`, [SEGMENT_WRITE_LOCK]);
        return work(m);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictException('A segment with this name already exists');
      if (isForeignKeyViolation(e)) throw new ConflictException('This segment is used by a blast and cannot be deleted');
      throw e;
    }
  }
}
