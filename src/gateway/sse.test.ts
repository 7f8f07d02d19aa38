import { describe, expect, it } from 'vitest';
import { parseEventStream } from '../../test/support/event-stream-parser.ts';
import { sseErrorFrame } from './responses.ts';
import { EventStreamProgress } from './sse.ts';

const frame = sseErrorFrame('GW_UPSTREAM_STREAM_FAILED', 'upstream failed mid-response', 'req-1');

/** The stream as a client receives it when the upstream's bytes stop after `chunks`. */
function cutAfter(...chunks: string[]): string {
  const progress = new EventStreamProgress();
  for (const chunk of chunks) progress.observe(Buffer.from(chunk, 'latin1'));
  return chunks.join('') + progress.closingFrame(frame).toString('latin1');
}

describe('EventStreamProgress: ending a broken event stream with an error event', () => {
  it.each(['data: a\n\n', 'data: a\r\n\r\n', 'data: a\r\r', ': keep-alive comment\n\n', ''])(
    'appends the error event as it is after %j: nothing of an event is pending',
    (sent) => expect(cutAfter(sent)).toBe(sent + frame),
  );

  it.each([
    ['mid-line', ['data: {"token":"Hel"}\n\ndata: {"tok']],
    ['after a whole line', ['data: {"token":"Hel"}\n\ndata: {"token":"lo"}\n']],
    ['after a CR, one chunk before its LF', ['data: {"token":"Hel"}\r\n\r\ndata: {"token":"lo"}\r']],
    ['mid-line, the event split over chunks', ['data: {"token":"Hel"}\n', '\ndata: {"to', 'ken"']],
  ])(
    'cut %s: no ordinary event carries the half-sent data; the client sees an error event',
    (_name, chunks) => {
      const { events } = parseEventStream(cutAfter(...chunks));
      expect(events.filter((event) => event.type === 'message').map((event) => event.data)).toEqual([
        '{"token":"Hel"}',
      ]);
      expect(events.at(-1)?.type).toBe('error');
      expect(events.at(-1)?.data).toMatch(/"code":"GW_UPSTREAM_STREAM_FAILED"/);
    },
  );

  it.each([
    ['mid-line', ['id: 98\ndata: {"tok":"a"}\n\nid: 99\ndata: {"tok":']],
    ['after a whole data line', ['data: {"tok":"a"}\n\nevent: delta\ndata: {"tok":"b"}\n']],
    ['after a CR', ['data: {"tok":"a"}\r\n\r\ndata: {"tok":"b"}\r']],
  ])(
    'cut %s: the error event carries only its own JSON; the half event goes under its own type',
    (_n, chunks) => {
      const { events } = parseEventStream(cutAfter(...chunks));
      const error = events.find((event) => event.type === 'error');
      expect(JSON.parse(error?.data ?? '')).toMatchObject({ error: { code: 'GW_UPSTREAM_STREAM_FAILED' } });
      expect(events.map((event) => event.type)).toEqual(['message', 'bulwark-discarded', 'error']);
    },
  );

  it('gives every event after the cut the last whole event’s id, even when the cut ends a half id line', () => {
    const { events } = parseEventStream(cutAfter('id: 41\ndata: a\n\n', 'data: b\nid: 42'));
    expect(events.slice(1).map((event) => [event.type, event.lastEventId])).toEqual([
      ['bulwark-discarded', '41'],
      ['error', '41'],
    ]);
  });

  it('gives the error event its own data when the cut event had none yet', () => {
    const { events } = parseEventStream(cutAfter('data: a\n\nevent: delta\nid: 7\nre'));
    expect(events.at(-1)).toMatchObject({ type: 'error', data: frame.split('data: ')[1]!.trim() });
  });

  it('keeps the lastEventId of the last whole event, so a reconnect asks for the cut one again', () => {
    const { lastEventId } = parseEventStream(cutAfter('id: 41\ndata: a\n\n', 'id: 42\ndata: {"del'));
    expect(lastEventId).toBe('41');
    // Never an id before: none after either (an empty id is how a stream says so).
    expect(parseEventStream(cutAfter('data: a\n\nid: 1\ndata: b')).lastEventId).toBe('');
    // An id whose event completed stays, ids spelled without a space too.
    expect(parseEventStream(cutAfter('id:9\ndata: a\n\ndata: b')).lastEventId).toBe('9');
  });

  it('gives back an id byte for byte, UTF-8 included', () => {
    const id = Buffer.from('événement-1', 'utf8').toString('latin1');
    const text = cutAfter(`id: ${id}\ndata: a\n\n`, 'id: 2\ndata: b');
    expect(Buffer.from(parseEventStream(text).lastEventId, 'latin1').toString('utf8')).toBe('événement-1');
  });

  it('does not take a field that merely starts with "id" for an id', () => {
    const { lastEventId } = parseEventStream(cutAfter('id: 5\ndata: a\n\nidx: 6\ndata: b'));
    expect(lastEventId).toBe('5');
  });
});
