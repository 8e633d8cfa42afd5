/** The small helpers the planner leans on for speed must mean exactly what they replace. */
import fc from 'fast-check';
import { addressKey, cleanValue, lowerCase, primaryAddress } from '../../src/sync/normalize';
import { phasedOperations } from '../../src/sync/operations';
import { globTest } from '../../src/sync/scope';
import picomatch from 'picomatch';
import type { Operation } from '../../src/sync/model';
import { indexTargets } from '../../src/sync/targetIndex';
import { src, tgt } from '../helpers/builders';

test('lowerCase is toLowerCase, with or without a copy', () => {
  for (const s of ['', 'abc', 'ABC', '00000000-0000-4000-8000-00000000000A', 'josé@ACME.com', 'İstanbul', 'ǅ', 'ß', '\u{1D400}x']) {
    expect(lowerCase(s)).toBe(s.toLowerCase());
  }
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => lowerCase(s) === s.toLowerCase()));
});

test('cleanValue and addressKey are trimmed NFC (empty: null) and its lower case, with or without a shortcut', () => {
  const clean = (s: string) => s.normalize('NFC').trim() || null;
  const key = (s: string) => clean(s)?.toLowerCase() ?? null;
  for (const s of ['', ' ', 'a', ' a', 'a ', 'A b', 'Ada@ACME.com', 'ada@acme.com', '\u00a0x\u00a0', 'jose\u0301', '\tx', 'x\n', '~!', '[a]@b.c']) {
    expect(cleanValue(s)).toBe(clean(s));
    expect(addressKey(s)).toBe(key(s));
  }
  const text = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '@', '[', '`', '~', '!', '\t', '\u00a0', '\u0301', 'é', 'İ', '\u2028') });
  fc.assert(fc.property(text, (s) => cleanValue(s) === clean(s) && addressKey(s) === key(s)));
  expect(cleanValue(null)).toBeNull();
  expect(addressKey(undefined)).toBeNull();
});

test('primaryAddress falls back to the UPN only when mail is empty or unusable, and back', () => {
  expect(primaryAddress(src({ mail: ' Ada@acme.com ', userPrincipalName: 'a@acme.onmicrosoft.com' }), 'mail')).toBe('Ada@acme.com');
  expect(primaryAddress(src({ mail: null, userPrincipalName: 'a@acme.com' }), 'mail')).toBe('a@acme.com');
  expect(primaryAddress(src({ mail: 'not an address', userPrincipalName: 'a@acme.com' }), 'mail')).toBe('a@acme.com');
  expect(primaryAddress(src({ mail: 'm@acme.com', userPrincipalName: 'g_x.com#EXT#@acme.onmicrosoft.com' }), 'upn')).toBe('m@acme.com');
  expect(primaryAddress(src({ mail: null, userPrincipalName: 'g_x.com#ext#@acme.onmicrosoft.com' }), 'mail')).toBeNull();
});

test('globTest answers what a picomatch matcher answers', () => {
  const text = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 8 }).map((c) => c.join(''));
  const pattern = text(['svc', '-', '*', '?', '@', '.', 'a', 'A', '[a-c]', '{x,y}', '!', '**', '/', '\\', '(', ')', '+']).filter((p) => p !== '');
  const address = text(['svc', '-', '@', '.', 'a', 'A', 'b', 'x', '*', '!', '/', '\\', '.com', '(', '+']);
  for (const [p, a] of [[['svc-*@*'], 'SVC-scan@acme.com'], [['svc-*@*'], 'ada@acme.com'], [['a[b'], 'a[b'], [['!x'], 'y']] as const) {
    expect(globTest(p)(a)).toBe(picomatch([...p], { nocase: true, dot: true })(a));
  }
  fc.assert(
    fc.property(fc.array(pattern, { maxLength: 3 }), address, (patterns, a) => {
      let expected: boolean;
      try {
        expected = picomatch(patterns, { nocase: true, dot: true })(a);
      } catch {
        return; // a pattern picomatch refuses (config validation keeps those out)
      }
      expect(globTest(patterns)(a)).toBe(expected);
    }),
    { numRuns: 2000 },
  );
});

test('operations come out by phase, then by id, whatever order they were planned in', () => {
  const ops = phasedOperations();
  const archive = (id: string): Operation => ({ kind: 'archive', id, reason: '', targetId: id, userName: id, sourceId: null });
  const add = (id: string): Operation => ({ kind: 'createGroup', id, reason: '', name: id });
  for (const op of [archive('archive:b'), add('createGroup:z'), archive('archive:a'), add('createGroup:a')]) ops.push(op);
  expect(ops.inApplyOrder().map((o) => o.id)).toEqual(['createGroup:a', 'createGroup:z', 'archive:a', 'archive:b']);
});

describe('runs of operations handed over in id order', () => {
  const archive = (id: string): Operation => ({ kind: 'archive', id, reason: '', targetId: id, userName: id, sourceId: null });

  test('come out exactly as a sort of every operation would put them, whether runs overlap or not', () => {
    const sortedRuns = fc.array(fc.uniqueArray(fc.string({ maxLength: 4 }), { maxLength: 8 }), { maxLength: 5 });
    fc.assert(
      fc.property(sortedRuns, fc.array(fc.string({ maxLength: 4 }), { maxLength: 5 }), (runs, loose) => {
        const ops = phasedOperations();
        const all = new Set([...runs.flat(), ...loose]);
        fc.pre(all.size === runs.flat().length + loose.length); // ids are unique in a plan
        for (const ids of runs) {
          const run = ops.run();
          for (const id of [...ids].sort()) run.push(archive(id));
        }
        for (const id of loose) ops.push(archive(id));
        expect(ops.inApplyOrder().map((o) => o.id)).toEqual([...all].sort());
      }),
    );
  });

  test('a run may not span two phases', () => {
    const ops = phasedOperations();
    ops.run().push({ kind: 'createGroup', id: 'createGroup:a', reason: '', name: 'a' }, archive('archive:b'));
    expect(() => ops.inApplyOrder()).toThrow('A run of operations spans two phases (createGroup, archive)');
  });
});

test('the target index: the last record with an id answers for it, the first with an externalId or address for those', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), externalId: fc.constantFrom(null, 'X', 'x', 'y'), userName: fc.constantFrom('p@acme.com', 'P@acme.com', 'q@acme.com', ' ') }), { maxLength: 8 }),
      (records) => {
        const users = records.map((r) => tgt({ ...r }));
        const index = indexTargets(users);
        const last = (key: (t: (typeof users)[number]) => string | null, k: string) => users.map(key).lastIndexOf(k);
        const first = (key: (t: (typeof users)[number]) => string | null, k: string) => users.map(key).indexOf(k);
        for (const t of users) expect(index.byId.get(t.id)).toBe(last((u) => u.id, t.id));
        users.forEach((t, i) => expect(index.recordOf[i]).toBe(last((u) => u.id, t.id)));
        for (const t of users) if (t.externalId) expect(index.byExternalId.get(t.externalId.toLowerCase())).toBe(first((u) => (u.externalId ? u.externalId.toLowerCase() : null), t.externalId.toLowerCase()));
        const keys = users.map((u) => addressKey(u.userName));
        for (const k of keys) if (k !== null) expect(index.byAddress.get(k)).toBe(keys.indexOf(k));
        expect(index.addressesRepeat).toBe(new Set(keys.filter((k) => k !== null)).size !== keys.filter((k) => k !== null).length);
      },
    ),
  );
});
