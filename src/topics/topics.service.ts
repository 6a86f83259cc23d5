import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { SubscribersService } from '../subscribers/subscribers.service';
import { SubscriberTopicOptOut, Topic } from './topic.entity';
import { isUniqueViolation } from '../core/database/database-errors';


/** Topics (PREF-1) and each subscriber's opt-outs. Blasts carrying a topic skip those who opted out of it. */
@Injectable()
export class TopicsService {
  constructor(
    @InjectRepository(Topic) private readonly topics: Repository<Topic>,
    @InjectRepository(SubscriberTopicOptOut) private readonly optOuts: Repository<SubscriberTopicOptOut>,
    private readonly subscribers: SubscribersService,
  ) {}

  list(): Promise<Topic[]> {
    return this.topics.find({ order: { name: 'ASC' } });
  }

  async get(id: string): Promise<Topic> {
    const topic = await this.topics.findOne({ where: { id } });
    if (!topic) throw new NotFoundException(`Topic ${id} not found`);
    return topic;
  }

  async create(name: string, description?: string | null): Promise<Topic> {
    try {
      return await this.topics.save(this.topics.create({ name, description: description ?? null }));
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictException(`A topic named "${name}" already exists`);
      throw e;
    }
  }

  async update(id: string, patch: { name?: string; description?: string | null }): Promise<Topic> {
    const topic = await this.get(id);
    if (patch.name !== undefined) topic.name = patch.name;
    if (patch.description !== undefined) topic.description = patch.description;
    try {
      return await this.topics.save(topic);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictException(`A topic named "${patch.name}" already exists`);
      throw e;
    }
  }

  /** Deletes the topic and its opt-outs (ON DELETE CASCADE). */
  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.topics.delete({ id });
  }

  /** Every topic with whether the subscriber opted out of it. */
  async subscriberTopics(subscriberId: string): Promise<{ topicId: string; name: string; optedOut: boolean }[]> {
    await this.subscribers.getOrThrow(subscriberId);
    return this.topics.query(
      `SELECT t.id AS "topicId", t.name, (o.topic_id IS NOT NULL) AS "optedOut"
       FROM topics t LEFT JOIN subscriber_topic_opt_outs o ON o.topic_id = t.id AND o.subscriber_id = $1
       ORDER BY t.name`,
      [subscriberId],
    );
  }

  /** Ids of the topics a subscriber opted out of. */
  async optedOutTopicIds(subscriberId: string, manager?: EntityManager): Promise<string[]> {
    const repo = manager ? manager.getRepository(SubscriberTopicOptOut) : this.optOuts;
    return (await repo.find({ where: { subscriberId } })).map((o) => o.topicId);
  }

  /** Replaces the subscriber's opt-outs with exactly `topicIds` (one transaction); unknown topic ids → 400. */
  async setOptOuts(subscriberId: string, topicIds: string[], manager?: EntityManager): Promise<string[]> {
    const ids = [...new Set(topicIds)];
    const run = async (m: EntityManager) => {
      const sub = await this.subscribers.findById(subscriberId, m);
      if (!sub) throw new NotFoundException(`Subscriber ${subscriberId} not found`);
      const known: { id: string }[] = await m.query(`SELECT id FROM topics WHERE id = ANY($1::uuid[])`, [ids]);
      const missing = ids.filter((id) => !known.some((k) => k.id === id));
      if (missing.length) {
        throw new BadRequestException({
          message: `optedOut: unknown topic ${missing.join(', ')}`,
          details: missing.map((id) => ({ path: `optedOut[${topicIds.indexOf(id)}]`, message: `unknown topic ${id}` })),
        });
      }
      await m.query(`DELETE FROM subscriber_topic_opt_outs WHERE subscriber_id = $1 AND NOT (topic_id = ANY($2::uuid[]))`, [subscriberId, ids]);
      await m.query(
        `INSERT INTO subscriber_topic_opt_outs (subscriber_id, topic_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
        [subscriberId, ids],
      );
      return ids;
    };
    return manager ? run(manager) : this.topics.manager.transaction(run);
  }

  /** Opts one subscriber out of (or back in to) one topic. */
  async setOptOut(subscriberId: string, topicId: string, optedOut: boolean, manager?: EntityManager): Promise<void> {
    const m = manager ?? this.topics.manager;
    await this.get(topicId);
    if (!(await this.subscribers.findById(subscriberId, m))) throw new NotFoundException(`Subscriber ${subscriberId} not found`);
    if (optedOut) {
      await m.query(`INSERT INTO subscriber_topic_opt_outs (subscriber_id, topic_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [subscriberId, topicId]);
    } else {
      await m.query(`DELETE FROM subscriber_topic_opt_outs WHERE subscriber_id = $1 AND topic_id = $2`, [subscriberId, topicId]);
    }
  }
}
