import { Module } from '@nestjs/common';
import { SubscribersService } from './subscribers.service';

/** The list itself (SUB-1..6): subscribers, their upsert rules, suppression of erased addresses, import/export. */
@Module({
  providers: [SubscribersService],
  exports: [SubscribersService],
})
export class SubscribersModule {}
