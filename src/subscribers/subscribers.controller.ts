import {
  Body,
  ConflictException,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Param,
 
  Patch,
  Post,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Caller } from '../api-keys/api-keys.service';
import { ApiCsvResponse } from '../core/docs/api-responses';
import { ApiKeyAuth, CurrentCaller } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import {
  BulkTagsDto,
  BulkTagsResultDto,
  ExportSubscribersQueryDto,
  ListSubscribersQueryDto,
  PersonalDataExportDto,
  ResubscribeDto,
  SubscriberDto,
  SubscriberPageDto,
  UpdateSubscriberDto,
  UpsertSubscriberDto,
  UpsertSubscriberResultDto,
} from './dto/subscriber.dto';
import { SubscriberExportService } from './subscriber-export.service';
import { SubscribersService } from './subscribers.service';
import { uuidParam } from '../core/http/uuid';

const uuid = uuidParam();

@ApiTags('subscribers')
@ApiKeyAuth()
@Controller('api/v1/subscribers')
export class SubscribersController {
  constructor(
    private readonly subscribers: SubscribersService,
    private readonly exports: SubscriberExportService,
  ) {}

  @Post()
  @ApiOperation({
    operationId: 'upsertSubscriber',
    summary: 'Create a subscriber, or update the profile of an existing address',
    description:
      'SUB-3: an existing person keeps their status (re-adding an unsubscribed, bounced or complained address does ' +
      'not resubscribe it — use `/resubscribe`). Tags are added, custom fields merged. An erased address is ' +
      'refused (409) unless `consent` records fresh consent. 201 when created, 200 when updated.',
  })
  @ApiCreatedResponse({ type: UpsertSubscriberResultDto })
  @ApiOkResponse({ type: UpsertSubscriberResultDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Erased (suppressed) address without fresh consent' })
  async upsert(@Body() dto: UpsertSubscriberDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { consent, ...profile } = dto;
    const r = await this.subscribers.upsertByEmail({
      ...profile,
      source: 'api',
      subscribe: true,
      resubscribe: false,
      consent: consent ? { source: consent.source ?? 'organizer', text: consent.text } : undefined,
    });
    if (!r.subscriber) {
      throw new ConflictException('This address was erased and is suppressed; add it again only with `consent` recording fresh consent');
    }
    reply.status(r.created ? 201 : 200);
    return { ...r.subscriber, created: r.created };
  }

  @Get()
  @ApiOperation({ operationId: 'listSubscribers', summary: 'List and search subscribers (newest first, cursor pagination)' })
  @ApiOkResponse({ type: SubscriberPageDto })
  list(@Query() q: ListSubscribersQueryDto) {
    const { limit, cursor, ...filter } = q;
    return this.subscribers.list(filter, limit ?? 50, cursor);
  }

  @Get('export.csv')
  @ApiOperation({ operationId: 'exportSubscribersCsv', summary: 'Streamed CSV export of a filter; unsubscribed/bounced/complained only for admins who ask' })
  @ApiCsvResponse('CSV with a header row')
  exportCsv(@Query() q: ExportSubscribersQueryDto, @CurrentCaller() caller: Caller) {
    const { includeSuppressed, ...filter } = q;
    if (includeSuppressed && caller.role !== 'admin') throw new ForbiddenException('Only an admin may export suppressed addresses');
    return new StreamableFile(this.exports.exportCsv(filter, !!includeSuppressed), {
      type: 'text/csv; charset=utf-8',
      disposition: 'attachment; filename="subscribers.csv"',
    });
  }

  @Post('tags')
  @HttpCode(200)
  @ApiOperation({ operationId: 'bulkTagSubscribers', summary: 'Add or remove tags in bulk, on ids or on everyone matching a filter' })
  @ApiOkResponse({ type: BulkTagsResultDto })
  async bulkTags(@Body() dto: BulkTagsDto) {
    return { affected: await this.subscribers.bulkTags(dto.action, dto.tags, { ids: dto.ids, filter: dto.filter }) };
  }

  @Get(':id')
  @ApiOkResponse({ type: SubscriberDto })
  @ApiOperation({ operationId: 'getSubscriber', summary: 'One subscriber: profile, status, tags, custom fields, frequency' })
  get(@Param('id', uuid) id: string) {
    return this.subscribers.getOrThrow(id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateSubscriber', summary: 'Update profile, tags (replaced), custom fields (replaced), frequency; null clears a field' })
  @ApiOkResponse({ type: SubscriberDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The subscriber was erased, or another subscriber has this email address' })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateSubscriberDto) {
    return this.subscribers.update(id, dto);
  }

  @Post(':id/unsubscribe')
  @HttpCode(200)
  @ApiOperation({ operationId: 'unsubscribeSubscriber', summary: 'Unsubscribe a person (idempotent)' })
  @ApiOkResponse({ type: SubscriberDto })
  unsubscribe(@Param('id', uuid) id: string) {
    return this.subscribers.unsubscribe(id);
  }

  @Post(':id/resubscribe')
  @HttpCode(200)
  @ApiOperation({ operationId: 'resubscribeSubscriber', summary: 'Resubscribe an unsubscribed, bounced or complained person; the consent basis is recorded' })
  @ApiOkResponse({ type: SubscriberDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The subscriber was erased: add the address again with fresh consent' })
  resubscribe(@Param('id', uuid) id: string, @Body() dto: ResubscribeDto) {
    return this.subscribers.resubscribe(id, dto.consent);
  }

  @Get(':id/export')
  @ApiOperation({ operationId: 'exportSubscriberData', summary: 'Everything held about one person, as JSON (data subject access)' })
  @ApiOkResponse({ type: PersonalDataExportDto })
  exportPerson(@Param('id', uuid) id: string) {
    return this.exports.exportPerson(id);
  }

  @Post(':id/erase')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'eraseSubscriber',
    summary: 'Erase a person: personal data replaced, the address kept only as a keyed hash that suppresses it',
    description: 'Later imports, API upserts and petition signatures of the address stay suppressed unless the person gives fresh consent.',
  })
  @ApiOkResponse({ type: SubscriberDto })
  erase(@Param('id', uuid) id: string) {
    return this.subscribers.erase(id);
  }
}
