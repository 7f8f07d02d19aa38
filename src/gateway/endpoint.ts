import type { EndpointSpec } from './spec.ts';

/**
 * One upstream address and its live state. Membership and load live here; balancers only read them.
 * Health flags are written by the active checker and the outlier detector, never by the request path.
 */
export class Endpoint {
  readonly id: string;
  readonly url: URL;
  readonly poolName: string;
  weight: number;
  isDraining: boolean;
  /** Active health check verdict; true until a checker says otherwise. */
  isHealthy = true;
  /** Passive ejection by outlier detection; 0 when not ejected. */
  ejectedUntilMs = 0;
  inFlight = 0;
  /** Peak-EWMA latency cost in ms (Finagle); 0 means no sample yet. */
  ewmaCostMs = 0;
  ewmaStampMs = 0;

  constructor(poolName: string, spec: EndpointSpec) {
    this.poolName = poolName;
    this.url = new URL(spec.url);
    this.id = this.url.host;
    this.weight = spec.weight;
    this.isDraining = spec.drain;
  }

  get isEjected(): boolean {
    return this.ejectedUntilMs > 0;
  }

  /** Eligible for new requests in normal (non-panic) operation. */
  get isReady(): boolean {
    return this.isHealthy && !this.isEjected && !this.isDraining;
  }
}
