import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyAuth } from '../core/http/auth.decorators';
import { ApiCsvResponse } from '../core/docs/api-responses';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { CreatePetitionDto, ListPetitionsQueryDto, PetitionDto, UpdatePetitionDto } from './dto/petition.dto';
import { ListSignaturesQueryDto, PetitionStatsDto, SignaturePageDto } from './dto/signature.dto';
import { PetitionReportsService } from './petition-reports.service';
import { PetitionsService } from './petitions.service';

@ApiTags('petitions')
@ApiKeyAuth()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('api/v1/petitions')
export class PetitionsController {
  constructor(
    private readonly petitions: PetitionsService,
    private readonly reports: PetitionReportsService,
  ) {}

  @Post()
  @ApiOperation({ operationId: 'createPetition', summary: 'Create a petition (targets: leadership roles, senators, the signer\'s own senators)' })
  @ApiCreatedResponse({ type: PetitionDto })
  @ApiConflictResponse({ description: 'Slug already used', type: ErrorResponseDto })
  create(@Body() dto: CreatePetitionDto) {
    return this.petitions.create(dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listPetitions', summary: 'List petitions with their signature counts' })
  @ApiOkResponse({ type: [PetitionDto] })
  list(@Query() query: ListPetitionsQueryDto) {
    return this.petitions.list(query);
  }

  @Get(':id')
  @ApiParam({ name: 'id', description: 'Petition id (uuid) or slug' })
  @ApiOperation({ operationId: 'getPetition', summary: 'One petition, targets resolved against the current roster' })
  @ApiOkResponse({ type: PetitionDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('id') id: string) {
    return this.petitions.getView(id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updatePetition', summary: 'Edit a petition; status "closed" stops signing' })
  @ApiOkResponse({ type: PetitionDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Slug already used', type: ErrorResponseDto })
  update(@Param('id') id: string, @Body() dto: UpdatePetitionDto) {
    return this.petitions.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deletePetition', summary: 'Delete a petition nobody has signed (close it otherwise)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'It has signatures', type: ErrorResponseDto })
  async remove(@Param('id') id: string) {
    await this.petitions.remove(id);
  }

  @Get(':id/signatures')
  @ApiOperation({ operationId: 'listPetitionSignatures', summary: 'Signatures, newest first, cursor-paged' })
  @ApiOkResponse({ type: SignaturePageDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  signatures(@Param('id') id: string, @Query() query: ListSignaturesQueryDto) {
    return this.reports.signatures(id, query);
  }

  @Get(':id/stats')
  @ApiOperation({ operationId: 'getPetitionStats', summary: 'Counts by target (roles counted for their current holder), by state and by day' })
  @ApiOkResponse({ type: PetitionStatsDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  stats(@Param('id') id: string) {
    return this.reports.stats(id);
  }

  @Get(':id/delivery/:target')
  @ApiOperation({
    operationId: 'getPetitionDeliveryPacket',
    summary: 'Delivery packet (CSV, streamed) for one senator',
    description:
      'target: a leadership role (resolved to its holder now) or a bioguide id. Lists every signer addressed to that senator; ' +
      'a vacant role lists the signatures kept for its next holder.',
  })
  @ApiParam({ name: 'target', example: 'majority_leader' })
  @ApiCsvResponse(
    'CSV: name, state, zip, comment, signed_at, addressed_as, addressed_to_at_signing (the role holder when signed, or "vacant"), ' +
      'holder_now (the senator this packet is for, or "vacant")',
  )
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async delivery(@Param('id') id: string, @Param('target') target: string, @Res() reply: FastifyReply) {
    const packet = await this.reports.deliveryPacket(id, target);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${packet.filename}"`)
      .send(packet.stream);
  }
}
