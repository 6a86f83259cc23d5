import './core/config/node-version';
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module';
import { API_KEY_ROLES, ApiKeyRole } from './api-keys/api-key.entity';
import { ApiKeysService } from './api-keys/api-keys.service';
import { Env, loadEnvOrExit } from './core/config/env';
import { ensureDatabaseExists, pendingMigrations, runMigrations } from './core/database/prepare-database';
import { installProcessLogging, logToStderr, setProcessLogLevel } from './core/logging/logging';
import { MailService } from './core/mail/mail.service';
import { LegislatorsService } from './legislators/legislators.service';
import { UsersService } from './users/users.service';
import { RosterDiff } from './legislators/roster-diff';
import { RosterRefreshService } from './legislators/roster-refresh.service';

type Args = { positional: string[]; flags: Record<string, string> };
/** Flags that take no value: `--force file` must not read the file as the flag's value. */
const SWITCHES = new Set(['force']);
type Command = {
  usage: string;
  /** Commands that need the application (services) get a context; migrations run before any exists. */
  app: boolean;
  run: (args: Args, env: Env, ctx?: INestApplicationContext) => Promise<void>;
};

const out = (s: string) => process.stdout.write(`${s}\n`);

/** `--role`, admin when absent (keys and people share the roles). */
function roleFlag(flags: Args['flags']): ApiKeyRole {
  const role = (flags.role ?? 'admin') as ApiKeyRole;
  if (!API_KEY_ROLES.includes(role)) throw new Error(`--role must be one of ${API_KEY_ROLES.join(', ')}`);
  return role;
}

/** Every command of `npm run cli -- <command>`. Modules add theirs here. */
const COMMANDS: Record<string, Command> = {
  migrate: {
    usage: 'migrate — create the database if needed and apply pending migrations',
    app: false,
    run: async (_a, env) => {
      await ensureDatabaseExists(env);
      const applied = await runMigrations(env);
      out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    },
  },
  'migrate:status': {
    usage: 'migrate:status — exit 1 when migrations are pending',
    app: false,
    run: async (_a, env) => {
      await ensureDatabaseExists(env);
      const pending = await pendingMigrations(env);
      out(pending ? 'migrations pending: run npm run migration:run' : 'database is up to date');
      if (pending) process.exitCode = 1;
    },
  },
  'api-keys:create': {
    usage: 'api-keys:create [--name NAME] [--role admin|organizer|viewer] — prints the new key once',
    app: true,
    run: async ({ flags }, _env, ctx) => {
      const role = roleFlag(flags);
      const { key, apiKey } = await ctx!.get(ApiKeysService).create(flags.name ?? `${role} key`, role);
      out(`Created ${apiKey.role} key "${apiKey.name}" (${apiKey.id}). It is shown only now:\n${key}`);
    },
  },
  'users:create': {
    usage:
      'users:create --email ADDRESS [--role admin|organizer|viewer] [--name NAME] — a console account (the first admin); ' +
      'prints a one-time link where the person sets their password (7 days)',
    app: true,
    run: async ({ flags }, _env, ctx) => {
      if (!flags.email) throw new Error('give the person\'s address: --email ADDRESS');
      const role = roleFlag(flags);
      const { user, link } = await ctx!.get(UsersService).createWithSignInLink(flags.email, role, flags.name || undefined);
      out(`Created ${user.role} account ${user.email} (${user.id}). Open this link once, within 7 days, to set a password:\n${link}`);
    },
  },
  'legislators:import': {
    usage:
      'legislators:import <file or https:// URL> [--force] — load the Senate roster from congress-legislators YAML or JSON ' +
      '(re-runnable; a URL is fetched with the refresh\'s timeout and size limit); --force accepts a file that does not look like a whole Senate',
    app: true,
    run: async ({ positional, flags }, _env, ctx) => {
      const from = positional[0];
      if (!from) throw new Error('give the path or https:// URL of legislators-current.yaml (or .json)');
      const force = 'force' in flags && flags.force !== 'false';
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from)) {
        // The scheduled refresh's own path (limits, validation, stored change, recorded state), fetched unconditionally.
        const o = await ctx!.get(RosterRefreshService).refresh('cli', { url: from, force, conditional: false });
        if (o.result === 'failed' || o.result === 'refused' || o.result === 'busy') throw new Error(`${o.result}: ${o.reason}`);
        out(o.result === 'imported' ? `imported from ${o.source}: ${describeDiff(o.diff!)}` : `${o.result}: ${o.reason ?? 'nothing to write'}`);
        return;
      }
      const r = await ctx!.get(LegislatorsService).importFile(from, { force });
      if (r.unchanged) {
        out(`${r.senators} senators: the roster is unchanged; nothing written`);
        return;
      }
      const roles = Object.entries(r.roles).map(([role, id]) => `${role}=${id}`).join(', ') || 'none';
      out(`${r.senators} senators (${r.created} new, ${r.updated} updated); left office: ${r.leftOffice.join(', ') || 'none'}; roles: ${roles}`);
    },
  },
  'mail:test': {
    usage: 'mail:test <address> — send a test email through the configured transport',
    app: true,
    run: async ({ positional }, _env, ctx) => {
      if (!positional[0]) throw new Error('give the address to send to');
      const info = await ctx!.get(MailService).sendTestEmail(positional[0]);
      out(`sent via ${info.mode}: ${info.file ?? info.response}`);
    },
  },
};

function describeDiff(d: RosterDiff): string {
  const who = (s: { name: string } | null) => s?.name ?? 'vacant';
  return [
    `arrived: ${d.arrived.map((s) => s.bioguideId).join(', ') || 'none'}`,
    `left office: ${d.left.map((s) => s.bioguideId).join(', ') || 'none'}`,
    `roles: ${d.roles.map((r) => `${r.role} ${who(r.from)} -> ${who(r.to)}`).join(', ') || 'unchanged'}`,
    `other changes: ${d.changed.length}`,
  ].join('; ');
}

function parseArgs(argv: string[]): Args {
  const args: Args = { positional: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      args.flags[k] = v ?? (SWITCHES.has(k) ? 'true' : (argv[++i] ?? ''));
    } else args.positional.push(a);
  }
  return args;
}

async function main() {
  const [name, ...rest] = process.argv.slice(2);
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    out(`usage: npm run cli -- <command>\n\n${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n')}`);
    process.exit(name ? 2 : 0);
  }
  // Logs are JSON lines on stderr; stdout carries only the command's result.
  logToStderr();
  installProcessLogging('warn');
  const env = loadEnvOrExit();
  // A command's own output is its result: the app's routine info lines (module start-up) only under LOG_LEVEL=debug.
  if (env.LOG_LEVEL === 'info') env.LOG_LEVEL = 'warn';
  setProcessLogLevel(env.LOG_LEVEL);
  let ctx: INestApplicationContext | undefined;
  try {
    if (command.app) {
      await ensureDatabaseExists(env);
      if (env.MIGRATE_ON_START) await runMigrations(env);
      ctx = await NestFactory.createApplicationContext(ApiModule.forRoot(env), { bufferLogs: true });
      ctx.useLogger(ctx.get(Logger));
    }
    await command.run(parseArgs(rest), env, ctx);
  } catch (e) {
    process.stderr.write(`${name} failed: ${(e as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await ctx?.close();
  }
}

void main();
