import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BouncesModule } from '../bounces/bounces.module';
import { PreferencesModule } from '../preferences/preferences.module';
import { SegmentsModule } from '../segments/segments.module';
import { SettingsModule } from '../settings/settings.module';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { BlastQueueService } from './blast-queue.service';
import { BlastDelivery } from './blast-delivery.entity';
import { Blast } from './blast.entity';
import { BlastsController } from './blasts.controller';
import { BlastsService } from './blasts.service';
import { SendRateLimiterService } from './send-rate-limiter.service';

/**
 * Blasts (MSG-1..10): compose and validate, freeze the audience under the caps, send in batches at one global
 * rate. The processor and the reconciler run only on workers (worker.module.ts); their dependencies are exported.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Blast, BlastDelivery]), SettingsModule, SegmentsModule, PreferencesModule, SubscribersModule, BouncesModule],
  controllers: [BlastsController],
  // The send loop and the worker lease are worker-only (src/worker.module.ts): an api process never claims rows.
  providers: [BlastsService, BlastQueueService, SendRateLimiterService],
  exports: [BlastsService, BlastQueueService, SendRateLimiterService],
})
export class BlastsModule {}
