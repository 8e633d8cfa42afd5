/**
 * Write throughput of the KnowBe4 SCIM client against the loopback sandbox at configured rates.
 * `npx tsx bench/knowbe4Throughput.ts` → prints a table and writes bench/results/knowbe4-throughput.json.
 * The limiter is the bottleneck by design: achieved req/s should sit just under the setting.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret } from '../src/config';
import { Kb4ScimClient } from '../src/knowbe4';
import { startKnowbe4Sandbox } from '../src/sandbox/knowbe4';
import { limiter } from '../src/shared';

interface Row {
  requestsPerSecond: number;
  maxConcurrency: number;
  latencyMs: number;
  writes: number;
  requests: number;
  seconds: number;
  achievedRequestsPerSecond: number;
}

async function measure(requestsPerSecond: number, maxConcurrency: number, latencyMs: number, perKind: number): Promise<Row> {
  const sandbox = await startKnowbe4Sandbox({ scimToken: 'bench' });
  sandbox.controls.setLatency(latencyMs);
  const client = new Kb4ScimClient({
    baseUrl: sandbox.url,
    token: new Secret('bench'),
    limiter: limiter({ concurrency: maxConcurrency, perSecond: requestsPerSecond }),
  });
  const started = process.hrtime.bigint();
  // Creates, then updates, then archives, each phase with the executor's kind of concurrency.
  const ids = await Promise.all(
    Array.from({ length: perKind }, (_, i) => client.createUser({ userName: `u${i}@bench.test`, externalId: `e${i}`, values: { givenName: 'B' } })),
  );
  await Promise.all(ids.map((id) => client.updateUser(id, [{ attribute: 'title', before: null, after: 'T' }])));
  await Promise.all(ids.map((id) => client.archiveUser(id)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const requests = sandbox.controls.requestCount();
  await sandbox.stop();
  return {
    requestsPerSecond,
    maxConcurrency,
    latencyMs,
    writes: perKind * 3,
    requests,
    seconds: Math.round(seconds * 100) / 100,
    achievedRequestsPerSecond: Math.round((requests / seconds) * 10) / 10,
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const [rps, conc, latency, perKind] of [
    [20, 4, 0, 20],
    [20, 4, 50, 20],
    [50, 4, 0, 50],
    [100, 8, 10, 100],
  ] as const) {
    rows.push(await measure(rps, conc, latency, perKind));
  }
  console.table(rows);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'knowbe4-throughput.json'), `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`);
}

void main();
