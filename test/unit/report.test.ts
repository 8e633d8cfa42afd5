import { buildReport, plan, type OperationOutcome } from '../../src/sync';
import { group, mirrorOf, rules, src, tgt } from '../helpers/builders';

const r = rules({ removeStaleUsers: true, groups: { default: 'All Staff', departments: { Sales: 'Sales Team' }, mirror: [] } });
const boss = src({ mail: 'boss@acme.com', fields: { givenName: 'Bo', surname: 'Ss', jobTitle: 'CEO', department: 'Exec' } });
const hire = src({ mail: 'new.hire@acme.com', managerId: boss.id, fields: { givenName: 'New', surname: 'Hire', jobTitle: 'SDR', department: 'Sales' } });
const mover = src({ mail: 'mover@acme.com', fields: { givenName: 'Mo', surname: 'Ver', jobTitle: 'AE', department: 'Sales' } });
const bossT = mirrorOf(boss);
const moverT = mirrorOf(mover, { values: { givenName: 'Mo', familyName: 'Verr', title: 'SDR', department: 'Support' } });
const leaver = tgt({ userName: 'former.employee@acme.com' });
const p = plan(r, { users: [boss, hire, mover], groups: [] }, { users: [bossT, moverT, leaver], groups: [group('All Staff', [bossT.id, moverT.id, leaver.id])] }, { previousSourceCount: null });

test('a preview report has the seed workflow shape and planned numbers', () => {
  const report = buildReport({ plan: p, runId: 'run-1', dryRun: true, timestamp: '2026-03-04T15:00:00Z', lastSeen: new Map([[leaver.id, '2026-02-15T00:00:00Z']]) });
  expect(Object.keys(report).slice(0, 6)).toEqual(['success', 'sync_summary', 'users_created', 'users_archived', 'attribute_updates', 'group_changes']);
  expect(report.success).toBe(true);
  expect(report.sync_summary).toEqual({
    company: 'Acme Corp',
    m365_users_found: 3,
    knowbe4_users_found: 3,
    users_matched: 2,
    users_created: 1,
    users_updated: 1,
    users_archived: 1,
    groups_synced: 2,
    sync_timestamp: '2026-03-04T15:00:00Z',
  });
  expect(report.users_created).toEqual([
    { email: 'new.hire@acme.com', first_name: 'New', last_name: 'Hire', department: 'Sales', knowbe4_group: 'Sales Team', enrollment_status: 'Planned' },
  ]);
  expect(report.users_archived).toEqual([{ email: 'former.employee@acme.com', reason: 'No longer in M365', last_m365_sync: '2026-02-15T00:00:00Z' }]);
  expect(report.attribute_updates).toEqual({ names_updated: 1, departments_updated: 1, titles_updated: 1, managers_updated: 1 });
  // new hire → All Staff and Sales Team (created); mover → Sales Team.
  expect(report.group_changes).toEqual({ group_additions: 3, group_removals: 0 });
  expect(report).toMatchObject({ run_id: 'run-1', dry_run: true, company_id: 'acme', errors: [] });
});

test('an applied report counts only what was done and lists failures', () => {
  const outcomes = new Map<string, OperationOutcome>(p.operations.map((op) => [op.id, { status: 'done' }]));
  const create = p.operations.find((op) => op.kind === 'create')!;
  const archive = p.operations.find((op) => op.kind === 'archive')!;
  outcomes.set(create.id, { status: 'failed', error: 'KnowBe4 answered 500 three times' });
  outcomes.set(archive.id, { status: 'skipped', reason: 'run cancelled' });
  const report = buildReport({ plan: p, runId: 'run-2', dryRun: false, timestamp: '2026-03-04T15:00:00Z', outcomes });
  expect(report.success).toBe(false);
  expect(report.sync_summary.users_created).toBe(0);
  expect(report.sync_summary.users_archived).toBe(0);
  expect(report.users_created[0]?.enrollment_status).toBe('Failed');
  expect(report.errors).toEqual([{ operation: create.id, kind: 'create', user: 'new.hire@acme.com', message: 'KnowBe4 answered 500 three times' }]);
  expect(report.skipped).toContainEqual({ email: 'former.employee@acme.com', m365_id: null, reason: 'archive skipped: run cancelled' });
});
