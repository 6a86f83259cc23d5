import { Module } from '@nestjs/common';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { BounceIntakeService } from './bounce-intake.service';
import { BouncesController } from './bounces.controller';
import { BounceWebhooksController } from './bounce-webhooks.controller';
import { BouncesService } from './bounces.service';
import { SesNotificationsService } from './ses-notifications.service';
import { SnsHttpClient } from './sns-http-client';
import { WebhookSignatureGuard } from './webhook-signature.guard';

/**
 * Bounces, complaints and sender-policy rejections (COMP-3): one event store and one policy, fed by the blast send
 * loop (SMTP replies), signed webhooks, Amazon SES via SNS and raw DSN/ARF reports.
 */
@Module({
  imports: [SubscribersModule],
  controllers: [BounceWebhooksController, BouncesController],
  providers: [BouncesService, BounceIntakeService, SesNotificationsService, SnsHttpClient, WebhookSignatureGuard],
  exports: [BouncesService],
})
export class BouncesModule {}
