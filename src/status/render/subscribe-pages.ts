import type { StatusView } from '../view.ts';
import { escapeHtml, renderDocument } from './html.ts';

/**
 * The email subscription flow's pages: the form, "check your inbox", and the confirm and unsubscribe pages.
 * Confirming and unsubscribing take a button press (a POST): mail scanners that open every link in a message
 * must not confirm or end a subscription on their own.
 */

export interface SubscribeForm {
  /** What the visitor typed, shown again with an error. */
  readonly email?: string;
  readonly componentIds?: readonly string[];
  readonly error?: string;
}

/** `/subscribe`: an address and, optionally, the components it is about (none chosen: all of them). */
export function renderSubscribePage(view: StatusView, form: SubscribeForm = {}): string {
  const chosen = new Set(form.componentIds ?? []);
  const error =
    form.error === undefined
      ? ''
      : `<p id="email-error" class="error" role="alert">${escapeHtml(form.error)}</p>`;
  const invalid = form.error === undefined ? '' : ' aria-invalid="true" aria-describedby="email-error"';
  const boxes = view.components.map((c) => {
    const checked = chosen.has(c.id) ? ' checked' : '';
    const indent = c.groupId === null ? '' : ' style="margin-left:1.5rem"';
    const label = c.isGroup ? `${escapeHtml(c.name)} (all of it)` : escapeHtml(c.name);
    return (
      `<label${indent}><input type="checkbox" name="component_ids" value="${escapeHtml(c.id)}"${checked}> ` +
      `${label}</label>`
    );
  });
  const components =
    boxes.length === 0
      ? ''
      : `<fieldset><legend>Only these components (leave all unticked for every one)</legend>${boxes.join('')}</fieldset>`;
  const body = [
    '<h1>Get updates by email</h1>',
    '<p>We write when an incident starts, changes and ends, and before and during scheduled maintenance. ',
    'The first mail asks you to confirm; every mail after it has a one-click unsubscribe.</p>',
    error,
    '<form class="form" method="post" action="/subscribe">',
    '<label for="email">Email address</label>',
    `<input id="email" name="email" type="email" required autocomplete="email" size="40" value="${escapeHtml(form.email ?? '')}"${invalid}>`,
    components,
    '<p><button type="submit">Subscribe</button></p>',
    '</form>',
  ].join('');
  return renderDocument(view, { title: 'Subscribe', body });
}

/** A short answer page: "check your inbox", "you are unsubscribed", "this link expired". */
export function renderNoticePage(view: StatusView, heading: string, text: string): string {
  const body = `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(text)}</p><p><a href="/">Current status</a></p>`;
  return renderDocument(view, { title: heading, body });
}

/** What a confirm link opens: one button that confirms. */
export function renderConfirmPage(view: StatusView, token: string): string {
  return renderButtonPage(view, {
    heading: 'Confirm your subscription',
    text: `Press the button to receive updates from ${view.page.name} by email.`,
    action: '/subscribe/confirm',
    token,
    button: 'Confirm subscription',
  });
}

/** What an unsubscribe link opens: one button that unsubscribes. */
export function renderUnsubscribePage(view: StatusView, token: string): string {
  return renderButtonPage(view, {
    heading: 'Unsubscribe',
    text: `Press the button to stop receiving updates from ${view.page.name}.`,
    action: '/unsubscribe',
    token,
    button: 'Unsubscribe',
  });
}

function renderButtonPage(
  view: StatusView,
  page: { heading: string; text: string; action: string; token: string; button: string },
): string {
  const body = [
    `<h1>${escapeHtml(page.heading)}</h1>`,
    `<p>${escapeHtml(page.text)}</p>`,
    `<form method="post" action="${page.action}">`,
    `<input type="hidden" name="token" value="${escapeHtml(page.token)}">`,
    `<p><button type="submit">${escapeHtml(page.button)}</button></p>`,
    '</form>',
  ].join('');
  return renderDocument(view, { title: page.heading, body });
}
