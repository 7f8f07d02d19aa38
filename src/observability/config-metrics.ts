import { Counter, type Registry } from 'prom-client';

/** Counted by the control plane when a reload is refused; the running config stays. */
export function configReloadFailures(registry: Registry): Counter {
  return new Counter({
    name: 'bulwark_config_reload_failures_total',
    help: 'Config reloads refused because the new file was invalid or could not be applied.',
    registers: [registry],
  });
}
