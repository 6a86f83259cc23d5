import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ImportRunnerService } from './import/import-runner.service';
import { ImportsController } from './import/imports.controller';
import { ImportsService } from './import/imports.service';
import { SubscriberImport } from './import/subscriber-import.entity';
import { SubscriberExportService } from './subscriber-export.service';
import { SubscribersController } from './subscribers.controller';
import { SubscribersService } from './subscribers.service';

/**
 * The list itself (SUB-1..6): subscribers and their upsert rules, suppression of erased addresses, CSV imports
 * (uploaded by the api, run by ImportsProcessor on a worker), export and erase.
 */
@Module({
  imports: [TypeOrmModule.forFeature([SubscriberImport])],
  controllers: [SubscribersController, ImportsController],
  providers: [SubscribersService, SubscriberExportService, ImportsService, ImportRunnerService],
  exports: [SubscribersService, ImportRunnerService],
})
export class SubscribersModule {}
