/**
 * Faults of the service itself rather than of the APIs: a rolling restart (SIGTERM) mid-apply, a
 * lease taken from a writer, PostgreSQL killing the service's connections mid-apply, and two
 * replicas on one PostgreSQL racing the same plan and the same schedule slot. Each one faults the
 * first apply; the trial then converges and checks its invariants as for every other fault.
 */
import { Client } from 'pg';
import { describeProblem, MemoryNotifier } from '../../src/notify';
import { createLogger } from '../../src/observability/log';
import { ApplyRefused, RunInterrupted } from '../../src/runs';
import type { Rng } from '../../src/sandbox/tenants';
import { Scheduler, type SlotOutcome } from '../../src/schedule';
import type { App } from '../../src/service/app';
import { PG_URL } from '../helpers/stores';
import { actor, applyInChild, confirmOf, note, open, TENANT_ID, writeCount, type Fault, type TrialResult, type World } from './world';

const oneByOneCount = (ops: readonly { kind: string }[]) => ops.filter((op) => !['addToGroup', 'removeFromGroup', 'archive'].includes(op.kind)).length;

async function applyRuns(app: App, planId: string): Promise<number> {
  return (await app.store.listRuns('faults', 1000)).filter((r) => r.kind === 'apply' && r.planId === planId).length;
}

/** A rolling restart: the applying process gets SIGTERM; the next one finishes the plan at once. */
export async function sigtermMidApply(world: World, app: App, rng: Rng, result: TrialResult): Promise<void> {
  const preview = await app.service.preview('faults', actor);
  const total = preview.plan.operations.length;
  const after = 1 + rng.int(Math.max(1, Math.floor(oneByOneCount(preview.plan.operations) * 0.9)));
  const { settled, code, stdout } = await applyInChild(world, preview.planId, after, 'SIGTERM');
  if (code !== 0 || !stdout.includes('handed over')) note(result, `SIGTERM: the child did not hand over (exit ${String(code)}): ${stdout.split('\n').slice(-3).join(' ')}`);
  if (settled >= total) note(result, `the child was not stopped mid-run (${settled}/${total} settled)`);
  // The new process, on the same clock: only a lease its predecessor released lets it in now,
  // well within one lease period.
  const resumed = await app.service.resume();
  if (resumed.length !== 1 || resumed[0]?.status !== 'succeeded') note(result, `resume after SIGTERM: ${JSON.stringify(resumed.map((r) => r.status))}`);
  if ((await applyRuns(app, preview.planId)) !== 1) note(result, 'the plan was applied in more than one run');
}

/** Another replica takes the lease mid-apply: the writer stops at once; the holder finishes the plan, once. */
export async function leaseLostMidApply(world: World, app: App, fault: Fault, rng: Rng, result: TrialResult): Promise<void> {
  world.kb4.controls.setLatency(25);
  const preview = await app.service.preview('faults', actor);
  const total = preview.plan.operations.length;
  const stealAt = 1 + rng.int(Math.max(1, Math.floor(oneByOneCount(preview.plan.operations) / 3)));
  let settled = 0;
  let stolen = false;
  const outcome = await app.service
    .apply(preview.planId, actor, {
      digest: preview.digest,
      confirmArchive: confirmOf(preview.plan),
      onProgress: (p) => {
        settled = p.done + p.failed + p.skipped;
        if (settled >= stealAt && !stolen) {
          stolen = true;
          // Another replica, whose clock runs a day ahead, finds the lease lapsed and takes it.
          void app.store.acquireLease('company:faults', 'another replica', 60_000, new Date(Date.now() + 24 * 60 * 60_000));
        }
      },
    })
    .then(
      (r) => new Error(`finished (${r.status}) although its lease was taken`),
      (err: unknown) => err,
    );
  if (!(outcome instanceof RunInterrupted) || !/lease/.test(outcome.message)) note(result, `the writer did not stop on a lost lease: ${(outcome as Error).message}`);
  const stoppedAt = writeCount(world.kb4);
  if (settled >= total) note(result, `the lease was lost too late to test (${settled}/${total} settled)`);
  await new Promise((r) => setTimeout(r, 300));
  if (writeCount(world.kb4) !== stoppedAt) note(result, 'writes after the writer stopped');
  world.kb4.controls.setLatency(0);

  // The replica that holds the lease finishes the plan (here: it hands over, and a sweep resumes).
  await app.store.releaseLease('company:faults', 'another replica');
  const other = await open(world, fault);
  try {
    const resumed = await other.service.resume();
    if (resumed.length !== 1 || resumed[0]?.status !== 'succeeded') note(result, `the lease holder's resume: ${JSON.stringify(resumed.map((r) => r.status))}`);
  } finally {
    await other.close();
  }
  if ((await applyRuns(app, preview.planId)) !== 1) note(result, 'the plan was applied in more than one run');
}

