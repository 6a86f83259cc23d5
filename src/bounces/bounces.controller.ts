import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { BouncesService } from './bounces.service';
import { BlastDeliverabilityDto, BounceEventPageDto, ListBounceEventsQueryDto } from './dto/bounce-event.dto';
import { uuidParam } from '../core/http/uuid';

/** What the organizer sees of bounces and complaints (COMP-3). */
@ApiTags('bounces')
@ApiKeyAuth()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('api/v1/bounces')
export class BouncesController {
  constructor(private readonly bounces: BouncesService) {}

  @Get()
  @ApiOperation({ operationId: 'listBounceEvents', summary: 'Bounce, complaint and sender-policy events, newest first (type=policy: the sender alerts)' })
  @ApiOkResponse({ type: BounceEventPageDto })
  list(@Query() q: ListBounceEventsQueryDto): Promise<BounceEventPageDto> {
    return this.bounces.list(q);
  }

  @Get('blasts/:blastId')
  @ApiOperation({ operationId: 'getBlastDeliverability', summary: 'Deliverability of one blast: bounces, complaint rate, policy rejections, automatic pause reason' })
  @ApiOkResponse({ type: BlastDeliverabilityDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  blast(@Param('blastId', uuidParam('blastId')) blastId: string): Promise<BlastDeliverabilityDto> {
    return this.bounces.deliverability(blastId);
  }
}
