import { AddressInfo } from 'node:net';
import PostalMime, { Email } from 'postal-mime';
import { SMTPServer, SMTPServerAddress } from 'smtp-server';

export interface CapturedMessage {
  from: string;
  to: string[];
  raw: string;
  parsed: Email;
  /** Header lookup on the raw message, case-insensitive, unfolded. */
  header(name: string): string | undefined;
  /** The SMTP AUTH user of the connection that sent it (with the `auth` option), else undefined. */
  user?: string;
  /** When its transaction began (MAIL FROM) and when its data ended, by this process' clock. */
  startedAt: number;
  receivedAt: number;
}

export interface SmtpSinkOptions {
  /** Return an SMTP reply like `550 5.1.1 No such user` to reject that recipient; undefined accepts. */
  rejectRecipient?: (address: string) => string | undefined;
  /** Delay before answering DATA, to simulate a slow server. */
  dataDelayMs?: number;
  /** Offer AUTH (any user and password accepted) and record each message's user: tells apart the workers that sent. */
  auth?: boolean;
}

function headerOf(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
  const re = new RegExp(`^${name.replace(/[-]/g, '\\-')}:[ \\t]*(.*)$`, 'im');
  return head.match(re)?.[1];
}

/** A real SMTP server on an ephemeral port that keeps every message it accepts (the tests' mail catcher). */
export class SmtpSink {
  readonly messages: CapturedMessage[] = [];
  readonly rejected: { to: string; reply: string }[] = [];
  private server?: SMTPServer;
  private waiters: (() => void)[] = [];
  port = 0;

  constructor(private readonly options: SmtpSinkOptions = {}) {}

  /** SMTP_URL for the app: plain SMTP on loopback (the sink offers no STARTTLS or AUTH). */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const rejectRecipient = this.options.rejectRecipient;
    const startedAt = new Map<string, number>();
    this.server = new SMTPServer({
      disabledCommands: this.options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: true,
      allowInsecureAuth: true,
      onAuth: (auth, _session, cb) => cb(null, { user: auth.username }),
      onMailFrom: (_address, session, cb) => {
        startedAt.set(session.id, Date.now());
        cb();
      },
      disableReverseLookup: true,
      logger: false,
      size: 50 * 1024 * 1024,
      onRcptTo: (address: SMTPServerAddress, _session, cb) => {
        const reply = rejectRecipient?.(address.address);
        if (!reply) return cb();
        this.rejected.push({ to: address.address, reply });
        const code = Number(reply.slice(0, 3));
        const err = new Error(reply.slice(4)) as Error & { responseCode: number };
        err.responseCode = code;
        cb(err);
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          try {
            const parsed = await PostalMime.parse(raw);
            this.messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
              header: (name) => headerOf(raw, name),
              user: typeof session.user === 'string' ? session.user : undefined,
              startedAt: startedAt.get(session.id) ?? Date.now(),
              receivedAt: Date.now(),
            });
            this.waiters.splice(0).forEach((w) => w());
            const delay = this.options.dataDelayMs ?? 0;
            setTimeout(() => cb(), delay);
          } catch (e) {
            cb(e as Error);
          }
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** Messages sent to one address (case-insensitive). */
  to(address: string): CapturedMessage[] {
    const a = address.toLowerCase();
    return this.messages.filter((m) => m.to.some((t) => t.toLowerCase() === a));
  }

  /** Resolves once at least `count` messages have arrived; rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 15_000): Promise<CapturedMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SMTP sink: expected ${count} message(s), got ${this.messages.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages;
  }

  clear(): void {
    this.messages.length = 0;
    this.rejected.length = 0;
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
