/**
 * Text from the admin API (incident names, error messages) is someone else's input: an ESC or CSI in it would
 * reach the operator's terminal as a command (clear the screen, retitle the window, forge lines), and a bidi
 * override would reorder what the operator reads (Trojan Source). Both are shown as `\u001b` instead:
 * readable in text, and still valid inside JSON strings, so `--json` output passes through the same filter
 * unharmed.
 */

// Cc is C0, DEL and C1 (U+009B is an 8-bit CSI); tab and newline are the CLI's own layout. U+202A–U+202E
// are the bidi embeddings and overrides, U+2066–U+2069 the isolates.
const unsafeInText = /(?![\t\n])\p{Cc}|[\u202A-\u202E\u2066-\u2069]/gu;
// A table cell or a name is one line: tabs and line breaks in it are escaped too.
const unsafeInLine = /\p{Cc}|[\u202A-\u202E\u2066-\u2069]/gu;

const escaped = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Whole output: every control character but tab and newline escaped. */
export function terminalSafe(text: string): string {
  return text.replace(unsafeInText, escaped);
}

/** One field (a table cell, a name): tabs and line breaks escaped too, so it cannot forge a row. */
export function oneLine(text: string): string {
  return text.replace(unsafeInLine, escaped);
}
