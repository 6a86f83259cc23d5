import { Injectable, Logger } from '@nestjs/common';
import { Env } from '../core/config/env';
import { LinkTokenClaims, TEST_LINK_SUBSCRIBER_ID, UnsubscribeTokenService } from './unsubscribe-token.service';

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
    return this.links({ subscriberId, blastId });
  }

  /**
   * Links for a test send or preview of a blast (MSG-4): signed test links that lead to a page explaining them and
   * change nothing — never a real subscriber's links, even when the message was rendered for one.
   */
  forTestSend(blastId: string): RecipientLinks {
    return this.links({ subscriberId: TEST_LINK_SUBSCRIBER_ID, blastId, test: true });
  }

  preferencesUrl(subscriberId: string, blastId?: string): string {
    return this.url({ subscriberId, blastId, purpose: 'preferences' });
  }

  unsubscribeUrl(subscriberId: string, blastId?: string): string {
    return this.url({ subscriberId, blastId, purpose: 'unsubscribe' });
  }

  private links(claims: Omit<LinkTokenClaims, 'purpose'>): RecipientLinks {
    const unsubscribeUrl = this.url({ ...claims, purpose: 'unsubscribe' });
    return {
      preferencesUrl: this.url({ ...claims, purpose: 'preferences' }),
      unsubscribeUrl,
      listUnsubscribe: `<${unsubscribeUrl}>`,
      listUnsubscribePost: 'List-Unsubscribe=One-Click',
    };
  }

  private url(claims: LinkTokenClaims): string {
    const path = claims.purpose === 'unsubscribe' ? 'unsubscribe' : 'preferences';
    return `${this.base}/${path}/${this.tokens.sign(claims)}`;
  }
}
