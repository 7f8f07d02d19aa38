import { describe, expect, it } from 'vitest';
import { streamKind } from './stream-kind.ts';

describe('streamKind', () => {
  it('knows SSE by its media type, in any case and with parameters', () => {
    expect(streamKind({ 'content-type': 'text/event-stream' })).toBe('event-stream');
    expect(streamKind({ 'content-type': 'text/event-stream; charset=utf-8' })).toBe('event-stream');
    expect(streamKind({ 'content-type': 'Text/Event-Stream' })).toBe('event-stream');
    expect(streamKind({ 'content-type': 'text/event-stream', 'content-encoding': 'identity' })).toBe(
      'event-stream',
    );
  });

  it('calls line-delimited JSON streams, and SSE under a content encoding, unframed', () => {
    for (const type of [
      'application/x-ndjson',
      'application/jsonl',
      'application/json-seq',
      'application/stream+json',
    ])
      expect(streamKind({ 'content-type': type })).toBe('unframed');
    expect(streamKind({ 'content-type': 'text/event-stream', 'content-encoding': 'gzip' })).toBe('unframed');
  });

  it('leaves ordinary responses alone', () => {
    expect(streamKind({ 'content-type': 'text/plain' })).toBeUndefined();
    expect(streamKind({ 'content-type': 'application/json; charset=utf-8' })).toBeUndefined();
    expect(streamKind({ 'content-type': 'text/event-streamer' })).toBeUndefined();
    expect(streamKind({})).toBeUndefined();
  });
});
