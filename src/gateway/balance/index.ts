export type { Balancer, BalancerDeps, BalancerFactory, PickHint } from './balancer.ts';
export { balancers, createBalancer } from './registry.ts';
export { recordLatency } from './ewma.ts';
