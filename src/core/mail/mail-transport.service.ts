import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createTransport, SendMailOptions, Transporter } from 'nodemailer';
import { Env } from '../config/env';
import { dkimKeyFromEnv, useDkimSigning } from './dkim-signer';

export interface SentInfo {
  messageId: string;
  response: string;
  accepted: string[];
  rejected: string[];
  /** Path of the .eml file when writing to the outbox instead of SMTP. */
  file?: string;
}

/**
 * The one way mail leaves Cloture: pooled SMTP from SMTP_URL, or .eml files in MAIL_OUTBOX_DIR when no SMTP is
 * configured (a first run needs no mail server). With a DKIM key configured every message is signed here —
 * blasts, transactional mail and test emails alike (COMP-2).
 */
@Injectable()
export class MailTransportService implements OnModuleDestroy {
  private readonly logger = new Logger(MailTransportService.name);
  private readonly transporter: Transporter;
  readonly outboxDir?: string;

  constructor(private readonly env: Env) {
    if (env.SMTP_URL) {
      const url = new URL(env.SMTP_URL);
      this.transporter = createTransport({
        pool: true,
        host: url.hostname,
        port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587),
        secure: url.protocol === 'smtps:',
        auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
        maxConnections: env.SMTP_POOL_SIZE,
        maxMessages: Infinity,
        // Local sinks and mail catchers speak plain SMTP; opportunistic STARTTLS still applies when offered.
        ignoreTLS: url.searchParams.get('ignoreTLS') === 'true',
        tls: { rejectUnauthorized: url.searchParams.get('tlsRejectUnauthorized') !== 'false' },
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 60_000,
      });
    } else {
      this.outboxDir = resolve(env.MAIL_OUTBOX_DIR);
      this.transporter = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    }
    const dkim = dkimKeyFromEnv(env);
    if (dkim) useDkimSigning(this.transporter, dkim);
  }

  get mode(): 'smtp' | 'outbox' {
    return this.outboxDir ? 'outbox' : 'smtp';
  }

  async send(message: SendMailOptions): Promise<SentInfo> {
    const info = await this.transporter.sendMail(message);
    if (!this.outboxDir) {
      return {
        messageId: info.messageId,
        response: String(info.response ?? ''),
        accepted: (info.accepted ?? []).map(String),
        rejected: (info.rejected ?? []).map(String),
      };
    }
    await mkdir(this.outboxDir, { recursive: true });
    const file = join(this.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`);
    await writeFile(file, info.message as Buffer);
    const to = ([] as unknown[]).concat(message.to ?? []).map(String);
    return { messageId: info.messageId, response: 'written to outbox', accepted: to, rejected: [], file };
  }

  /** Checks the SMTP connection and credentials (no-op for the outbox). */
  async verify(): Promise<void> {
    if (!this.outboxDir) await this.transporter.verify();
  }

  onModuleDestroy(): void {
    this.transporter.close();
    this.logger.debug('mail transport closed');
  }
}
