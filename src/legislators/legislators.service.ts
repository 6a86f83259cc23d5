import { Injectable, Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { LeadershipRole, ROLE_LABELS } from './leadership-roles';
import {
  BUMP_ROSTER_VERSION_SQL,
  CURRENT_ROLES_SQL,
  CURRENT_ROSTER_SQL,
  INSERT_ROSTER_CHANGE_SQL,
  LIST_ROSTER_CHANGES_SQL,
  MARK_DEPARTED_SQL,
  REPLACE_ROLES_SQL,
  ROLE_MOVES_SQL,
  ROSTER_LOCK_SQL,
  ROSTER_VERSION_SQL,
  SENATOR_COLUMNS,
  UPSERT_SENATORS_SQL,
} from './legislator-queries';
import { diffRosters, isEmptyDiff, RoleMove, RosterDiff } from './roster-diff';
import { checkWholeSenate, IncompleteRosterError, parseRoster, Roster, RosterSenator } from './roster-file';

/** A senator as every module sees one: names, state, contact, and the leadership roles held now. */
export interface SenatorView extends Omit<RosterSenator, 'officialName' | 'termStart' | 'termEnd'> {
  name: string;
  inOffice: boolean;
  roles: LeadershipRole[];
}

export interface LeadershipEntry {
  role: LeadershipRole;
  title: string;
  since: string | null;
  senator: SenatorView;
}

export interface RosterImportResult {
  skipped: boolean;
  senators: number;
  created: number;
  updated: number;
  leftOffice: string[];
  roles: Partial<Record<LeadershipRole, string>>;
  /** States with one senator, accepted as vacant seats (see checkWholeSenate). */
  vacancies: string[];
  /** Why the roster is not a whole Senate (imported only with `force`); empty for a whole Senate. */
  problems: string[];
  /** Nothing differed from the stored roster: nothing was written (no version bump, no change row). */
  unchanged: boolean;
  /** The stored change (GET /api/v1/legislators/changes) when the roster changed. */
  changeId: string | null;
  diff: RosterDiff | null;
}

/** What started an import, kept with its change row. */
export const ROSTER_TRIGGERS = ['schedule', 'manual', 'cli', 'snapshot', 'service'] as const;
export type RosterTrigger = (typeof ROSTER_TRIGGERS)[number];

/** A committed roster change, as listeners (the petitions' organizer notice) receive it. */
export interface RosterChange {
  id: string;
  createdAt: Date;
  source: string;
  trigger: RosterTrigger;
  diff: RosterDiff;
}

/** A leadership role that changed hands, with when (for petitions created before it). */
export interface DatedRoleMove extends RoleMove {
  changeId: string;
  changedAt: Date;
}

export interface RosterImportOptions {
  /** No-op once any senator is stored (the first-start snapshot). */
  onlyIfEmpty?: boolean;
  /** Import even a roster that does not look like a whole Senate. */
  force?: boolean;
  /** Where the roster came from (a file name or a URL without credentials), kept with the change. */
  source?: string;
  trigger?: RosterTrigger;
}

/** The current roster as lookups need it, and the roster version it was loaded at (or after). */
interface RosterCache {
  version: string;
  roster: Promise<{ leadership: LeadershipEntry[]; byState: Map<string, SenatorView[]>; roleMoves: DatedRoleMove[] }>;
}

/** The Senate roster (TGT-1): import, read, and role/state resolution for petitions. */
@Injectable()
export class LegislatorsService {
  private readonly logger = new Logger(LegislatorsService.name);
  /**
   * The current roster is read on every signature and page view but changes only on import, so it is kept in
   * memory, keyed on the roster version that every import bumps in its transaction. Each lookup reads the version
   * (one row) and reloads when it moved: every route of every process sees a new roster from its next request on.
   */
  private cache?: RosterCache;
  private readonly changeListeners: { name: string; listener: (change: RosterChange) => Promise<void> }[] = [];

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Run `listener` after each committed roster change, in the process that imported it (another module's reaction,
   * e.g. the petitions' organizer notice; this module cannot import those). A failing listener is logged, never
   * undoes the import.
   */
  onRosterChange(name: string, listener: (change: RosterChange) => Promise<void>): void {
    if (!this.changeListeners.some((l) => l.name === name)) this.changeListeners.push({ name, listener });
  }

  /** Read a congress-legislators file (YAML or JSON) and import it. */
  async importFile(path: string, options: RosterImportOptions = {}): Promise<RosterImportResult> {
    return this.importRoster(parseRoster(await readFile(path, 'utf8')), { source: `file:${basename(path)}`, trigger: 'cli', ...options });
  }

  /**
   * Replace the roster with this one, in one transaction under an advisory lock: senators upserted, those absent
   * marked out of office (never deleted), roles replaced, the roster version bumped, and what changed stored
   * (roster_changes). A roster identical to the stored one (diffRosters finds nothing) writes nothing. A roster that does not look
   * like a whole Senate (checkWholeSenate) is refused before anything is written, unless `force`: a truncated
   * file would otherwise mark every senator it lacks as departed. `onlyIfEmpty` makes it a no-op once any senator
   * exists, so instances starting together load the snapshot once.
   */
  async importRoster(roster: Roster, options: RosterImportOptions = {}): Promise<RosterImportResult> {
    const { problems, vacancies } = checkWholeSenate(roster);
    if (problems.length && !options.force) throw new IncompleteRosterError(problems);
    let committed: RosterChange | undefined;
    const result = await this.dataSource.transaction(async (m): Promise<RosterImportResult> => {
      await m.query(ROSTER_LOCK_SQL);
      if (options.onlyIfEmpty && (await this.hasRoster(m))) {
        return { ...NOTHING, skipped: true, unchanged: true };
      }
      const diff = await this.diffWithStored(m, roster);
      if (isEmptyDiff(diff)) {
        return { ...NOTHING, senators: roster.senators.length, vacancies, problems, unchanged: true, roles: rolesOf(roster) };
      }
      const upserted: { inserted: boolean }[] = await m.query(UPSERT_SENATORS_SQL, [JSON.stringify(roster.senators)]);
      const departed: { bioguide_id: string }[] = await m.query(MARK_DEPARTED_SQL, [roster.senators.map((s) => s.bioguideId)]);
      await m.query('DELETE FROM leadership_roles');
      await m.query(REPLACE_ROLES_SQL, [JSON.stringify(roster.roles)]);
      // TypeORM answers an UPDATE … RETURNING with [rows, affected count].
      const [[{ version }]]: [{ version: string }[], number] = await m.query(BUMP_ROSTER_VERSION_SQL);
      const [change]: { id: string; createdAt: Date }[] = await m.query(INSERT_ROSTER_CHANGE_SQL, [
        (options.source ?? 'service').slice(0, 500),
        options.trigger ?? 'service',
        version,
        JSON.stringify(diff),
        diff.roles.map((r) => r.role),
      ]);
      committed = { id: change.id, createdAt: change.createdAt, source: options.source ?? 'service', trigger: options.trigger ?? 'service', diff };
      const created = upserted.filter((r) => r.inserted).length;
      return {
        skipped: false,
        senators: upserted.length,
        created,
        updated: upserted.length - created,
        leftOffice: departed.map((d) => d.bioguide_id),
        roles: rolesOf(roster),
        vacancies,
        problems,
        unchanged: false,
        changeId: change.id,
        diff,
      };
    });
    if (committed) await this.notifyChange(committed);
    if (!result.skipped && !result.unchanged) {
      this.logger.log(
        `roster imported: ${result.senators} senators (${result.created} new), ${result.leftOffice.length} left office, ${roster.roles.length} roles, vacant seats: ${vacancies.join(', ') || 'none'}`,
      );
      if (problems.length) this.logger.warn(`roster imported with force although it is not a whole Senate: ${problems.join('; ')}`);
    }
    return result;
  }

  private async diffWithStored(m: EntityManager, roster: Roster): Promise<RosterDiff> {
    const senators: RosterSenator[] = await m.query(CURRENT_ROSTER_SQL);
    const roles: { role: LeadershipRole; bioguideId: string }[] = await m.query(CURRENT_ROLES_SQL);
    return diffRosters({ senators, roles: Object.fromEntries(roles.map((r) => [r.role, r.bioguideId])) }, roster);
  }

  private async notifyChange(change: RosterChange): Promise<void> {
    for (const { name, listener } of this.changeListeners) {
      await listener(change).catch((e: Error) => this.logger.warn(`roster change ${change.id}: ${name} failed: ${e.message}`));
    }
  }

  /** Stored roster changes, newest first (keyset on id). */
  async listChanges(query: { limit?: number; before?: string }): Promise<{ items: unknown[]; nextBefore: string | null }> {
    const limit = query.limit ?? 20;
    const rows: { id: string; diff: RosterDiff }[] = await this.dataSource.query(LIST_ROSTER_CHANGES_SQL, [query.before ?? null, limit + 1]);
    const page = rows.slice(0, limit);
    return {
      items: page.map(({ diff, ...r }) => ({ ...r, ...diff })),
      nextBefore: rows.length > limit ? page[page.length - 1].id : null,
    };
  }

  /** Leadership roles that changed hands, oldest first (from memory, reloaded with the roster version). */
  async roleMoves(): Promise<DatedRoleMove[]> {
    return (await this.current()).roleMoves;
  }

  async hasRoster(manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM legislators WHERE chamber = 'senate' LIMIT 1`);
    return rows.length > 0;
  }

  /** Current senators (or all ever imported), optionally of one state or holding one role. */
  async listSenators(filter: { state?: string; role?: LeadershipRole; includeFormer?: boolean } = {}): Promise<SenatorView[]> {
    const where = [`l.chamber = 'senate'`];
    const params: unknown[] = [];
    if (!filter.includeFormer) where.push('l.in_office');
    if (filter.state) {
      params.push(filter.state);
      where.push(`l.state = $${params.length}`);
    }
    if (filter.role) {
      params.push(filter.role);
      where.push(`EXISTS (SELECT 1 FROM leadership_roles r WHERE r.bioguide_id = l.bioguide_id AND r.role = $${params.length})`);
    }
    return this.dataSource.query(
      `SELECT ${SENATOR_COLUMNS} FROM legislators l WHERE ${where.join(' AND ')} ORDER BY l.state, l.state_rank DESC NULLS LAST, l.last_name`,
      params,
    );
  }

  /** Senators by bioguide id, in office or not (a petition may name a senator who has since left). */
  async findSenators(bioguideIds: string[]): Promise<SenatorView[]> {
    if (bioguideIds.length === 0) return [];
    return this.dataSource.query(`SELECT ${SENATOR_COLUMNS} FROM legislators l WHERE l.bioguide_id = ANY($1::text[])`, [
      bioguideIds,
    ]);
  }

  /** The two current senators of a state (none for DC, territories, military codes). */
  async senatorsOf(state: string): Promise<SenatorView[]> {
    return (await this.current()).byState.get(state) ?? [];
  }

  /** Who holds each leadership role now; roles vacant in the roster are absent. */
  async leadership(): Promise<LeadershipEntry[]> {
    return (await this.current()).leadership;
  }

  /**
   * The current roster, from memory while the stored roster version is the one it was loaded at. The version is
   * read before the load, so what is cached is at least that new; one load per version, failures not cached.
   */
  private async current() {
    const [{ version }]: { version: string }[] = await this.dataSource.query(ROSTER_VERSION_SQL);
    if (this.cache?.version === version) return this.cache.roster;
    const entry: RosterCache = {
      version,
      roster: (async () => {
        const [leadership, senators, moves] = await Promise.all([
          this.loadLeadership(),
          this.listSenators(),
          this.dataSource.query(ROLE_MOVES_SQL) as Promise<{ changeId: string; changedAt: Date; move: RoleMove }[]>,
        ]);
        const byState = new Map<string, SenatorView[]>();
        for (const s of senators) byState.set(s.state, [...(byState.get(s.state) ?? []), s]);
        const roleMoves = moves.map((r) => ({ ...r.move, changeId: r.changeId, changedAt: r.changedAt }));
        return { leadership, byState, roleMoves };
      })(),
    };
    entry.roster.catch(() => {
      if (this.cache === entry) this.cache = undefined;
    });
    this.cache = entry;
    return entry.roster;
  }

  private async loadLeadership(): Promise<LeadershipEntry[]> {
    const rows: (SenatorView & { role: LeadershipRole; title: string; since: string | null })[] = await this.dataSource.query(
      `SELECT lr.role AS role, lr.title AS title, to_char(lr.since, 'YYYY-MM-DD') AS since, ${SENATOR_COLUMNS}
       FROM leadership_roles lr JOIN legislators l ON l.bioguide_id = lr.bioguide_id`,
    );
    // A SELECT alias cannot be both the role column and the senator's roles list: split them here.
    return rows
      .map(({ role, title, since, ...senator }) => ({ role, title: ROLE_LABELS[role] ?? title, since, senator }))
      .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
  }

  /** Holder of each role asked for, resolved now (TGT-2: at signing and at delivery time). */
  async holdersOf(roles: LeadershipRole[]): Promise<Map<LeadershipRole, SenatorView>> {
    if (roles.length === 0) return new Map();
    const entries = await this.leadership();
    return new Map(entries.filter((e) => roles.includes(e.role)).map((e) => [e.role, e.senator]));
  }
}

const NOTHING: RosterImportResult = {
  skipped: false, senators: 0, created: 0, updated: 0, leftOffice: [], roles: {}, vacancies: [], problems: [], unchanged: true, changeId: null, diff: null,
};

const rolesOf = (roster: Roster) => Object.fromEntries(roster.roles.map((r) => [r.role, r.bioguideId]));

const ROLE_ORDER: LeadershipRole[] = ['majority_leader', 'minority_leader', 'majority_whip', 'minority_whip', 'president_pro_tempore'];
