/** The plan as people (sync/changes.ts): one entry per person per section, named, without ids. */
import { countPeople, groupLine, personLine, plan, planChanges } from '../../src/sync';
import { group, mirrorOf, rules, src, tgt } from '../helpers/builders';

const ada = src({ mail: 'ada@acme.com', fields: { displayName: 'Ada Lovelace', department: 'Sales', jobTitle: 'Lead' } });
const moved = src({ mail: 'aleksei@acme.com', proxyAddresses: ['SMTP:aleksei@acme.com', 'smtp:aleksei@legacy.acme.com'], fields: { givenName: 'Aleksei', surname: 'Kuznetsova' } });
const rep = src({ mail: 'rep@acme.com', fields: { displayName: 'Rep One', jobTitle: 'Senior Rep' } });
const linked = src({ mail: 'linked@acme.com', fields: { displayName: 'Lin Ked' } });

function example() {
  return plan(
    rules({ removeStaleUsers: true, groups: { default: 'All Employees', departments: {}, mirror: [] }, guard: { maxArchive: 100, maxArchivePercent: 100, maxSourceShrinkPercent: 100 } }),
    { users: [ada, moved, rep, linked], groups: [] },
    {
      users: [
        tgt({ userName: 'aleksei@legacy.acme.com', externalId: moved.id, values: { givenName: 'Aleksei', familyName: 'Kuznetsova' } }),
        mirrorOf(rep, { values: { givenName: 'Rep', familyName: 'One', title: 'Rep' } }),
        tgt({ userName: 'linked@acme.com', values: { givenName: 'Lin', familyName: 'Ked' } }),
        tgt({ userName: 'gone@acme.com', values: { givenName: 'Gone', familyName: 'Person' } }),
      ],
      groups: [group('All Employees', [])],
    },
    { previousSourceCount: null },
  );
}

test('each person once per section, with their display name, and no ids in the words', () => {
  const p = example();
  const { people, groups } = planChanges(p);
  const lines = people.map((c) => `${c.section}: ${personLine(c)}`);
  expect(lines).toEqual(
    expect.arrayContaining([
      'joiners: Ada Lovelace (ada@acme.com): Sales · Lead',
      expect.stringMatching(/^leavers: Gone Person \(gone@acme\.com\): No longer in /),
      'renamed: Aleksei Kuznetsova: aleksei@legacy.acme.com → aleksei@acme.com',
      expect.stringMatching(/^details: Rep One \(rep@acme\.com\): title: Rep → Senior Rep$/),
      'linked: Lin Ked (linked@acme.com)',
    ]),
  );
  for (const line of lines) expect(line).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  // Each entry names the operations behind it (for the CSV's id column), and no operation is lost.
  const ids = new Set(p.operations.map((o) => o.id));
  for (const c of people) expect(c.operationIds.length > 0 && c.operationIds.every((id) => ids.has(id))).toBe(true);
  expect(groups.map(groupLine)).toEqual([expect.stringMatching(/^All Employees: \+\d+$/)]);
});

test('the counts are the lists counted', () => {
  const p = example();
  const { people } = planChanges(p);
  const counts = countPeople(p);
  for (const [section, key] of [['joiners', 'joiners'], ['leavers', 'leavers'], ['renamed', 'renamed'], ['details', 'detailsChanged'], ['linked', 'linked']] as const) {
    expect(people.filter((c) => c.section === section)).toHaveLength(counts[key]);
  }
  expect(counts).toMatchObject({ joiners: 1, leavers: 1, renamed: 1, detailsChanged: 1, linked: 1 });
});
