import { InjectQueue } from '@nestjs/bull';
import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { Env } from '../core/config/env';
import { MailService } from '../core/mail/mail.service';
import { JOBS, OptInReminderJob, QUEUES } from '../core/queue/queues';
import { maskEmail } from '../preferences/preference-pages';
import { SettingsService } from '../settings/settings.service';
import { SubscribersService } from '../subscribers/subscribers.service';
import { ConfirmationTokenService } from './confirmation-token.service';
import { renderConfirmationEmail, renderConfirmedPage, renderConfirmPage } from './double-opt-in-pages';
import { SignupDto, SignupResultDto } from './dto/signup.dto';

/** Where a confirmation is recorded as coming from (prefixed to the signup's own consent source). */
const CONFIRM_SOURCE_PREFIX = 'double-opt-in';
const SOURCE_MAX = 200;
const CONSENT_TEXT_MAX = 2000;

/**
 * Double opt-in (COMP-4), switched by the organization's `doubleOptIn` setting: a signup is `unconfirmed` until the
 * person presses the button behind the signed link in the confirmation email; only then is it `subscribed` (and only
 * `subscribed` receives blasts). GET pages never change anything (mail scanners prefetch links); POST confirms.
 * The consent record then holds the confirmation time, the signup's source and both wordings.
 */
