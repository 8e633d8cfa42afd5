/**
 * Configuration problems written as help: the company's id in the path
 * (`companies[acme].m365.tenantId`), "missing" for a field that is not there, and "did you mean
 * `removeStaleUsers`?" for a misspelt key.
 */
import type { z } from 'zod';
import { closest } from '../shared';

const COMPANY_ID = /^[a-z0-9][a-z0-9_-]*$/;

/** How each company is named in a path: its id when usable and unique, else its position. */
function companyLabels(raw: unknown): string[] {
  const companies = raw && typeof raw === 'object' && 'companies' in raw && Array.isArray(raw.companies) ? (raw.companies as unknown[]) : [];
  const ids = companies.map((c) => (c && typeof c === 'object' && 'id' in c && typeof c.id === 'string' && COMPANY_ID.test(c.id) ? c.id : null));
  return ids.map((id, i) => (id !== null && ids.indexOf(id) === ids.lastIndexOf(id) ? id : String(i)));
}

/** `companies[acme].m365.tenantId`; `(top level)` for the file itself. */
export function pathToString(path: readonly PropertyKey[], raw?: unknown): string {
  const labels = companyLabels(raw);
  let out = '';
  path.forEach((part, i) => {
    if (typeof part === 'number') out += `[${i === 1 && path[0] === 'companies' ? (labels[part] ?? part) : part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  });
  return out === '' ? '(top level)' : out;
}

/** The few parts of a zod schema's definition needed to find the keys an object accepts. */
interface Def {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  valueType?: unknown;
}

function defOf(schema: unknown): Def | null {
  return schema && typeof schema === 'object' && '_zod' in schema ? (schema as { _zod: { def: Def } })._zod.def : null;
}

/** Through optional, default, prefault, nullable and pipes (transforms) to the schema that checks. */
function unwrap(schema: unknown): Def | null {
  let def = defOf(schema);
  for (let i = 0; def && i < 20; i++) {
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (inner === undefined) break;
    def = defOf(inner);
  }
  return def;
}

/** The schema at `path` as written (wrappers kept, so their descriptions too), or undefined. */
function schemaAt(schema: unknown, path: readonly PropertyKey[]): unknown {
  let current = schema;
  for (const part of path) {
    const def = unwrap(current);
    if (!def) return undefined;
    if (def.type === 'object' && typeof part === 'string') current = def.shape?.[part];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else return undefined;
  }
  return current;
}

/** The keys the object at `path` accepts ([] when the path does not lead to an object). */
export function knownKeys(schema: unknown, path: readonly PropertyKey[]): string[] {
  const def = unwrap(schemaAt(schema, path));
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** What the field at `path` is, from its `.describe()` text (on it or on what it wraps). */
function fieldDescription(schema: unknown, path: readonly PropertyKey[]): string | null {
  let current = schemaAt(schema, path);
  for (let i = 0; current && i < 20; i++) {
    const description = (current as { description?: unknown }).description;
    if (typeof description === 'string') return description;
    const def = defOf(current);
    current = def?.innerType ?? (def?.type === 'pipe' ? def.in : undefined);
  }
  return null;
}

/** Per-parse message for a field that is not there at all (schemas with their own message keep it). */
export const missingField = (issue: { code: string; input?: unknown }): string | undefined => (issue.code === 'invalid_type' && issue.input === undefined ? 'missing' : undefined);

/** One line per problem: where, then what (and the likely fix). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], schema: unknown, raw: unknown): string[] {
  return issues.flatMap((issue) => {
    const where = pathToString(issue.path, raw);
    if (issue.message === 'missing') {
      const what = fieldDescription(schema, issue.path);
      return [`${where}: missing${what ? `: ${what}` : ''}`];
    }
    if (issue.code !== 'unrecognized_keys') return [`${where}: ${issue.message}`];
    const known = knownKeys(schema, issue.path);
    return issue.keys.map((key) => {
      const guess = closest(key, known);
      return `${where}: unknown key \`${key}\`${guess ? `: did you mean \`${guess}\`?` : known.length ? ` (known here: ${known.join(', ')})` : ''}`;
    });
  });
}
