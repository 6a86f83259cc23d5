import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { LeadershipEntryDto, ListSenatorsQueryDto, SenatorDto } from './dto/legislator.dto';
import { LegislatorsService } from './legislators.service';

@ApiTags('legislators')
@ApiKeyAuth()
@Controller('api/v1/legislators')
export class LegislatorsController {
  constructor(private readonly legislators: LegislatorsService) {}

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
}
