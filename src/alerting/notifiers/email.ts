import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  createTransport,
  type NodemailerError,
  type SendMailOptions,
  type SMTPSentMessageInfo,
  type SMTPTransportOptions,
} from 'nodemailer';
import { z } from 'zod';
// The strict escape (quotes too: URLs land in href="…"), not message.ts's, which chat services need.
import { escapeHtml as escapeStrict } from '../../core/markup.ts';
import type { Notification } from '../notification.ts';
import { defaultMessage, type DefaultMessage } from './message.ts';
import { chatMessage, messageTemplate, type Markup, type MessageTemplate } from './template.ts';
import { DeliveryError, type Notifier } from './notifier.ts';

/**
 * Email over SMTP submission (RFC 6409) with nodemailer: one connection per send, closed afterwards, and
 * one mail thread per alert group. Credentials only ever travel over TLS, and no error text carries them.
 */

// Header values must stay on one line: a CR or LF in a subject or address would start a new header.
const oneLine = (what: string) =>
  z
    .string()
    .min(1)
    .regex(/^[^\r\n]*$/, `${what} must be a single line`);
export const mailbox = oneLine('an address').regex(/@/, 'expected an address like alerts@example.com');

/** How to reach a mail relay; the status page's subscriber mail uses it too. */
export const smtpSettings = z
  .strictObject({
    host: oneLine('host'),
    port: z.int().min(1).max(65_535).default(587),
    user: oneLine('user').optional(),
    password: z.string().min(1).optional(),
    tls: z.enum(['auto', 'starttls', 'implicit', 'none']).default('auto').meta({
      description:
        'auto: implicit TLS on port 465, STARTTLS required otherwise; none: plain SMTP, local relays only',
    }),
    /** PEM file of the CA that signed the server's certificate (a private relay's own CA). */
    ca_file: z.string().min(1).optional(),
    verify_tls: z.boolean().default(true),
    /** The name sent with EHLO; nodemailer's default is the machine's hostname. */
    hello: oneLine('hello').optional(),
  })
  .refine((s) => (s.user === undefined) === (s.password === undefined), {
    message: 'user and password go together',
  })
  .refine((s) => s.tls !== 'none' || s.user === undefined, {
    message:
      'tls: none would send the password in plain text; use starttls or implicit with user and password',
    path: ['tls'],
  });

const emailConfig = z.strictObject({
  type: z.literal('email'),
  smtp: smtpSettings,
  from: mailbox,
  to: z.array(mailbox).min(1),
  subject_prefix: oneLine('subject_prefix').optional(),
  /** Replaces the default subject (`title`) and body (`text`), as for the chat notifiers. */
  template: messageTemplate.optional(),
});

export type EmailConfig = z.infer<typeof emailConfig>;
export type SmtpSettings = EmailConfig['smtp'];

export const emailNotifier: Notifier<EmailConfig> = {
  kind: 'email',
  config: emailConfig,
  // Alertmanager's email default (send_resolved: false).
  sendsResolvedByDefault: false,
  send: (notification, config, io) => sendMail(config.smtp, composeEmail(notification, config), io),
};

/**
 * Sends one message over one connection, closed afterwards. Resolves when every recipient was accepted;
 * rejects with a DeliveryError that says whether a retry could help and carries no credential.
 */
export async function sendMail(
  smtp: SmtpSettings,
  message: SendMailOptions,
  io: { readonly signal: AbortSignal },
): Promise<void> {
  const transport = createTransport(await transportOptions(smtp));
  try {
    const info = await transport.sendMail({ ...message, signal: io.signal });
    if (info.rejected.length > 0) throw partialDelivery(smtp, info);
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    throw deliveryErrorOf(error, smtp, io.signal);
  } finally {
    transport.close();
  }
}

/** `auto` means implicit TLS on 465 (SMTPS) and STARTTLS, required, on any other port (587 submission). */
export function securityOf(smtp: SmtpSettings): 'implicit' | 'starttls' | 'none' {
  if (smtp.tls !== 'auto') return smtp.tls;
  return smtp.port === 465 ? 'implicit' : 'starttls';
}

/**
 * The message for one notification. Every mail of a group replies to the same thread root, a Message-ID
 * derived from the group key that is never sent itself; mail clients thread on References. The mail's own
 * Message-ID derives from the notification id, so a retried send is recognisably the same message.
 */
