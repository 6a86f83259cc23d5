import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Env } from '../../src/core/config/env';
import { NODE_FLAGS } from './process';

const ROOT = join(__dirname, '..', '..');

/**
 * A real worker process (`node dist/worker.js`, built by `npm run build`) with a test app's environment, for
 * crash and scale-out tests: kill it with SIGKILL, run two side by side.
 */
export class WorkerProcess {
  readonly output: string[] = [];
  private child?: ChildProcess;
  private exited?: Promise<number | string | null>;

  constructor(private readonly env: Record<string, string>) {}

  /** The environment of `env` (a test app's validated Env) as variables, plus overrides. */
  static envOf(env: Env, overrides: Record<string, string> = {}): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      if (!/^[A-Z][A-Z0-9_]*$/.test(k) || v === undefined || v === null) continue;
      vars[k] = Array.isArray(v) ? v.join(',') : String(v);
    }
    return { ...vars, LOG_LEVEL: 'info', ...overrides };
  }

  start(): this {
    const child = spawn(process.execPath, [...NODE_FLAGS, join(ROOT, 'dist', 'worker.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => this.output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.output.push(d.toString()));
    // Nest re-raises the signal after a graceful shutdown, so a clean SIGTERM exit reports the signal, not a code.
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    this.child = child;
    return this;
  }

  /**
   * Resolves once the worker logged that it started (or rejects with its output). Generous: booting Nest takes
   * tens of seconds when the machine's 2 cores are shared with other work.
   */
  async ready(timeoutMs = 90_000): Promise<this> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.join('').includes('Cloture worker started')) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) throw new Error(`worker exited:\n${this.output.join('')}`);
      if (Date.now() > deadline) throw new Error(`worker did not start:\n${this.output.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends a signal without waiting for an exit (SIGSTOP / SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string | null> {
    this.child?.kill(signal);
    return this.exited ?? Promise.resolve(null);
  }
}

/**
 * An SMTP sink in a process of its own that stamps each message's arrival on its own clock — so a busy test process
 * cannot bunch the timestamps (the rate test measures messages per second at the sink).
 */
export class TimedSinkProcess {
  readonly arrivals: { at: number; to: string }[] = [];
  port = 0;
  private child?: ChildProcess;

  async start(): Promise<this> {
    const code = `
      const { SMTPServer } = require('smtp-server');
      const server = new SMTPServer({
        disabledCommands: ['STARTTLS', 'AUTH'], authOptional: true, disableReverseLookup: true, logger: false,
        onData(stream, session, cb) {
          stream.on('data', () => undefined);
          stream.on('end', () => {
            process.stdout.write(Date.now() + ' ' + session.envelope.rcptTo.map((r) => r.address).join(',') + '\\n');
            cb();
          });
        },
      });
      server.on('error', () => undefined);
      server.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + server.server.address().port + '\\n'));`;
    const child = spawn(process.execPath, ['-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.once('exit', () => reject(new Error('timed sink exited')));
      child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith('PORT ')) {
            this.port = Number(line.slice(5));
            resolve();
          } else if (line) {
            const [at, to] = line.split(' ');
            this.arrivals.push({ at: Number(at), to });
          }
        }
      });
    });
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGKILL');
  }
}
