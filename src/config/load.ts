/** Reading kb4sync.yaml: the path, the YAML, validation with errors that name the field, envFile. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { parseDocument } from 'yaml';
import { ConfigError } from './errors';
import { configSchema, type Config } from './schema';

function pathToString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Validates parsed YAML. Errors name the field path and what was expected. */
export function parseConfig(raw: unknown, source = 'kb4sync.yaml'): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(
    source,
    result.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `${pathToString(issue.path)}: unknown key(s) ${issue.keys.join(', ')}`;
      }
      return `${pathToString(issue.path)}: ${issue.message}`;
    }),
  );
}

export function readConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [code === 'ENOENT' ? 'file not found (set KB4SYNC_CONFIG or pass --config)' : `cannot read: ${code}`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(path, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  }
  return parseConfig(doc.toJS(), path);
}

/**
 * The environment with `envFile` (if the config names one) filled in underneath: variables
 * already set win, so a deployment's own secrets are never overridden by a file.
 */
export function environmentFor(config: Config, configFile: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!config.envFile) return env;
  const path = resolve(dirname(configFile), config.envFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(configFile, [`envFile: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`]);
  }
  return { ...parseEnv(text), ...env };
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KB4SYNC_CONFIG && env.KB4SYNC_CONFIG.trim() !== '' ? env.KB4SYNC_CONFIG : './kb4sync.yaml';
}
