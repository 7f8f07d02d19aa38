const htmlEscapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Safe in HTML and XML text and in quoted attribute values (quotes included): every user-written string that
 * reaches a page, a feed or an email body goes through it. `&#39;` rather than `&apos;`, which HTML 4 lacks.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);
}
