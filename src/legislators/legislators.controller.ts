import { Controller, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth, Roles } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import {
  LeadershipEntryDto,
  ListRosterChangesQueryDto,
  ListSenatorsQueryDto,
  RefreshQueuedDto,
  RosterChangePageDto,
  RosterRefreshStateDto,
  SenatorDto,
} from './dto/legislator.dto';
import { LegislatorsService } from './legislators.service';
import { RosterRefreshService } from './roster-refresh.service';

@ApiTags('legislators')
@ApiKeyAuth()
@Controller('api/v1/legislators')
export class LegislatorsController {
  constructor(
    private readonly legislators: LegislatorsService,
    private readonly refresher: RosterRefreshService,
  ) {}

  @Get('senators')
  @ApiOperation({ operationId: 'listSenators', summary: 'List current senators (filter by state or leadership role)' })
  @ApiOkResponse({ type: [SenatorDto] })
  list(@Query() query: ListSenatorsQueryDto) {
    return this.legislators.listSenators(query);
  }

  @Get('senators/:bioguideId')
  @ApiOperation({ operationId: 'getSenator', summary: 'One senator by bioguide id (also one who has left office)' })
  @ApiOkResponse({ type: SenatorDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(@Param('bioguideId') bioguideId: string) {
    const [senator] = /^[A-Z][0-9]{6}$/.test(bioguideId) ? await this.legislators.findSenators([bioguideId]) : [];
    if (!senator) throw new NotFoundException(`No senator with bioguide id ${bioguideId.slice(0, 20)}`);
    return senator;
  }

  @Get('leadership')
  @ApiOperation({ operationId: 'listLeadership', summary: 'Current Senate leadership: who holds each role petitions can target' })
  @ApiOkResponse({ type: [LeadershipEntryDto] })
  leadership() {
    return this.legislators.leadership();
  }

  @Get('changes')
  @ApiOperation({ operationId: 'listRosterChanges', summary: 'What each roster import or refresh changed, newest first' })
  @ApiOkResponse({ type: RosterChangePageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  changes(@Query() query: ListRosterChangesQueryDto) {
    return this.legislators.listChanges(query);
  }

  @Get('refresh')
  @ApiOperation({ operationId: 'getRosterRefresh', summary: 'The scheduled refresh: its setting and the last attempt (result, reason, ETag)' })
  @ApiOkResponse({ type: RosterRefreshStateDto })
  refreshState() {
    return this.refresher.state();
  }

  @Post('refresh')
  @Roles('admin')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'refreshRoster',
    summary: 'Refresh the roster from LEGISLATORS_SOURCE_URL now',
    description: 'Queues the job the schedule runs; a worker runs it. Follow GET /api/v1/legislators/refresh for the outcome.',
  })
  @ApiAcceptedResponse({ type: RefreshQueuedDto })
  @ApiConflictResponse({ description: 'No source configured (LEGISLATORS_SOURCE_URL is empty)', type: ErrorResponseDto })
  async refresh() {
    return { queued: true, ...(await this.refresher.trigger()) };
  }
}
