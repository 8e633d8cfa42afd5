/**
 * Seeded fault trials against the sandbox servers, shared by `npm run test:faults` (the full
 * set, a table) and `test/faults/faults.test.ts` (one trial per fault in CI).
 *
 * A trial builds an 80-person company whose KnowBe4 side has drifted (missing people, renamed
 * addresses, changed titles and departments, leavers), injects one fault, then runs
 * preview → apply the way an admin or the nightly schedule would until the plan is empty. Then
 * it checks the server's record against Microsoft 365 on its own terms, not through the planner:
 * everyone in scope exists exactly once with the mapped attributes, groups and manager; nobody
 * outside the plans was written; and the run reports agree with what the server holds.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { App } from '../../src/service/app';
import { companyRules } from '../../src/config';
import { readAttribute } from '../../src/knowbe4/scimUser';
import { startGraphSandbox } from '../../src/sandbox/graph';
import { startKnowbe4Sandbox, type Knowbe4Sandbox } from '../../src/sandbox/knowbe4';
import type { SeedGroup, SeedUser } from '../../src/sandbox/knowbe4/account';
import { generateKnowbe4Side, generateTenant, mulberry32, type Rng } from '../../src/sandbox/tenants';
import { addressKey, type Report, type SourceUser } from '../../src/sync';
import type { AttributeMapping, GraphField, Kb4Attribute } from '../../src/sync/attributes';
import { PG_URL } from '../helpers/stores';
import { leaseLostMidApply, postgresKilledMidApply, replicasRacing, sigtermMidApply } from './serviceFaults';
import { delayedVisibility } from './visibilityFault';
import {
  actor,
  applyInChild,
  applyPreview,
  CHILD_LEASE_MS,
  CLIENT_ID,
  confirmOf,
  DEFAULT_GROUP,
  DEPARTMENT_GROUPS,
  ENTERPRISE,
  FAULTS,
  GRAPH_SECRET,
  MAX_ROUNDS,
  norm,
  note,
  open,
  rawConfig,
  TENANT_ID,
  writeCount,
  type Fault,
  type Scim,
  type TrialResult,
  type World,
} from './world';

export { FAULTS, type Fault, type TrialResult } from './world';

export interface TrialOptions {
  /** Runs after the last round, before the checks: how the checker's own test proves it can fail. */
  tamper?: (kb4: Knowbe4Sandbox, token: string, planned: ReadonlySet<string>) => Promise<void>;
}

