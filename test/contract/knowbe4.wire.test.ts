/**
 * Entra's wire profile, byte for byte. Each fixture in test/fixtures/entra/ holds a request
 * Microsoft documents for its provisioning service (the one SCIM client KnowBe4 documents), the
 * fields kb4sync deliberately leaves out (with why), and the exact request kb4sync sends for the
 * same operation. The client's request must equal the golden bytes, the golden request must have
 * the documented one's shape, and the strict sandbox must accept it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedRequest } from '../../src/sandbox/knowbe4';
import { rig, type Rig } from '../helpers/knowbe4';

interface WireRequest {
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}
interface Fixture {
  kind: string;
  documented: WireRequest & { source: string };
  omitted: Record<string, string>;
  kb4sync: WireRequest;
}

const DIR = join(__dirname, '..', 'fixtures', 'entra');
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Fixture);

/** Drives the client through one operation kind against a sandbox seeded for it. */
const DRIVERS: Record<string, () => Promise<Rig>> = {
  'create-user': async () => {
    const r = await rig();
    await r.client.createUser({ userName: 'test.user@testuser.com', externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef', values: { givenName: 'givenName', familyName: 'familyName' } });
    return r;
  },
  'update-attributes': async () => {
    const id = '6764549bef60420686bc';
    const r = await rig({ users: [{ id, userName: 'u@testuser.com', name: { familyName: 'familyName' }, phoneNumbers: [{ type: 'work', value: '+1 425 555 0100' }] }] });
    await r.client.updateUser(id, [
      { attribute: 'phoneWork', before: '+1 425 555 0100', after: '+1 425 555 0199' },
      { attribute: 'familyName', before: 'familyName', after: 'updatedFamilyName' },
    ]);
    return r;
  },
  rename: async () => {
    const r = await rig({ users: [{ id: '5171a35d82074e068ce2', userName: 'old@testuser.com' }] });
    await r.client.listUsers();
    r.sandbox.controls.clearRequests();
    await r.client.renameUser('5171a35d82074e068ce2', '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    return r;
  },
  'rename-with-work-email': async () => {
    const id = '6764549bef60420686bc';
    const r = await rig({ users: [{ id, userName: 'old@microsoft.com', emails: [{ primary: true, type: 'work', value: 'old@microsoft.com' }] }] });
    await r.client.listUsers();
    r.sandbox.controls.clearRequests();
    await r.client.renameUser(id, 'updatedEmail@microsoft.com');
    return r;
  },
  archive: async () => {
    const r = await rig({ users: [{ id: '5171a35d82074e068ce2', userName: 'u@testuser.com' }] });
    await r.client.archiveUser('5171a35d82074e068ce2');
    return r;
  },
  reactivate: async () => {
    const r = await rig({ users: [{ id: '5171a35d82074e068ce2', userName: 'u@testuser.com', active: false }] });
    await r.client.reactivateUser('5171a35d82074e068ce2');
    return r;
  },
  'set-manager': async () => {
    const r = await rig({ users: [{ id: '123456', userName: 'boss@testuser.com' }, { id: '48af03ac28ad4fb88478', userName: 'bjensen@testuser.com' }] });
    await r.client.setManager('48af03ac28ad4fb88478', '123456');
    return r;
  },
  'create-group': async () => {
    const r = await rig();
    await r.client.createGroup('displayName');
    return r;
  },
  'add-members': async () => {
    const r = await rig({ users: [{ id: 'f648f8d5ea4e4cd38e9c', userName: 'm@testuser.com' }], groups: [{ id: 'a99962b9f99d4c4fac67', displayName: 'G' }] });
    await r.client.addMembers('a99962b9f99d4c4fac67', ['f648f8d5ea4e4cd38e9c']);
    return r;
  },
  'remove-members': async () => {
    const r = await rig({ users: [{ id: 'f648f8d5ea4e4cd38e9c', userName: 'm@testuser.com' }], groups: [{ id: 'a99962b9f99d4c4fac67', displayName: 'G', members: [{ value: 'f648f8d5ea4e4cd38e9c' }] }] });
    await r.client.removeMembers('a99962b9f99d4c4fac67', ['f648f8d5ea4e4cd38e9c']);
    return r;
  },
  'find-user': async () => {
    const r = await rig({ users: [{ userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee' }] });
    expect(await r.client.findUserByUserName('Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee')).not.toBeNull();
    return r;
  },
  'find-group': async () => {
    const r = await rig({ groups: [{ displayName: 'displayName' }] });
    expect(await r.client.findGroupByName('displayName')).not.toBeNull();
    return r;
  },
};

/** Removes a dotted path (through arrays) from a copy. */
function without(value: unknown, path: string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => without(v, path));
  if (!value || typeof value !== 'object' || path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (rest.length === 0) delete out[head];
  else if (head in out) out[head] = without(out[head], rest);
  return out;
}

/** Keys and value types, with `op` and the PatchOp `schemas` kept literally: what "the same shape" means. */
function shape(value: unknown, key = ''): unknown {
  if (key === 'op') return value;
  if (Array.isArray(value)) return [...new Set(value.map((v) => JSON.stringify(shape(v))))].sort();
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k], k)]));
  }
  return value === null ? 'null' : typeof value;
}

let r: Rig | null = null;
afterEach(async () => {
  await r?.sandbox.stop();
  r = null;
});

test('every operation kind kb4sync sends has a golden fixture, and every fixture a driver', () => {
  expect(fixtures.map((f) => f.kind).sort()).toEqual(Object.keys(DRIVERS).sort());
});

describe.each(fixtures.map((f) => [f.kind, f] as const))('%s', (kind, fixture) => {
  test('the request is the golden one, byte for byte, and the strict sandbox accepts it', async () => {
    r = await (DRIVERS[kind] as () => Promise<Rig>)();
    const sent = r.sandbox.controls.requests({ method: fixture.kb4sync.method }).filter((q: RecordedRequest) => q.path === fixture.kb4sync.path);
    expect(sent).toHaveLength(1);
    const [request] = sent as [RecordedRequest];
    expect(request.status).toBeGreaterThanOrEqual(200);
    expect(request.status).toBeLessThan(300);
    if (fixture.kb4sync.body === undefined) expect(request.raw).toBeUndefined();
    else expect(request.raw).toBe(JSON.stringify(fixture.kb4sync.body));
    expect(request.query).toEqual(fixture.kb4sync.query ?? {});
  });

  test('the golden request has the documented request\'s shape, less the fields left out on purpose', () => {
    expect(fixture.kb4sync.method).toBe(fixture.documented.method);
    expect(fixture.kb4sync.path).toBe(fixture.documented.path);
    let documented = fixture.documented.body;
    for (const path of Object.keys(fixture.omitted)) documented = without(documented, path.split('.'));
    expect(shape(fixture.kb4sync.body)).toEqual(shape(documented));
    // Look-ups: the documented parameters, exactly; only paging added.
    for (const [param, value] of Object.entries(fixture.documented.query ?? {})) expect(fixture.kb4sync.query?.[param]).toBe(value);
    expect(Object.keys(fixture.kb4sync.query ?? {}).filter((k) => !(k in (fixture.documented.query ?? {})))).toEqual(
      fixture.kb4sync.query ? ['startIndex', 'count'] : [],
    );
  });
});
