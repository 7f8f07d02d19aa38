import { escapeHtml } from '../../core/markup.ts';

// Characters XML 1.0 forbids even as references: one stray control byte in an incident body would make the
// whole feed unparseable, so they are dropped rather than escaped.
// eslint-disable-next-line no-control-regex
const forbiddenInXml = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escapes for element text and attribute values alike (quotes included); the same escaping as HTML. */
export const escapeXml = (text: string): string => escapeHtml(text.replace(forbiddenInXml, ''));