/** PostgreSQL terminates the service's connections (failover, admin) while an apply writes. */
export async function postgresKilledMidApply(app: App, rng: Rng, result: TrialResult, applicationName: string): Promise<void> {
  const preview = await app.service.preview('faults', actor);
  const n = oneByOneCount(preview.plan.operations);
  const killAt = [1 + rng.int(Math.max(1, Math.floor(n / 3))), Math.floor(n / 3) + 1 + rng.int(Math.max(1, Math.floor(n / 3)))];
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  const kills: Promise<number>[] = [];
  try {
    const outcome = await app.service
      .apply(preview.planId, actor, {
        digest: preview.digest,
        confirmArchive: confirmOf(preview.plan),
        onProgress: (p) => {
          if (kills.length < killAt.length && p.done >= (killAt[kills.length] as number)) {
            kills.push(admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [applicationName]).then((r) => r.rowCount ?? 0));
          }
        },
      })
      .then(
        (r) => r.status,
        (err: unknown) => `stopped: ${(err as Error).message}`,
      );
    const killed = (await Promise.all(kills)).reduce((a, b) => a + b, 0);
    if (killed === 0) note(result, 'no connection was killed: the fault did not happen');
    // What the service's own sweep does next (the apply rides over a killed connection; a killed
    // lease renewal or bookkeeping query leaves the plan for the sweep).
    if ((await app.store.getPlan(preview.planId))?.status === 'applying') await app.service.resume();
    const status = (await app.store.getPlan(preview.planId))?.status;
    if (status !== 'applied') note(result, `after ${killed} killed connections the plan is ${String(status)} (apply: ${outcome})`);
  } finally {
    await admin.end();
  }
}

/** Two replicas on one PostgreSQL: both click the same plan, and both schedulers fire the same slot. */
export async function replicasRacing(world: World, app: App, fault: Fault, seed: number, result: TrialResult): Promise<void> {
  const other = await open(world, fault);
  try {
    const preview = await app.service.preview('faults', actor);
    const options = { digest: preview.digest, confirmArchive: confirmOf(preview.plan) };
    const both = await Promise.allSettled([app.service.apply(preview.planId, actor, options), other.service.apply(preview.planId, actor, options)]);
    const ran = both.filter((o) => o.status === 'fulfilled').length;
    const refused = both.filter((o) => o.status === 'rejected' && o.reason instanceof ApplyRefused).length;
    if (ran !== 1 || refused !== 1) note(result, `same plan on two replicas: ${ran} ran, ${refused} refused`);
    if ((await applyRuns(app, preview.planId)) !== 1) note(result, 'the plan was applied in more than one run');

    // Something for the slot to do, then the same slot on both replicas' schedulers.
    const someone = (await app.connectors.source('faults').fetchSource()).users.find((u) => u.accountEnabled && u.userType === 'Member' && u.licenses.length > 0 && u.mail);
    if (someone) world.graph.updateUser(TENANT_ID, someone.id, { jobTitle: `Racing ${seed}` });
    const scheduler = (a: App) =>
      new Scheduler({ config: a.config, service: a.service, store: a.store, notifier: new MemoryNotifier(), describe: describeProblem, log: createLogger({ level: 'silent' }) });
    const slot = new Date('2026-12-02T02:00:00.000Z');
    const before = new Set((await app.store.listRuns('faults', 1000)).map((r) => r.runId));
    const outcomes: SlotOutcome[] = await Promise.all([scheduler(app).runSlot('faults', slot), scheduler(other).runSlot('faults', slot)]);
    const worked = outcomes.filter((o) => o.kind !== 'skipped');
    if (worked.length !== 1) note(result, `same slot on two replicas: ${JSON.stringify(outcomes.map((o) => o.kind))}`);
    const slotRuns = (await app.store.listRuns('faults', 1000)).filter((r) => !before.has(r.runId));
    const previews = slotRuns.filter((r) => r.kind === 'preview').length;
    const applies = slotRuns.filter((r) => r.kind === 'apply').length;
    if (previews !== 1 || applies !== (worked[0]?.kind === 'applied' ? 1 : 0)) note(result, `the slot made ${previews} previews and ${applies} applies`);
  } finally {
    await other.close();
  }
}
