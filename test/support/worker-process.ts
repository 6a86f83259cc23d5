import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Env } from '../../src/core/config/env';

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
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'worker.js')], {
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

  /** Resolves once the worker logged that it started (or rejects with its output). */
  async ready(timeoutMs = 30_000): Promise<this> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.join('').includes('Cloture worker started')) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) throw new Error(`worker exited:\n${this.output.join('')}`);
      if (Date.now() > deadline) throw new Error(`worker did not start:\n${this.output.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string | null> {
    this.child?.kill(signal);
    return this.exited ?? Promise.resolve(null);
  }
}
