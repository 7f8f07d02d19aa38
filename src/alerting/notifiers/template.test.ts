import { describe, expect, it } from 'vitest';
import { firingAlert } from '../alert.ts';
import { sampleFiring, sampleResolved } from '../../../test/support/sample-notification.ts';
import { composeEmail, emailNotifier } from './email.ts';
import {
  chatMessage,
  fitText,
  messageTemplate,
  renderTemplate,
  statusMarker,
  templateProblems,
  type Markup,
} from './template.ts';

const plain: Markup = { escape: (t) => t, link: (l, u) => `[${l}](${u})`, bullet: '- ', lineBreak: '\n' };
const shouty: Markup = { ...plain, escape: (t) => t.toUpperCase() };

describe('templateProblems', () => {
  it('accepts every documented placeholder, with or without spaces inside the braces', () => {
    const all =
      '{{status}} {{severity}} {{receiver}} {{reason}} {{title}} {{summary}} {{alerts}} {{count}} {{group}} ' +
      '{{group_key}} {{status_page_url}} {{admin_url}} {{labels.team}} {{ annotations.runbook_url }}';
    expect(templateProblems(all)).toEqual([]);
    expect(templateProblems('no placeholders at all, } and { alone are text')).toEqual([]);
  });

  it('names each unknown placeholder and lists the known ones', () => {
    const problems = templateProblems('{{stauts}} {{labels}} {{labels.a-b}} {{constructor}}');
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^unknown placeholder \{\{stauts\}\}; known: \{\{status\}\}, /);
    expect(problems[0]).toContain('{{labels.NAME}}');
  });

  it('flags an unclosed {{', () => {
    expect(templateProblems('{{status}} and {{summary')).toEqual(['a {{ has no matching }}']);
  });
});

describe('messageTemplate schema', () => {
  it('accepts title and text and rejects other keys', () => {
    expect(messageTemplate.parse({ title: '{{status}}' })).toEqual({ title: '{{status}}' });
    expect(messageTemplate.safeParse({ body: 'x' }).success).toBe(false);
  });

  it('fails at load with a message naming the unknown placeholder and where it is', () => {
    const result = messageTemplate.safeParse({ title: 'ok {{status}}', text: 'Runbook: {{runbook}}' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        code: 'custom',
        path: ['text'],
        message: expect.stringMatching(/^unknown placeholder \{\{runbook\}\}/) as unknown,
      }),
    ]);
  });

  it('rejects an empty template', () => {
    expect(messageTemplate.safeParse({ text: '' }).success).toBe(false);
  });
});

