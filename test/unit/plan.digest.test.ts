/**
 * The bench tenant's plans, recorded (test/fixtures/plan-digests.json) on the planner as it was
 * before it was tuned for 100,000 users: any change to what is planned, its order, ids or reasons
 * changes a digest. The display names' digest was recorded later, on the planner as it was when
 * names were added. 100,000 users is checked by `npm run bench` (bench/planScale.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plan, planNames, type Plan } from '../../src/sync';
import { BENCH_RULES, benchTenant, canonicalJson, planDigest, type PlanDigest } from '../../bench/planTenant';

const recorded = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'plan-digests.json'), 'utf8')) as Record<string, PlanDigest>;

function benchPlan(n: number): Plan {
  const { source, target } = benchTenant(n);
  return plan(BENCH_RULES, source, target, { previousSourceCount: null });
}

describe('the bench tenant plans exactly what it did before tuning', () => {
  test.each([1000, 10000])('%i users per side', (n) => {
    expect(planDigest(benchPlan(n))).toEqual(recorded[String(n)]);
  });

  test('the digest sees order, values and the parts beside the operations', () => {
    const base = benchPlan(1000);
    const digest = planDigest(base);
    const [first, second, ...others] = base.operations;
    const swapped = { ...base, operations: [second, first, ...others] } as Plan;
    expect(planDigest(swapped).operationsSha256).not.toBe(digest.operationsSha256);
    const renamed = { ...base, operations: base.operations.map((op, i) => (i === 7 ? { ...op, reason: op.reason + '.' } : op)) };
    expect(planDigest(renamed).operationsSha256).not.toBe(digest.operationsSha256);
    const restated = { ...base, stats: { ...base.stats, matched: base.stats.matched + 1 } };
    expect(planDigest(restated).restSha256).not.toBe(digest.restSha256);
    const misnamed = { ...base, nameList: (base.nameList ?? []).map((text, i) => (i === 1 ? `${text}.` : text)) };
    expect(planDigest(misnamed).namesSha256).not.toBe(digest.namesSha256);
    expect(planDigest({ ...base, nameList: undefined }).namesSha256).not.toBe(digest.namesSha256);
    // An older plan's names object has the same digest as the list it became.
    expect(planDigest({ ...base, nameList: undefined, names: Object.fromEntries(planNames(base)) })).toEqual(digest);
  });

  test('canonical JSON ignores key order only', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: null, c: 'x' }] })).toBe(canonicalJson({ a: [2, { c: 'x', d: null }], b: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});
