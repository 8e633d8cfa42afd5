/**
 * Adding a company to kb4sync.yaml the way a person would: through the `yaml` Document API, so
 * every comment, blank line and key order already in the file stays as it was. The edited file is
 * validated as a whole before it is written, and written atomically, so a running service that
 * reloads it never sees half a file or an invalid one.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument, type Document, YAMLSeq } from 'yaml';
import { ConfigError } from './errors';
import { parseConfig, yamlProblem } from './load';
import type { CompanyConfig, Config } from './schema';

/** A company as onboarding writes it: what the technician must see, nothing the defaults cover. */
export interface NewCompanyEntry {
  id: string;
  name: string;
  m365: { tenantId: string };
  knowbe4: { region?: string; scimUrl?: string; scimTokenEnv: string };
  schedule: { cron: string; timezone: string; autoApply: false };
}

function readDocument(path: string): Document.Parsed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  const [first] = doc.errors;
  if (first) throw new ConfigError(path, [`YAML, ${yamlProblem(first, text)}`]);
  return doc;
}

/** The current configuration and, if the entry were added, the configuration it would become. */
export function appendCompany(path: string, entry: NewCompanyEntry, comment: string): { before: Config; after: Config; company: CompanyConfig } {
  const doc = readDocument(path);
  const before = parseConfig(doc.toJS(), path);
  const clash = before.companies.find((c) => c.id === entry.id || c.name.toLowerCase() === entry.name.toLowerCase() || c.m365.tenantId.toLowerCase() === entry.m365.tenantId.toLowerCase());
  if (clash) {
    const what = clash.id === entry.id ? `the id "${entry.id}"` : clash.m365.tenantId.toLowerCase() === entry.m365.tenantId.toLowerCase() ? `tenant ${entry.m365.tenantId}` : `the name "${entry.name}"`;
    throw new ConfigError(path, [`companies: ${what} is already configured as ${clash.id} (${clash.name})`]);
  }
  if (!isMap(doc.contents)) throw new ConfigError(path, ['(top level): expected a mapping']);
  const companies = doc.get('companies', true);
  if (!isSeq(companies)) throw new ConfigError(path, ['companies: expected a list']);
  const node = doc.createNode(entry);
  node.commentBefore = ` ${comment}`;
  // A flow list (`companies: [...]`) stays readable only as a block once a company is appended.
  (companies as YAMLSeq).flow = false;
  (companies as YAMLSeq).items.push(node);
  const after = parseConfig(doc.toJS(), path);
  const tmp = `${path}.kb4sync-${process.pid}.tmp`;
  writeFileSync(tmp, doc.toString({ lineWidth: 0 }));
  renameSync(tmp, path);
  return { before, after, company: after.companies.find((c) => c.id === entry.id) as CompanyConfig };
}