@Injectable()
export class DoubleOptInService {
  private readonly logger = new Logger(DoubleOptInService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QUEUES.doubleOptIn) private readonly queue: Queue<OptInReminderJob>,
    private readonly subscribers: SubscribersService,
    private readonly settings: SettingsService,
    private readonly mail: MailService,
    private readonly tokens: ConfirmationTokenService,
    private readonly env: Env,
  ) {}

  /** The status a new signup (petition opt-in, API signup) gets under the organization's setting. */
  async statusForNewSignup(): Promise<'subscribed' | 'unconfirmed'> {
    return (await this.settings.get()).doubleOptIn ? 'unconfirmed' : 'subscribed';
  }

  /**
   * An API signup (the organizer's own form): subscribed at once, or `unconfirmed` with a confirmation email under
   * double opt-in. Same rules as a petition opt-in: an existing subscriber keeps their status, an unsubscribed person
   * opting in again is (re)confirmed, a bounced or complained address never changes.
   */
  async signup(dto: SignupDto): Promise<SignupResultDto> {
    const source = dto.source ?? 'api';
    const r = await this.subscribers.upsertByEmail({
      email: dto.email,
      firstName: dto.firstName,
      lastName: dto.lastName,
      zip: dto.zip,
      source,
      subscribe: true,
      status: await this.statusForNewSignup(),
      consent: { source, text: dto.consentText },
    });
    if (!r.subscriber) throw new ConflictException('This address cannot be signed up');
    const confirmationSent = r.subscriber.status === 'unconfirmed' && (await this.sendConfirmation(r.subscriber.id));
    return { subscriberId: r.subscriber.id, status: r.subscriber.status, confirmationSent };
  }

  /** The link of the confirmation page for one subscriber. */
  confirmationUrl(subscriberId: string): string {
    return `${this.env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/confirm/${this.tokens.sign(subscriberId)}`;
  }

  /**
   * Queues the confirmation email and its one delayed reminder for an `unconfirmed` subscriber. Idempotent (fixed
   * job ids): signing twice does not mail twice. Returns false when there is nothing to confirm.
   */
  async sendConfirmation(subscriberId: string): Promise<boolean> {
    const s = await this.subscribers.findById(subscriberId);
    if (!s || s.status !== 'unconfirmed') return false;
    await this.mail.enqueue(await this.message(s, false), `opt-in-confirmation:${s.id}`);
    await this.queue.add(JOBS.doubleOptIn.remind, { subscriberId: s.id }, {
      jobId: `opt-in-reminder:${s.id}`,
      delay: this.env.DOUBLE_OPT_IN_REMINDER_DELAY_MS,
      attempts: 5,
      backoff: { type: 'exponential', delay: 60_000 },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
    this.logger.log(`confirmation queued for subscriber ${s.id}`);
    return true;
  }

  /** The reminder job: mails once more if the person has still not confirmed. */
  async remind(subscriberId: string): Promise<'sent' | 'skipped'> {
    const s = await this.subscribers.findById(subscriberId);
    if (!s || s.status !== 'unconfirmed') return 'skipped';
    await this.mail.enqueue(await this.message(s, true), `opt-in-reminder-mail:${s.id}`);
    this.logger.log(`confirmation reminder queued for subscriber ${s.id}`);
    return 'sent';
  }

  /** GET /confirm/:token — the page with the button. Changes nothing. */
  async confirmPage(token: string): Promise<string> {
    const s = await this.subscriberOf(token);
    const settings = await this.settings.get();
    return renderConfirmPage({
      action: token,
      maskedEmail: maskEmail(s.email),
      organization: organizationName(settings.legalName),
      wording: confirmWording(settings.legalName),
      alreadyConfirmed: s.status === 'subscribed',
    });
  }

  /** POST /confirm/:token — `unconfirmed` → `subscribed`, with the consent record. Idempotent. */
  async confirm(token: string): Promise<string> {
    const s = await this.subscriberOf(token);
    const settings = await this.settings.get();
    const wording = confirmWording(settings.legalName);
    if (s.status === 'unconfirmed') {
      // Only an unconfirmed row moves: an unsubscribe, bounce or complaint in the meantime wins.
      await this.db.query(
        `UPDATE subscribers
            SET status = 'subscribed', consent_at = now(),
                consent_source = left($2 || ':' || coalesce(consent_source, source, 'signup'), $4),
                consent_text = left($3 || coalesce(' Signup: ' || consent_text, ''), $5),
                updated_at = now()
          WHERE id = $1 AND status = 'unconfirmed'`,
        [s.id, CONFIRM_SOURCE_PREFIX, `Confirmed by email link: "${wording}"`, SOURCE_MAX, CONSENT_TEXT_MAX],
      );
      this.logger.log(`subscriber ${s.id} confirmed`);
    }
    return renderConfirmedPage({ maskedEmail: maskEmail(s.email), organization: organizationName(settings.legalName) });
  }

  /** A genuine token naming a subscriber who is unconfirmed or already subscribed; anything else is the same 404. */
  private async subscriberOf(token: string) {
    const id = this.tokens.verify(token);
    const s = id ? await this.subscribers.findById(id) : null;
    if (!s || (s.status !== 'unconfirmed' && s.status !== 'subscribed')) throw new NotFoundException('Unknown confirmation link');
    return s;
  }

  private async message(s: { id: string; email: string; firstName: string | null }, reminder: boolean) {
    const settings = await this.settings.get();
    const content = renderConfirmationEmail({
      firstName: s.firstName,
      organization: organizationName(settings.legalName),
      postalAddress: settings.postalAddress,
      url: this.confirmationUrl(s.id),
      reminder,
    });
    const from = settings.defaultFromEmail
      ? settings.defaultFromName
        ? { name: settings.defaultFromName, address: settings.defaultFromEmail }
        : settings.defaultFromEmail
      : undefined;
    return {
      to: s.email,
      ...content,
      from: typeof from === 'object' ? `"${from.name.replace(/["\\\r\n]/g, '')}" <${from.address}>` : from,
      replyTo: settings.defaultReplyTo ?? undefined,
      kind: reminder ? 'opt-in-reminder' : 'opt-in-confirmation',
      subscriberId: s.id,
    };
  }
}

const organizationName = (legalName: string | null) => legalName ?? 'us';
const confirmWording = (legalName: string | null) =>
  `Yes, I want to receive email from ${legalName ?? 'this organization'} at this address.`;
