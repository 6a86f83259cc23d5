import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../core/http/auth.decorators';
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
  list() {
    return this.topics.list();
  }

  @Post()
  @ApiOperation({ summary: 'Define a topic (names are unique case-insensitively: 409 otherwise)' })
  @ApiCreatedResponse({ type: TopicDto })
  create(@Body() dto: CreateTopicDto) {
    return this.topics.create(dto.name, dto.description);
  }

  @Get(':id')
  @ApiOkResponse({ type: TopicDto })
  get(@Param('id', uuid) id: string) {
    return this.topics.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: TopicDto })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateTopicDto) {
    return this.topics.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a topic and every opt-out of it' })
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
  @ApiOperation({ summary: "Every topic with whether this subscriber opted out of it" })
  @ApiOkResponse({ type: [SubscriberTopicDto] })
  list(@Param('id', uuid) id: string) {
    return this.topics.subscriberTopics(id);
  }

  @Put()
  @ApiOperation({ summary: 'Set the complete list of topics this subscriber opts out of' })
  @ApiOkResponse({ type: [SubscriberTopicDto] })
  async set(@Param('id', uuid) id: string, @Body() dto: SetTopicOptOutsDto) {
    await this.topics.setOptOuts(id, dto.optedOut);
    return this.topics.subscriberTopics(id);
  }
}
