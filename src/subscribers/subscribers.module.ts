import { Module } from '@nestjs/common';
import { SubscriberExportService } from './subscriber-export.service';
import { SubscribersController } from './subscribers.controller';
import { SubscribersService } from './subscribers.service';

/** The list itself (SUB-1..6): subscribers, their upsert rules, suppression of erased addresses, export, erase. */
@Module({
  controllers: [SubscribersController],
  providers: [SubscribersService, SubscriberExportService],
  exports: [SubscribersService],
})
export class SubscribersModule {}
