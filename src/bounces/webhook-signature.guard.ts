import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Env } from '../core/config/env';
import { SIGNATURE_HEADER, verifyWebhookSignature } from './webhook-signature';

interface RawRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  /** Set by Nest (app option rawBody) for JSON and urlencoded bodies. */
  rawBody?: Buffer;
}

/**
 * Lets a webhook request through only with a valid `X-Cloture-Signature` over its raw body (BOUNCE_WEBHOOK_SECRET).
 * Runs before validation, so a forged request learns nothing about the expected body and changes nothing.
 */
@Injectable()
export class WebhookSignatureGuard implements CanActivate {
  constructor(private readonly env: Env) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<RawRequest>();
    const raw = Buffer.isBuffer(req.body) ? req.body : req.rawBody;
    if (!this.env.BOUNCE_WEBHOOK_SECRET || !verifyWebhookSignature(this.env.BOUNCE_WEBHOOK_SECRET, raw, req.headers[SIGNATURE_HEADER])) {
      throw new UnauthorizedException('Missing or invalid X-Cloture-Signature');
    }
    return true;
  }
}
