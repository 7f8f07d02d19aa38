/** One event as a browser's EventSource dispatches it. */
export interface DispatchedEvent {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
}

/**
 * The WHATWG HTML event stream interpretation, as a client applies it to the whole stream: what it
 * dispatches, in order, and its lastEventId at the end. An event the stream ends inside is discarded.
 */
export function parseEventStream(text: string): { events: DispatchedEvent[]; lastEventId: string } {
  const events: DispatchedEvent[] = [];
  let data = '';
  let type = '';
  let idBuffer = '';
  let lastEventId = '';
  const lines = text.split(/\r\n|\n|\r/);
  // The text after the last line ending is an unfinished line: never processed.
  lines.pop();
  for (const line of lines) {
    if (line === '') {
      lastEventId = idBuffer;
      if (data !== '') events.push({ type: type || 'message', data: data.slice(0, -1), lastEventId });
      data = '';
      type = '';
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data += `${value}\n`;
    else if (field === 'id' && !value.includes('\0')) idBuffer = value;
  }
  return { events, lastEventId };
}
