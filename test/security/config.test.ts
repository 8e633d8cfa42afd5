/**
 * kb4sync.yaml, property-based: from the valid fixture, delete any field or give any value the
 * wrong type, and the load either succeeds (the field is optional) or fails with a message that
 * names that field's path. test/unit/config.test.ts has the hand-picked cases; this walks every
 * field of the fixture at random.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { ConfigError, readConfigFile } from '../../src/config';

const FIXTURE = join(__dirname, '..', 'fixtures', 'kb4sync.yaml');
const RUNS = Number(process.env.FC_RUNS ?? 150);
const dir = mkdtempSync(join(tmpdir(), 'kb4sync-config-fuzz-'));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

const fixture = parse(readFileSync(FIXTURE, 'utf8')) as Json;

/** Every path in the fixture (objects' keys and arrays' items), with the value there. */
function paths(value: Json, at: Path = []): { path: Path; value: Json }[] {
  const here = at.length ? [{ path: at, value }] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return here;
}

/**
 * How the loader prints a path in `raw`: companies[acme].m365.tenantId, a company named by its id
 * (by its position when its id is missing, not a valid id, or shared).
 */
const named = (path: Path, raw: Json = fixture) => {
  const companies = (raw as { companies?: Json }).companies;
  const ids = Array.isArray(companies) ? companies.map((c) => (c && typeof c === 'object' && !Array.isArray(c) && typeof c.id === 'string' && /^[a-z0-9][a-z0-9_-]*$/.test(c.id) ? c.id : null)) : [];
  const label = (i: number) => {
    const id = ids[i];
    return id && ids.indexOf(id) === ids.lastIndexOf(id) ? id : String(i);
  };
  return path.map((p, i) => (typeof p === 'number' ? `[${i === 1 && path[0] === 'companies' ? label(p) : p}]` : i === 0 ? p : `.${p}`)).join('');
};

function edit(path: Path, change: (parent: Record<string, Json> | Json[], key: string | number) => void): Json {
  const copy = JSON.parse(JSON.stringify(fixture)) as Json;
  let node = copy as Record<string, Json> | Json[];
  for (const key of path.slice(0, -1)) node = (node as Record<string, Json>)[key as string] as Record<string, Json>;
  change(node, path[path.length - 1] as string | number);
  return copy;
}

let file = 0;
/** Loads a configuration through the real file reader; the problems, or null when it loads. */
function load(raw: Json): string[] | null {
  const path = join(dir, `kb4sync-${++file}.yaml`);
  writeFileSync(path, stringify(raw));
  try {
    readConfigFile(path);
    return null;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.message).toContain(path);
    return err.problems;
  }
}

const all = paths(fixture);
const leaves = all.filter((p) => p.value === null || typeof p.value !== 'object');

/** A value of another JSON type than `value`, one no field of the schema accepts in its place. */
const wrongType = (value: Json): fc.Arbitrary<Json> =>
  typeof value === 'string'
    ? fc.oneof(fc.integer(), fc.boolean(), fc.constant({}), fc.array(fc.integer(), { minLength: 1, maxLength: 3 }))
    : typeof value === 'number'
      ? fc.oneof(fc.string({ minLength: 1 }).map((s) => `n${s}`), fc.boolean(), fc.constant({}))
      : fc.oneof(fc.string({ minLength: 1 }).map((s) => `b${s}`), fc.integer(), fc.constant<Json>([]));

test('the fixture itself loads (else every refusal below proves nothing)', () => {
  expect(load(fixture)).toBeNull();
  expect(leaves.length).toBeGreaterThan(20);
});

test('a field given a value of the wrong type is refused, naming its path', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...leaves).chain((leaf) => fc.tuple(fc.constant(leaf), wrongType(leaf.value))),
      ([leaf, bad]) => {
        const edited = edit(leaf.path, (parent, key) => ((parent as Record<string, Json>)[key as string] = bad));
        const problems = load(edited);
        expect(problems).not.toBeNull();
        expect(problems?.some((p) => p.startsWith(`${named(leaf.path, edited)}:`))).toBe(true);
      },
    ),
    { numRuns: RUNS },
  );
});

/** Fields the fixture cannot lose: the loader must name each one when it is missing. */
const REQUIRED = [
  ['companies'],
  ['companies', 0, 'id'],
  ['companies', 0, 'name'],
  ['companies', 0, 'm365'],
  ['companies', 0, 'm365', 'tenantId'],
  ['companies', 0, 'm365', 'clientId'],
  ['companies', 0, 'knowbe4'],
  ['companies', 0, 'knowbe4', 'scimTokenEnv'],
  ['companies', 0, 'schedule', 'cron'],
  ['admins', 0, 'aadObjectId'],
].map((path) => named(path));

test('a deleted field either had a default or is named as missing', () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(fc.constantFrom(...all), ({ path }) => {
      const edited = edit(path, (parent, key) => (Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key as string]));
      const problems = load(edited);
      const name = named(path);
      if (REQUIRED.includes(name)) {
        seen.add(name);
        expect(problems?.some((p) => p.startsWith(`${named(path, edited)}:`))).toBe(true);
      } else if (problems !== null && name === 'companies[acme].m365.clientSecretEnv') {
        // The one credential is a rule over the block: the block is named, and what it needs.
        expect(problems).toContainEqual(expect.stringMatching(/^companies\[acme\]\.m365: expected exactly one credential/));
      } else if (problems !== null) {
        // Anything else that fails must still say where (an array item deleted shifts its siblings).
        expect(problems.some((p) => p.startsWith(named(path.slice(0, -1), edited)) || p.startsWith(`${named(path, edited)}:`))).toBe(true);
      }
    }),
    { numRuns: RUNS },
  );
  for (const name of REQUIRED) {
    if (seen.has(name)) continue;
    // fast-check may not have drawn it: check it once by hand, so the list is always covered.
    const path = all.find((p) => named(p.path) === name)?.path;
    expect(path).toBeDefined();
    const edited = edit(path as Path, (parent, key) => (Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key as string]));
    const problems = load(edited);
    expect(problems?.some((p) => p.startsWith(`${named(path as Path, edited)}:`))).toBe(true);
  }
});
