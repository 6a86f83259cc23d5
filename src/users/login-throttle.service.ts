import { HttpException, HttpStatus, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { Env } from '../core/config/env';

/**
 * One round trip: count the attempt against the account and the IP address (each window starts at its first
 * attempt); answer how long to wait when either is over its limit, else 0. Counted before the password is checked,
 * so parallel guesses cannot slip past the limit; a success takes its attempt back (`SETTLE`).
 */
const TAKE = `
local a = redis.call('INCR', KEYS[1])
if a == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local i = redis.call('INCR', KEYS[2])
if i == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
local wait = 0
if a > tonumber(ARGV[2]) then wait = redis.call('PTTL', KEYS[1]) end
if i > tonumber(ARGV[3]) then wait = math.max(wait, redis.call('PTTL', KEYS[2])) end
return wait
`;

/**
 * ARGV[1] = 1, a success: the account starts afresh. Else (only the second factor was asked for) the account gets
 * just this attempt back, so wrong codes keep counting. Either way the IP address gets its attempt back.
 */
const SETTLE = `
if ARGV[1] == '1' then redis.call('DEL', KEYS[1])
elseif tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 0
`;

/** 429 with Retry-After (the exception filter turns `retryAfter` into the header). */
export class TooManySignInsException extends HttpException {
  constructor(retryAfterSeconds: number) {
    super(
      { message: 'Too many sign-in attempts; wait a while and try again (see Retry-After)', retryAfter: retryAfterSeconds },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Sign-in throttling per account and per IP address, in Redis so every api instance shares the counts (like the
 * public rate limits). The account key is a hash of the lower-cased address: Redis never holds addresses, and an
 * address without an account is counted the same as one with (the 429 tells nothing about which exist).
 */
@Injectable()
export class LoginThrottleService implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(private readonly env: Env) {
    this.redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    this.prefix = `${env.REDIS_PREFIX}:login:`;
  }

  /** Counts one attempt; throws TooManySignInsException when the account or the address is over its limit. */
  async take(email: string, ip: string): Promise<void> {
    const wait = (await this.redis.eval(
      TAKE, 2, ...this.keys(email, ip),
      this.env.LOGIN_THROTTLE_WINDOW_MINUTES * 60_000, this.env.LOGIN_ATTEMPTS_PER_ACCOUNT, this.env.LOGIN_ATTEMPTS_PER_IP,
    )) as number;
    if (wait > 0) throw new TooManySignInsException(Math.max(1, Math.ceil(wait / 1000)));
  }

  /** The sign-in succeeded: the account's failures are forgiven. */
  async succeeded(email: string, ip: string): Promise<void> {
    await this.redis.eval(SETTLE, 2, ...this.keys(email, ip), 1);
  }

  /** The attempt only asked for the second factor (the password was right): it does not count. */
  async refund(email: string, ip: string): Promise<void> {
    await this.redis.eval(SETTLE, 2, ...this.keys(email, ip), 0);
  }

  private keys(email: string, ip: string): [string, string] {
    const account = createHash('sha256').update(email.toLowerCase(), 'utf8').digest('hex');
    return [`${this.prefix}account:${account}`, `${this.prefix}ip:${ip}`];
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
