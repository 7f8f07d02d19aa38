import { describe, expect, it } from 'vitest';
import { baseMs, fixtureView, incident, update } from '../api/fixture.test-support.ts';
import { confirmationMessage, noticeMessages, type SubscriberContent } from './messages.ts';
import type { Notice } from './notices.ts';
import { subscriber } from './subscriber.test-support.ts';

const view = fixtureView();
const defs = view.components;
const ada = subscriber({ id: 'ada', componentIds: ['api'] });
const hook = subscriber({
  id: 'hook',
  mode: 'webhook',
  email: null,
  endpoint: 'https://hooks.example.com/s',
});
const hostile = '<script>alert(1)</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)>';
const entry = update({ id: 'u1', status: 'identified', body: hostile, createdAtMs: baseMs });
const notice: Notice = {
  kind: 'incident',
  phase: 'updated',
  incident: incident({
    id: 'i1',
    name: 'API <down>\r\nBcc: victim@example.com',
    componentIds: ['api'],
    updates: [entry],
  }),
  update: entry,
};
const email = (content: SubscriberContent) => {
  if (content.channel !== 'email') throw new Error('expected an email');
  return content;
};

describe('noticeMessages', () => {
  const messages = noticeMessages(view, defs, [ada, hook], notice);

  it('composes one message per subscriber with an id stable per subscriber and update', () => {
    expect(messages.map((m) => [m.id, m.receiver, m.groupKey])).toEqual([
      ['ada.u1', 'status:email', 'ada:incident:i1'],
      ['hook.u1', 'status:webhook:hook', 'incident:i1'],
    ]);
    expect(noticeMessages(view, defs, [ada, hook], notice)).toEqual(messages);
  });

  it('writes a mail whose subject stays one line and whose HTML carries nothing executable', () => {
    const mail = email(messages[0]?.content ?? ({} as SubscriberContent));
    expect(mail.to).toBe('ada@example.com');
    expect(mail.subject).toBe('[Acme] API <down> Bcc: victim@example.com');
    expect(mail.html).not.toMatch(/<script|<img|href="javascript:|<[^>]*onerror/i);
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.text).toContain('Identified');
    expect(mail.text).toContain('https://status.acme.test/incidents/i1');
    expect(mail.text).toContain('subscribed to Acme (API)');
    expect(mail.unsubscribeUrl).toBe('https://status.acme.test/unsubscribe?token=token-ada');
  });

  it('sends webhook subscribers the Statuspage incident payload with their unsubscribe link', () => {
    const content = messages[1]?.content;
    if (content?.channel !== 'webhook') throw new Error('expected a webhook');
    expect(content.url).toBe('https://hooks.example.com/s');
    expect(content.body).toMatchObject({
      meta: { unsubscribe: 'https://status.acme.test/unsubscribe?token=token-hook' },
      incident: { id: 'i1', status: 'investigating' },
    });
  });

  it('tells only webhook subscribers of a component change', () => {
    const change: Notice = {
      kind: 'component',
      componentId: 'api',
      oldStatus: 'operational',
      newStatus: 'major_outage',
      atMs: baseMs,
    };
    const sent = noticeMessages(view, defs, [ada, hook], change);
    expect(sent.map((m) => m.receiver)).toEqual(['status:webhook:hook']);
    expect(sent[0]?.content).toMatchObject({
      body: {
        component_update: { old_status: 'operational', new_status: 'major_outage', component_id: 'api' },
      },
    });
  });
});

describe('confirmationMessage', () => {
  it('asks for the click and offers no unsubscribe (there is nothing to leave yet)', () => {
    const waiting = subscriber({ id: 'bo', confirmedAtMs: null, createdAtMs: baseMs });
    const message = confirmationMessage(view, defs, waiting);
    const mail = email(message?.content ?? ({} as SubscriberContent));
    expect(mail.subject).toBe('Confirm your subscription to Acme');
    expect(mail.text).toContain('Confirm: https://status.acme.test/subscribe/confirm?token=token-bo');
    expect(mail.text).toContain('(all components)');
    expect(mail.unsubscribeUrl).toBeNull();
    expect(confirmationMessage(view, defs, hook)).toBeUndefined();
  });

  it('goes on a receiver of its own, in a few groups however many are waiting', () => {
    const messages = Array.from({ length: 200 }, (_, i) =>
      confirmationMessage(view, defs, subscriber({ id: `s${i}`, confirmedAtMs: null })),
    );
    expect(new Set(messages.map((m) => m?.receiver))).toEqual(new Set(['status:confirm']));
    expect(new Set(messages.map((m) => m?.groupKey)).size).toBeLessThanOrEqual(4);
  });
});
