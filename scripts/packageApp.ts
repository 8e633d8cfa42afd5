/**
 * Builds the Teams app package: fills the `${{NAME}}` placeholders in appPackage/manifest.json,
 * validates the result offline against the Teams manifest JSON schema of its manifestVersion
 * (shipped in @microsoft/app-manifest), checks the icons and writes a flat zip.
 */
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ZipFile } from 'yazl';
import { z } from 'zod';
import { pngInfo } from './png';

export const ROOT = resolve(__dirname, '..');
export const APP_PACKAGE_DIR = join(ROOT, 'appPackage');
export const DEFAULT_OUT = join(ROOT, 'build', 'kb4sync.zip');
/** Used for a dry run without a bot registration; Teams would reject it. */
export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';

export const ICONS = { 'color.png': 192, 'outline.png': 32 } as const;

export class PackageError extends Error {
  override name = 'PackageError';
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const envSchema = z.object({
  MicrosoftAppId: z.string().trim().optional(),
  TEAMS_APP_ID: z.string().trim().optional(),
  BOT_DOMAIN: z.string().trim().optional(),
  DEVELOPER_NAME: z.string().trim().optional(),
  DEVELOPER_URL: z.string().trim().optional(),
  PRIVACY_URL: z.string().trim().optional(),
  TERMS_URL: z.string().trim().optional(),
});

export interface PackageOptions {
  env: NodeJS.ProcessEnv;
  out?: string;
  /** Allow a missing MicrosoftAppId by using the all-zero GUID (to check the package, not to ship it). */
  dryRun?: boolean;
  /** Package version; defaults to package.json's. */
  version?: string;
}

/** The values for every placeholder, or a PackageError that says which variable to set. */
export function placeholderValues(options: PackageOptions): Record<string, string> {
  const env = envSchema.parse(options.env);
  let appId = env.MicrosoftAppId ?? '';
  if (appId === '') {
    if (!options.dryRun) {
      throw new PackageError('MicrosoftAppId is not set. Set it to the Azure Bot registration\'s app id (a GUID), or pass --dry-run to build with a placeholder id.');
    }
    appId = PLACEHOLDER_APP_ID;
  }
  if (!GUID.test(appId)) throw new PackageError(`MicrosoftAppId "${appId}" is not a GUID; use the Azure Bot registration's Microsoft App ID.`);
  const teamsAppId = env.TEAMS_APP_ID || appId;
  if (!GUID.test(teamsAppId)) throw new PackageError(`TEAMS_APP_ID "${teamsAppId}" is not a GUID.`);
  const domain = env.BOT_DOMAIN || 'localhost';
  if (!/^[a-z0-9*]([a-z0-9-.*]*[a-z0-9])?(:\d+)?$/i.test(domain)) {
    throw new PackageError(`BOT_DOMAIN "${domain}" must be a host name without scheme or path, e.g. kb4sync.example.com.`);
  }
  const pkg = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')));
  const site = env.DEVELOPER_URL || 'https://www.knowbe4.com';
  return {
    APP_VERSION: options.version ?? pkg.version,
    TEAMS_APP_ID: teamsAppId,
    BOT_ID: appId,
    BOT_DOMAIN: domain,
    DEVELOPER_NAME: env.DEVELOPER_NAME || 'kb4sync',
    DEVELOPER_URL: site,
    PRIVACY_URL: env.PRIVACY_URL || site,
    TERMS_URL: env.TERMS_URL || site,
  };
}

/** Replace `${{NAME}}` in string values (not in raw text, so a value can never break the JSON). */
export function fillPlaceholders(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => {
      const v = values[name];
      if (v === undefined) throw new PackageError(`manifest placeholder \${{${name}}} has no value`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v) => fillPlaceholders(v, values));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v, values)]));
  }
  return value;
}

export function schemaPath(manifestVersion: string): string {
  const path = join(dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams', `v${manifestVersion}`, 'MicrosoftTeams.schema.json');
  if (!existsSync(path)) throw new PackageError(`no Teams manifest schema for manifestVersion ${manifestVersion} in @microsoft/app-manifest`);
  return path;
}

/** Schema errors as readable lines; empty when the manifest is valid. */
export function validateManifest(manifest: unknown): string[] {
  const version = z.object({ manifestVersion: z.string() }).safeParse(manifest);
  if (!version.success) return ['manifestVersion is missing'];
  const schema: unknown = JSON.parse(readFileSync(schemaPath(version.data.manifestVersion), 'utf8'));
  // The Teams schemas are draft-04.
  const ajv = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema as object);
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

export function checkIcon(name: keyof typeof ICONS, bytes: Buffer): void {
  const size = ICONS[name];
  const info = pngInfo(bytes);
  if (info.width !== size || info.height !== size) {
    throw new PackageError(`${name} is ${info.width}×${info.height}; Teams needs ${size}×${size}`);
  }
  if (name === 'outline.png' && info.colorType !== 6 && info.colorType !== 4) {
    throw new PackageError('outline.png needs an alpha channel (white on transparent)');
  }
}

export interface PackageResult {
  out: string;
  manifest: Record<string, unknown>;
  dryRun: boolean;
}

export async function buildAppPackage(options: PackageOptions): Promise<PackageResult> {
  const values = placeholderValues(options);
  const template: unknown = JSON.parse(readFileSync(join(APP_PACKAGE_DIR, 'manifest.json'), 'utf8'));
  const manifest = fillPlaceholders(template, values) as Record<string, unknown>;
  const errors = validateManifest(manifest);
  if (errors.length > 0) throw new PackageError(`manifest.json does not match the Teams schema:\n  ${errors.join('\n  ')}`);

  const icons = Object.keys(ICONS).map((name) => {
    const bytes = readFileSync(join(APP_PACKAGE_DIR, name));
    checkIcon(name as keyof typeof ICONS, bytes);
    return { name, bytes };
  });

  const out = resolve(options.out ?? DEFAULT_OUT);
  mkdirSync(dirname(out), { recursive: true });
  const zip = new ZipFile();
  // Flat: Teams looks for manifest.json at the root of the zip. A fixed mtime keeps builds reproducible.
  const mtime = new Date('2020-01-01T00:00:00Z');
  zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 'manifest.json', { mtime });
  for (const icon of icons) zip.addBuffer(icon.bytes, icon.name, { mtime });
  zip.end();
  await new Promise<void>((done, fail) => {
    const stream = createWriteStream(out);
    zip.outputStream.pipe(stream).on('close', done).on('error', fail);
    zip.outputStream.on('error', fail);
  });
  return { out, manifest, dryRun: values.BOT_ID === PLACEHOLDER_APP_ID };
}
