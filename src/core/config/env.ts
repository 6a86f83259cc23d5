import { Logger } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import { parseExpression } from 'cron-parser';
import { createPrivateKey } from 'node:crypto';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';
import { IsEmailAddress } from '../mail/email-address';

const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toNum = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;

const URL_PATTERN = (schemes: string) => new RegExp(`^(${schemes})://[^\\s]+$`, 'i');
const DEV_TOKEN_SECRET = 'cloture-development-token-secret-change-me';

/**
 * Secrets published in this repository (defaults, the old compose fallback, the test suite's constant): anyone can
 * sign links or call the API with them, so production refuses them however long they are.
 */
const PUBLISHED_SECRETS = new Set([
  DEV_TOKEN_SECRET,
  'change-me-to-32-or-more-random-characters',
  'test-token-secret-0123456789abcdef0123456789',
]);
const PLACEHOLDER = /change[-_ .]?me|replace[-_ .]?me|placeholder|example|your[-_ .]?(token[-_ .]?)?(secret|key)|passw(or)?d/i;
const GENERATE_HINT = 'generate one with: openssl rand -base64 48';

/**
 * Why a secret is unfit for production, or null. Thresholds keep every random value of a common shape (base64,
 * hex, even 16 hex characters) well clear: 6 distinct characters in 16 random hex digits happens about once in 30 000.
 */
export function weakSecretReason(value: string): string | null {
  if (PUBLISHED_SECRETS.has(value)) return 'is a default published with Cloture';
  if (PLACEHOLDER.test(value)) return 'looks like a placeholder';
  if (new Set(value).size < 6) return 'uses fewer than 6 different characters';
  if (/^(.+?)\1+$/s.test(value)) return 'is one short sequence repeated';
  return null;
}

/**
 * Every setting Cloture reads, validated once at boot. Both entrypoints (api, worker), the CLI and the
 * tests build this class; nothing else reads process.env. `.env.example` documents each variable.
 */
