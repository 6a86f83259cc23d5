import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { SubscriberTopicOptOut, Topic } from './topic.entity';
import { SubscriberTopicsController, TopicsController } from './topics.controller';
import { TopicsService } from './topics.service';

/** Topics (PREF-1) and per-subscriber opt-outs; TopicsService is exported for preferences and blasts. */
@Module({
  imports: [TypeOrmModule.forFeature([Topic, SubscriberTopicOptOut]), SubscribersModule],
  controllers: [TopicsController, SubscriberTopicsController],
  providers: [TopicsService],
  exports: [TopicsService],
})
export class TopicsModule {}
