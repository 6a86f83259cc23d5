import { Module } from '@nestjs/common';
import { LegislatorsController } from './legislators.controller';
import { LegislatorsService } from './legislators.service';
import { RosterSnapshotLoader } from './roster-snapshot.loader';

/** The Senate roster (TGT-1): import command, first-start snapshot, read-only API, role/state resolution. */
@Module({
  controllers: [LegislatorsController],
  providers: [LegislatorsService, RosterSnapshotLoader],
  exports: [LegislatorsService],
})
export class LegislatorsModule {}
