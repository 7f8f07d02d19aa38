import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident, Maintenance } from './model.ts';
import type { ComponentRecord, StatusStore, Subscriber } from './status-store.ts';

const t0 = 1_700_000_000_000;

export function sampleIncident(id: string, overrides: Partial<Incident> = {}): Incident {
  return {
    id,
    name: 'API errors',
    status: 'investigating',
    impact: 'major',
    impactOverride: null,
    isDraft: false,
    createdAtMs: t0,
    updatedAtMs: t0,
    startedAtMs: t0,
    monitoringAtMs: null,
    resolvedAtMs: null,
    postmortemBody: null,
    componentIds: ['api'],
    componentStatuses: { api: 'partial_outage' },
    updates: [
      {
        id: `${id}-u1`,
        status: 'investigating',
        body: 'We are **looking** into it.',
        createdAtMs: t0,
        displayAtMs: t0,
        affectedComponents: [
          { code: 'api', name: 'API', oldStatus: 'operational', newStatus: 'partial_outage' },
        ],
        nextUpdateByMs: t0 + 1_800_000,
        deliverNotifications: true,
      },
    ],
    alertFingerprint: null,
    ...overrides,
  };
}

export function sampleMaintenance(id: string, overrides: Partial<Maintenance> = {}): Maintenance {
  return {
    id,
    name: 'Database upgrade',
    status: 'scheduled',
    createdAtMs: t0,
    updatedAtMs: t0,
    scheduledForMs: t0 + 3_600_000,
    scheduledUntilMs: t0 + 7_200_000,
    startedAtMs: null,
    completedAtMs: null,
    componentIds: ['api'],
    drain: ['api/127.0.0.1:9001'],
    autoTransition: true,
    updates: [],
    seriesId: null,
    ...overrides,
  };
}

/** The behaviour every StatusStore must show; run by each implementation's test with a fresh store. */
export function describeStatusStore(
  name: string,
  open: () => Promise<{ store: StatusStore; close: () => Promise<void> }>,
): void {
  describe(`StatusStore contract: ${name}`, () => {
    let store: StatusStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await open());
    });
    afterEach(async () => {
      await close();
    });

    it('stores incidents whole, replaces by id, lists oldest first and deletes', async () => {
      const later = sampleIncident('b', { createdAtMs: t0 + 1 });
      await store.putIncident(later);
      await store.putIncident(sampleIncident('a'));
      const resolved = sampleIncident('a', { status: 'resolved', resolvedAtMs: t0 + 5 });
      await store.putIncident(resolved);
      expect(await store.incidents()).toStrictEqual([resolved, later]);
      await store.deleteIncident('a');
      expect((await store.incidents()).map((i) => i.id)).toEqual(['b']);
    });

    it('keeps when something last left the page (0 before anything did), the latest time written', async () => {
      expect(await store.pageRemovedAtMs()).toBe(0);
      await store.putPageRemovedAt(t0 + 5);
      await store.putPageRemovedAt(t0 + 9);
      expect(await store.pageRemovedAtMs()).toBe(t0 + 9);
      expect(await store.incidents()).toEqual([]);
    });

    it('stores maintenances apart from incidents with the same id', async () => {
      await store.putIncident(sampleIncident('x'));
      const m = sampleMaintenance('x');
      await store.putMaintenance(m);
      expect(await store.maintenances()).toStrictEqual([m]);
      await store.deleteMaintenance('x');
      expect(await store.maintenances()).toEqual([]);
      expect(await store.incidents()).toHaveLength(1);
    });

    it('keeps the skipped occurrences of recurring windows, once each', async () => {
      expect(await store.skippedOccurrences()).toEqual([]);
      const skipped = { seriesId: 'backups', startMs: t0 + 3_600_000, skippedAtMs: t0 };
      await store.putSkippedOccurrence(skipped);
      await store.putSkippedOccurrence(skipped);
      await store.putSkippedOccurrence({ ...skipped, seriesId: 'deploys' });
      expect(await store.skippedOccurrences()).toStrictEqual([skipped, { ...skipped, seriesId: 'deploys' }]);
      expect(await store.maintenances()).toEqual([]);
    });

    it('stores component records and subscribers', async () => {
      const record: ComponentRecord = {
        id: 'api',
        createdAtMs: t0,
        status: 'major_outage',
        updatedAtMs: t0 + 9,
        override: null,
      };
      await store.putComponentRecord(record);
      await store.putComponentRecord({ ...record, override: 'operational' });
      expect(await store.componentRecords()).toStrictEqual([{ ...record, override: 'operational' }]);

      const subscriber: Subscriber = {
        id: 's1',
        mode: 'email',
        email: 'a@example.com',
        endpoint: null,
        componentIds: null,
        confirmedAtMs: null,
        token: 'secret-token',
        createdAtMs: t0,
      };
      await store.putSubscriber(subscriber);
      expect(await store.subscribers()).toStrictEqual([subscriber]);
      await store.deleteSubscriber('s1');
      expect(await store.subscribers()).toEqual([]);
    });
  });
}
