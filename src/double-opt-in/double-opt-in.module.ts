import { Module } from '@nestjs/common';
import { SettingsModule } from '../settings/settings.module';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { ConfirmationTokenService } from './confirmation-token.service';
import { DoubleOptInController } from './double-opt-in.controller';
import { DoubleOptInService } from './double-opt-in.service';
import { SignupsController } from './signups.controller';

/**
 * Double opt-in (COMP-4): status of new signups under the organization's setting, the confirmation email with its
 * signed link and one reminder, and the scanner-safe confirmation page. Exported for petition signing (and any signup).
 */
@Module({
  imports: [SubscribersModule, SettingsModule],
  controllers: [DoubleOptInController, SignupsController],
  providers: [DoubleOptInService, ConfirmationTokenService],
  exports: [DoubleOptInService],
})
export class DoubleOptInModule {}
