import { BadRequestException, Injectable, Logger, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Env } from '../core/config/env';
import { BounceAction, BouncesService } from './bounces.service';
import { SesNotificationsResultDto } from './dto/bounce-webhook.dto';
import { SnsHttpClient } from './sns-http-client';
import { isSnsUrl, parseSnsMessage, SnsMessage, verifySnsSignature } from './sns-message';
import { sesNotificationToReports } from './ses-notification';

/**
 * Amazon SES notifications delivered by SNS (POST /webhooks/bounces/ses). Trust comes from SNS's own signature:
 * the certificate must come from https://sns.<region>.amazonaws.com, the signature must verify, and the topic must
 * be one of SES_SNS_TOPIC_ARNS when that list is set. Subscription confirmations are recorded and, unless
 * SES_SNS_AUTO_CONFIRM is off, confirmed.
 */
@Injectable()
export class SesNotificationsService {
  private readonly logger = new Logger(SesNotificationsService.name);

  constructor(
    private readonly bounces: BouncesService,
    private readonly sns: SnsHttpClient,
    private readonly env: Env,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async handle(body: unknown): Promise<SesNotificationsResultDto> {
    const parsed = parseSnsMessage(body);
    if ('error' in parsed) throw new BadRequestException(`Not an Amazon SNS message: ${parsed.error}`);
    const m = parsed.message;
    await this.authenticate(m);

    if (m.Type === 'SubscriptionConfirmation') return this.confirm(m);
    if (m.Type === 'UnsubscribeConfirmation') {
      await this.db.query(`UPDATE sns_subscriptions SET confirmed_at = NULL, updated_at = now() WHERE topic_arn = $1`, [m.TopicArn]);
      return { type: m.Type, events: 0, actions: {} };
    }
    const actions: Partial<Record<BounceAction, number>> = {};
    const reports = sesNotificationToReports(m.Message, m.MessageId);
    for (const report of reports) {
      const { action } = await this.bounces.record(report);
      actions[action] = (actions[action] ?? 0) + 1;
    }
    return { type: m.Type, events: reports.length, actions };
  }

  private async authenticate(m: SnsMessage): Promise<void> {
    if (!isSnsUrl(m.SigningCertURL, true)) throw new UnauthorizedException('SigningCertURL is not an Amazon SNS certificate URL');
    if (this.env.SES_SNS_TOPIC_ARNS.length && !this.env.SES_SNS_TOPIC_ARNS.includes(m.TopicArn)) {
      throw new UnauthorizedException('Topic not accepted (SES_SNS_TOPIC_ARNS)');
    }
    let pem: string;
    try {
      pem = await this.sns.getCertificate(m.SigningCertURL);
    } catch (e) {
      this.logger.warn(`SNS certificate unavailable: ${(e as Error).message}`);
      throw new ServiceUnavailableException('SNS signing certificate unavailable; retry later');
    }
    if (!verifySnsSignature(m, pem)) throw new UnauthorizedException('Invalid SNS signature');
  }

  private async confirm(m: SnsMessage): Promise<SesNotificationsResultDto> {
    const url = m.SubscribeURL as string;
    if (!isSnsUrl(url)) throw new BadRequestException('SubscribeURL is not an Amazon SNS URL');
    await this.db.query(
      `INSERT INTO sns_subscriptions (topic_arn, subscribe_url) VALUES ($1, $2)
       ON CONFLICT (topic_arn) DO UPDATE SET subscribe_url = EXCLUDED.subscribe_url, updated_at = now()`,
      [m.TopicArn.slice(0, 256), url.slice(0, 2048)],
    );
    if (!this.env.SES_SNS_AUTO_CONFIRM) return { type: m.Type, events: 0, actions: {}, subscription: 'recorded' };
    try {
      await this.sns.confirmSubscription(url);
    } catch (e) {
      await this.db.query(`UPDATE sns_subscriptions SET last_error = $2, updated_at = now() WHERE topic_arn = $1`, [
        m.TopicArn.slice(0, 256),
        (e as Error).message.slice(0, 500),
      ]);
      // SNS retries the delivery, and with it the confirmation.
      throw new ServiceUnavailableException('Could not confirm the SNS subscription; retry later');
    }
    await this.db.query(`UPDATE sns_subscriptions SET confirmed_at = now(), last_error = NULL, updated_at = now() WHERE topic_arn = $1`, [
      m.TopicArn.slice(0, 256),
    ]);
    this.logger.log('SNS subscription confirmed');
    return { type: m.Type, events: 0, actions: {}, subscription: 'confirmed' };
  }
}
