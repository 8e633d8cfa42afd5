/**
 * One plan measurement in its own process (so peak RSS is this size's alone):
 * `tsx bench/planScale.ts <users per side>` prints a JSON line.
 */
import { plan, type CompanyRules, type SourceUser, type TargetUser } from '../src/sync';

const DEPARTMENTS = ['Sales', 'Engineering', 'Finance', 'Support', 'Marketing', 'Legal', 'Operations', 'HR'];
const TITLES = ['Engineer', 'Manager', 'Analyst', 'Director', 'Associate', 'Specialist'];

function id(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

/** A company where most users match, some changed, some are new, some left: a realistic nightly mix. */
export function company(n: number): { source: SourceUser[]; target: TargetUser[] } {
  const source: SourceUser[] = [];
  const target: TargetUser[] = [];
  for (let i = 0; i < n; i++) {
    const mail = `user${i}@example.com`;
    const dept = DEPARTMENTS[i % DEPARTMENTS.length] as string;
    source.push({
      id: id(i),
      userPrincipalName: mail,
      mail,
      proxyAddresses: [`SMTP:${mail}`, `smtp:u${i}@example.onmicrosoft.com`],
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
      userName: i % 100 === 3 ? `old${i}@example.com` : mail,
      active: i % 100 !== 5,
      managerId: i > 10 ? `kb4-${i % 10}` : null,
      values: { givenName: `Given${i}`, familyName: `Family${i}`, title: i % 33 === 0 ? 'Old title' : (TITLES[i % TITLES.length] as string), department: dept, employeeNumber: `E${i}` },
    });
  }
  for (let j = 0; j < n / 50; j++) {
    target.push({ id: `kb4-left-${j}`, externalId: null, userName: `left${j}@example.com`, active: true, managerId: null, values: {} });
  }
  return { source, target };
}

const RULES: CompanyRules = {
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

function main(): void {
  const n = Number(process.argv[2] ?? 1000);
  const { source, target } = company(n);
  const groups = Object.values(RULES.groups.departments).map((name, g) => ({
    id: `g${g}`,
    displayName: name,
    externalId: null,
    memberIds: target.filter((_, i) => i % DEPARTMENTS.length === g).map((t) => t.id),
  }));
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const result = plan(RULES, { users: source, groups: [] }, { users: target, groups }, { previousSourceCount: null });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    JSON.stringify({
      usersPerSide: n,
      planMs: Math.round(ms * 10) / 10,
      operations: result.operations.length,
      rssBeforePlanMB: Math.round(rssBefore / 1048576),
      peakRssMB: Math.round(peakRss / 1048576),
    }) + '\n',
  );
}

if (require.main === module) main();
