import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../core/http/auth.decorators';
import { ErrorResponseDto } from '../core/http/error-response.dto';
import { CreateTopicDto, SetTopicOptOutsDto, SubscriberTopicDto, TopicDto, UpdateTopicDto } from './dto/topic.dto';
import { TopicsService } from './topics.service';
import { uuidParam } from '../core/http/uuid';

const uuid = uuidParam();

@ApiTags('topics')
@ApiKeyAuth()
@Controller('api/v1/topics')
export class TopicsController {
  constructor(private readonly topics: TopicsService) {}

  @Get()
  @ApiOkResponse({ type: [TopicDto] })
  @ApiOperation({ operationId: 'listTopics', summary: 'List topics, by name' })
  list() {
    return this.topics.list();
  }

  @Post()
  @ApiOperation({ operationId: 'createTopic', summary: 'Define a topic (names are unique case-insensitively: 409 otherwise)' })
  @ApiCreatedResponse({ type: TopicDto })
  @ApiConflictResponse({ description: 'A topic of that name exists (names are compared case-insensitively)', type: ErrorResponseDto })
  create(@Body() dto: CreateTopicDto) {
    return this.topics.create(dto.name, dto.description);
  }

  @Get(':id')
  @ApiOkResponse({ type: TopicDto })
  @ApiOperation({ operationId: 'getTopic', summary: 'One topic' })
  get(@Param('id', uuid) id: string) {
    return this.topics.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: TopicDto })
  @ApiOperation({ operationId: 'updateTopic', summary: 'Rename or describe a topic (names stay unique case-insensitively: 409 otherwise)' })
  @ApiConflictResponse({ description: 'Another topic has that name (names are compared case-insensitively)', type: ErrorResponseDto })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateTopicDto) {
    return this.topics.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteTopic', summary: 'Delete a topic and every opt-out of it' })
  @ApiNoContentResponse()
  async remove(@Param('id', uuid) id: string) {
    await this.topics.remove(id);
  }
}

@ApiTags('topics')
@ApiKeyAuth()
@Controller('api/v1/subscribers/:id/topics')
export class SubscriberTopicsController {
  constructor(private readonly topics: TopicsService) {}

  @Get()
  @ApiOperation({ operationId: 'listSubscriberTopics', summary: "Every topic with whether this subscriber opted out of it" })
  @ApiOkResponse({ type: [SubscriberTopicDto] })
  list(@Param('id', uuid) id: string) {
    return this.topics.subscriberTopics(id);
  }

  @Put()
  @ApiOperation({ operationId: 'setSubscriberTopicOptOuts', summary: 'Set the complete list of topics this subscriber opts out of' })
  @ApiOkResponse({ type: [SubscriberTopicDto] })
  async set(@Param('id', uuid) id: string, @Body() dto: SetTopicOptOutsDto) {
    await this.topics.setOptOuts(id, dto.optedOut);
    return this.topics.subscriberTopics(id);
  }
}