export class Env {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  /** Absolute base for links in emails (unsubscribe, preferences, petition pages). */
  @Matches(URL_PATTERN('https?'), { message: 'PUBLIC_BASE_URL must be an http(s) URL' })
  PUBLIC_BASE_URL = 'http://localhost:3000';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Matches(URL_PATTERN('postgres|postgresql'), { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/cloture';

  @Transform(toInt) @IsInt() @Min(1) @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** Apply pending migrations on start (default). When false, the app refuses to start on an unmigrated database. */
  @Transform(toBool) @IsBoolean()
  MIGRATE_ON_START = true;

  @Matches(URL_PATTERN('rediss?'), { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of every Redis key (queues, rate limits), so several installs or test runs can share one Redis. */
  @Matches(/^[A-Za-z0-9_:-]{1,64}$/, { message: 'REDIS_PREFIX must be 1-64 characters of A-Z a-z 0-9 _ : -' })
  REDIS_PREFIX = 'cloture';

  /** smtp(s)://user:pass@host:port — when empty, mail is written as .eml files into MAIL_OUTBOX_DIR. */
  @IsOptional() @Matches(URL_PATTERN('smtps?'), { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(100)
  SMTP_POOL_SIZE = 5;

  @IsString() @MinLength(1)
  MAIL_OUTBOX_DIR = 'var/outbox';

  /** From address of transactional mail (test email, thank-you, confirmations) when nothing more specific is set. */
  @IsString() @Matches(/@/, { message: 'MAIL_FROM must contain an email address' })
  MAIL_FROM = 'Cloture <no-reply@localhost>';

  /** HMAC key of unsubscribe/preference links and the keyed hash of erased addresses. Required in production. */
  @IsOptional() @IsString() @MinLength(32, { message: 'TOKEN_SECRET must be at least 32 characters' })
  TOKEN_SECRET?: string;

  /** Earlier TOKEN_SECRET values, comma-separated, so links signed before a rotation keep working. */
  @Transform(toList) @IsString({ each: true }) @MinLength(32, { each: true, message: 'each TOKEN_PREVIOUS_SECRETS entry must be at least 32 characters' })
  TOKEN_PREVIOUS_SECRETS: string[] = [];

  /** When set, this value is accepted as an admin API key (bootstrap for automated deploys). */
  @IsOptional() @IsString() @MinLength(24, { message: 'ADMIN_API_KEY must be at least 24 characters' })
  ADMIN_API_KEY?: string;

  /** Largest accepted request body in bytes (larger → 413). CSV imports have their own limit. */
  @Transform(toInt) @IsInt() @Min(1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  @Transform(toInt) @IsInt() @Min(1024)
  IMPORT_MAX_BYTES = 2 * 1024 * 1024 * 1024;

  /** Honour X-Forwarded-For (set when behind a reverse proxy). */
  @Transform(toBool) @IsBoolean()
  TRUST_PROXY = false;

  /** Default per-IP limit of public routes, requests per minute (shared across instances through Redis). */
  @Transform(toInt) @IsInt() @Min(1)
  RATE_LIMIT_PUBLIC_PER_MINUTE = 600;

  /** Console sessions: signed out after this many minutes without a request … */
  @Transform(toInt) @IsInt() @Min(1) @Max(7 * 24 * 60)
  SESSION_IDLE_MINUTES = 120;

  /** … and this many hours after signing in, however active (sign in again then). */
  @Transform(toInt) @IsInt() @Min(1) @Max(24 * 90)
  SESSION_MAX_HOURS = 24;

  /** Failed sign-ins allowed per account (address) and per IP address in LOGIN_THROTTLE_WINDOW_MINUTES, then 429. */
  @Transform(toInt) @IsInt() @Min(1)
  LOGIN_ATTEMPTS_PER_ACCOUNT = 10;

  @Transform(toInt) @IsInt() @Min(1)
  LOGIN_ATTEMPTS_PER_IP = 50;

  @Transform(toInt) @IsInt() @Min(1) @Max(24 * 60)
  LOGIN_THROTTLE_WINDOW_MINUTES = 15;

  /** Transactional mail: attempts before a message is given up, and the first back-off delay. */
  @Transform(toInt) @IsInt() @Min(1) @Max(50)
  MAIL_RETRY_ATTEMPTS = 8;

  @Transform(toInt) @IsInt() @Min(10)
  MAIL_RETRY_DELAY_MS = 2000;


  /** Blasts: one global sending rate in messages per second, shared by every worker through Redis (MSG-8). */
  @Transform(toNum) @IsNumber() @Min(0.1) @Max(100000)
  SEND_RATE_PER_SECOND = 50;

  /** Blasts: recipients per queued batch job (a job claims its rows in small chunks while it sends). */
  @Transform(toInt) @IsInt() @Min(1) @Max(10000)
  SEND_BATCH_SIZE = 500;

  /** Blasts: how often each worker heartbeats, starts due scheduled blasts and re-enqueues lost batches. */
  @Transform(toInt) @IsInt() @Min(100)
  BLAST_RECONCILE_INTERVAL_MS = 5000;

  /** Blasts: a worker silent this long is presumed dead; its in-flight rows are re-sent and counted as possible duplicates. */
  @Transform(toInt) @IsInt() @Min(500)
  BLAST_WORKER_STALE_MS = 30000;

  /** Blasts: first retry delay of a recipient the SMTP server deferred (4xx); doubles per attempt, 5 attempts. */
  @Transform(toInt) @IsInt() @Min(100)
  SEND_DEFER_BASE_MS = 15000;

  /** DKIM signing (COMP-2): all three set → every outgoing message (blasts and transactional mail) is signed. Key is PEM (\n escapes allowed). */
  @IsOptional() @Matches(/^[a-z0-9.-]+\.[a-z]{2,}$/i, { message: 'DKIM_DOMAIN must be a domain name' })
  DKIM_DOMAIN?: string;

  @IsOptional() @Matches(/^[a-z0-9._-]{1,63}$/i, { message: 'DKIM_SELECTOR must be a DNS label' })
  DKIM_SELECTOR?: string;

  @IsOptional() @Matches(/-----BEGIN (RSA )?PRIVATE KEY-----/, { message: 'DKIM_PRIVATE_KEY must be a PEM private key' })
  DKIM_PRIVATE_KEY?: string;

  /** HMAC-SHA256 key of the signed bounce webhooks (POST /webhooks/bounces, /webhooks/dsn). Unset: they answer 401. */
  @IsOptional() @IsString() @MinLength(16, { message: 'BOUNCE_WEBHOOK_SECRET must be at least 16 characters' })
  BOUNCE_WEBHOOK_SECRET?: string;

  /** Soft bounces (after the last successful delivery) within SOFT_BOUNCE_WINDOW_DAYS that mark a subscriber bounced. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100)
  SOFT_BOUNCE_LIMIT = 3;

  @Transform(toInt) @IsInt() @Min(1) @Max(365)
  SOFT_BOUNCE_WINDOW_DAYS = 30;

  /** A blast pauses when complaints / sent exceeds this fraction (0.003 = 0.3 %) … */
  @Transform(toNum) @IsNumber() @Min(0) @Max(1)
  COMPLAINT_RATE_PAUSE_THRESHOLD = 0.003;

  /** … and it has at least this many complaints (so one complaint on a tiny test blast can be tuned away). */
  @Transform(toInt) @IsInt() @Min(1)
  COMPLAINT_PAUSE_MIN_COMPLAINTS = 1;

  /**
   * A sending blast also pauses when receiving servers reject it for sender policy (5.7.x: authentication, DMARC) at
   * least this many times and for more than POLICY_REJECTION_PAUSE_RATE of the messages tried: the rest would fail too.
   */
  @Transform(toInt) @IsInt() @Min(1)
  POLICY_REJECTION_PAUSE_MIN = 10;

  @Transform(toNum) @IsNumber() @Min(0) @Max(1)
  POLICY_REJECTION_PAUSE_RATE = 0.02;

  /** Amazon SNS topics whose SES notifications are accepted (comma-separated ARNs). Empty: any topic with a valid signature. */
  @Transform(toList) @IsString({ each: true })
  SES_SNS_TOPIC_ARNS: string[] = [];

  /** Confirm SNS subscriptions automatically by visiting their SubscribeURL (otherwise they are only recorded). */
  @Transform(toBool) @IsBoolean()
  SES_SNS_AUTO_CONFIRM = true;

  /** Double opt-in: delay before the one reminder to a still-unconfirmed signup (default 2 days). */
  @Transform(toInt) @IsInt() @Min(1000)
  DOUBLE_OPT_IN_REMINDER_DELAY_MS = 2 * 24 * 3600 * 1000;

  /** Senate roster loaded on first start when the legislators table is empty (relative paths: from the project root). */
  @IsString() @MinLength(1)
  LEGISLATORS_SNAPSHOT_FILE = 'data/legislators-current.yaml';

  /** Load LEGISLATORS_SNAPSHOT_FILE on start when no senator is in the database yet. */
  @Transform(toBool) @IsBoolean()
  LEGISLATORS_LOAD_ON_START = true;

  /**
   * Where the scheduled roster refresh fetches the congress-legislators file (YAML or its JSON twin). Empty: no
   * scheduled refresh. https:// only, unless LEGISLATORS_SOURCE_ALLOW_HTTP.
   */
  @Matches(/^(|https?:\/\/[^\s]+)$/i, { message: 'LEGISLATORS_SOURCE_URL must be an https:// URL, or empty to turn the refresh off' })
  LEGISLATORS_SOURCE_URL = 'https://unitedstates.github.io/congress-legislators/legislators-current.yaml';

  /** When workers refresh the roster (cron, UTC; 6 fields for seconds). Empty: never on a schedule. Default daily. */
  @Matches(/^[^\n]*$/)
  LEGISLATORS_REFRESH_CRON = '17 6 * * *';

  /** The whole fetch (headers and body) must finish within this time, or the refresh is refused and reported. */
  @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  LEGISLATORS_SOURCE_TIMEOUT_MS = 30_000;

  /** Largest roster file accepted (the upstream file is about 1 MB); the download stops past it. */
  @Transform(toInt) @IsInt() @Min(1024) @Max(1024 * 1024 * 1024)
  LEGISLATORS_SOURCE_MAX_BYTES = 5 * 1024 * 1024;

  /** Accept an http:// roster source (tests, a local mirror). Off: https:// only. */
  @Transform(toBool) @IsBoolean()
  LEGISLATORS_SOURCE_ALLOW_HTTP = false;

  /** Who is emailed when a refresh moves a leadership role an open petition targets (comma-separated). Empty: nobody. */
  @Transform(toList) @IsEmailAddress({ each: true, message: 'ROSTER_NOTICE_EMAILS must be email addresses, comma-separated' })
  ROSTER_NOTICE_EMAILS: string[] = [];

  /** Petition signatures accepted per IP address per 24 hours (public sign endpoint and hosted page together). */
  @Transform(toInt) @IsInt() @Min(1)
  PETITION_SIGNATURES_PER_IP_PER_DAY = 50;

  @IsOptional() @IsEmailAddress({ message: 'TEST_EMAIL_TO must be an email address' })
  TEST_EMAIL_TO?: string;

  @Transform(toNum) @IsNumber() @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10000;

  get tokenSecret(): string {
    return this.TOKEN_SECRET ?? DEV_TOKEN_SECRET;
  }

  get databaseName(): string {
    return decodeURIComponent(new URL(this.DATABASE_URL).pathname.replace(/^\//, '')) || 'postgres';
  }
}

export class EnvValidationError extends Error {}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? m : `${e.property}: ${m}`)),
  );
}

/** Secrets that passed their format checks but are published or guessable (never quoting the value itself). */
function productionSecretProblems(env: Env, earlier: string[]): string[] {
  const secrets: [string, string | undefined][] = [
    ['TOKEN_SECRET', env.TOKEN_SECRET],
    ...(Array.isArray(env.TOKEN_PREVIOUS_SECRETS) ? env.TOKEN_PREVIOUS_SECRETS : []).map((v): [string, string] => ['TOKEN_PREVIOUS_SECRETS', v]),
    ['ADMIN_API_KEY', env.ADMIN_API_KEY],
    ['BOUNCE_WEBHOOK_SECRET', env.BOUNCE_WEBHOOK_SECRET],
  ];
  const problems: string[] = [];
  for (const [name, value] of secrets) {
    if (typeof value !== 'string' || earlier.some((m) => m.startsWith(name))) continue;
    const reason = weakSecretReason(value);
    const subject = name === 'TOKEN_PREVIOUS_SECRETS' ? 'TOKEN_PREVIOUS_SECRETS has an entry that' : name;
    if (reason) problems.push(`${subject} ${reason}: refused when NODE_ENV=production; ${GENERATE_HINT}`);
  }
  return [...new Set(problems)];
}

/** Settings where an empty value is a choice (turn the feature off), not "use the default". */
const EMPTY_MEANS_OFF = new Set(['LEGISLATORS_SOURCE_URL', 'LEGISLATORS_REFRESH_CRON']);

/** Build and validate the settings; throws EnvValidationError naming every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const plain: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && (v !== '' || EMPTY_MEANS_OFF.has(k))) plain[k] = v;
  const env = plainToInstance(Env, plain, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: false });
  const messages = describe(errors);
  const dkim = [env.DKIM_DOMAIN, env.DKIM_SELECTOR, env.DKIM_PRIVATE_KEY].filter(Boolean).length;
  if (dkim !== 0 && dkim !== 3) messages.push('DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY must be set together (or none)');
  if (env.DKIM_PRIVATE_KEY && !messages.some((m) => m.startsWith('DKIM_PRIVATE_KEY'))) {
    try {
      createPrivateKey(env.DKIM_PRIVATE_KEY.replace(/\\n/g, '\n'));
    } catch {
      messages.push('DKIM_PRIVATE_KEY is not a readable PEM private key');
    }
  }
  const cron = env.LEGISLATORS_REFRESH_CRON.trim();
  if (cron) {
    try {
      parseExpression(cron, { utc: true });
    } catch {
      messages.push('LEGISLATORS_REFRESH_CRON must be a cron expression (e.g. "17 6 * * *"), or empty for no scheduled refresh');
    }
  }
  if (env.NODE_ENV === 'production') {
    if (!env.TOKEN_SECRET) messages.push(`TOKEN_SECRET is required when NODE_ENV=production (at least 32 random characters; ${GENERATE_HINT})`);
    messages.push(...productionSecretProblems(env, messages));
  }
  if (messages.length) {
    throw new EnvValidationError(`Invalid configuration:\n  - ${messages.join('\n  - ')}`);
  }
  return env;
}

/** Load `.env` from the working directory when present, then validate; exit with the reason on failure. */
export function loadEnvOrExit(): Env {
  try {
    try {
      process.loadEnvFile?.('.env');
    } catch {
      /* no .env file: the environment alone is used */
    }
    return loadEnv(process.env);
  } catch (e) {
    if (e instanceof EnvValidationError) {
      new Logger('Config').error(e.message);
      process.exit(1);
    }
    throw e;
  }
}