export function composeEmail(notification: Notification, config: EmailConfig): SendMailOptions {
  const message = defaultMessage(notification);
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(config.from)?.[1] ?? 'bulwark';
  const threadRoot = `<group-${sha256Hex(notification.groupKey).slice(0, 16)}@${domain}>`;
  const templated = config.template && templatedParts(notification, config.template);
  const subject = templated?.subject ?? threadSubject(message.title);
  return {
    from: config.from,
    to: [...config.to],
    subject: config.subject_prefix === undefined ? subject : `${config.subject_prefix} ${subject}`,
    messageId: `<${sha256Hex(notification.id).slice(0, 32)}@${domain}>`,
    inReplyTo: threadRoot,
    references: [threadRoot],
    date: new Date(notification.createdAtMs),
    // RFC 3834: tells vacation responders and ticket systems not to answer an automated mail.
    headers: { 'Auto-Submitted': 'auto-generated' },
    text: templated?.text ?? plainText(notification, message),
    html: templated?.html ?? htmlBody(notification, message),
  };
}

const plainMarkup: Markup = {
  escape: (text) => text,
  link: (label, url) => `${label}: ${url}`,
  bullet: '- ',
  lineBreak: '\n',
};
const htmlMarkup: Markup = {
  escape: escapeStrict,
  link: (label, url) => `<a href="${escapeStrict(url)}">${escapeStrict(label)}</a>`,
  bullet: '&bull; ',
  lineBreak: '<br>',
};

// A template words the whole mail; the subject is whatever its title renders to, so threading then rests on
// In-Reply-To alone (clients that thread by subject too follow the template's choice).
function templatedParts(notification: Notification, template: MessageTemplate) {
  const plain = chatMessage(notification, template, plainMarkup);
  const html = chatMessage(notification, template, htmlMarkup);
  return {
    subject: plain.title.replace(/[\r\n]+/g, ' '),
    text: [plain.title, '', plain.body, ...(plain.footer === '' ? [] : ['', plain.footer])].join('\n'),
    html: [
      '<!DOCTYPE html>',
      '<html><body style="font-family:sans-serif;line-height:1.4">',
      `<h2 style="font-size:18px">${html.title}</h2>`,
      `<p>${html.body}</p>`,
      ...(html.footer === '' ? [] : [`<p>${html.footer}</p>`]),
      '</body></html>',
    ].join('\n'),
  };
}

// The title's severity tag and alert count change while a group lives; clients that also thread by subject
// (Gmail) would split the thread, so the subject keeps only the status word and the group.
function threadSubject(title: string): string {
  const match = /^(?:\[[^\]]*\] )?(FIRING|RESOLVED)(?: \(\d+\))?: (.*)$/s.exec(title);
  return match ? `${match[1]}: ${match[2]}` : title;
}

function plainText(notification: Notification, message: DefaultMessage): string {
  const labels = labelsText(notification);
  return [
    message.title,
    '',
    ...message.lines.map((line) => `- ${line}`),
    ...(labels === '' ? [] : ['', labels]),
    ...(message.links.length === 0 ? [] : ['', ...message.links.map((l) => `${l.label}: ${l.url}`)]),
    '',
    `-- `,
    `Sent by Bulwark to receiver ${notification.receiver}`,
  ].join('\n');
}

// Every interpolated string is escaped: summaries and labels come from monitored services and config.
function htmlBody(notification: Notification, message: DefaultMessage): string {
  const colour = notification.status === 'firing' ? '#b42318' : '#067647';
  const labels = labelsText(notification);
  const links = message.links.map((l) => `<a href="${escapeStrict(l.url)}">${escapeStrict(l.label)}</a>`);
  return [
    '<!DOCTYPE html>',
    '<html><body style="font-family:sans-serif;line-height:1.4">',
    `<h2 style="color:${colour};font-size:18px">${escapeStrict(message.title)}</h2>`,
    `<ul>${message.lines.map((line) => `<li>${escapeStrict(line)}</li>`).join('')}</ul>`,
    ...(labels === '' ? [] : [`<p style="color:#555">${escapeStrict(labels)}</p>`]),
    ...(links.length === 0 ? [] : [`<p>${links.join(' &middot; ')}</p>`]),
    `<p style="color:#888;font-size:12px">Sent by Bulwark to receiver ${escapeStrict(notification.receiver)}</p>`,
    '</body></html>',
  ].join('\n');
}

function labelsText(notification: Notification): string {
  const pairs = Object.entries(notification.commonLabels).map(([name, value]) => `${name}=${value}`);
  return pairs.length === 0 ? '' : `Labels: ${pairs.join(', ')}`;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** nodemailer's options for one connection; exported for the mapping tests. */
export async function transportOptions(smtp: SmtpSettings): Promise<SMTPTransportOptions> {
  const ca = smtp.ca_file === undefined ? undefined : await readCaFile(smtp.ca_file);
  const security = securityOf(smtp);
  return {
    host: smtp.host,
    port: smtp.port,
    // requireTLS fails the send when STARTTLS is missing or fails: no silent plain-text fallback.
    secure: security === 'implicit',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    tls: { rejectUnauthorized: smtp.verify_tls, ...(ca === undefined ? {} : { ca }) },
    ...(smtp.hello === undefined ? {} : { name: smtp.hello }),
    ...(smtp.user === undefined || smtp.password === undefined
      ? {}
      : { auth: { user: smtp.user, pass: smtp.password } }),
    // Our messages have no attachments; nothing in them may make nodemailer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
}

async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new DeliveryError(`cannot read smtp.ca_file ${path} (${code})`, {
      isRetryable: false,
    });
  }
}

