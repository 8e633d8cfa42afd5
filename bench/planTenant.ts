/**
 * The bench tenant of bench/planScale.ts, importable by the plan digest test: a company where most
 * users match, some changed, some are new, some left (a realistic nightly mix), and the digest
 * that shows a faster planner still plans exactly the same thing.
 */
import { createHash } from 'node:crypto';
import { planNames, type CompanyRules, type Plan, type SourceSnapshot, type SourceUser, type TargetSnapshot, type TargetUser } from '../src/sync';

const DEPARTMENTS = ['Sales', 'Engineering', 'Finance', 'Support', 'Marketing', 'Legal', 'Operations', 'HR'];
const TITLES = ['Engineer', 'Manager', 'Analyst', 'Director', 'Associate', 'Specialist'];

/**
 * A string as JSON.parse gives it, which is how the planner gets every string in service (read
 * from Graph and SCIM): flat, and one copy per field. A template literal of 13 or more characters
 * is a rope instead (the parts, linked), which V8 flattens, copying, the first time it is hashed:
 * inside the measured plan, a cost (about 25 MB and a tenth of the time at 100,000 users) that
 * real input never has.
 */
function read(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

function id(i: number): string {
  return read(`00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);
}

export function company(n: number): { source: SourceUser[]; target: TargetUser[] } {
  const source: SourceUser[] = [];
  const target: TargetUser[] = [];
  for (let i = 0; i < n; i++) {
    const mail = () => read(`user${i}@example.com`);
    const dept = DEPARTMENTS[i % DEPARTMENTS.length] as string;
    source.push({
      id: id(i),
      userPrincipalName: mail(),
      mail: mail(),
      proxyAddresses: [read(`SMTP:user${i}@example.com`), read(`smtp:u${i}@example.onmicrosoft.com`)],
      accountEnabled: i % 50 !== 0,
      userType: 'Member',
      licenses: [{ skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965', skuPartNumber: 'SPE_E3' }],
      managerId: i > 10 ? id(i % 10) : null,
      fields: { givenName: `Given${i}`, surname: `Family${i}`, jobTitle: TITLES[i % TITLES.length] as string, department: dept, employeeId: `E${i}` },
    });
    // 2% new in M365 (no KnowBe4 record), 3% with a changed title, 1% archived, plus 2% leavers.
    if (i % 50 === 1) continue;
    target.push({
      id: `kb4-${i}`,
      externalId: i % 7 === 0 ? null : id(i),
      userName: i % 100 === 3 ? read(`old${i}@example.com`) : mail(),
      active: i % 100 !== 5,
      managerId: i > 10 ? `kb4-${i % 10}` : null,
      values: { givenName: `Given${i}`, familyName: `Family${i}`, title: i % 33 === 0 ? 'Old title' : (TITLES[i % TITLES.length] as string), department: dept, employeeNumber: `E${i}` },
    });
  }
  for (let j = 0; j < n / 50; j++) {
    target.push({ id: read(`kb4-left-${j}`), externalId: null, userName: read(`left${j}@example.com`), active: true, managerId: null, values: {} });
  }
  return { source, target };
}

export const BENCH_RULES: CompanyRules = {
  id: 'bench',
  name: 'Bench Co',
  scope: { licenses: ['SPE_E3'], groups: [], includeGuests: false, exclude: ['svc-*@example.com'] },
  emailSource: 'mail',
  mapping: { givenName: 'givenName', familyName: 'surname', title: 'jobTitle', department: 'department', employeeNumber: 'employeeId' },
  syncManagers: true,
  groups: { default: 'All Staff', departments: Object.fromEntries(DEPARTMENTS.map((d) => [d, `${d} Team`])), mirror: [] },
  removeStaleUsers: true,
  guard: { maxArchive: 1_000_000, maxArchivePercent: 100, maxSourceShrinkPercent: 100 },
};

/** Both snapshots of the bench tenant at n users per side, department groups included. */
export function benchTenant(n: number): { source: SourceSnapshot; target: TargetSnapshot } {
  const { source, target } = company(n);
  const groups = Object.values(BENCH_RULES.groups.departments).map((name, g) => ({
    id: `g${g}`,
    displayName: name,
    externalId: null,
    memberIds: target.filter((_, i) => i % DEPARTMENTS.length === g).map((t) => t.id),
  }));
  return { source: { users: source, groups: [] }, target: { users: target, groups } };
}

/** JSON with every object's keys sorted: the same data gives the same text whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface PlanDigest {
  operations: number;
  /** sha256 of the operations in apply order, one canonical JSON line each. */
  operationsSha256: string;
  /** sha256 of the canonical JSON of everything else the plan holds (conflicts, skipped, unmanaged, guard, stats). */
  restSha256: string;
  /**
   * sha256 of the canonical JSON of the display names (`{}` when none). Recorded apart, later, on
   * the planner as it was when names were added: what the cards show, not what is planned.
   */
  namesSha256: string;
}

export function planDigest(result: Plan): PlanDigest {
  const ops = createHash('sha256');
  for (const op of result.operations) ops.update(canonicalJson(op) + '\n');
  // Display names (added after the first digests were recorded) have a digest of their own, of
  // the names by key, whichever way the plan holds them.
  const { operations, names: _names, nameList: _nameList, ...rest } = result;
  return {
    operations: operations.length,
    operationsSha256: ops.digest('hex'),
    restSha256: createHash('sha256').update(canonicalJson(rest)).digest('hex'),
    namesSha256: createHash('sha256').update(canonicalJson(Object.fromEntries(planNames(result)))).digest('hex'),
  };
}
