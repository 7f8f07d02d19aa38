import { firingAlert } from '../../alerting/alert.ts';
import { notifierOf } from '../../alerting/notifiers/registry.ts';
import { DeliveryError } from '../../alerting/notifiers/notifier.ts';
import type { Notification } from '../../alerting/notification.ts';
import { loadConfigFile, type Config } from '../../config/index.ts';
import { BulwarkError } from '../../core/errors.ts';
import { exitCodes, stringOption, type Command } from './command.ts';
import { configOption, defaultConfigFile } from './validate-command.ts';

const sendTimeoutMs = 15_000;

/** The link real notifications carry (alerting-host.ts), so the test shows what the receiver will get. */
function adminLinksOf(config: Config): Notification['links'] {
  const { host, port } = config.listen.admin;
  // Port 0 is only known to the running process: no link rather than a wrong one.
  if (!config.alerting.externalUrl && port === 0) return {};
  const base = config.alerting.externalUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { admin: `${base.replace(/\/$/, '')}/api/v1/alerts` };
}

/**
 * `bulwark notify test NAME`: sends one test message through a configured notifier, straight from this
 * process, so a webhook URL or SMTP password can be checked before an outage needs it.
 */
export const notifyCommand: Command = {
  name: 'notify',
  summary: 'Send a test message through a configured notifier',
  usage: 'bulwark notify test NAME [-c FILE]',
  takesArguments: true,
  options: [configOption],
  async run(values, io, args) {
    const [verb, name, ...extra] = args;
    if (verb !== 'test' || !name || extra.length > 0)
      throw new BulwarkError('CLI_USAGE', 'notify: expected "notify test NAME"');
    const config = await loadConfigFile(stringOption(values, 'config') ?? defaultConfigFile, { env: io.env });
    const entry = config.alerting.notifiers[name];
    const known = Object.keys(config.alerting.notifiers);
    if (!entry)
      throw new BulwarkError(
        'CLI_USAGE',
        `notify: no notifier "${name}" (configured: ${known.join(', ') || 'none'})`,
      );
    const notifier = notifierOf(entry.type);
    if (!notifier) throw new BulwarkError('CLI_USAGE', `notify: no notifier kind "${entry.type}"`);
    const nowMs = Date.now();
    const alert = firingAlert(
      { alertname: 'bulwark-test', severity: 'info' },
      { summary: `Test message from Bulwark to "${name}": delivery works` },
      nowMs,
    );
    try {
      await notifier.send(
        {
          id: `ntf_test_${nowMs.toString(36)}`,
          receiver: name,
          groupKey: 'test',
          status: 'firing',
          reason: 'test',
          groupLabels: {},
          commonLabels: alert.labels,
          commonAnnotations: alert.annotations,
          alerts: [alert],
          severity: 'info',
          links: adminLinksOf(config),
          createdAtMs: nowMs,
        },
        entry,
        { nowMs: Date.now, signal: AbortSignal.timeout(sendTimeoutMs) },
      );
    } catch (error) {
      // DeliveryError messages are written to be safe to show: they never contain the notifier's secrets.
      const message = error instanceof DeliveryError ? error.message : 'the send failed unexpectedly';
      io.err(`bulwark: test message to "${name}" (${entry.type}) failed: ${message}\n`);
      return exitCodes.failure;
    }
    io.out(`test message sent to "${name}" (${entry.type})\n`);
    return exitCodes.ok;
  },
};
