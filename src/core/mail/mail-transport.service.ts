import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createTransport, SendMailOptions, SentMessageInfo, Transporter } from 'nodemailer';
import { Env } from '../config/env';
import { dkimKeyFromEnv, useDkimSigning } from './dkim-signer';

/**
 * A send refused by its guard at the last moment (see MailTransportService.send): not a byte of it reached the
 * server, so it can be retried by whoever owns it now.
 */
export class SendFencedError extends Error {
  readonly code = 'EFENCED';
  constructor() {
    super('send refused by its guard before the SMTP transaction began');
  }
}

/** Options of one send. */
export interface SendOptions {
  /**
   * Asked synchronously right before the SMTP transaction begins — after any wait for a pooled connection — and the
   * message is not sent when it answers false (SendFencedError). The blast send loop passes its lease here, so a
   * process paused while a message waited for a connection cannot send it once it may belong to another worker.
   */
  guard?: () => boolean;
}

type GuardedMail = { data: { sendGuard?: () => boolean; fenced?: boolean }; message: { getEnvelope(): { to?: unknown } } };

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
    // The guard is read when the transport asks for the envelope: for the pool that is when a connection takes the
    // message, in the same synchronous step that writes MAIL FROM. An envelope without recipients makes the
    // connection refuse the message before writing anything.
    this.transporter.use('stream', (mail, done) => {
      const m = mail as unknown as GuardedMail;
      const guard = m.data.sendGuard;
      if (guard) {
        const envelope = m.message.getEnvelope.bind(m.message);
        m.message.getEnvelope = () => {
          if (guard()) return envelope();
          m.data.fenced = true;
          return { ...envelope(), to: [] };
        };
      }
      done();
    });
  }

  get mode(): 'smtp' | 'outbox' {
    return this.outboxDir ? 'outbox' : 'smtp';
  }

  async send(message: SendMailOptions, options: SendOptions = {}): Promise<SentInfo> {
    const data = options.guard ? { ...message, sendGuard: options.guard } : message;
    let info: SentMessageInfo;
    try {
      info = await this.transporter.sendMail(data as SendMailOptions);
    } catch (e) {
      if ((data as GuardedMail['data']).fenced) throw new SendFencedError();
      throw e;
    }
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
