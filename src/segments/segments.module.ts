import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Segment } from './segment.entity';
import { SegmentsController } from './segments.controller';
import { SegmentsService } from './segments.service';

/** Saved audiences (SEG): rules compiled by segment-query.ts; blasts use SegmentsService.audienceFilter. */
@Module({
  imports: [TypeOrmModule.forFeature([Segment])],
  controllers: [SegmentsController],
  providers: [SegmentsService],
  exports: [SegmentsService],
})
export class SegmentsModule {}
