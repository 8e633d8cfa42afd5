/**
 * Prometheus metrics served at GET /metrics. One registry per process; adapters and the run
 * layer record into the counters here rather than keeping their own.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { outboundStats } from '../shared';

export interface Metrics {
  registry: Registry;
  runs: Counter<'kind' | 'result'>;
  operations: Counter<'kind' | 'result'>;
  apiRequests: Counter<'service' | 'status'>;
  runDuration: Histogram<'kind'>;
  outboundInFlight: Gauge;
  outboundWaiting: Gauge;
}

function outboundGauges(registry: Registry): Pick<Metrics, 'outboundInFlight' | 'outboundWaiting'> {
  return {
    outboundInFlight: new Gauge({
      name: 'kb4sync_outbound_in_flight',
      help: 'Requests to Microsoft Graph and KnowBe4 in flight now (at most service.concurrency)',
      registers: [registry],
      collect() {
        this.set(outboundStats().inFlight);
      },
    }),
    outboundWaiting: new Gauge({
      name: 'kb4sync_outbound_waiting',
      help: 'Requests ready to go (past their account limit) waiting for a place in service.concurrency',
      registers: [registry],
      collect() {
        this.set(outboundStats().waiting);
      },
    }),
  };
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    runs: new Counter({ name: 'kb4sync_runs_total', help: 'Runs by kind and result', labelNames: ['kind', 'result'], registers: [registry] }),
    operations: new Counter({ name: 'kb4sync_operations_total', help: 'Applied operations by kind and result', labelNames: ['kind', 'result'], registers: [registry] }),
    apiRequests: new Counter({ name: 'kb4sync_api_requests_total', help: 'Requests to Microsoft Graph and KnowBe4 by status', labelNames: ['service', 'status'], registers: [registry] }),
    // Read at scrape time from the outbound gate (service.concurrency): places held, requests
    // waiting for one. Waiting all night says raise concurrency (or add a replica).
    ...outboundGauges(registry),
    runDuration: new Histogram({
      name: 'kb4sync_run_duration_seconds',
      help: 'Run duration',
      labelNames: ['kind'],
      buckets: [1, 5, 15, 60, 300, 900, 3600],
      registers: [registry],
    }),
  };
}
