/**
 * One seeded fault trial per fault kind (the full set is `npm run test:faults`): after the
 * faulted run and the runs that follow it, nobody is lost or duplicated, every record matches
 * Microsoft 365, nothing outside the plans was written, and the reports agree with KnowBe4.
 */
import { seedOf } from '../../src/sandbox/tenants';
import { clean, FAULTS, runTrial } from './trials';

test.each(FAULTS.map((f) => [f]))('%s: every invariant holds and the company converges', async (fault) => {
  const result = await runTrial(fault, seedOf(`ci-${fault}`));
  expect(result.notes).toEqual([]);
  expect(result).toMatchObject({ lost: 0, duplicated: 0, wrongState: 0, wrongWrites: 0, reportMismatches: 0, converged: true });
  if (fault === 'Graph halved' || fault === 'Graph empty') expect(result.guardHeld).toBe(true);
  expect(clean(result)).toBe(true);
});

test('the checker sees a duplicate, a lost user, a drifted record and a write no plan made', async () => {
  const result = await runTrial('429 storm', seedOf('ci-tamper'), {
    tamper: async (kb4, token, planned) => {
      const users = kb4.controls.users().filter((u) => u.active !== false && u.externalId);
      const [victim, drifted, copied] = users as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
      const untouched = users.find((u) => !planned.has(String(u.id)) && u !== victim && u !== drifted);
      const scim = (method: string, path: string, body: unknown) =>
        fetch(`${kb4.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) });
      const patch = (id: unknown, op: Record<string, unknown>) => scim('PATCH', `/Users/${String(id)}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [op] });
      expect((await patch(victim.id, { op: 'replace', path: 'active', value: false })).status).toBe(200);
      expect((await patch(drifted.id, { op: 'replace', path: 'title', value: 'Tampered title' })).status).toBe(200);
      const copy = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'copy@faults.example', externalId: copied.externalId, active: true });
      expect(copy.status).toBe(201);
      expect(untouched).toBeDefined();
      expect((await patch(untouched?.id, { op: 'replace', path: 'displayName', value: 'Written outside any plan' })).status).toBe(200);
    },
  });
  expect(result.lost).toBeGreaterThanOrEqual(1);
  expect(result.wrongState).toBeGreaterThanOrEqual(1);
  expect(result.duplicated).toBeGreaterThanOrEqual(1);
  expect(result.reportMismatches).toBeGreaterThanOrEqual(1);
  expect(result.wrongWrites).toBeGreaterThanOrEqual(1);
  expect(clean(result)).toBe(false);
});
