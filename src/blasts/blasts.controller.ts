import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { AuditAction, AuditService } from '../audit/audit.service';
import { ApiKeyAuth, CurrentCaller } from '../core/http/auth.decorators';
import type { Caller } from '../core/http/caller';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { BlastsService } from './blasts.service';
import {
  AudienceEstimateDto,
  BlastDto,
  BlastPageDto,
  BlastStatsDto,
  CreateBlastDto,
  DeliveryPageDto,
  LedgerExportQueryDto,
  LedgerQueryDto,
  ListBlastsQueryDto,
  PreviewBlastDto,
  PreviewDto,
  ScheduleBlastDto,
  SentTimelineDto,
  TestSendBlastDto,
  TestSendResultDto,
  UpdateBlastDto,
  ValidationResultDto,
} from './dto/blast.dto';
import { uuidParam } from '../core/http/uuid';

const Id = () => Param('id', uuidParam());

@ApiTags('blasts')
@ApiKeyAuth()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@ApiNotFoundResponse({ type: ErrorResponseDto })
@Controller('api/v1/blasts')
export class BlastsController {
  constructor(
    private readonly blasts: BlastsService,
    private readonly audit: AuditService,
  ) {}

  /** Records who did it (audit log) and answers the blast. */
  private async audited(caller: Caller, action: AuditAction, blast: Parameters<typeof BlastsService.toDto>[0], details?: Record<string, unknown>): Promise<BlastDto> {
    await this.audit.record(caller, action, { type: 'blast', id: blast.id }, { status: blast.status, ...details });
    return BlastsService.toDto(blast);
  }

  @Post()
  @ApiOperation({ operationId: 'createBlast', summary: 'Create a draft blast (MSG-1)' })
  @ApiCreatedResponse({ type: BlastDto })
  async create(@Body() dto: CreateBlastDto, @CurrentCaller() caller: Caller): Promise<BlastDto> {
    return this.audited(caller, 'blast.created', await this.blasts.create(dto));
  }

  @Get()
  @ApiOperation({ operationId: 'listBlasts', summary: 'List blasts, newest first (cursor pages)' })
  @ApiOkResponse({ type: BlastPageDto })
  list(@Query() q: ListBlastsQueryDto): Promise<BlastPageDto> {
    return this.blasts.list(q);
  }

