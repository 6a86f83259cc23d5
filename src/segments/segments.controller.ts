import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKeyAuth, Roles } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { CreateSegmentDto, PreviewSegmentDto, SegmentCountDto, SegmentDto, UpdateSegmentDto } from './dto/segment.dto';
import { SegmentsService } from './segments.service';
import { uuidParam } from '../core/http/uuid';

const uuid = uuidParam();

@ApiTags('segments')
@ApiKeyAuth()
@Controller('api/v1/segments')
export class SegmentsController {
  constructor(private readonly segments: SegmentsService) {}

  @Get()
  @ApiOperation({ operationId: 'listSegments', summary: 'List saved segments' })
  @ApiOkResponse({ type: [SegmentDto] })
  list() {
    return this.segments.list();
  }

  @Post()
  @ApiOperation({ operationId: 'createSegment', summary: 'Save a segment (rules validated; referenced segments must exist, no cycles)' })
  @ApiCreatedResponse({ type: SegmentDto })
  @ApiBadRequestResponse({ description: 'Invalid rules: every bad node named by path in details', type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'A segment with this name exists', type: ErrorResponseDto })
  create(@Body() dto: CreateSegmentDto) {
    return this.segments.create(dto);
  }

  @Post('preview')
  @HttpCode(200)
  @Roles('viewer')
  @ApiOperation({ operationId: 'previewSegment', summary: 'Count subscribed people matching an unsaved rule tree, with a small sample (SEG-3)' })
  @ApiOkResponse({ type: SegmentCountDto })
  @ApiBadRequestResponse({ description: 'Invalid rules: every bad node named by path in details', type: ErrorResponseDto })
  preview(@Body() dto: PreviewSegmentDto) {
    return this.segments.preview(dto.rules);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getSegment', summary: 'One saved segment' })
  @ApiOkResponse({ type: SegmentDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('id', uuid) id: string) {
    return this.segments.get(id);
  }

  @Get(':id/count')
  @ApiOperation({ operationId: 'countSegment', summary: 'Count subscribed members of a saved segment now, with a small sample (SEG-3)' })
  @ApiOkResponse({ type: SegmentCountDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  count(@Param('id', uuid) id: string) {
    return this.segments.count(id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateSegment', summary: 'Rename, describe or change the rules of a segment' })
  @ApiOkResponse({ type: SegmentDto })
  @ApiBadRequestResponse({ description: 'Invalid rules (including a reference cycle)', type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'A segment with this name exists', type: ErrorResponseDto })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateSegmentDto) {
    return this.segments.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteSegment', summary: 'Delete a segment; refused while another segment or a blast uses it' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Referenced by another segment or used by a blast', type: ErrorResponseDto })
  async remove(@Param('id', uuid) id: string) {
    await this.segments.remove(id);
  }
}
