/**
 * A fast SMTP sink in its own process (reverse lookup off, no TLS/AUTH, accepts everything, keeps no bodies): counts
 * messages, bytes and deliveries per recipient, so benches and drills can tell lost from duplicated. Driven over IPC
 * by SmtpSinkProcess below; run directly (`node -r ./bench/support/register.js bench/support/smtp-sink-process.ts`) it
 * just listens on SINK_PORT.
 */
import { ChildProcess, fork } from 'node:child_process';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

type Request = { id: number; cmd: 'stats' | 'recipients' | 'messages' | 'reset' };

function serve(): void {
  let messages = 0;
  let bytes = 0;
  let firstAt = 0;
  let lastAt = 0;
  let perRecipient = new Map<string, number>();
  /** Every message: recipient, the AUTH user of its connection (which worker), when its transaction began. */
  let log: [string, string, number][] = [];
  const begun = new Map<string, number>();
  const server = new SMTPServer({
    // AUTH is offered but optional (any credentials): a drill gives each worker its own user to tell them apart.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    onAuth: (auth, _session, cb) => cb(null, { user: auth.username }),
    onMailFrom: (_address, session, cb) => {
      begun.set(session.id, Date.now());
      cb();
    },
    disableReverseLookup: true,
    logger: false,
    size: 50 * 1024 * 1024,
    maxClients: 1000,
    onData(stream, session, cb) {
      let n = 0;
      stream.on('data', (c: Buffer) => (n += c.length));
      stream.on('end', () => {
        messages++;
        bytes += n;
        lastAt = Date.now();
        if (!firstAt) firstAt = lastAt;
        for (const r of session.envelope.rcptTo) {
          perRecipient.set(r.address.toLowerCase(), (perRecipient.get(r.address.toLowerCase()) ?? 0) + 1);
          log.push([r.address.toLowerCase(), typeof session.user === 'string' ? session.user : '', begun.get(session.id) ?? lastAt]);
        }
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  server.listen(Number(process.env.SINK_PORT ?? 0), '127.0.0.1', () => {
    const port = (server.server.address() as AddressInfo).port;
    if (process.send) process.send({ ready: port });
    else process.stdout.write(`SMTP sink on 127.0.0.1:${port}\n`);
  });
  process.on('message', (m: Request) => {
    if (m.cmd === 'stats') {
      let duplicated = 0;
      let extra = 0;
      for (const c of perRecipient.values()) {
        if (c > 1) {
          duplicated++;
          extra += c - 1;
        }
      }
      process.send!({ id: m.id, messages, bytes, recipients: perRecipient.size, duplicated, extra, firstAt, lastAt });
    } else if (m.cmd === 'recipients') {
      process.send!({ id: m.id, recipients: [...perRecipient.entries()] });
    } else if (m.cmd === 'messages') {
      process.send!({ id: m.id, messages: log });
    } else if (m.cmd === 'reset') {
      log = [];
      messages = 0;
      bytes = 0;
      firstAt = 0;
      lastAt = 0;
      perRecipient = new Map();
      process.send!({ id: m.id });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

export interface SinkStats {
  messages: number;
  bytes: number;
  /** Distinct recipients that got at least one message. */
  recipients: number;
  /** Recipients that got more than one, and how many extra messages that makes. */
  duplicated: number;
  extra: number;
  firstAt: number;
  lastAt: number;
}

/** The parent's handle on a sink process. */
export class SmtpSinkProcess {
  private child?: ChildProcess;
  private seq = 0;
  private pending = new Map<number, (m: any) => void>();
  port = 0;

  async start(): Promise<this> {
    this.child = fork(__filename, [], { execArgv: ['-r', join(__dirname, 'register.js')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.port = await new Promise<number>((resolve, reject) => {
      this.child!.once('exit', (code) => reject(new Error(`sink exited ${code}`)));
      this.child!.on('message', (m: any) => {
        if (m.ready) return resolve(m.ready);
        this.pending.get(m.id)?.(m);
        this.pending.delete(m.id);
      });
    });
    return this;
  }

  get pid(): number {
    return this.child!.pid!;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  private ask<T>(cmd: Request['cmd']): Promise<T> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child!.send({ id, cmd });
    });
  }

  stats(): Promise<SinkStats> {
    return this.ask('stats');
  }

  /** Every message: [recipient, AUTH user, ms when its transaction began]. */
  async messages(): Promise<[string, string, number][]> {
    return (await this.ask<{ messages: [string, string, number][] }>('messages')).messages;
  }

  async recipients(): Promise<Map<string, number>> {
    return new Map((await this.ask<{ recipients: [string, number][] }>('recipients')).recipients);
  }

  async reset(): Promise<void> {
    await this.ask('reset');
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child!.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

if (require.main === module) serve();
