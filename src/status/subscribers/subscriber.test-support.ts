import type { Subscriber } from '../status-store.ts';

/** A confirmed email subscriber of the whole page unless `fields` say otherwise. */
export function subscriber(fields: Partial<Subscriber> & Pick<Subscriber, 'id'>): Subscriber {
  return {
    mode: 'email',
    email: `${fields.id}@example.com`,
    endpoint: null,
    componentIds: null,
    confirmedAtMs: 1,
    token: `token-${fields.id}`,
    createdAtMs: 1,
    ...fields,
  };
}
