import type { EndpointAdminState, EndpointStatus } from '../core/index.ts';
import type { ControllableGateway } from './controllable-gateway.ts';

/** What an operator changed at run time, where it differs from the config. */
export interface EndpointOverride {
  readonly state?: EndpointAdminState | undefined;
  readonly weight?: number | undefined;
  /** When it was last changed, ISO 8601. */
  readonly setAt: string;
}

export interface OverrideChange {
  readonly state?: EndpointAdminState | undefined;
  readonly weight?: number | undefined;
}

/** The config's view of one endpoint, to tell a deviation from a return to normal. */
type Configured = Pick<EndpointStatus, 'configuredState' | 'configuredWeight'>;

export interface AppliedOverrides {
  readonly applied: number;
  /** Overrides dropped because the new config no longer has the endpoint. */
  readonly dropped: readonly { readonly pool: string; readonly endpoint: string }[];
}

interface Entry {
  readonly pool: string;
  readonly endpoint: string;
  override: EndpointOverride;
}

/**
 * Runtime overrides kept outside the gateway, which a reload replaces whole: each new gateway gets them
 * again through applyTo (HAProxy's server-state file solves the same loss). An override holds only what
 * differs from the config; a part the config agrees with is dropped, so the config stays the default.
 */
export class EndpointOverrides {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => Date;

  constructor(options: { readonly now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  get(poolName: string, endpointId: string): EndpointOverride | undefined {
    return this.#entries.get(keyOf(poolName, endpointId))?.override;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Merges `change` into the endpoint's override, keeping only what differs from `configured`. */
  record(poolName: string, endpointId: string, change: OverrideChange, configured: Configured): void {
    const key = keyOf(poolName, endpointId);
    const previous = this.#entries.get(key)?.override;
    const merged = withoutConfigured(
      {
        state: change.state ?? previous?.state,
        weight: change.weight ?? previous?.weight,
        setAt: this.#now().toISOString(),
      },
      configured,
    );
    if (merged) this.#entries.set(key, { pool: poolName, endpoint: endpointId, override: merged });
    else this.#entries.delete(key);
  }

  /**
   * Applies every override to `gateway`, typically one just built from a reloaded config, before it goes
   * live. Overrides of endpoints the config no longer has are dropped, as are parts it now agrees with.
   */
  applyTo(gateway: ControllableGateway): AppliedOverrides {
    const statuses = new Map<string, EndpointStatus>();
    for (const pool of gateway.status())
      for (const endpoint of pool.endpoints) statuses.set(keyOf(pool.name, endpoint.id), endpoint);
    let applied = 0;
    const dropped: { pool: string; endpoint: string }[] = [];
    for (const [key, entry] of this.#entries) {
      const status = statuses.get(key);
      const kept = status && withoutConfigured(entry.override, status);
      if (!kept) {
        this.#entries.delete(key);
        if (!status) dropped.push({ pool: entry.pool, endpoint: entry.endpoint });
        continue;
      }
      entry.override = kept;
      if (kept.state) gateway.setEndpointState(entry.pool, entry.endpoint, kept.state);
      if (kept.weight) gateway.setEndpointWeight(entry.pool, entry.endpoint, kept.weight);
      applied += 1;
    }
    return { applied, dropped };
  }
}

function keyOf(poolName: string, endpointId: string): string {
  // NUL appears in neither pool names (config pattern) nor host:port ids.
  return `${poolName}\u0000${endpointId}`;
}

function withoutConfigured(override: EndpointOverride, configured: Configured): EndpointOverride | undefined {
  const state = override.state === configured.configuredState ? undefined : override.state;
  const weight = override.weight === configured.configuredWeight ? undefined : override.weight;
  if (state === undefined && weight === undefined) return undefined;
  return { ...(state && { state }), ...(weight && { weight }), setAt: override.setAt };
}
