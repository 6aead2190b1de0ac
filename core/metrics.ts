// The Prometheus registry shared by every service. server.ts makes one and hands it down (no
// global registry), so two servers in one test process do not mix their counters.
import { collectDefaultMetrics, Counter, Histogram, Registry, type CounterConfiguration, type HistogramConfiguration } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** Returns the counter of that name, creating it on first use (services may restart). */
  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L>;
  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // process_cpu_seconds_total, process_resident_memory_bytes, nodejs_eventloop_lag_seconds...
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    counter(config) {
      return (registry.getSingleMetric(config.name) as Counter<any> | undefined) ?? new Counter({ ...config, registers: [registry] });
    },
    histogram(config) {
      return (registry.getSingleMetric(config.name) as Histogram<any> | undefined) ?? new Histogram({ ...config, registers: [registry] });
    },
  };
}
