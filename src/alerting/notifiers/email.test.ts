import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { AddressObject, ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../../../test/support/self-signed.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../../test/support/smtp-sink.ts';
import { emailNotifier, maskAddresses, securityOf, transportOptions, type EmailConfig } from './email.ts';
import { DeliveryError, type NotifierIo } from './notifier.ts';

const user = 'alerts-bot';
const password = 'correct horse battery staple';
let cert: SelfSignedCertificate;

beforeAll(async () => {
  cert = await makeSelfSignedCertificate();
});
afterAll(() => cert.remove());

function configOf(smtp: Record<string, unknown>, extra: Record<string, unknown> = {}): EmailConfig {
  return emailNotifier.config.parse({
    type: 'email',
    smtp: { host: '127.0.0.1', ...smtp },
    from: 'Bulwark <alerts@acme.example>',
    to: ['oncall@acme.example'],
    ...extra,
  });
}

function ioWith(signal: AbortSignal = AbortSignal.timeout(10_000)): NotifierIo {
  return { nowMs: () => Date.now(), signal };
}

async function withSink(options: Partial<SmtpSinkOptions>, test: (sink: SmtpSink) => Promise<void>) {
  const sink = await startSmtpSink({
    security: 'starttls',
    certPath: cert.certPath,
    keyPath: cert.keyPath,
    ...options,
  });
  try {
    await test(sink);
  } finally {
    await sink.close();
  }
}

async function failureOf(sending: Promise<void>): Promise<DeliveryError> {
  const error = await sending.then(
    () => new Error('expected the send to fail'),
    (e: unknown) => e,
  );
  if (!(error instanceof DeliveryError)) throw error;
  return error;
}

async function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  [field ?? []].flat().flatMap((a) => a.value.map((v) => v.address));
const referencesOf = (mail: ParsedMail) => [mail.references ?? []].flat();

describe('maskAddresses (errors are stored and logged; recipients may be status page subscribers)', () => {
  it('keeps the first letter and the domain of each address, and the text around it', () => {
    expect(maskAddresses('550 <bob2@example.com>: rejected')).toBe('550 <b…@example.com>: rejected');
    expect(maskAddresses('a@b.io, carol.x+tag@mail.example.org')).toBe('a…@b.io, c…@mail.example.org');
    expect(maskAddresses('RCPT TO:<dave@x.example> 550')).toBe('RCPT TO:<d…@x.example> 550');
    expect(maskAddresses('no address here @ all')).toBe('no address here @ all');
  });
});

describe('email config', () => {
  it('defaults to port 587 with STARTTLS required, and to implicit TLS on 465', () => {
    const { smtp } = configOf({});
    expect(smtp).toEqual({ host: '127.0.0.1', port: 587, tls: 'auto', verify_tls: true });
    expect(securityOf(smtp)).toBe('starttls');
    expect(securityOf(configOf({ port: 465 }).smtp)).toBe('implicit');
    expect(securityOf(configOf({ port: 465, tls: 'starttls' }).smtp)).toBe('starttls');
    expect(emailNotifier.sendsResolvedByDefault).toBe(false);
  });

  it.each([
    ['no recipient', {}, { to: [] }],
    ['an unknown key', { starttls: true }, {}],
    ['a user without a password', { user }, {}],
    ['credentials over tls: none', { user, password, tls: 'none' }, {}],
    ['a line break in the subject prefix', {}, { subject_prefix: '[prod]\r\nBcc: x@evil.example' }],
    ['an address without @', {}, { from: 'alerts' }],
  ])('rejects %s', (_, smtp, extra) => {
    expect(() => configOf(smtp, extra)).toThrow();
  });

  it.each([
    ['implicit', { secure: true, requireTLS: false, ignoreTLS: false }],
    ['starttls', { secure: false, requireTLS: true, ignoreTLS: false }],
    ['none', { secure: false, requireTLS: false, ignoreTLS: true }],
  ] as const)('maps tls: %s to nodemailer options', async (tls, expected) => {
    const options = await transportOptions(configOf({ tls, verify_tls: false, hello: 'bulwark.local' }).smtp);
    expect(options).toMatchObject({ ...expected, name: 'bulwark.local', tls: { rejectUnauthorized: false } });
  });
});

describe('email over STARTTLS with AUTH', () => {
  const secured = { security: 'starttls', auth: { user, password } } as const;

  it('threads firing and resolved mails of one group, with text and HTML parts', async () => {
    await withSink(secured, async (sink) => {
      const config = configOf(
        { port: sink.port, user, password, ca_file: cert.certPath },
        { to: ['oncall@acme.example', 'Ops <ops@acme.example>'], subject_prefix: '[prod]' },
      );
      await emailNotifier.send(sampleFiring(), config, ioWith());
      await emailNotifier.send(sampleResolved({ id: 'ntf_resolved' }), config, ioWith());
      await emailNotifier.send(
        sampleFiring({ id: 'ntf_db', groupKey: 'route0:{component="DB"}' }),
        config,
        ioWith(),
      );
      const received = await sink.waitForMails(3);
      const [firing, resolved, other] = await Promise.all(received.map((m) => m.parse()));
      if (!firing || !resolved || !other) throw new Error('three mails expected');

      expect(received.map((m) => [m.secure, m.user])).toEqual(Array(3).fill([true, user]));
      expect(received[0]?.envelopeTo).toEqual(['oncall@acme.example', 'ops@acme.example']);
      expect(firing.from?.value).toEqual([{ name: 'Bulwark', address: 'alerts@acme.example' }]);
      expect(addresses(firing.to)).toEqual(['oncall@acme.example', 'ops@acme.example']);
      expect([firing.subject, resolved.subject]).toEqual(['[prod] FIRING: API', '[prod] RESOLVED: API']);
      expect(firing.headers.get('auto-submitted')).toBe('auto-generated');

      expect(firing.text).toContain('[CRITICAL] FIRING (2): API');
      expect(firing.text).toContain('Public API is down: expected status == 200, got 503');
      expect(firing.text).toContain('Status page: https://status.acme.example');
      expect(resolved.text).toContain('resolved after 2m 15s');
      expect(firing.html).toContain('<a href="https://status.acme.example">Status page</a>');
      expect(firing.html).toContain('<a href="http://127.0.0.1:8082/api/v1/alerts">Admin</a>');
      expect(firing.html).toContain('Login is down: connect ECONNREFUSED');

      const root = firing.inReplyTo;
      expect(root).toMatch(/^<group-[0-9a-f]{16}@acme\.example>$/);
      expect([resolved.inReplyTo, referencesOf(firing), referencesOf(resolved)]).toEqual([
        root,
        [root],
        [root],
      ]);
      expect(other.inReplyTo).not.toBe(root);
      expect(referencesOf(other)).toEqual([other.inReplyTo]);
      const ids = [firing, resolved, other].map((m) => m.messageId);
      expect(new Set([...ids, root]).size).toBe(4);
    });
  });

  it('escapes every user-provided string in the HTML part, and keeps line breaks out of headers', async () => {
    await withSink(secured, async (sink) => {
      const config = configOf({ port: sink.port, user, password, ca_file: cert.certPath });
      const hostile = '<script>alert("x")</script> & <b>';
      const firing = sampleFiring();
      const alerts = firing.alerts.map((a) => ({ ...a, annotations: { summary: hostile } }));
      const notification = {
        ...firing,
        alerts,
        groupLabels: { component: 'API\r\nBcc: victim@evil.example' },
        commonLabels: { team: '<img src=x onerror=alert(1)>' },
      };
      await emailNotifier.send(notification, config, ioWith());
      const [mail] = await Promise.all((await sink.waitForMails(1)).map((m) => m.parse()));

      expect(mail?.html).not.toContain('<script>');
      expect(mail?.html).not.toContain('<img');
      expect(mail?.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;');
      expect(mail?.text).toContain(hostile);
      expect(mail?.subject).toBe('FIRING: API Bcc: victim@evil.example');
      expect(mail?.headers.has('bcc')).toBe(false);
      expect(sink.mails[0]?.envelopeTo).toEqual(['oncall@acme.example']);
    });
  });

  it('words the mail from its template, escaped in the HTML part', async () => {
    await withSink(secured, async (sink) => {
      const template = {
        title: '{{status}} on {{labels.component}} ({{count}})',
        text: 'Team {{labels.team}}: {{summary}}',
      };
      const config = configOf({ port: sink.port, user, password, ca_file: cert.certPath }, { template });
      const firing = sampleFiring();
      const notification = { ...firing, commonLabels: { ...firing.commonLabels, team: '<b>db</b>' } };
      await emailNotifier.send(notification, config, ioWith());
      const [mail] = await Promise.all((await sink.waitForMails(1)).map((m) => m.parse()));
      expect(mail?.subject).toMatch(/^firing on \S+ \(\d+\)$/);
      expect(mail?.text).toContain('Team <b>db</b>: ');
      expect(mail?.html).toContain('Team &lt;b&gt;db&lt;/b&gt;: ');
      expect(mail?.html).not.toContain('<b>db</b>');
    });
  });

  it('gives a retried notification the same Message-ID', async () => {
    await withSink(secured, async (sink) => {
      const config = configOf({ port: sink.port, user, password, ca_file: cert.certPath });
      await emailNotifier.send(sampleFiring(), config, ioWith());
      await emailNotifier.send(sampleFiring(), config, ioWith());
      const mails = await Promise.all((await sink.waitForMails(2)).map((m) => m.parse()));
      expect(mails[0]?.messageId).toMatch(/^<[0-9a-f]{32}@acme\.example>$/);
      expect(mails[1]?.messageId).toBe(mails[0]?.messageId);
    });
  });

  it('fails permanently on a wrong password, naming neither user nor password', async () => {
    await withSink(secured, async (sink) => {
      const wrong = 'hunter2-wrong';
      const config = configOf({ port: sink.port, user, password: wrong, ca_file: cert.certPath });
      const error = await failureOf(emailNotifier.send(sampleFiring(), config, ioWith()));

      expect(error).toMatchObject({ isRetryable: false, status: 535 });
      expect(error.message).toContain('AUTH PLAIN with 535');
      for (const secret of [wrong, user, Buffer.from(`\u0000${user}\u0000${wrong}`).toString('base64')]) {
        expect(error.message).not.toContain(secret);
        expect(JSON.stringify(error)).not.toContain(secret);
      }
      await sink.sync();
      expect(sink.authAttempts).toEqual([{ method: 'PLAIN', user, ok: false, secure: true }]);
      expect(sink.mails).toEqual([]);
    });
  });

  it('logs in with AUTH LOGIN when that is what the server offers', async () => {
    await withSink({ ...secured, authMethods: ['LOGIN'] }, async (sink) => {
      const config = configOf({ port: sink.port, user, password, ca_file: cert.certPath });
      await emailNotifier.send(sampleFiring(), config, ioWith());
      await sink.waitForMails(1);
      expect(sink.authAttempts).toEqual([{ method: 'LOGIN', user, ok: true, secure: true }]);
    });
  });

  it('accepts any certificate with verify_tls: false, and rejects an untrusted one by default', async () => {
    await withSink(secured, async (sink) => {
      await emailNotifier.send(
        sampleFiring(),
        configOf({ port: sink.port, user, password, verify_tls: false }),
        ioWith(),
      );
      expect((await sink.waitForMails(1))[0]?.secure).toBe(true);

      const error = await failureOf(
        emailNotifier.send(sampleFiring(), configOf({ port: sink.port, user, password }), ioWith()),
      );
      expect(error.isRetryable).toBe(false);
      expect(error.message).toMatch(
        /TLS certificate not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\); set smtp.ca_file/,
      );
    });
  });

  it('never falls back to plain text when the server offers no STARTTLS', async () => {
    await withSink({ security: 'plain', auth: { user, password } }, async (sink) => {
      for (const tls of ['starttls', 'auto']) {
        const config = configOf({ port: sink.port, user, password, tls });
        const error = await failureOf(emailNotifier.send(sampleFiring(), config, ioWith()));
        expect(error.isRetryable).toBe(false);
        expect(error.message).toContain('STARTTLS failed');
        expect(error.message).not.toContain(password);
      }
      // The sink offers AUTH in plain text: had the client sent credentials, they would show here.
      await sink.sync();
      expect(sink.authAttempts).toEqual([]);
      expect(sink.mails).toEqual([]);
    });
  });
});

describe('email over implicit TLS and plain SMTP', () => {
  it('delivers over implicit TLS with the CA from ca_file', async () => {
    await withSink({ security: 'implicit', auth: { user, password } }, async (sink) => {
      const config = configOf({ port: sink.port, tls: 'implicit', user, password, ca_file: cert.certPath });
      await emailNotifier.send(sampleFiring(), config, ioWith());
      const [mail] = await sink.waitForMails(1);
      expect([mail?.secure, mail?.user]).toEqual([true, user]);
    });
  });

  it('explains a TLS client meeting a plain-text port', async () => {
    await withSink({ security: 'plain' }, async (sink) => {
      const config = configOf({ port: sink.port, tls: 'implicit', ca_file: cert.certPath });
      const error = await failureOf(emailNotifier.send(sampleFiring(), config, ioWith()));
      expect(error.isRetryable).toBe(false);
      expect(error.message).toContain(
        `TLS handshake failed (wrong version number); is smtp.tls right for port`,
      );
    });
  });

  it('delivers unencrypted with tls: none (local relays)', async () => {
    await withSink({ security: 'plain' }, async (sink) => {
      await emailNotifier.send(sampleFiring(), configOf({ port: sink.port, tls: 'none' }), ioWith());
      const [mail] = await sink.waitForMails(1);
      expect([mail?.secure, mail?.user]).toEqual([false, null]);
    });
  });
});

describe('email delivery errors', () => {
  it('retries a 4xx reply and gives up on a 5xx one', async () => {
    const greylisted = { 'oncall@acme.example': '451 4.7.1 Greylisted, try again later' };
    await withSink({ security: 'plain', rcptReplies: greylisted }, async (sink) => {
      const error = await failureOf(
        emailNotifier.send(sampleFiring(), configOf({ port: sink.port, tls: 'none' }), ioWith()),
      );
      expect(error).toMatchObject({ isRetryable: true, status: 451 });
      expect(error.message).toContain('answered RCPT TO with 451 4.7.1 Greylisted, try again later');
    });
    await withSink({ security: 'plain', dataReply: '550 5.7.1 Message rejected as spam' }, async (sink) => {
      const error = await failureOf(
        emailNotifier.send(sampleFiring(), configOf({ port: sink.port, tls: 'none' }), ioWith()),
      );
      expect(error).toMatchObject({ isRetryable: false, status: 550 });
      expect(error.message).toContain('answered DATA with 550 5.7.1 Message rejected as spam');
    });
  });

  it('reports a partial delivery without retrying it', async () => {
    const unknown = { 'gone@acme.example': '550 5.1.1 <gone@acme.example>: No such user' };
    await withSink({ security: 'plain', rcptReplies: unknown }, async (sink) => {
      const config = configOf(
        { port: sink.port, tls: 'none' },
        { to: ['oncall@acme.example', 'gone@acme.example'] },
      );
      const error = await failureOf(emailNotifier.send(sampleFiring(), config, ioWith()));
      expect(error).toMatchObject({ isRetryable: false, status: 550 });
      expect(error.message).toContain(
        'for 1 of 2 recipients; rejected g…@acme.example: 550 5.1.1 <g…@acme.example>: No such user',
      );
      expect(error.message).not.toContain('gone@');
      expect((await sink.waitForMails(1))[0]?.envelopeTo).toEqual(['oncall@acme.example']);
    });
  });

  it('retries when nothing listens', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));

    const error = await failureOf(
      emailNotifier.send(sampleFiring(), configOf({ port, tls: 'none' }), ioWith()),
    );
    expect(error).toMatchObject({ isRetryable: true, status: undefined });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('stops a send and closes its connection when the signal aborts', async () => {
    const sockets: Socket[] = [];
    // Accepts and never greets: only the signal can end the send.
    const server: Server = createServer((socket) => sockets.push(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const controller = new AbortController();
      const sending = failureOf(
        emailNotifier.send(sampleFiring(), configOf({ port, tls: 'none' }), ioWith(controller.signal)),
      );
      const [socket] = (await withinMs(once(server, 'connection'), 5_000, 'no connection')) as [Socket];
      const closed = once(socket, 'close');
      controller.abort();

      const error = await withinMs(sending, 5_000, 'the send did not stop');
      expect(error).toMatchObject({ isRetryable: true });
      expect(error.message).toContain('timed out or was cancelled');
      await withinMs(closed, 5_000, 'the connection was not closed');
    } finally {
      sockets.forEach((s) => s.destroy());
      server.close();
    }
  });
});
