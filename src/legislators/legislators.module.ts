import { Module } from '@nestjs/common';
import { LegislatorsController } from './legislators.controller';
import { LegislatorsService } from './legislators.service';
import { RosterAuditTrail } from './roster-audit-trail';
import { RosterRefreshService } from './roster-refresh.service';
import { RosterSnapshotLoader } from './roster-snapshot.loader';

/**
 * The Senate roster (TGT-1): import command, first-start snapshot, refresh from a URL (its processor and schedule
 * are registered by the worker), stored changes, read-only API, role/state resolution.
 */
@Module({
  controllers: [LegislatorsController],
  providers: [LegislatorsService, RosterRefreshService, RosterSnapshotLoader, RosterAuditTrail],
  exports: [LegislatorsService, RosterRefreshService],
})
export class LegislatorsModule {}
