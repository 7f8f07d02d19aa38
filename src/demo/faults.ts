import { z } from 'zod';

/** The failure modes a simulated upstream can be switched into; all off means a healthy server. */
export interface Faults {
  /** Destroy every connection and stop listening until crash is set back to false. */
  readonly crash: boolean;
  /** Accept requests, /healthz included, and never answer them. */
  readonly hang: boolean;
  /** Latency added before the headers of API responses; /healthz stays quick, as a busy model server's does. */
  readonly slowMs: number;
  /** Fraction (0..1) of API requests answered 500; /healthz is exempt so only passive checks notice. */
  readonly errorRate: number;
  /** /healthz answers 503 while the API keeps working, as a draining or degraded server would. */
  readonly unhealthy: boolean;
}

export const noFaults: Faults = { crash: false, hang: false, slowMs: 0, errorRate: 0, unhealthy: false };

/** The wire form of /_faults: snake_case like the config, every key optional, merged over the current state. */
export const faultsPatchSchema = z
  .strictObject({
    crash: z.boolean(),
    hang: z.boolean(),
    slow_ms: z.number().int().min(0).max(600_000),
    error_rate: z.number().min(0).max(1),
    unhealthy: z.boolean(),
  })
  .partial()
  .transform((p) => {
    const patch: Partial<Faults> = {
      ...(p.crash !== undefined && { crash: p.crash }),
      ...(p.hang !== undefined && { hang: p.hang }),
      ...(p.slow_ms !== undefined && { slowMs: p.slow_ms }),
      ...(p.error_rate !== undefined && { errorRate: p.error_rate }),
      ...(p.unhealthy !== undefined && { unhealthy: p.unhealthy }),
    };
    return patch;
  });

export type FaultsPatch = Partial<Faults>;

/** The wire form of a full or partial fault state; unset keys are left out so a patch stays a patch. */
export function faultsToWire(faults: FaultsPatch): Record<string, boolean | number> {
  const wire = {
    crash: faults.crash,
    hang: faults.hang,
    slow_ms: faults.slowMs,
    error_rate: faults.errorRate,
    unhealthy: faults.unhealthy,
  };
  const setEntries = Object.entries(wire).filter((e): e is [string, boolean | number] => e[1] !== undefined);
  return Object.fromEntries(setEntries);
}