// Failures that say the config (credentials, addresses, TLS mode) is wrong; a retry would meet them again.
const permanentCodes = new Set(['EAUTH', 'ENOAUTH', 'ETLS', 'EENVELOPE', 'ECONFIG', 'EREQUIRETLS']);
const certificateCode = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/;

/** 4xx replies and network trouble are retryable; 5xx replies and config mistakes are not (RFC 5321 §4.2.1). */
export function deliveryErrorOf(error: unknown, smtp: SmtpSettings, signal: AbortSignal): DeliveryError {
  const where = `SMTP ${smtp.host}:${smtp.port}`;
  const failure: NodemailerError & { reason?: unknown } =
    error instanceof Error ? error : new Error(String(error));
  const { code, originalCode, responseCode: status } = failure;
  const permanent = (message: string) => new DeliveryError(message, { isRetryable: false, status });
  if (signal.aborted || code === 'EABORT') {
    return new DeliveryError(`${where}: send timed out or was cancelled`, { isRetryable: true });
  }
  const reply = redact(failure.response ?? '', smtp) || 'no reply';
  if (code === 'ETLS') {
    const hint =
      'the server must offer STARTTLS (tls: auto or starttls), or use tls: implicit on its TLS port';
    return permanent(`${where}: STARTTLS failed (${reply}); ${hint}`);
  }
  if (status !== undefined && status >= 400) {
    const verb = /^(AUTH [A-Z0-9-]+|MAIL FROM|RCPT TO|[A-Z]+)/.exec(failure.command ?? '')?.[1];
    const message = `${where} answered ${verb === undefined ? '' : `${verb} `}with ${reply}`;
    return status < 500 ? new DeliveryError(message, { isRetryable: true, status }) : permanent(message);
  }
  if (originalCode !== undefined && certificateCode.test(originalCode)) {
    const hint = 'set smtp.ca_file to its CA, or verify_tls: false for a test relay';
    return permanent(`${where}: TLS certificate not trusted (${originalCode}); ${hint}`);
  }
  if (typeof failure.reason === 'string') {
    // An OpenSSL reason such as "wrong version number": TLS spoken to a plain port, or the reverse.
    return permanent(
      `${where}: TLS handshake failed (${failure.reason}); is smtp.tls right for port ${smtp.port}?`,
    );
  }
  const isRetryable = code === undefined || !permanentCodes.has(code);
  return new DeliveryError(`${where}: send failed (${originalCode ?? code ?? failure.name})`, {
    isRetryable,
  });
}

// A retry would mail the accepted recipients again, so a partial delivery is reported and not retried.
function partialDelivery(smtp: SmtpSettings, info: SMTPSentMessageInfo): DeliveryError {
  const { accepted, rejected } = info;
  const first = info.rejectedErrors?.[0];
  const reply = first?.response === undefined ? '' : `: ${redact(first.response, smtp)}`;
  const message =
    `SMTP ${smtp.host}:${smtp.port} accepted the mail for ${accepted.length} of ` +
    `${accepted.length + rejected.length} recipients; rejected ${rejected.map(maskAddresses).join(', ')}${reply}`;
  return new DeliveryError(message, { isRetryable: false, status: first?.responseCode });
}

/**
 * `bob@example.com` → `b…@example.com`. Errors are kept in the outbox and logged, and the recipients may be
 * status page subscribers, whose addresses are theirs: the first letter and the domain are enough to tell
 * which recipient a relay refused.
 */
export function maskAddresses(text: string): string {
  return text.replace(/([^\s<>:;,"@])[^\s<>:;,"@]*@(?=[^\s<>:;,"@]+\.[^\s<>:;,"@]+)/g, '$1…@');
}

// The server's own words help whoever fixes the config; a server could still echo what we sent, so the
// credentials, plain and in the base64 forms AUTH PLAIN/LOGIN send, are blanked out, and addresses masked.
function redact(text: string, smtp: SmtpSettings): string {
  let clean = text.trim().replace(/\s+/g, ' ');
  const { user, password } = smtp;
  if (user !== undefined && password !== undefined) {
    const base64 = (s: string) => Buffer.from(s).toString('base64');
    const secrets = [
      base64(`\u0000${user}\u0000${password}`),
      base64(user),
      base64(password),
      password,
      user,
    ];
    for (const secret of secrets) clean = clean.replaceAll(secret, '[redacted]');
  }
  return maskAddresses(clean).slice(0, 200);
}
