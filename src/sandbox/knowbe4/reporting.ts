/**
 * A minimal KnowBe4 Reporting API (`/v1/...`) over the sandbox's SCIM data, so the optional
 * enrichment reader (phish-prone %, last sign-in, provisioning_managed) has something real to
 * page through. Field names follow KnowBe4's Reporting API; pages are bare JSON arrays.
 */
import { Router, type Request, type Response } from 'express';
import { KB4_ATTRIBUTES, SCIM_SCHEMA_URN } from '../../sync';
import { readAttribute } from '../../knowbe4';
import type { SandboxAccount } from './account';
import type { ScimJson } from './schemas';

export const REPORTING_MAX_PER_PAGE = 500;

function paging(req: Request): { page: number; perPage: number } {
  const page = Math.max(1, Number.parseInt(String(req.query.page ?? '1'), 10) || 1);
  const perPage = Math.min(REPORTING_MAX_PER_PAGE, Math.max(1, Number.parseInt(String(req.query.per_page ?? '100'), 10) || 100));
  return { page, perPage };
}

function slice<T>(items: T[], page: number, perPage: number): T[] {
  return items.slice((page - 1) * perPage, page * perPage);
}

/** The account's users by id and each user's groups, read once per request (not once per user). */
interface AccountIndex {
  usersById: Map<string, ScimJson>;
  groupsOf: Map<string, number[]>;
}

function indexAccount(account: SandboxAccount, users: ScimJson[]): AccountIndex {
  const groupsOf = new Map<string, number[]>();
  for (const g of account.scim.listGroups()) {
    const rid = account.scim.reportingId(String(g.id));
    for (const m of (g.members as { value: string }[] | undefined) ?? []) groupsOf.set(m.value, [...(groupsOf.get(m.value) ?? []), rid]);
  }
  return { usersById: new Map(users.map((u) => [String(u.id), u])), groupsOf };
}

function reportingUser(account: SandboxAccount, u: ScimJson, index: AccountIndex): Record<string, unknown> {
  const id = String(u.id);
  const facts = account.scim.console.get(id);
  const enterprise = (u[SCIM_SCHEMA_URN.enterprise] ?? {}) as { manager?: { value?: string } };
  const managerId = enterprise.manager?.value;
  const manager = managerId ? index.usersById.get(managerId) : undefined;
  const groups = index.groupsOf.get(id) ?? [];
  const attr = (name: keyof typeof KB4_ATTRIBUTES) => readAttribute(u, name);
  const archived = u.active === false;
  return {
    id: account.scim.reportingId(id),
    employee_number: attr('employeeNumber'),
    first_name: attr('givenName'),
    last_name: attr('familyName'),
    job_title: attr('title'),
    email: u.userName,
    phish_prone_percentage: facts?.phishPronePercentage ?? 0,
    manager_name: manager ? [readAttribute(manager, 'givenName'), readAttribute(manager, 'familyName')].filter(Boolean).join(' ') : null,
    manager_email: manager?.userName ?? null,
    provisioning_managed: facts?.provisioningManaged ?? false,
    provisioning_guid: facts?.provisioningManaged ? (u.externalId ?? null) : null,
    groups,
    aliases: [],
    status: archived ? 'archived' : 'active',
    archived_at: archived ? ((u.meta as { lastModified?: string } | undefined)?.lastModified ?? null) : null,
    department: attr('department'),
    division: attr('division'),
    organization: attr('organization'),
    language: attr('trainingLanguage'),
    custom_field_1: attr('customField1'),
    custom_field_2: attr('customField2'),
    custom_field_3: attr('customField3'),
    custom_field_4: attr('customField4'),
    custom_date_1: attr('customDate1'),
    custom_date_2: attr('customDate2'),
    joined_on: facts?.joinedOn ?? null,
    last_sign_in: facts?.lastSignIn ?? null,
  };
}

function reportingGroup(account: SandboxAccount, g: ScimJson): Record<string, unknown> {
  return {
    id: account.scim.reportingId(String(g.id)),
    name: g.displayName,
    group_type: 'console_group',
    provisioning_guid: g.externalId ?? null,
    member_count: ((g.members as unknown[] | undefined) ?? []).length,
    status: 'active',
  };
}

/** Routes under `/v1`; `accountOf` returns the account the request's bearer token selected. */
export function reportingRouter(accountOf: (req: Request, res: Response) => SandboxAccount): Router {
  const router = Router();
  router.get('/users', (req, res) => {
    const account = accountOf(req, res);
    const status = req.query.status;
    if (status !== undefined && status !== 'active' && status !== 'archived') {
      res.status(400).json({ message: 'status must be active or archived' });
      return;
    }
    const { page, perPage } = paging(req);
    const all = account.scim.listUsers();
    const index = indexAccount(account, all);
    const users = all.filter((u) => status === undefined || (status === 'archived') === (u.active === false));
    res.json(slice(users, page, perPage).map((u) => reportingUser(account, u, index)));
  });
  router.get('/users/:id', (req, res) => {
    const account = accountOf(req, res);
    const all = account.scim.listUsers();
    const u = all.find((x) => String(account.scim.reportingId(String(x.id))) === req.params.id);
    if (!u) res.status(404).json({ message: 'Not Found' });
    else res.json(reportingUser(account, u, indexAccount(account, all)));
  });
  router.get('/groups', (req, res) => {
    const account = accountOf(req, res);
    const { page, perPage } = paging(req);
    res.json(slice(account.scim.listGroups(), page, perPage).map((g) => reportingGroup(account, g)));
  });
  router.get('/groups/:id/members', (req, res) => {
    const account = accountOf(req, res);
    const g = account.scim.listGroups().find((x) => String(account.scim.reportingId(String(x.id))) === req.params.id);
    if (!g) {
      res.status(404).json({ message: 'Not Found' });
      return;
    }
    const ids = new Set(((g.members as { value: string }[] | undefined) ?? []).map((m) => m.value));
    const { page, perPage } = paging(req);
    const all = account.scim.listUsers();
    const index = indexAccount(account, all);
    const members = all.filter((u) => ids.has(String(u.id)));
    res.json(slice(members, page, perPage).map((u) => reportingUser(account, u, index)));
  });
  router.get('/account', (req, res) => {
    const account = accountOf(req, res);
    const users = account.scim.listUsers();
    res.json({
      name: account.name,
      type: 'paid',
      subscription_level: 'Diamond',
      number_of_seats: Math.max(users.length, 1),
      current_risk_score: 0,
    });
  });
  router.use((_req, res) => {
    res.status(404).json({ message: 'Not Found' });
  });
  return router;
}