export async function runTrial(fault: Fault, seed: number, options: TrialOptions = {}): Promise<TrialResult> {
  const rng = mulberry32(seed);
  const tenant = generateTenant({ seed, displayName: 'Faults', domain: 'faults.example', tenantId: TENANT_ID, members: 80, disabled: 4, unlicensed: 3, guests: 2, nullMail: 1 });
  const side = generateKnowbe4Side(tenant, {
    seed: seed + 1,
    matched: 50,
    withoutExternalId: 5,
    renamedByAlias: 2,
    archivedMatched: 1,
    drift: { titles: 5, departments: 3 },
    stale: 4,
    defaultGroup: DEFAULT_GROUP,
  });
  const graph = await startGraphSandbox({ tenants: [{ tenant, apps: [{ clientId: CLIENT_ID, clientSecret: GRAPH_SECRET }] }] });
  const kb4 = await startKnowbe4Sandbox({ scimToken: 'faults-token', users: side.users as unknown as SeedUser[], groups: side.groups as unknown as SeedGroup[] });
  const dir = mkdtempSync(join(tmpdir(), 'kb4sync-faults-'));
  const onPostgres = fault === 'PostgreSQL connection killed' || fault === 'replicas racing';
  const applicationName = `kb4sync_faults_${seed}_${process.pid}`;
  writeFileSync(join(dir, 'ca.pem'), graph.ca);
  const world: World = {
    graph,
    kb4,
    raw: rawConfig(graph, kb4.url, join(dir, 'ca.pem')),
    database: onPostgres ? { databaseUrl: `${PG_URL}?application_name=${applicationName}`, pgSchema: `kb4s_faults_${seed}_${process.pid}` } : { sqlitePath: join(dir, 'kb4sync.db') },
    token: 'faults-token',
    directory: 'whole',
    clockOffsetMs: 0,
    // A short lease, so a writer sees at once that it lost it.
    settings: fault === 'lease lost mid-apply' ? { leaseTtlMs: 600 } : {},
  };
  const initialUsers = new Map(kb4.controls.users().map((u) => [String(u.id), u]));
  const initialGroups = new Set(kb4.controls.groups().map((g) => String(g.id)));
  let app = await open(world, fault);
  const result: TrialResult = { fault, seed, rounds: 0, converged: false, lost: 0, duplicated: 0, wrongState: 0, wrongWrites: 0, reportMismatches: 0, guardHeld: null, notes: [] };
  try {
    if (fault === 'Graph halved' || fault === 'Graph empty') {
      // A good run first: the guard compares the next read with it.
      await applyPreview(app);
      const writesBefore = writeCount(kb4);
      world.directory = fault === 'Graph halved' ? 'halved' : 'empty';
      const shrunk = await app.service.preview('faults', actor);
      const archives = shrunk.plan.operations.filter((op) => op.kind === 'archive').length;
      // The nightly run never overrides the guard; an apply without the typed count is refused.
      const refused = await app.service.apply(shrunk.planId, actor, { digest: shrunk.digest }).then(() => false, () => true);
      result.guardHeld = shrunk.plan.guard.status === 'blocked' && archives > 0 && refused && writeCount(kb4) === writesBefore;
      world.directory = 'whole';
    } else if (fault === 'SIGKILL mid-apply') {
      const preview = await app.service.preview('faults', actor);
      const total = preview.plan.operations.length;
      // Kill while writes settle one request at a time (the phases before memberships): a fast
      // server settles every membership batch at once, which could leave nothing to kill.
      const oneByOne = preview.plan.operations.filter((op) => !['addToGroup', 'removeFromGroup', 'archive'].includes(op.kind)).length;
      const killAfter = 1 + rng.int(Math.max(1, Math.floor(oneByOne * 0.9)));
      const { settled, code } = await applyInChild(world, preview.planId, killAfter, 'SIGKILL');
      if (code !== null || settled >= total) note(result, `the child was not killed mid-run (${settled}/${total} settled)`);
      world.clockOffsetMs = CHILD_LEASE_MS + 500;
      const resumed = await app.service.resume();
      if (resumed.length !== 1 || resumed[0]?.status !== 'succeeded') note(result, `resume after SIGKILL: ${JSON.stringify(resumed.map((r) => r.status))}`);
    } else if (fault === 'SIGTERM mid-apply') {
      await sigtermMidApply(world, app, rng, result);
    } else if (fault === 'lease lost mid-apply') {
      await leaseLostMidApply(world, app, fault, rng, result);
    } else if (fault === 'PostgreSQL connection killed') {
      await postgresKilledMidApply(app, rng, result, applicationName);
    } else if (fault === 'replicas racing') {
      await replicasRacing(world, app, fault, seed, result);
    } else if (fault === 'delayed visibility') {
      await delayedVisibility(world, app, rng, result);
    } else {
      await injectFault(fault, world, rng);
      const preview = await app.service.preview('faults', actor).catch(() => null);
      if (preview && fault === 'token revoked mid-run') {
        // An admin regenerates the SCIM token in KnowBe4 while a run is writing.
        const revokeAt = 1 + rng.int(Math.max(1, Math.floor(preview.plan.operations.length / 2)));
        await app.service
          .apply(preview.planId, actor, {
            digest: preview.digest,
            confirmArchive: confirmOf(preview.plan),
            onProgress: (p) => {
              if (p.done >= revokeAt && kb4.controls.scimToken() === world.token) kb4.controls.revokeScimToken();
            },
          })
          .catch(() => undefined);
        // ... and puts the new one where kb4sync reads it; the service restarts with it.
        world.token = kb4.controls.regenerateScimToken();
        await app.close();
        app = await open(world, fault);
      } else if (preview) {
        await app.service.apply(preview.planId, actor, { digest: preview.digest, confirmArchive: confirmOf(preview.plan) }).catch(() => undefined);
      }
      kb4.controls.clearFaults();
      graph.faults.clear();
    }
    // Then the nights after: preview and apply until nothing is left to do.
    for (result.rounds = 1; result.rounds <= MAX_ROUNDS; result.rounds++) {
      const preview = await app.service.preview('faults', actor).catch(() => null);
      if (preview === null) continue;
      if (preview.plan.operations.length === 0) {
        result.converged = true;
        break;
      }
      await app.service.apply(preview.planId, actor, { digest: preview.digest, confirmArchive: confirmOf(preview.plan) }).catch(() => undefined);
    }
    // A stalled request the client gave up on may still be on its way to the server.
    if (fault === 'timeouts' || fault === 'Graph throttled and slow') await new Promise((r) => setTimeout(r, 2_200));
    if (options.tamper) await options.tamper(kb4, world.token, (await plansOf(app)).planned);
    await checkInvariants(app, world, initialUsers, initialGroups, result);
    return result;
  } finally {
    if (world.database.pgSchema) await sql`drop schema if exists ${sql.id(world.database.pgSchema)} cascade`.execute(app.store.db);
    await app.close();
    await graph.stop();
    await kb4.stop();
  }
}

