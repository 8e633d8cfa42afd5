/** Plans and reports of any size for the card tests, with the awkward data real tenants have. */
import type { Operation, Plan } from '../../src/sync/model';
import type { Report } from '../../src/sync/report';

const LONG = 'Senior Principal Vice President of Global Strategic Partnerships, EMEA & APAC (Interim) — Zürich/東京 '.repeat(3);

/** A plan with `n` operations spread over every kind, plus conflicts and not-managed users. */
export function bigPlan(n: number, options: { blocked?: boolean; extras?: number } = {}): Plan {
  const ops: Operation[] = [];
  for (let i = 0; i < n; i++) {
    const user = `user.${i}.${'x'.repeat(i % 40)}@acme-corporation-international.example.com`;
    const id = `op-${i}`;
    switch (i % 8) {
      case 0:
        ops.push({ id, kind: 'create', reason: 'new in Microsoft 365', sourceId: `s${i}`, userName: user, values: { givenName: 'Zoë', familyName: `Ünal-${i}`, department: 'Sales', title: LONG } });
        break;
      case 1:
        ops.push({
          id,
          kind: 'update',
          reason: 'attributes changed',
          sourceId: `s${i}`,
          targetId: `t${i}`,
          userName: user,
          changes: [
            { attribute: 'title', before: 'Engineer', after: LONG },
            { attribute: 'department', before: '=HYPERLINK("http://evil")', after: 'R&D' },
            { attribute: 'givenName', before: 'Bob', after: 'Robert' },
            { attribute: 'familyName', before: 'Smith', after: 'Smith-Jones' },
          ],
        });
        break;
      case 2:
        ops.push({ id, kind: 'rename', reason: 'primary address changed', sourceId: `s${i}`, targetId: `t${i}`, from: user, to: `new.${user}` });
        break;
      case 3:
        ops.push({ id, kind: 'archive', reason: 'No longer in M365 '.repeat(10), targetId: `t${i}`, userName: user, sourceId: null });
        break;
      case 4:
        ops.push({ id, kind: 'addToGroup', reason: 'department group', group: { kind: 'existing', groupId: 'g1' }, groupName: 'Sales Team', via: 'department', user: { kind: 'existing', targetId: `t${i}` }, userName: user });
        break;
      case 5:
        ops.push({ id, kind: 'removeFromGroup', reason: 'left department', groupId: 'g2', groupName: 'Engineering', targetId: `t${i}`, userName: user });
        break;
      case 6:
        ops.push({ id, kind: 'setManager', reason: 'manager changed', user: { kind: 'existing', targetId: `t${i}` }, userName: user, manager: null, before: 'boss@acme.com', after: null });
        break;
      default:
        ops.push(i % 16 === 7 ? { id, kind: 'createGroup', reason: 'department mapping', name: `Dept ${i} ${LONG}` } : { id, kind: 'reactivate', reason: 'back in scope', sourceId: `s${i}`, targetId: `t${i}`, userName: user });
    }
  }
  const extras = options.extras ?? Math.ceil(n / 10);
  const archives = ops.filter((o) => o.kind === 'archive').length;
  return {
    company: { id: 'acme', name: 'Acme Corp' },
    operations: ops,
    conflicts: Array.from({ length: extras }, (_, i) => ({
      reason: 'shared-address' as const,
      message: `Two Microsoft 365 users share the address shared${i}@acme.com ${LONG}`,
      sourceUsers: [
        { id: `a${i}`, address: `shared${i}@acme.com` },
        { id: `b${i}`, address: `shared${i}@acme.com` },
      ],
      target: null,
    })),
    skipped: [],
    unmanaged: Array.from({ length: extras }, (_, i) => ({ targetId: `u${i}`, userName: `legacy.${i}@acme.com`, reason: 'no in-scope Microsoft 365 user matches' })),
    guard: options.blocked ? { status: 'blocked', archiveCount: archives, reasons: [`would archive ${archives} users (limit 10)`, 'source shrank by 60% since the last good run'] } : { status: 'ok' },
    stats: { sourceUsers: n, inScope: n, targetUsers: n, targetActive: n, matched: n, managedGroups: 8 },
  };
}

export const emptyPlan = (): Plan => ({ ...bigPlan(0, { extras: 0 }) });

/** The seed's example report, with kb4sync's fields. */
export function seedReport(partial: Partial<Report> = {}): Report {
  return {
    success: true,
    sync_summary: {
      company: 'Acme Corp',
      m365_users_found: 150,
      knowbe4_users_found: 142,
      users_matched: 138,
      users_created: 12,
      users_updated: 25,
      users_archived: 4,
      groups_synced: 8,
      sync_timestamp: '2026-03-04T15:00:00Z',
    },
    users_created: [{ email: 'new.hire@acmecorp.com', first_name: 'New', last_name: 'Hire', department: 'Sales', knowbe4_group: 'Sales Team', enrollment_status: 'Invited' }],
    users_archived: [{ email: 'former.employee@acmecorp.com', reason: 'No longer in M365', last_m365_sync: '2026-02-15T00:00:00Z' }],
    attribute_updates: { names_updated: 3, departments_updated: 8, titles_updated: 12, managers_updated: 5 },
    group_changes: { group_additions: 15, group_removals: 6 },
    run_id: 'run-1',
    company_id: 'acme',
    dry_run: false,
    guard: { status: 'ok' },
    conflicts: [],
    skipped: [],
    not_managed: [],
    taken_over: [],
    unreadable: [],
    errors: [],
    ...partial,
  };
}

export function failures(n: number): Report['errors'] {
  return Array.from({ length: n }, (_, i) => ({ operation: `op-${i}`, kind: 'create' as const, user: `u${i}@acme.com`, message: `KnowBe4 answered 500: ${LONG}` }));
}
