/** Reading kb4sync.yaml: the path, the YAML, validation with errors that name the field, envFile. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { parseDocument, type YAMLError } from 'yaml';
import { ConfigError } from './errors';
import { describeIssues, missingField } from './explain';
import { configSchema, type Config } from './schema';

/** Validates parsed YAML. Errors name the field path and what was expected. */
export function parseConfig(raw: unknown, source = 'kb4sync.yaml'): Config {
  const result = configSchema.safeParse(raw, { error: missingField });
  if (result.success) return result.data;
  throw new ConfigError(source, describeIssues(result.error.issues, configSchema, raw));
}

/** The sandbox's configuration, written next to where `npm start` or `kb4sync sandbox` ran. */
export const SANDBOX_CONFIG_FILE = 'kb4sync.sandbox.yaml';

function notFound(path: string): string {
  const sandbox = resolve(dirname(path), SANDBOX_CONFIG_FILE);
  const here = existsSync(sandbox) ? `${SANDBOX_CONFIG_FILE} is here: add --config ${SANDBOX_CONFIG_FILE} to use the sandbox. ` : '';
  return `file not found. ${here}To try kb4sync without a configuration, \`npm start\` runs the sandbox demo (it writes ${SANDBOX_CONFIG_FILE} for the CLI). For your own companies, write this file (docs/configuration.md), or point at one with --config <file> or KB4SYNC_CONFIG.`;
}

/** YAML errors that are about indentation: one slip makes the parser report several. */
const INDENTATION = new Set(['BAD_INDENT', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'MISSING_CHAR', 'TAB_AS_INDENT', 'UNEXPECTED_TOKEN', 'BAD_DIRECTIVE']);

/** The first YAML error only (the rest follow from it), with its line and, for indentation, the fix. */
export function yamlProblem(error: YAMLError, text: string): string {
  const line = error.linePos?.[0].line;
  const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'not valid YAML';
  const source = line ? text.split('\n')[line - 1] : undefined;
  const at = line ? `line ${line}${source?.trim() ? ` (${JSON.stringify(source.trimEnd())})` : ''}` : 'YAML';
  const hint = INDENTATION.has(error.code) ? ': check the indentation of this line and the next (spaces only; the keys of one block start in the same column)' : '';
  return `${at}: ${message}${hint}`;
}

export function readConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [code === 'ENOENT' ? notFound(path) : `cannot read: ${code}`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  const [first] = doc.errors;
  if (first) throw new ConfigError(path, [`YAML, ${yamlProblem(first, text)}`]);
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
