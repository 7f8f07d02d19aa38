import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { simpleParser, type ParsedMail } from 'mailparser';
import { nodeBinary } from './node-binary.ts';

/**
 * A real SMTP server (the `smtp-server` package) in a child process on an ephemeral 127.0.0.1 port: the
 * notifier under test talks SMTP over a socket to another process, as it would to a mail relay.
 */
export interface SmtpSinkOptions {
  /** plain: no STARTTLS offered; starttls: offered and required before MAIL FROM; implicit: TLS from the first byte. */
  readonly security: 'plain' | 'starttls' | 'implicit';
  readonly certPath?: string;
  readonly keyPath?: string;
  /** When set, AUTH (PLAIN or LOGIN) with exactly these is required before MAIL FROM. */
  readonly auth?: { readonly user: string; readonly password: string };
  /** The SASL mechanisms offered; PLAIN and LOGIN by default (a client picks PLAIN when both are offered). */
  readonly authMethods?: readonly ('PLAIN' | 'LOGIN')[];
  /** Recipient address → the reply to its RCPT TO, e.g. `451 4.7.1 Greylisted`. */
  readonly rcptReplies?: Readonly<Record<string, string>>;
  /** The reply after DATA instead of `250`, e.g. `550 5.7.1 Rejected as spam`. */
  readonly dataReply?: string;
}

export interface AuthAttempt {
  readonly method: string;
  readonly user: string;
  readonly ok: boolean;
  /** Whether the session was encrypted when the credentials arrived. */
  readonly secure: boolean;
}

/** One line of the child's stdout. */
export type SmtpSinkEvent =
  | { event: 'listening'; port: number }
  | ({ event: 'auth' } & AuthAttempt)
  | { event: 'mail'; from: string; to: string[]; secure: boolean; user: string | null; raw: string }
  | { event: 'server-error'; message: string }
  | { event: 'synced' };

export interface ReceivedMail {
  readonly envelopeFrom: string;
  readonly envelopeTo: readonly string[];
  /** Whether the session was encrypted (implicit TLS or after STARTTLS) when the message arrived. */
  readonly secure: boolean;
  readonly user: string | null;
  readonly raw: string;
  parse(): Promise<ParsedMail>;
}

export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  readonly mails: readonly ReceivedMail[];
  readonly authAttempts: readonly AuthAttempt[];
  /** Resolves once `count` mails arrived; rejects at the deadline with what did arrive. */
  waitForMails(count: number, timeoutMs?: number): Promise<readonly ReceivedMail[]>;
  /** Round-trips through the child, so every event it wrote before now has been read. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

const childMain = fileURLToPath(new URL('./smtp-sink-child.ts', import.meta.url));
const startTimeoutMs = 10_000;

export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const child = spawn(nodeBinary, [childMain, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const closed = once(child, 'close');
  const mails: ReceivedMail[] = [];
  const authAttempts: AuthAttempt[] = [];
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((check) => check());
  let port: number | undefined;
  let syncsSent = 0;
  let syncsAnswered = 0;

  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as SmtpSinkEvent;
    switch (event.event) {
      case 'listening':
        port = event.port;
        break;
      case 'auth':
        authAttempts.push({ method: event.method, user: event.user, ok: event.ok, secure: event.secure });
        break;
      case 'mail':
        mails.push(receivedMail(event));
        break;
      case 'server-error':
        process.stderr.write(`smtp sink: ${event.message}\n`);
        break;
      case 'synced':
        syncsAnswered++;
        break;
    }
    notify();
  });

  const waitFor = (what: string, condition: () => boolean, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`smtp sink: ${what} within ${timeoutMs} ms (mails so far: ${mails.length})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  try {
    await Promise.race([
      waitFor('no listening port', () => port !== undefined, startTimeoutMs),
      closed.then(() => Promise.reject(new Error('smtp sink exited before listening'))),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    host: '127.0.0.1',
    port: port ?? 0,
    mails,
    authAttempts,
    waitForMails: async (count, timeoutMs = 5_000) => {
      await waitFor(`${count} mail(s) did not arrive`, () => mails.length >= count, timeoutMs);
      return mails;
    },
    sync: async () => {
      const target = ++syncsSent;
      child.stdin.write('sync\n');
      // The child answers each "sync" in order, after every event it had written before it.
      await waitFor('sync was not answered', () => syncsAnswered >= target, 5_000);
    },
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.stdin.end();
      await closed;
    },
  };
}

function receivedMail(event: Extract<SmtpSinkEvent, { event: 'mail' }>): ReceivedMail {
  const raw = Buffer.from(event.raw, 'base64').toString('utf8');
  return {
    envelopeFrom: event.from,
    envelopeTo: event.to,
    secure: event.secure,
    user: event.user,
    raw,
    parse: () => simpleParser(raw),
  };
}
