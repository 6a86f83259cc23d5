import { BlastsModule } from './blasts/blasts.module';
import { BouncesModule } from './bounces/bounces.module';
import { DoubleOptInModule } from './double-opt-in/double-opt-in.module';
import { LegislatorsModule } from './legislators/legislators.module';
import { PetitionsModule } from './petitions/petitions.module';
import { PreferencesModule } from './preferences/preferences.module';
import { SegmentsModule } from './segments/segments.module';
import { SettingsModule } from './settings/settings.module';
import { SubscribersModule } from './subscribers/subscribers.module';
import { TopicsModule } from './topics/topics.module';

/** The product's domain modules, shared by the api and the worker. */
export const DOMAIN_MODULES = [
  SubscribersModule,
  TopicsModule,
  SegmentsModule,
  PreferencesModule,
  LegislatorsModule,
  PetitionsModule,
  SettingsModule,
  BlastsModule,
  BouncesModule,
  DoubleOptInModule,
];
