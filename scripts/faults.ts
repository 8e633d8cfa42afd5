/**
 * `npm run test:faults`: seeded fault trials against the sandbox servers. Each trial injects one
 * kind of fault into KnowBe4 (429 storms, 5xx at 5 %, dropped connections, lost responses, the
 * token refused mid-run) or Graph (a halved user list), runs preview/apply until the plan is
 * empty, and checks the invariants: every expected user exists exactly once with its externalId,
 * nobody outside the plan was touched, no create was sent twice, and the guard stopped every
 * archive when Graph returned too few users. Prints a table; exits 1 on any violation.
 * `tsx scripts/faults.ts [trials]`
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../src/app';
import { parseConfig } from '../src/config';
import { Kb4ScimClient } from '../src/knowbe4';
import { createLogger } from '../src/log';
import { GraphSource } from '../src/m365/graphSource';
import type { SourceReader } from '../src/runs/ports';
import { startGraphSandbox } from '../src/sandbox/graph';
import { startKnowbe4Sandbox } from '../src/sandbox/knowbe4';
import type { SeedGroup, SeedUser } from '../src/sandbox/knowbe4/account';
import { generateKnowbe4Side, generateTenant, mulberry32, seedOf } from '../src/sandbox/tenants';
import { addressKey } from '../src/sync';

const FAULTS = ['429 storm', '5xx at 5%', 'dropped connections', 'lost responses', 'token refused mid-run', 'Graph halved'] as const;
type Fault = (typeof FAULTS)[number];

interface TrialResult {
  fault: Fault;
  seed: number;
  rounds: number;
  lost: number;
  duplicated: number;
  wrongWrites: number;
  guardHeld: boolean | null;
}

async function trial(fault: Fault, seed: number): Promise<TrialResult> {
  const rng = mulberry32(seed);
  const tenantId = '4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d';
  const clientId = '5b6c7d8e-9f0a-4b1c-9d2e-3f4a5b6c7d8e';
  const tenant = generateTenant({ seed, displayName: 'Faults', domain: 'faults.example', tenantId, members: 80, disabled: 4, unlicensed: 3, guests: 2, nullMail: 1 });
  const side = generateKnowbe4Side(tenant, { seed: seed + 1, matched: 50, withoutExternalId: 5, renamedByAlias: 2, archivedMatched: 1, drift: { titles: 5, departments: 3 }, stale: 4, defaultGroup: 'All Staff' });
  const graph = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId, clientSecret: 'faults-secret' }] }] });
  const kb4 = await startKnowbe4Sandbox({ scimToken: 'faults-token', users: side.users as unknown as SeedUser[], groups: side.groups as unknown as SeedGroup[] });
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-faults-'));
  writeFileSync(join(dir, 'ca.pem'), graph.ca);
  const config = parseConfig({
    companies: [
      {
        id: 'faults',
        name: 'Faults Inc',
        m365: { tenantId, clientId, clientSecretEnv: 'G', graphUrl: graph.url, authorityHost: graph.authorityHost, caFile: join(dir, 'ca.pem') },
        knowbe4: { scimUrl: kb4.url, scimTokenEnv: 'K', requestsPerSecond: 500, maxConcurrency: 4 },
        groups: { default: 'All Staff' },
        removeStaleUsers: true,
        guard: { maxArchive: 50, maxArchivePercent: 50, maxSourceShrinkPercent: 30 },
      },
    ],
  });
  const initial = new Map(kb4.controls.users().map((u) => [String(u.id), JSON.stringify(u)]));
  let halve = false;
  const app = await openApp({
    config,
    env: { G: 'faults-secret', K: 'faults-token', KB4SYNC_SQLITE_PATH: join(dir, 'kb4sync.db') },
    log: createLogger({ level: 'silent' }),
    source: (company, credential): SourceReader => {
      const real = new GraphSource(company, credential, { retry: { maxRetries: 6, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined } });
      return { fetchSource: async () => {
        const snapshot = await real.fetchSource();
        // An outage that returns half the directory: the guard must stop every archive.
        return halve ? { ...snapshot, users: snapshot.users.filter((_, i) => i % 2 === 0) } : snapshot;
      } };
    },
    target: (company, s) =>
      new Kb4ScimClient({ baseUrl: company.knowbe4.scimUrl as string, token: s.scimToken, requestsPerSecond: 500, maxConcurrency: 4, retry: { retries: 8, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 10 }, sleep: async () => undefined }),
  });
  const actor = { id: null, name: 'faults', tenantId: null, via: 'cli' as const };
  let guardHeld: boolean | null = null;
  let rounds = 0;
  try {
    // A good first run establishes the baseline the guard compares against.
    if (fault === 'Graph halved') {
      const first = await app.service.preview('faults', actor);
      await app.service.apply(first.planId, actor, { digest: first.digest, confirmArchive: first.plan.guard.status === 'blocked' ? first.plan.guard.archiveCount : null });
      halve = true;
      const archivesBefore = kb4.controls.requestCount({ method: 'PATCH' });
      const shrunk = await app.service.preview('faults', actor);
      guardHeld = shrunk.plan.guard.status === 'blocked';
      // A scheduled run never overrides the guard: nothing is applied.
      guardHeld = guardHeld && kb4.controls.requestCount({ method: 'PATCH' }) === archivesBefore;
      halve = false;
    } else {
      if (fault === '429 storm') kb4.controls.rateLimitNext(40, 0);
      if (fault === '5xx at 5%') kb4.controls.failRate(0.05, 503, seed);
      if (fault === 'dropped connections') kb4.controls.dropNext(3 + rng.int(5));
      if (fault === 'lost responses') kb4.controls.loseResponseNext(3 + rng.int(5));
    }
    for (rounds = 1; rounds <= 6; rounds++) {
      // A read that exhausts its retries fails the run; the next run (night, Retry) starts over.
      const p = await app.service.preview('faults', actor).catch(() => null);
      if (p === null) continue;
      if (p.plan.operations.length === 0) break;
      if (fault === 'token refused mid-run' && rounds === 1) {
        // Refuse the token after a few writes of the first round, like a regenerated token.
        setTimeout(() => kb4.controls.failNext(2000, 401), 5);
      }
      const confirm = p.plan.guard.status === 'blocked' ? p.plan.guard.archiveCount : null;
      await app.service.apply(p.planId, actor, { digest: p.digest, confirmArchive: confirm }).catch(() => undefined);
      kb4.controls.clearFaults();
      if (fault === '5xx at 5%' && rounds < 3) kb4.controls.failRate(0.05, 503, seed + rounds);
    }
    // Invariants.
    const source = await app.connectors.source('faults').fetchSource();
    const expected = source.users.filter((u) => u.accountEnabled && u.userType === 'Member' && u.licenses.length > 0 && u.mail);
    const users = kb4.controls.users();
    const byKey = new Map<string, number>();
    for (const u of users) byKey.set(addressKey(String(u.userName)) as string, (byKey.get(addressKey(String(u.userName)) as string) ?? 0) + 1);
    const active = users.filter((u) => u.active !== false);
    let lost = 0;
    for (const e of expected) {
      const k = addressKey(e.mail) as string;
      if (!active.some((u) => addressKey(String(u.userName)) === k && String(u.externalId ?? '').toLowerCase() === e.id.toLowerCase())) lost += 1;
    }
    const duplicated = [...byKey.values()].filter((n) => n > 1).length;
    const planned = new Set<string>();
    for (const run of await app.store.listRuns('faults', 100)) {
      const stored = run.planId ? await app.store.getPlan(run.planId) : null;
      for (const op of stored?.plan.operations ?? []) if ('targetId' in op) planned.add(op.targetId);
    }
    let wrongWrites = 0;
    for (const u of users) {
      const before = initial.get(String(u.id));
      if (before !== undefined && !planned.has(String(u.id)) && before !== JSON.stringify(u)) wrongWrites += 1;
    }
    return { fault, seed, rounds, lost, duplicated, wrongWrites, guardHeld };
  } finally {
    await app.close();
    await graph.stop();
    await kb4.stop();
  }
}

async function main(): Promise<void> {
  const trials = Number(process.argv[2] ?? 24);
  const results: TrialResult[] = [];
  for (let i = 0; i < trials; i++) results.push(await trial(FAULTS[i % FAULTS.length] as Fault, seedOf(`faults-${i}`)));
  const rows = FAULTS.map((fault) => {
    const mine = results.filter((r) => r.fault === fault);
    return {
      fault,
      trials: mine.length,
      'users lost': mine.reduce((n, r) => n + r.lost, 0),
      'users duplicated': mine.reduce((n, r) => n + r.duplicated, 0),
      'wrong writes': mine.reduce((n, r) => n + r.wrongWrites, 0),
      'guard held': fault === 'Graph halved' ? `${mine.filter((r) => r.guardHeld).length}/${mine.length}` : '-',
      'max rounds': Math.max(...mine.map((r) => r.rounds)),
    };
  });
  console.table(rows);
  const bad = results.some((r) => r.lost + r.duplicated + r.wrongWrites > 0 || r.guardHeld === false);
  process.stdout.write(bad ? 'FAULT INVARIANTS VIOLATED\n' : 'all invariants held\n');
  process.exitCode = bad ? 1 : 0;
}

void main();