async function injectFault(fault: Fault, world: World, rng: Rng): Promise<void> {
  const { kb4, graph } = world;
  switch (fault) {
    case '429 storm':
      kb4.controls.rateLimitNext(40, 0);
      return;
    case '5xx at 5%':
      kb4.controls.failRate(0.05, 503, rng.int(1_000_000));
      return;
    case 'timeouts':
      kb4.controls.stallNext(3 + rng.int(5), 2_000);
      return;
    case 'dropped connections':
      kb4.controls.dropNext(3 + rng.int(5));
      return;
    case 'lost responses':
      kb4.controls.loseResponseNext(3 + rng.int(5));
      return;
    case 'token revoked mid-run':
      return;
    case 'Graph throttled and slow':
      graph.faults.throttle(2 + rng.int(3), 0, ['users']);
      graph.faults.serverError(1 + rng.int(2), 503);
      graph.faults.stall(1, 1_000, ['users']);
      return;
    default:
      throw new Error(`not an injected fault: ${fault}`);
  }
}

async function checkInvariants(app: App, world: World, initialUsers: Map<string, Scim>, initialGroups: Set<string>, result: TrialResult): Promise<void> {
  const company = app.config.companies[0] as (typeof app.config.companies)[number];
  const source = await app.connectors.source('faults').fetchSource();
  const finalPlan = (await app.service.preview('faults', actor)).plan;
  const conflicted = new Set(finalPlan.conflicts.flatMap((c) => c.sourceUsers.map((u) => u.id)));
  // In scope, on Microsoft 365's own terms: enabled members with a licence and an address.
  const expected = source.users.filter((u) => u.accountEnabled && u.userType === 'Member' && u.licenses.length > 0 && u.mail && !conflicted.has(u.id));
  const users = world.kb4.controls.users();
  const groups = world.kb4.controls.groups();
  // So that the checks below cannot pass by having nothing to look at.
  if (expected.length < 60) note(result, `only ${expected.length} people in scope: the trial's company is not what it should be`);

  const count = new Map<string, number>();
  for (const u of users) {
    for (const key of [`address:${addressKey(String(u.userName))}`, u.externalId ? `entra:${String(u.externalId).toLowerCase()}` : null]) {
      if (key) count.set(key, (count.get(key) ?? 0) + 1);
    }
  }
  for (const [key, n] of count) {
    if (n > 1) {
      result.duplicated += 1;
      note(result, `duplicated ${key} × ${n}`);
    }
  }

  const recordOf = new Map<string, Scim>();
  for (const person of expected) {
    const mine = users.filter((u) => String(u.externalId ?? '').toLowerCase() === person.id.toLowerCase());
    const record = mine[0];
    if (mine.length !== 1 || !record || record.active === false || addressKey(String(record.userName)) !== addressKey(person.mail)) {
      result.lost += 1;
      note(result, `lost ${person.mail} (${mine.length} records)`);
      continue;
    }
    recordOf.set(person.id, record);
  }

  const mapping = companyRules(company).mapping;
  const members = (name: string) => new Set((groups.find((g) => g.displayName === name)?.members as { value: string }[] | undefined)?.map((m) => m.value) ?? []);
  const defaultMembers = members(DEFAULT_GROUP);
  const departmentMembers = new Map(Object.values(DEPARTMENT_GROUPS).map((name) => [name, members(name)]));
  if ([...departmentMembers.values()].some((m) => m.size === 0)) note(result, 'a department group is empty: nothing to check there');
  for (const person of expected) {
    const record = recordOf.get(person.id);
    if (!record) continue;
    const wrong = stateErrors(person, record, mapping, recordOf, defaultMembers, departmentMembers);
    if (wrong.length > 0) {
      result.wrongState += 1;
      note(result, `${person.mail}: ${wrong.join('; ')}`);
    }
  }

  const { planned, plannedGroups, reports } = await plansOf(app);
  const managedGroupNames = new Set([DEFAULT_GROUP, ...Object.values(DEPARTMENT_GROUPS)]);
  const groupName = new Map(groups.map((g) => [String(g.id), String(g.displayName)]));
  for (const r of world.kb4.controls.requests({ api: 'scim' })) {
    if (r.method === 'GET' || r.status === 401) continue;
    const user = /^\/Users\/([^/]+)$/.exec(r.path)?.[1];
    if (user && initialUsers.has(user) && !planned.has(user)) {
      result.wrongWrites += 1;
      note(result, `${r.method} ${r.path}: no plan named this record`);
    }
    const group = /^\/Groups\/([^/]+)$/.exec(r.path)?.[1];
    if (group && initialGroups.has(group) && (!plannedGroups.has(group) || !managedGroupNames.has(groupName.get(group) ?? ''))) {
      result.wrongWrites += 1;
      note(result, `${r.method} ${r.path}: not a group kb4sync manages or planned`);
    }
  }
  for (const u of users) {
    const before = initialUsers.get(String(u.id));
    if (before && !planned.has(String(u.id)) && JSON.stringify(before) !== JSON.stringify(u)) {
      result.wrongWrites += 1;
      note(result, `${String(u.userName)} changed without a plan`);
    }
  }

  // The reports (the latest run of each plan) against the server's record.
  const latest = new Map(reports.map((r) => [r.planId, r.report]));
  const reportedCreated = [...latest.values()].reduce((n, r) => n + r.sync_summary.users_created, 0);
  const reportedArchived = [...latest.values()].reduce((n, r) => n + r.sync_summary.users_archived, 0);
  const created = users.filter((u) => !initialUsers.has(String(u.id))).length;
  const archived = users.filter((u) => u.active === false && initialUsers.get(String(u.id))?.active !== false).length;
  if (reportedCreated !== created) {
    result.reportMismatches += 1;
    note(result, `reports say ${reportedCreated} created, KnowBe4 has ${created} new records`);
  }
  if (reportedArchived !== archived) {
    result.reportMismatches += 1;
    note(result, `reports say ${reportedArchived} archived, KnowBe4 has ${archived} newly archived records`);
  }
}

