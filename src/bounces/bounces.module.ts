import { Module } from '@nestjs/common';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { BouncesService } from './bounces.service';

/**
 * Bounces, complaints and sender-policy rejections (COMP-3): one event store and one policy, fed by the blast send
 * loop (SMTP replies), signed webhooks, Amazon SES via SNS and raw DSN/ARF reports.
 */
@Module({
  imports: [SubscribersModule],
  providers: [BouncesService],
  exports: [BouncesService],
})
export class BouncesModule {}
