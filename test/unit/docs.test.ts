import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationReference } from '../../scripts/configReference';

test('docs/configuration.md is generated from the current schema (run `npm run docs:config`)', () => {
  const committed = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
  expect(committed).toBe(configurationReference());
});
