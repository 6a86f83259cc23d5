import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { Env } from '../core/config/env';
import { LegislatorsService } from './legislators.service';
import { IncompleteRosterError, parseRoster, Roster, RosterFormatError } from './roster-file';

/** src/ (jest) and dist/ both sit two levels below the project root. */
const PROJECT_ROOT = join(__dirname, '..', '..');

/** Parsed once per process: several apps in one test process, or a restart of the module, reuse it. */
const parsed = new Map<string, Roster>();

/**
 * A fresh install gets a roster without anyone running the import: on start, when no senator is stored, the
 * bundled snapshot is imported. The import's advisory lock and `onlyIfEmpty` make api and workers starting
 * together load it exactly once; once a roster exists this costs one indexed SELECT. A snapshot that is not the
 * format or not a whole Senate is refused like any import (checkWholeSenate), logged, and the app starts without one.
 */
@Injectable()
export class RosterSnapshotLoader implements OnApplicationBootstrap {
  private readonly logger = new Logger(RosterSnapshotLoader.name);

  constructor(
    private readonly legislators: LegislatorsService,
    private readonly env: Env,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.env.LEGISLATORS_LOAD_ON_START || (await this.legislators.hasRoster())) return;
    const file = isAbsolute(this.env.LEGISLATORS_SNAPSHOT_FILE)
      ? this.env.LEGISLATORS_SNAPSHOT_FILE
      : join(PROJECT_ROOT, this.env.LEGISLATORS_SNAPSHOT_FILE);
    if (!existsSync(file)) {
      this.logger.warn(`no senators stored and no roster snapshot at ${file}; run npm run cli -- legislators:import <file>`);
      return;
    }
    try {
      let roster = parsed.get(file);
      if (!roster) {
        roster = parseRoster(readFileSync(file, 'utf8'));
        parsed.set(file, roster);
      }
      const result = await this.legislators.importRoster(roster, { onlyIfEmpty: true, trigger: 'snapshot', source: `file:${basename(file)}` });
      if (!result.skipped) this.logger.log(`loaded the bundled Senate roster: ${result.senators} senators`);
    } catch (e) {
      // Like a missing snapshot: start without a roster rather than refuse to start, which would also stop the CLI
      // that can import one (with --force if need be).
      if (!(e instanceof RosterFormatError || e instanceof IncompleteRosterError)) throw e;
      this.logger.error(`no senators stored and the roster snapshot ${file} was refused: ${e.message}`);
    }
  }
}
