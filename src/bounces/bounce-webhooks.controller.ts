import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { Throttle } from '@nestjs/throttler';
import { ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Public } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { BounceIntakeService } from './bounce-intake.service';
import { BounceWebhookDto, BounceWebhookResultDto, DsnResultDto, SesNotificationsResultDto } from './dto/bounce-webhook.dto';
import { SesNotificationsService } from './ses-notifications.service';
import { WebhookSignatureGuard } from './webhook-signature.guard';

const SIGNATURE_DOC = {
  name: 'X-Cloture-Signature',
  required: true,
  description: '`sha256=` + hex HMAC-SHA256 of the raw request body with BOUNCE_WEBHOOK_SECRET',
};

/**
 * Inbound bounce and complaint reports (COMP-3). Public routes; each authenticates its sender itself. Providers post
 * from a few addresses in bursts after a large blast, hence a per-IP budget far above the default for public routes.
 */
@ApiTags('webhooks')
@Controller('webhooks')
@Public()
@Throttle({ default: { limit: 12_000, ttl: 60_000 } })
export class BounceWebhooksController {
  constructor(
    private readonly intake: BounceIntakeService,
    private readonly ses: SesNotificationsService,
  ) {}

  @Post('bounces')
  @HttpCode(200)
  @UseGuards(WebhookSignatureGuard)
  @ApiOperation({ operationId: 'receiveBounceEvents', summary: 'Bounce/complaint events (generic JSON), signed with BOUNCE_WEBHOOK_SECRET' })
  @ApiHeader(SIGNATURE_DOC)
  @ApiOkResponse({ type: BounceWebhookResultDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Unsigned or forged: nothing changes' })
  receive(@Body() body: BounceWebhookDto): Promise<BounceWebhookResultDto> {
    return this.intake.fromWebhook(body.events);
  }

  @Post('dsn')
  @HttpCode(200)
  @UseGuards(WebhookSignatureGuard)
  @ApiOperation({ operationId: 'receiveDeliveryStatusReport', summary: 'A raw RFC 3464 delivery-status report or RFC 5965 (ARF) complaint, signed; auto-replies are ignored' })
  @ApiHeader(SIGNATURE_DOC)
  @ApiConsumes('message/rfc822', 'multipart/report')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: DsnResultDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Unsigned or forged: nothing changes' })
  dsn(@Req() req: { body?: unknown; headers: Record<string, string | string[] | undefined> }): Promise<DsnResultDto> {
    return this.intake.fromDsn(req.body, req.headers['content-type']);
  }

  @Post('bounces/ses')
  @HttpCode(200)
  @ApiOperation({ operationId: 'receiveSesNotification', summary: 'Amazon SES bounce/complaint notifications via Amazon SNS (SNS message signature verified)' })
  @ApiConsumes('text/plain', 'application/json')
  @ApiBody({ schema: { type: 'object', additionalProperties: true, description: 'An Amazon SNS HTTP(S) message' } })
  @ApiOkResponse({ type: SesNotificationsResultDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Bad signature, foreign certificate URL or topic' })
  sesViaSns(@Req() req: { body?: unknown }): Promise<SesNotificationsResultDto> {
    return this.ses.handle(req.body);
  }
}
