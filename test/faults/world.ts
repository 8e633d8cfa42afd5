/**
 * The world of a fault trial: the sandbox servers, the configuration, the store, and the service
 * opened on them the way production opens it; plus the child process that applies and is killed.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openApp, type App } from '../../src/service/app';
import { parseConfig } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { createLogger } from '../../src/observability/log';
import { GraphSource } from '../../src/m365/graphSource';
import type { RunSettings } from '../../src/runs';
import type { SourceReader } from '../../src/runs/ports';
import type { GraphSandbox } from '../../src/sandbox/graph';
import type { Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import type { StoreLocation } from '../../src/store';
import type { Plan } from '../../src/sync';

export const FAULTS = [
  '429 storm',
  '5xx at 5%',
  'timeouts',
  'dropped connections',
  'lost responses',
  'token revoked mid-run',
  'Graph throttled and slow',
  'Graph halved',
  'Graph empty',
  'SIGKILL mid-apply',
  'SIGTERM mid-apply',
  'lease lost mid-apply',
  'PostgreSQL connection killed',
  'replicas racing',
  'delayed visibility',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface TrialResult {
  fault: Fault;
  seed: number;
  /** preview/apply rounds until the plan was empty (after the faulted one). */
  rounds: number;
  converged: boolean;
  /** In scope but not on KnowBe4 exactly once, active, with its Entra id. */
  lost: number;
  /** Addresses or Entra ids held by more than one KnowBe4 record. */
  duplicated: number;
  /** Mapped attributes, default/department group membership or manager link not as Microsoft 365 says. */
  wrongState: number;
  /** Writes to records or groups that no plan named, or to unmanaged groups. */
  wrongWrites: number;
  /** Report totals (created, archived) that differ from what the server holds. */
  reportMismatches: number;
  /** For the halved/empty directory: the guard blocked the plan and nothing was archived. */
  guardHeld: boolean | null;
  /** The first few violations, for replaying a failing seed. */
  notes: string[];
}

export const TENANT_ID = '4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d';
export const CLIENT_ID = '5b6c7d8e-9f0a-4b1c-9d2e-3f4a5b6c7d8e';
export const GRAPH_SECRET = 'faults-graph-secret';
export const DEFAULT_GROUP = 'All Staff';
export const DEPARTMENT_GROUPS: Record<string, string> = { Sales: 'Sales Team', Engineering: 'Engineering Team' };
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const MAX_ROUNDS = 6;
/** Lease of the apply child: short, so the parent can resume soon after SIGKILL. */
export const CHILD_LEASE_MS = 1500;

export type Scim = Record<string, unknown>;
export const actor = { id: null, name: 'fault trial', tenantId: null, via: 'cli' as const };

export function rawConfig(graph: GraphSandbox, scimUrl: string, caFile: string) {
  return {
    admins: [],
    companies: [
      {
        id: 'faults',
        name: 'Faults Inc',
        m365: { tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecretEnv: 'FAULTS_GRAPH_SECRET', graphUrl: graph.url, authorityHost: graph.authorityHost, caFile },
        knowbe4: { scimUrl, scimTokenEnv: 'FAULTS_SCIM_TOKEN', requestsPerSecond: 500, maxConcurrency: 4 },
        groups: { default: DEFAULT_GROUP, departments: DEPARTMENT_GROUPS },
        removeStaleUsers: true,
        guard: { maxArchive: 50, maxArchivePercent: 50, maxSourceShrinkPercent: 30 },
        // Only the replicas trial runs the scheduler (its slots are claimed by hand, never by the clock).
        schedule: { cron: '0 2 * * *', timezone: 'UTC', autoApply: true },
      },
    ],
  };
}

export interface World {
  graph: GraphSandbox;
  kb4: Knowbe4Sandbox;
  raw: ReturnType<typeof rawConfig>;
  /** The store: a SQLite file, or a PostgreSQL schema of the trial's own. */
  database: StoreLocation;
  token: string;
  /** What Graph returns to kb4sync: all of it, half of it (an outage), or nothing. */
  directory: 'whole' | 'halved' | 'empty';
  /** ms added to the parent's clock, so it can take over a SIGKILLed child's lease at once. */
  clockOffsetMs: number;
  /** Run settings of the service (the lease trial shortens the lease so its loss is seen soon). */
  settings: Partial<RunSettings>;
}

export function open(world: World, fault: Fault): Promise<App> {
  const config = parseConfig(world.raw);
  return openApp({
    config,
    env: { FAULTS_GRAPH_SECRET: GRAPH_SECRET, FAULTS_SCIM_TOKEN: world.token },
    database: world.database,
    log: createLogger({ level: 'silent' }),
    clock: () => new Date(Date.now() + world.clockOffsetMs),
    settings: { concurrency: 4, ...world.settings },
    source: (company, credential): SourceReader => {
      const retry = { maxRetries: 6, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 300, sleep: async () => undefined };
      const real = new GraphSource(company, credential, { retry });
      return {
        fetchSource: async () => {
          const snapshot = await real.fetchSource();
          if (world.directory === 'whole') return snapshot;
          return { ...snapshot, users: world.directory === 'empty' ? [] : snapshot.users.filter((_, i) => i % 2 === 0) };
        },
      };
    },
    target: (company, secrets) =>
      new Kb4ScimClient({
        baseUrl: company.knowbe4.scimUrl as string,
        token: secrets.scimToken,
        requestsPerSecond: 500,
        maxConcurrency: 4,
        // Short enough that a stalled request times out, long enough for a normal one on loopback
        // even on a loaded machine (300 ms was not, with two cores shared).
        timeoutMs: fault === 'timeouts' ? 800 : 10_000,
        retry: { retries: 8, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 10 },
        sleep: async () => undefined,
      }),
  });
}

/**
 * Applies a stored plan in a child process and sends it `signal` after `after` operations settled:
 * SIGKILL (a crash) or SIGTERM (a rolling restart: the child shuts down as the service does).
 */
export async function applyInChild(world: World, planId: string, after: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<{ settled: number; code: number | null; stdout: string }> {
  const input = { db: world.database, planId, config: world.raw, token: world.token, confirmArchive: null, leaseTtlMs: CHILD_LEASE_MS };
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'helpers', 'applyChild.ts'), JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  let settled = 0;
  let sent = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const line of d.toString().split('\n')) {
      const m = /^(\d+)\/\d+$/.exec(line);
      if (m) settled = Math.max(settled, Number(m[1]));
    }
    if (settled >= after && !sent) {
      sent = true;
      child.kill(signal);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  if (stderr) throw new Error(`apply child failed: ${stderr}`);
  return { settled, code, stdout };
}

export async function applyPreview(app: App): Promise<void> {
  const preview = await app.service.preview('faults', actor);
  if (preview.plan.operations.length > 0) await app.service.apply(preview.planId, actor, { digest: preview.digest, confirmArchive: confirmOf(preview.plan) });
}

/** An admin who reviewed a blocked plan types its archive count; trials only reach this with a whole directory. */
export function confirmOf(plan: Plan): number | null {
  return plan.guard.status === 'blocked' ? plan.guard.archiveCount : null;
}

export function writeCount(kb4: Knowbe4Sandbox): number {
  return kb4.controls.requests({ api: 'scim' }).filter((r) => r.method !== 'GET').length;
}

export function note(result: TrialResult, text: string): void {
  if (result.notes.length < 8) result.notes.push(text);
}

export const norm = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
