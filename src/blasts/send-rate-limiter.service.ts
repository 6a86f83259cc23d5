import { Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { Env } from '../core/config/env';

/**
 * One global send rate across every worker (MSG-8): a Redis-held schedule (GCRA with no burst). Each call reserves
 * the next free slot, `1/rate` seconds after the previous one, atomically in a Lua script on Redis' clock — so N
 * workers together never exceed the rate. A 4xx back-off pushes the schedule forward for everyone.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextFree)
local nextSlot = slot + tonumber(ARGV[1])
-- kept a minute past the last reserved slot (however far ahead a low rate has booked it)
redis.call('SET', KEYS[1], string.format('%.0f', nextSlot), 'PX', math.floor((nextSlot - now) / 1000) + 60000)
return slot - now`;

const PUSH_BACK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local target = now + tonumber(ARGV[1])
if target > nextFree then redis.call('SET', KEYS[1], string.format('%.0f', target), 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 60000) end
return 1`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Injectable()
export class SendRateLimiterService implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly key: string;
  private readonly intervalMicros: number;

  constructor(env: Env) {
    this.redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true });
    this.key = `${env.REDIS_PREFIX}:blasts:send-rate`;
    this.intervalMicros = Math.max(1, Math.round(1_000_000 / env.SEND_RATE_PER_SECOND));
  }

  /**
   * Waits for this worker's next slot. `stillWanted` is polled while waiting (every ≤ 250 ms); when it turns false
   * the wait ends early and false is returned (the slot is simply lost, which only slows the rate).
   */
  async acquire(stillWanted: () => boolean = () => true): Promise<boolean> {
    const waitMicros = Number(await this.redis.eval(RESERVE, 1, this.key, String(this.intervalMicros)));
    // An absolute deadline: late wake-ups do not add up over the steps.
    const until = Date.now() + waitMicros / 1000;
    for (let left = until - Date.now(); left >= 1; left = until - Date.now()) {
      if (!stillWanted()) return false;
      await sleep(Math.min(left, 250));
    }
    return stillWanted();
  }

  /** The SMTP server deferred (4xx): nobody sends for `ms`. */
  async pushBack(ms: number): Promise<void> {
    await this.redis.eval(PUSH_BACK, 1, this.key, String(Math.round(ms * 1000)));
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