/** Everything any plan of this trial named, and the reports of the runs that applied them. */
async function plansOf(app: App) {
  const planned = new Set<string>();
  const plannedGroups = new Set<string>();
  const reports: { planId: string; report: Report }[] = [];
  for (const run of (await app.store.listRuns('faults', 1000)).reverse()) {
    if (!run.planId) continue;
    const stored = await app.store.getPlan(run.planId);
    for (const op of stored?.plan.operations ?? []) {
      if ('targetId' in op) planned.add(op.targetId);
      if ('group' in op && op.group.kind === 'existing') plannedGroups.add(op.group.groupId);
    }
    if (run.kind === 'apply' && run.report) reports.push({ planId: run.planId, report: run.report });
  }
  return { planned, plannedGroups, reports };
}

/** Where a KnowBe4 record differs from what its Microsoft 365 user says it should be. */
function stateErrors(
  person: SourceUser,
  record: Scim,
  mapping: AttributeMapping,
  recordOf: Map<string, Scim>,
  defaultMembers: Set<string>,
  departmentMembers: Map<string, Set<string>>,
): string[] {
  const wrong: string[] = [];
  const id = String(record.id);
  const namesFromDisplayName = person.fields.givenName == null && person.fields.surname == null;
  for (const [attr, field] of Object.entries(mapping) as [Kb4Attribute, GraphField][]) {
    if (namesFromDisplayName && (attr === 'givenName' || attr === 'familyName')) continue;
    const want = norm(person.fields[field]);
    const have = norm(readAttribute(record, attr));
    if (want !== have) wrong.push(`${attr} is "${have}", Microsoft 365 says "${want}"`);
  }
  if (!defaultMembers.has(id)) wrong.push(`not in ${DEFAULT_GROUP}`);
  for (const [department, groupName] of Object.entries(DEPARTMENT_GROUPS)) {
    const inGroup = departmentMembers.get(groupName)?.has(id) ?? false;
    if (inGroup !== (person.fields.department === department)) wrong.push(inGroup ? `in ${groupName} but works in ${norm(person.fields.department)}` : `not in ${groupName}`);
  }
  const manager = person.managerId ? recordOf.get(person.managerId) : undefined;
  const linked = norm(((record[ENTERPRISE] as Scim | undefined)?.manager as Scim | undefined)?.value);
  if (manager && linked !== String(manager.id)) wrong.push(`manager is "${linked}", should be ${String(manager.userName)}`);
  return wrong;
}

