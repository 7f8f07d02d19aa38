// Characters XML 1.0 forbids even as references: one stray control byte in an incident body would make the
// whole feed unparseable, so they are dropped rather than escaped.
// eslint-disable-next-line no-control-regex
const forbiddenInXml = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes for element text and attribute values alike (quotes included), and for HTML text too. */
export const escapeXml = (text: string): string =>
  text.replace(forbiddenInXml, '').replace(/[&<>"']/g, (char) => entities[char] ?? char);
