/**
 * The world a security test attacks: the sandbox Graph and KnowBe4 servers, the loopback Bot
 * Connector, and kb4sync's real service on loopback. `footprint()` counts everything an accepted
 * request could change or cause (stored plans, runs, audit entries, plan and company states,
 * KnowBe4 and Graph requests, messages to the connector), so a test can prove a refused request
 * did nothing at all.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../src/observability/log';
import { SANDBOX_TENANT, type SandboxOptions } from '../../src/sandbox';
import { startBotRig, type BotRig } from './botRig';

export interface Footprint {
  plans: number;
  /** Plan ids with their status: an apply or a cancel changes one. */
  planStatus: Record<string, string>;
  runs: number;
  audit: number;
  operations: number;
  paused: Record<string, boolean>;
  knowbe4Writes: number;
  knowbe4Requests: number;
  graphRequests: number;
  connectorActivities: number;
}

export interface SecurityRig extends BotRig {
  footprint(): Promise<Footprint>;
  /** Stores, through the store's port, a copy of `planId` whose hour has passed; its new id. */
  expiredCopyOf(planId: string): Promise<string>;
}

export interface RigOptions {
  /** Extra environment for the service (bot credentials, issuer overrides, secrets). */
  env?: Record<string, string>;
  /** Sandbox mode (no app id accepted); default true. */
  sandboxMode?: boolean;
  /** Rewrites the sandbox's kb4sync.yaml before the service reads it. */
  config?: (yaml: string) => string;
  /** The service's logger (default: its own, on stderr). */
  log?: Logger;
  /** Secrets for the sandbox servers instead of the demo's. */
  secrets?: SandboxOptions['secrets'];
}

export async function startSecurityRig(options: RigOptions = {}): Promise<SecurityRig> {
  const production = options.sandboxMode === false;
  const rig = await startBotRig({
    name: 'security',
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.log ? { log: options.log } : {}),
    sandboxMode: options.sandboxMode ?? true,
    prepare: (sandbox, dir) => {
      const configPath = join(dir, 'kb4sync.yaml');
      const yaml = readFileSync(sandbox.configPath, 'utf8');
      const written = options.config ? options.config(yaml) : yaml;
      // Outside sandbox mode the service requires what production must have: a tenant allow-list, a
      // link key and an https public URL (test/security/production.test.ts checks the refusals).
      writeFileSync(configPath, production && !/^allowedTenants:/m.test(written) ? allowTenants(SANDBOX_TENANT)(written) : written);
      return configPath;
    },
    env: {
      ...(production ? { KB4SYNC_LINK_SECRET: 'security-rig-link-secret-of-40-bytes-xxx', KB4SYNC_PUBLIC_URL: 'https://kb4sync.example' } : {}),
      ...options.env,
    },
  });
  const { app, sandbox, connector } = rig;
  const companies = app.config.companies.map((c) => c.id);

  const footprint = async (): Promise<Footprint> => {
    const db = app.store.db;
    const plans = await db.selectFrom('plans').select(['id', 'status']).execute();
    const paused: Record<string, boolean> = {};
    for (const id of companies) paused[id] = (await app.store.getCompanyState(id)).paused;
    const kb4 = sandbox.knowbe4.allRequests();
    return {
      plans: plans.length,
      planStatus: Object.fromEntries(plans.map((p) => [p.id, p.status])),
      runs: (await db.selectFrom('runs').select('id').execute()).length,
      audit: (await db.selectFrom('audit_log').select('id').execute()).length,
      operations: (await db.selectFrom('plan_operations').select('op_id').execute()).length,
      paused,
      knowbe4Writes: kb4.filter((r) => r.method !== 'GET').length,
      knowbe4Requests: kb4.length,
      graphRequests: sandbox.graph.requests.length,
      connectorActivities: connector.activities.length,
    };
  };

  return {
    ...rig,
    footprint,
    async expiredCopyOf(planId: string) {
      const stored = await app.store.getPlan(planId);
      if (!stored) throw new Error(`no stored plan ${planId}`);
      const expiresAt = new Date(Date.now() - 1000);
      const { companyId, kind, plan, digest, requestedBy } = stored;
      return app.store.savePlan({ companyId, kind, plan, digest, requestedBy, createdAt: new Date(expiresAt.getTime() - 3_600_000), expiresAt });
    },
  };
}

/** Adds `allowedTenants` to a kb4sync.yaml (the sandbox's answers any tenant). */
export function allowTenants(...tenants: string[]): (yaml: string) => string {
  return (yaml) => yaml.replace(/^admins:/m, `allowedTenants: [${tenants.map((t) => `"${t}"`).join(', ')}]\nadmins:`);
}
