import { describe, expect, it } from 'vitest';
import { parseAssertion, type Assertion } from '../core/assertion.ts';
import { judge } from './judge.ts';

function assertions(...texts: string[]): Assertion[] {
  return texts.map((text) => {
    const parsed = parseAssertion(text);
    if ('error' in parsed) throw new Error(parsed.error);
    return parsed.assertion;
  });
}

const http = (assert: string[] = [], degraded: string[] = []) => ({
  kind: 'http',
  assertions: assertions(...assert),
  degradedWhen: assertions(...degraded),
});

describe('judge', () => {
  it('is down with the transport error when nothing was observed', () => {
    const refused = { responseTimeMs: 3, error: 'connect ECONNREFUSED 127.0.0.1:9' };
    expect(judge(http(['status == 200']), refused)).toEqual({
      verdict: 'down',
      message: 'connect ECONNREFUSED 127.0.0.1:9',
    });
    // response_time is observed even on a failure: only a connected assertion may excuse the error.
    expect(judge(http(['response_time < 800ms']), refused).verdict).toBe('down');
  });

  it('is down with the first failed assertion', () => {
    const monitor = http(['status == 200', 'response_time < 800ms']);
    expect(judge(monitor, { responseTimeMs: 900, status: 503 })).toEqual({
      verdict: 'down',
      message: 'expected status == 200, got 503',
    });
  });

  it('applies the kind’s default rule when the monitor has no assertions', () => {
    expect(judge(http(), { responseTimeMs: 5, status: 302 }).verdict).toBe('up');
    expect(judge(http(), { responseTimeMs: 5, status: 500 })).toEqual({
      verdict: 'down',
      message: 'expected a status below 400, got 500',
    });
    const dns = { kind: 'dns', assertions: [], degradedWhen: [] };
    expect(judge(dns, { responseTimeMs: 1, answers: [] }).verdict).toBe('down');
    const tcp = { kind: 'tcp', assertions: [], degradedWhen: [] };
    expect(judge(tcp, { responseTimeMs: 1, connected: true }).verdict).toBe('up');
  });

  it('is degraded when it passes but a degraded_when condition holds', () => {
    const monitor = http(['status == 200'], ['response_time > 300ms']);
    expect(judge(monitor, { responseTimeMs: 120, status: 200 })).toEqual({ verdict: 'up', message: 'ok' });
    expect(judge(monitor, { responseTimeMs: 412, status: 200 })).toEqual({
      verdict: 'degraded',
      message: 'degraded: response_time > 300ms (got 412ms)',
    });
  });

  it('is up when an assertion expects the connection to fail (upside down), and down when it connects', () => {
    const upsideDown = { kind: 'tcp', assertions: assertions('connected == false'), degradedWhen: [] };
    const refused = { responseTimeMs: 1, connected: false, error: 'connect ECONNREFUSED 127.0.0.1:9' };
    expect(judge(upsideDown, refused)).toEqual({ verdict: 'up', message: 'ok' });
    expect(judge(upsideDown, { responseTimeMs: 1, connected: true })).toEqual({
      verdict: 'down',
      message: 'expected connected == false, got true',
    });
  });

  it('keeps the transport error in the message of a failed connected assertion', () => {
    const monitor = { kind: 'tcp', assertions: assertions('connected == true'), degradedWhen: [] };
    const refused = { responseTimeMs: 1, connected: false, error: 'connect ECONNREFUSED 127.0.0.1:9' };
    expect(judge(monitor, refused)).toEqual({
      verdict: 'down',
      message: 'expected connected == true, got false (connect ECONNREFUSED 127.0.0.1:9)',
    });
  });
});
