import { Injectable, Logger } from '@nestjs/common';
import { Env } from '../core/config/env';
import { UnsubscribeTokenService } from './unsubscribe-token.service';

export interface RecipientLinks {
  /** "Receive fewer emails": the preference center. */
  preferencesUrl: string;
  /** The unsubscribe confirmation page (GET) and one-click endpoint (POST). */
  unsubscribeUrl: string;
  /** Value of the `List-Unsubscribe` header (RFC 2369), e.g. `<https://…/unsubscribe/TOKEN>`. */
  listUnsubscribe: string;
  /** Value of the `List-Unsubscribe-Post` header (RFC 8058). */
  listUnsubscribePost: 'List-Unsubscribe=One-Click';
}

/**
 * Per-recipient links for every blast footer and its headers (UNSUB-1, UNSUB-4). Two HMACs and string work,
 * no database: safe to call once per recipient in the send loop.
 */
@Injectable()
export class PreferenceLinksService {
  private readonly base: string;

  constructor(
    env: Env,
    private readonly tokens: UnsubscribeTokenService,
  ) {
    this.base = env.PUBLIC_BASE_URL.replace(/\/+$/, '');
    if (env.NODE_ENV === 'production' && !this.base.startsWith('https://')) {
      // RFC 8058 one-click needs an HTTPS List-Unsubscribe URL; mailbox providers ignore plain http ones.
      new Logger(PreferenceLinksService.name).warn('PUBLIC_BASE_URL is not https: mailbox providers will not offer one-click unsubscribe');
    }
  }

  forRecipient(subscriberId: string, blastId?: string): RecipientLinks {
    const unsubscribeUrl = this.unsubscribeUrl(subscriberId, blastId);
    return {
      preferencesUrl: this.preferencesUrl(subscriberId, blastId),
      unsubscribeUrl,
      listUnsubscribe: `<${unsubscribeUrl}>`,
      listUnsubscribePost: 'List-Unsubscribe=One-Click',
    };
  }

  preferencesUrl(subscriberId: string, blastId?: string): string {
    return `${this.base}/preferences/${this.tokens.sign({ subscriberId, blastId, purpose: 'preferences' })}`;
  }

  unsubscribeUrl(subscriberId: string, blastId?: string): string {
    return `${this.base}/unsubscribe/${this.tokens.sign({ subscriberId, blastId, purpose: 'unsubscribe' })}`;
  }
}
