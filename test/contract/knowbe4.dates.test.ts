/**
 * Date attributes (customDate1, customDate2, outOfOfficeEnd): sent as ISO 8601 dates and compared
 * as dates, so a value KnowBe4 hands back reformatted is not a change every night.
 */
import { plan, type SourceUser } from '../../src/sync';
import { rules, src } from '../helpers/builders';
import { rig, type Rig } from '../helpers/knowbe4';

const KMSAT = 'urn:ietf:params:scim:schemas:extension:knowbe4:kmsat:2.0:User';
const mapping = { givenName: 'givenName', customDate1: 'lastPasswordChangeDateTime', outOfOfficeEnd: 'employeeType' } as const;

let r: Rig;
afterEach(() => r.sandbox.stop());

function person(lastChange: string | null, ooo: string | null = null): SourceUser {
  return src({ id: '00000000-0000-4000-8000-00000000d001', mail: 'ada@acme.com', fields: { givenName: 'Ada', lastPasswordChangeDateTime: lastChange, employeeType: ooo } });
}

test('a Graph date-time is created as its calendar date; read back in another format it is no change', async () => {
  r = await rig();
  const first = plan(rules({ mapping }), { users: [person('2026-03-01T23:30:00-05:00', '2026-12-24')], groups: [] }, { users: [], groups: [] }, { previousSourceCount: null });
  const create = first.operations.find((op) => op.kind === 'create');
  expect(create?.kind === 'create' && create.values).toEqual({ givenName: 'Ada', customDate1: '2026-03-01', outOfOfficeEnd: '2026-12-24' });
  if (create?.kind !== 'create') throw new Error('expected a create');
  const id = await r.client.createUser({ userName: create.userName, externalId: create.sourceId, values: create.values });
  expect(r.sandbox.controls.requests({ method: 'POST' })[0]?.body).toMatchObject({ [KMSAT]: { customDate1: '2026-03-01', outOfOfficeEnd: '2026-12-24' } });

  // KnowBe4 answers with a time and a zone (it stores DateTime): still the same dates.
  const reformatted = { ...(await r.client.listUsers()).find((u) => u.id === id)!, values: { givenName: 'Ada', customDate1: '2026-03-01T00:00:00.000Z', outOfOfficeEnd: '2026-12-24T00:00:00Z' } };
  const again = plan(rules({ mapping }), { users: [person('2026-03-01T08:15:00Z', '2026-12-24')], groups: [] }, { users: [reformatted], groups: [] }, { previousSourceCount: null });
  expect(again.operations).toEqual([]);

  // A real change of day is one Replace with the new date.
  const moved = plan(rules({ mapping }), { users: [person('2026-03-02T01:00:00Z', '2026-12-24')], groups: [] }, { users: [reformatted], groups: [] }, { previousSourceCount: null });
  expect(moved.operations.map((op) => (op.kind === 'update' ? op.changes : op.kind))).toEqual([[{ attribute: 'customDate1', before: '2026-03-01', after: '2026-03-02' }]]);
  const update = moved.operations[0];
  if (update?.kind !== 'update') throw new Error('expected an update');
  await r.client.updateUser(update.targetId, update.changes);
  expect(r.sandbox.controls.requests({ method: 'PATCH' })[0]?.body).toEqual({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'Replace', path: `${KMSAT}:customDate1`, value: '2026-03-02' }],
  });
});

test('a value that is not an ISO 8601 date is sent as it is, and the strict sandbox refuses it naming the value', async () => {
  r = await rig({ users: [{ id: '1', userName: 'ada@acme.com' }] });
  const err = await r.client.updateUser('1', [{ attribute: 'customDate2', before: null, after: '03/01/2026' }]).catch((e: unknown) => e);
  expect(err).toMatchObject({ status: 400, scimType: 'invalidValue', message: expect.stringContaining('03/01/2026') });
});
