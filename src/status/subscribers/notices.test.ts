import { describe, expect, it } from 'vitest';
import { incident, maintenance, update } from '../api/fixture.test-support.ts';
import { noticeOf } from './notices.ts';

const entry = update({ id: 'u1', status: 'investigating' });

describe('noticeOf', () => {
  it('names the phase of a published incident: created, updated, resolved', () => {
    const open = incident({ id: 'i1', updates: [entry] });
    expect(noticeOf({ kind: 'incident', incident: open, update: entry, isNew: true })).toMatchObject({
      phase: 'created',
    });
    expect(noticeOf({ kind: 'incident', incident: open, update: entry, isNew: false })).toMatchObject({
      phase: 'updated',
    });
    const resolved = update({ id: 'u2', status: 'resolved' });
    expect(noticeOf({ kind: 'incident', incident: open, update: resolved, isNew: false })).toMatchObject({
      phase: 'resolved',
    });
  });

  it('keeps drafts, quiet updates and edits without a timeline entry to itself', () => {
    const draft = incident({ id: 'd', isDraft: true });
    expect(noticeOf({ kind: 'incident', incident: draft, update: entry, isNew: true })).toBeUndefined();
    const quiet = update({ id: 'q', status: 'identified', deliverNotifications: false });
    expect(
      noticeOf({ kind: 'incident', incident: incident({ id: 'i' }), update: quiet, isNew: false }),
    ).toBeUndefined();
    expect(
      noticeOf({ kind: 'incident', incident: incident({ id: 'i' }), update: undefined, isNew: false }),
    ).toBeUndefined();
    expect(noticeOf({ kind: 'deleted' })).toBeUndefined();
  });

  it('announces a maintenance, then its start and its end', () => {
    const m = maintenance({ id: 'm' });
    const at = (status: 'scheduled' | 'in_progress' | 'verifying' | 'completed', isNew = false) =>
      noticeOf({ kind: 'maintenance', maintenance: m, update: update({ id: status, status }), isNew });
    expect(at('scheduled', true)).toMatchObject({ phase: 'announced' });
    expect(at('in_progress')).toMatchObject({ phase: 'started' });
    expect(at('verifying')).toMatchObject({ phase: 'updated' });
    expect(at('completed')).toMatchObject({ phase: 'completed' });
  });
});
