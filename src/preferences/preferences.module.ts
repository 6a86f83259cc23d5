import { Module } from '@nestjs/common';
import { PreferenceLinksService } from './preference-links.service';
import { UnsubscribeTokenService } from './unsubscribe-token.service';

/** Preference center and unsubscribe (UNSUB-1..6): signed links, the token pages, and the changes they make. */
@Module({
  providers: [UnsubscribeTokenService, PreferenceLinksService],
  exports: [UnsubscribeTokenService, PreferenceLinksService],
})
export class PreferencesModule {}
