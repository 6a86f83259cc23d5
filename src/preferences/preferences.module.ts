import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SettingsModule } from '../settings/settings.module';
import { Subscriber } from '../subscribers/subscriber.entity';
import { SubscriberTopicOptOut, Topic } from '../topics/topic.entity';
import { PreferenceLinksService } from './preference-links.service';
import { PreferencePagesController } from './preference-pages.controller';
import { PreferencesService } from './preferences.service';
import { UnsubscribeTokenService } from './unsubscribe-token.service';

/**
 * Preference center and unsubscribe (UNSUB-1..6): signed links (exported for the blast send loop), the public
 * token pages, and the changes they make to a subscriber's frequency, topics and status.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Subscriber, Topic, SubscriberTopicOptOut]), SettingsModule],
  controllers: [PreferencePagesController],
  providers: [UnsubscribeTokenService, PreferenceLinksService, PreferencesService],
  exports: [UnsubscribeTokenService, PreferenceLinksService],
})
export class PreferencesModule {}
