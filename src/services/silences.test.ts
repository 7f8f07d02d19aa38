import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, SqliteAlertStore, type SqliteHandle } from '../store/index.ts';
import { ServiceError } from './service-error.ts';
import { createSilence, type SilenceDeps } from './silences.ts';

const t0 = Date.UTC(2026, 10, 21, 9, 0);

describe('silence verbs on a real SQLite store', () => {
  let dir: string;
  let handle: SqliteHandle;
  let deps: SilenceDeps;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-silences-'));
    handle = await openSqlite(join(dir, 'bulwark.db'));
    deps = { store: new SqliteAlertStore(handle.db), nowMs: () => t0, onChange: () => Promise.resolve() };
  });
  afterEach(async () => {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  });

  const body = (matchers: unknown[]) => ({ matchers, duration: '2h', createdBy: 'amy', comment: 'drill' });

  async function refusal(input: unknown): Promise<ServiceError> {
    const error: unknown = await createSilence(deps, input).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceError);
    return error as ServiceError;
  }

  it('refuses a regex that does not compile in either matcher form, naming the field, and stores nothing', async () => {
    const objectForm = await refusal(body([{ name: 'monitor', value: '(', isRegex: true }]));
    expect(objectForm).toMatchObject({
      code: 'SVC_INVALID',
      field: 'matchers.0.value',
      message: '"(" is not a valid regular expression',
    });
    const textForm = await refusal(body(['severity=critical', 'monitor=~"("']));
    expect(textForm).toMatchObject({ code: 'SVC_INVALID', field: 'matchers.1' });
    expect(textForm.message).toContain('not a valid regular expression');
    expect(await deps.store.listSilences(0)).toEqual([]);
  });

  it('names the field of a bad label name in the object form', async () => {
    const error = await refusal(body([{ name: 'bad-name', value: 'x' }]));
    expect(error).toMatchObject({ code: 'SVC_INVALID', field: 'matchers.0.name' });
  });

  it('accepts a valid regex in the object form and refuses one that matches everything', async () => {
    const created = await createSilence(deps, body([{ name: 'monitor', value: 'db-.*', isRegex: true }]));
    expect(created.matchersText).toEqual(['monitor=~"db-.*"']);
    const everything = await refusal(body([{ name: 'monitor', value: '.*', isRegex: true }]));
    expect(everything).toMatchObject({ code: 'SVC_INVALID', field: 'matchers' });
  });
});
