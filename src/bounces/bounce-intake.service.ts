import { BadRequestException, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { BounceAction, BounceReport, BouncesService } from './bounces.service';
import { parseDsnOrArf } from './dsn-report';
import { BounceWebhookEventDto, DsnResultDto } from './dto/bounce-webhook.dto';

/** Events of one batch applied at once (each takes a pooled connection for its transaction). */
const BATCH_LANES = 4;

/** Signed intake (generic JSON events, raw DSN/ARF reports) turned into bounce reports for BouncesService. */
@Injectable()
export class BounceIntakeService {
  constructor(private readonly bounces: BouncesService) {}

  async fromWebhook(events: BounceWebhookEventDto[]): Promise<DsnResultDto> {
    const now = Date.now();
    return this.apply(
      events.map((e) => {
        const provider = e.provider ?? 'webhook';
        const at = e.occurredAt ? new Date(Math.min(new Date(e.occurredAt).getTime(), now)) : undefined;
        // Retried deliveries of one event are applied once: by the provider's id, else by the event's own content
        // (only when it is dated — undated events cannot be told apart from a genuinely repeated bounce).
        const dedupeKey = e.id
          ? `webhook:${provider}:${e.id}`
          : e.occurredAt
            ? `webhook:${createHash('sha256').update(JSON.stringify([provider, e.type, e.email?.toLowerCase(), e.messageId, e.code, e.occurredAt])).digest('hex')}`
            : null;
        return { type: e.type, provider, email: e.email, messageId: e.messageId, code: e.code, detail: e.detail, occurredAt: at, dedupeKey };
      }),
    );
  }

  /**
   * A report posted as a whole message (`message/rfc822`), or as its multipart/report body with the report's own
   * content type as the HTTP one (the MIME headers are then rebuilt from it).
   */
  async fromDsn(raw: unknown, contentType?: unknown): Promise<DsnResultDto> {
    let bytes = Buffer.isBuffer(raw) ? raw : typeof raw === 'string' ? Buffer.from(raw) : null;
    if (!bytes || bytes.length === 0) throw new BadRequestException('Send the report as raw MIME (Content-Type: message/rfc822)');
    if (typeof contentType === 'string' && /^multipart\/report\b/i.test(contentType) && !/[\r\n]/.test(contentType)) {
      bytes = Buffer.concat([Buffer.from(`MIME-Version: 1.0\r\nContent-Type: ${contentType}\r\n\r\n`), bytes]);
    }
    const parsed = await parseDsnOrArf(bytes).catch(() => null);
    if (!parsed) throw new BadRequestException('The body is not a readable MIME message');
    if (parsed.kind === 'ignored') return { events: 0, actions: {}, ignored: parsed.reason };
    return this.apply(parsed.reports);
  }

  /**
   * Applies a batch a few events at a time: each event is its own short transaction, and events about one person
   * serialize on that person's row lock, so the order inside a batch does not change the outcome.
   */
  private async apply(reports: BounceReport[]): Promise<DsnResultDto> {
    const actions: Partial<Record<BounceAction, number>> = {};
    let next = 0;
    const lane = async () => {
      while (next < reports.length) {
        const { action } = await this.bounces.record(reports[next++]);
        actions[action] = (actions[action] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_LANES, reports.length) }, lane));
    return { events: reports.length, actions };
  }
}