describe('renderTemplate', () => {
  it('fills each placeholder from the notification', () => {
    const source =
      '{{status}}|{{severity}}|{{receiver}}|{{reason}}|{{count}}|{{group}}|{{group_key}}|' +
      '{{status_page_url}}|{{admin_url}}|{{labels.alertname}}|{{annotations.missing}}';
    expect(renderTemplate(source, sampleFiring(), plain)).toBe(
      'firing|critical|team-chat|first|2|component=API|route0:{component="API"}|' +
        'https://status.acme.example|http://127.0.0.1:8082/api/v1/alerts|monitor-down|',
    );
  });

  it('renders title, alerts and summary as the default message does', () => {
    const resolved = sampleResolved();
    expect(renderTemplate('{{title}}', resolved, plain)).toBe('RESOLVED (2): API');
    expect(renderTemplate('{{alerts}}', resolved, plain)).toBe(
      '- Public API is down: expected status == 200, got 503: resolved after 2m 15s (since 2026-11-21T09:30:00Z)\n' +
        '- Login is down: connect ECONNREFUSED: resolved after 2m 11s (since 2026-11-21T09:30:04Z)',
    );
    // No common summary among two alerts: the title stands in; one alert's own summary otherwise.
    expect(renderTemplate('{{summary}}', resolved, plain)).toBe('RESOLVED (2): API');
    const single = sampleFiring({ alerts: [firingAlert({ alertname: 'x' }, { summary: 'Disk full' }, 0)] });
    expect(renderTemplate('{{summary}}', single, plain)).toBe('Disk full');
  });

  it('escapes values, not the template text, and never expands a value as a template', () => {
    const sneaky = sampleFiring({ receiver: '{{admin_url}}' });
    expect(renderTemplate('to {{receiver}}', sneaky, shouty)).toBe('to {{ADMIN_URL}}');
    expect(renderTemplate('to {{receiver}}', sneaky, plain)).toBe('to {{admin_url}}');
  });

  it('lists {{alerts}} with the channel markup between alerts and escapes only the alert texts (email HTML)', () => {
    const [api, login] = sampleFiring().alerts;
    const alerts = [{ ...api!, annotations: { summary: 'API is down: <b>503</b> & more' } }, login!];
    const config = emailNotifier.config.parse({
      type: 'email',
      smtp: { host: '127.0.0.1' },
      from: 'alerts@acme.example',
      to: ['oncall@acme.example'],
      template: { text: 'Alerts:\n{{alerts}}' },
    });
    const { html } = composeEmail(sampleFiring({ alerts }), config);
    expect(html).toContain(
      '&bull; API is down: &lt;b&gt;503&lt;/b&gt; &amp; more (since 2026-11-21T09:30:00Z)<br>&bull; Login is down',
    );
    expect(html).not.toContain('&amp;bull;');
    expect(html).not.toContain('&lt;br&gt;');
  });

  it('leaves a placeholder that never went through validation as written', () => {
    expect(renderTemplate('{{__proto__}} {{status}}', sampleFiring(), plain)).toBe('{{__proto__}} firing');
  });
});

describe('chatMessage', () => {
  it('is the default message in the channel markup when there is no template', () => {
    expect(chatMessage(sampleFiring(), undefined, shouty)).toEqual({
      title: '[CRITICAL] FIRING (2): API',
      body:
        '- PUBLIC API IS DOWN: EXPECTED STATUS == 200, GOT 503 (SINCE 2026-11-21T09:30:00Z)\n' +
        '- LOGIN IS DOWN: CONNECT ECONNREFUSED (SINCE 2026-11-21T09:30:04Z)',
      footer: '[Status page](https://status.acme.example) · [Admin](http://127.0.0.1:8082/api/v1/alerts)',
    });
  });

  it('lets a text template replace body and links, and a title template the title', () => {
    expect(
      chatMessage(sampleFiring(), { title: '{{severity}}', text: 'see {{status_page_url}}' }, plain),
    ).toEqual({
      title: 'critical',
      body: 'see https://status.acme.example',
      footer: '',
    });
  });
});

describe('fitText', () => {
  it('joins the non-empty parts when they fit', () => {
    expect(fitText(100, 'T', 'body', 'links')).toBe('T\nbody\nlinks');
    expect(fitText(100, 'T', '', 'links', '\n\n')).toBe('T\n\nlinks');
    expect(fitText(100, '', 'body', '')).toBe('body');
  });

  it('cuts the body first, so head and tail survive', () => {
    const text = fitText(20, 'HEAD', 'b'.repeat(50), 'TAIL');
    expect(text).toBe('HEAD\nbbbbbbbbb…\nTAIL');
    expect(text).toHaveLength(20);
  });

  it('cuts the whole text when head and tail alone are too long', () => {
    const text = fitText(10, 'H'.repeat(20), 'body', 'TAIL');
    expect(text).toBe('HHHHHHHHH…');
  });
});

describe('statusMarker', () => {
  it('is green when resolved, else coloured by severity', () => {
    expect(statusMarker(sampleResolved())).toBe('🟢');
    expect(statusMarker(sampleFiring())).toBe('🔴');
    expect(statusMarker(sampleFiring({ severity: 'warning' }))).toBe('🟠');
    expect(statusMarker(sampleFiring({ severity: 'info' }))).toBe('🔵');
  });
});