  @Get(':id')
  @ApiOkResponse({ type: BlastDto })
  @ApiOperation({ operationId: 'getBlast', summary: 'One blast: content, audience, status and send progress' })
  async get(@Id() id: string): Promise<BlastDto> {
    return BlastsService.toDto(await this.blasts.get(id));
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateBlast', summary: 'Edit a draft (only drafts are editable)' })
  @ApiOkResponse({ type: BlastDto })
  @ApiConflictResponse({ type: ErrorResponseDto })
  async update(@Id() id: string, @Body() dto: UpdateBlastDto, @CurrentCaller() caller: Caller): Promise<BlastDto> {
    return this.audited(caller, 'blast.updated', await this.blasts.update(id, dto), { fields: AuditService.fieldsOf(dto) });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteBlast', summary: 'Delete a draft (or a cancelled blast that never sent)' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ type: ErrorResponseDto })
  async remove(@Id() id: string, @CurrentCaller() caller: Caller): Promise<void> {
    await this.blasts.remove(id);
    await this.audit.record(caller, 'blast.deleted', { type: 'blast', id });
  }

  @Post(':id/validate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'validateBlast', summary: 'Check templates (unknown merge fields, dangling greeting for a nameless recipient) and sender' })
  @ApiOkResponse({ type: ValidationResultDto })
  async validate(@Id() id: string): Promise<ValidationResultDto> {
    const problems = await this.blasts.validate(await this.blasts.get(id));
    return { valid: problems.length === 0, problems };
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiOperation({ operationId: 'previewBlast', summary: 'Render for a chosen subscriber or a sample recipient, footer included (MSG-4)' })
  @ApiOkResponse({ type: PreviewDto })
  preview(@Id() id: string, @Body() dto: PreviewBlastDto): Promise<PreviewDto> {
    return this.blasts.preview(id, dto.subscriberId);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({ operationId: 'testSendBlast', summary: 'Mail the rendered blast to up to 10 addresses now (MSG-4)' })
  @ApiOkResponse({ type: TestSendResultDto })
  async testSend(@Id() id: string, @Body() dto: TestSendBlastDto): Promise<TestSendResultDto> {
    return { sent: await this.blasts.testSend(id, dto.to, dto.subscriberId) };
  }

  @Post(':id/schedule')
  @HttpCode(200)
  @ApiOperation({ operationId: 'scheduleBlast', summary: 'Schedule a draft for a future time' })
  @ApiOkResponse({ type: BlastDto })
  @ApiConflictResponse({ type: ErrorResponseDto })
  async schedule(@Id() id: string, @Body() dto: ScheduleBlastDto, @CurrentCaller() caller: Caller): Promise<BlastDto> {
    return this.audited(caller, 'blast.scheduled', await this.blasts.schedule(id, dto.sendAt), { sendAt: dto.sendAt });
  }

  @Post(':id/unschedule')
  @HttpCode(200)
  @ApiOperation({ operationId: 'unscheduleBlast', summary: 'Return a scheduled blast to draft' })
  @ApiOkResponse({ type: BlastDto })
  @ApiConflictResponse({ type: ErrorResponseDto })
  async unschedule(@Id() id: string, @CurrentCaller() caller: Caller): Promise<BlastDto> {
    return this.audited(caller, 'blast.unscheduled', await this.blasts.unschedule(id));
  }

  @Post(':id/send')
  @HttpCode(202)
  @ApiOperation({ operationId: 'sendBlast', summary: 'Start sending now: freeze the audience, then send in batches (a second call is a no-op)' })
  @ApiAcceptedResponse({ description: 'Sending started (or already under way): the blast as it is now', type: BlastDto })
  @ApiConflictResponse({ type: ErrorResponseDto })
  async send(@Id() id: string, @CurrentCaller() caller: Caller): Promise<BlastDto> {
    return this.audited(caller, 'blast.sent', await this.blasts.send(id));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ operationId: 'pauseBlast', summary: 'Pause a sending blast (new messages stop within a second)' })
  @ApiOkResponse({ type: BlastDto })
  @ApiConflictResponse({ type: ErrorResponseDto })
  async pause(@Id() id: string, @CurrentCaller() caller: Caller): Promise<BlastDto> {
    return this.audited(caller, 'blast.paused', await this.blasts.pause(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resumeBlast', summary: 'Resume a paused blast where it stopped' })
  @ApiOkResponse({ type: BlastDto })
  @ApiConflictResponse({ type: ErrorResponseDto })
  async resume(@Id() id: string, @CurrentCaller() caller: Caller): Promise<BlastDto> {
    return this.audited(caller, 'blast.resumed', await this.blasts.resume(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelBlast', summary: 'Cancel a draft, scheduled, sending or paused blast' })
  @ApiOkResponse({ type: BlastDto })
  @ApiConflictResponse({ type: ErrorResponseDto })
  async cancel(@Id() id: string, @CurrentCaller() caller: Caller): Promise<BlastDto> {
    return this.audited(caller, 'blast.cancelled', await this.blasts.cancel(id));
  }

  @Get(':id/stats')
  @ApiOperation({ operationId: 'getBlastStats', summary: 'Audience, skipped by reason, sent, failed, bounced, complained, unsubscribed (MSG-9)' })
  @ApiOkResponse({ type: BlastStatsDto })
  stats(@Id() id: string): Promise<BlastStatsDto> {
    return this.blasts.stats(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ operationId: 'listBlastDeliveries', summary: 'Per-recipient ledger, filterable by status and skip reason (MSG-10)' })
  @ApiOkResponse({ type: DeliveryPageDto })
  ledger(@Id() id: string, @Query() q: LedgerQueryDto): Promise<DeliveryPageDto> {
    return this.blasts.ledger(id, q);
  }

  @Get(':id/estimate')
  @ApiOperation({ operationId: 'estimateBlastAudience', summary: 'Dry run of the freeze: how many it would go to now, and how many caps, opt-outs and the org cap would skip' })
  @ApiOkResponse({ type: AudienceEstimateDto })
  estimate(@Id() id: string): Promise<AudienceEstimateDto> {
    return this.blasts.estimate(id);
  }

  @Get(':id/timeline')
  @ApiOperation({ operationId: 'getBlastTimeline', summary: 'Messages sent over time (buckets of a round width)' })
  @ApiOkResponse({ type: SentTimelineDto })
  timeline(@Id() id: string): Promise<SentTimelineDto> {
    return this.blasts.timeline(id);
  }

  @Get(':id/deliveries.csv')
  @ApiOperation({ operationId: 'exportBlastDeliveries', summary: 'The per-recipient ledger (or a filter of it) as a streamed CSV (MSG-10)' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV with a header row', schema: { type: 'string' } })
  async exportLedger(@Id() id: string, @Query() q: LedgerExportQueryDto): Promise<StreamableFile> {
    return new StreamableFile(await this.blasts.exportLedger(id, q), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="blast-${id}-recipients.csv"`,
    });
  }
}
