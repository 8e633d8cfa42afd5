import { plan } from '../../src/sync';
import { rules, src } from '../helpers/builders';

test('a new in-scope user is created', () => {
  const u = src({ mail: 'new.hire@acme.com' });
  const p = plan(rules(), { users: [u], groups: [] }, { users: [], groups: [] }, { previousSourceCount: null });
  expect(p.operations.map((o) => o.kind)).toEqual(['create']);
});