export interface FaultRow {
  fault: Fault;
  trials: number;
  'users lost': number;
  'users duplicated': number;
  'wrong state': number;
  'wrong writes': number;
  'report mismatches': number;
  'guard held': string;
  converged: string;
  'max rounds': number;
}

export function summarise(results: TrialResult[]): FaultRow[] {
  return FAULTS.filter((fault) => results.some((r) => r.fault === fault)).map((fault) => {
    const mine = results.filter((r) => r.fault === fault);
    const sum = (pick: (r: TrialResult) => number) => mine.reduce((n, r) => n + pick(r), 0);
    return {
      fault,
      trials: mine.length,
      'users lost': sum((r) => r.lost),
      'users duplicated': sum((r) => r.duplicated),
      'wrong state': sum((r) => r.wrongState),
      'wrong writes': sum((r) => r.wrongWrites),
      'report mismatches': sum((r) => r.reportMismatches),
      'guard held': mine[0]?.guardHeld === null ? '-' : `${mine.filter((r) => r.guardHeld).length}/${mine.length}`,
      converged: `${mine.filter((r) => r.converged).length}/${mine.length}`,
      'max rounds': Math.max(...mine.map((r) => r.rounds)),
    };
  });
}

/** A trial is clean when every invariant held and the company converged. */
export function clean(r: TrialResult): boolean {
  return r.lost + r.duplicated + r.wrongState + r.wrongWrites + r.reportMismatches === 0 && r.guardHeld !== false && r.converged && r.notes.length === 0;
}
