// A real SMTP server on 127.0.0.1 for email notifier tests, run as its own process by smtp-sink.ts.
// Usage: node smtp-sink-child.ts OPTIONS_JSON. Prints one JSON line per event on stdout; answers "sync"
// on stdin with {"event":"synced"}; exits when stdin closes (the parent died or closed the sink).
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SmtpSinkEvent, SmtpSinkOptions } from './smtp-sink.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as SmtpSinkOptions;

function emit(event: SmtpSinkEvent): void {
  // stdout on a pipe is synchronous on Linux: the line is out before the SMTP reply that follows it.
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** An Error that smtp-server turns into the reply `code message`. */
function reply(text: string): Error {
  const match = /^(\d{3}) (.*)$/.exec(text);
  if (!match) throw new Error(`a reply looks like "550 5.7.1 text", got ${text}`);
  return Object.assign(new Error(match[2]), { responseCode: Number(match[1]) });
}

const tlsFiles =
  options.certPath && options.keyPath
    ? { cert: readFileSync(options.certPath), key: readFileSync(options.keyPath) }
    : {};
const credentials = options.auth;

const serverOptions: SMTPServerOptions = {
  ...tlsFiles,
  secure: options.security === 'implicit',
  // Disabled, not just hidden: a client that insists on STARTTLS must meet a server that cannot do it.
  disabledCommands: options.security === 'plain' ? ['STARTTLS'] : [],
  authMethods: [...(options.authMethods ?? ['PLAIN', 'LOGIN'])],
  authOptional: credentials === undefined,
  // Lets a plain-text server offer AUTH, so a client that wrongly sends credentials unencrypted is seen.
  allowInsecureAuth: true,
  logger: false,
  onAuth(auth, session, callback) {
    const ok = auth.username === credentials?.user && auth.password === credentials?.password;
    emit({ event: 'auth', method: auth.method, user: auth.username ?? '', ok, secure: session.secure });
    if (!ok) return callback(reply('535 5.7.8 Authentication credentials invalid'));
    callback(null, { user: auth.username });
  },
  onMailFrom(_address, session, callback) {
    if (options.security === 'starttls' && !session.secure) {
      return callback(reply('530 5.7.0 Must issue a STARTTLS command first'));
    }
    if (credentials !== undefined && session.user === undefined) {
      return callback(reply('530 5.7.0 Authentication required'));
    }
    callback();
  },
  onRcptTo(address, _session, callback) {
    const answer = options.rcptReplies?.[address.address];
    callback(answer === undefined ? null : reply(answer));
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      if (options.dataReply !== undefined) return callback(reply(options.dataReply));
      emit({
        event: 'mail',
        from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address),
        secure: session.secure,
        user: typeof session.user === 'string' ? session.user : null,
        raw: Buffer.concat(chunks).toString('base64'),
      });
      callback(null);
    });
  },
};

const server = new SMTPServer(serverOptions);
server.on('error', (error) => emit({ event: 'server-error', message: error.message }));
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  emit({ event: 'listening', port: address.port });
});

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line === 'sync') emit({ event: 'synced' });
});
input.on('close', () => process.exit(0));
