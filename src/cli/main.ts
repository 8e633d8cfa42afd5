#!/usr/bin/env node
/**
 * The kb4sync command line. Exit codes: 0 ok, 1 run failed, 2 bad input or configuration,
 * 3 plan blocked by the guard.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { companyRules, ConfigError, configPath, readConfigFile, type Config } from '../config';
import { sourceFromGraphSnapshot } from '../m365';
import { targetFromScimSnapshot } from '../knowbe4';
import { formatPlan } from './planText';
import { buildReport, plan as makePlan } from '../sync';
import { EXIT, InputError, registerRunCommands, type CliIo } from './runCommands';
import { graphSource, openApp, TrialRefused } from '../service';
import { describeProblem } from '../notify';
import { createConsoleLogger } from '../observability';
import { registerServeCommands } from './serveCommands';
import { registerOnboardCommand } from './onboard';
import { registerMspCommands } from './mspCommands';

export { EXIT, InputError };

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${what}: ${path} is not valid JSON (${(err as Error).message})`);
  }
}

function parseSnapshot<T>(parse: (raw: unknown) => T, raw: unknown, what: string): T {
  try {
    return parse(raw);
  } catch (err) {
    if (err instanceof z.ZodError) {
      const first = err.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
      throw new InputError(`${what} is not in the expected shape:\n  - ${first.join('\n  - ')}`);
    }
    throw err;
  }
}

function findCompany(config: Config, id: string) {
  const company = config.companies.find((c) => c.id === id.toLowerCase());
  if (!company) {
    throw new InputError(`unknown company "${id}"; configured: ${config.companies.map((c) => c.id).join(', ')}`);
  }
  return company;
}

export function buildProgram(io: CliIo = { out: process.stdout, err: process.stderr, in: process.stdin }): Command {
  const program = new Command('kb4sync')
    .description('Keep KnowBe4 security-awareness training in step with Microsoft 365')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('plan')
    .description('plan a sync from two snapshot files (Graph-shaped users, SCIM-shaped users and groups)')
    .requiredOption('--company <id>', 'company id from the configuration')
    .requiredOption('--m365 <file>', 'Microsoft 365 snapshot: {subscribedSkus, users, groups}')
    .requiredOption('--knowbe4 <file>', 'KnowBe4 snapshot: {users, groups} (arrays or SCIM ListResponses)')
    .option('--config <file>', 'configuration file (default: $KB4SYNC_CONFIG or ./kb4sync.yaml)')
    .option('--previous-count <n>', 'in-scope source count of the last good run (for the guard)')
    .option('--json', 'print the JSON report instead of the diff')
    .action((opts: { company: string; m365: string; knowbe4: string; config?: string; previousCount?: string; json?: boolean }) => {
      const config = readConfigFile(opts.config ?? configPath());
      const company = findCompany(config, opts.company);
      const source = parseSnapshot(sourceFromGraphSnapshot, readJson(opts.m365, '--m365'), '--m365');
      const target = parseSnapshot(targetFromScimSnapshot, readJson(opts.knowbe4, '--knowbe4'), '--knowbe4');
      let previous: number | null = null;
      if (opts.previousCount !== undefined) {
        previous = Number(opts.previousCount);
        if (!Number.isInteger(previous) || previous < 0) throw new InputError('--previous-count must be a whole number');
      }
      const plan = makePlan(companyRules(company), source, target, { previousSourceCount: previous });
      if (opts.json) {
        const report = buildReport({ plan, runId: 'snapshot', dryRun: true, timestamp: new Date().toISOString() });
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } else {
        process.stdout.write(formatPlan(plan));
      }
      process.exitCode = plan.guard.status === 'blocked' ? EXIT.blocked : EXIT.ok;
    });

  // Warnings as sentences on stderr: a terminal is for people, stdout for the command's output.
  const openForPeople = (path?: string) => openApp({ configPath: path, source: graphSource, log: createConsoleLogger({ stream: io.err }) });
  registerRunCommands(program, openForPeople, io);
  registerMspCommands(program, openForPeople, io);
  registerServeCommands(program, io);
  registerOnboardCommand(program, io);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (and help where useful).
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (err instanceof ConfigError || err instanceof InputError || err instanceof TrialRefused) {
      process.stderr.write(`kb4sync: ${err.message}\n`);
      return EXIT.badInput;
    }
    // Errors from Graph, KnowBe4 or the run layer say what happened and the fix; a stack trace
    // helps nobody reading a terminal (set DEBUG=kb4sync to see it).
    const problem = describeProblem(err);
    process.stderr.write(`kb4sync: ${problem.message}${problem.fix && !problem.message.includes(problem.fix) ? `\n  Fix: ${problem.fix}` : ''}\n`);
    if (process.env.DEBUG?.includes('kb4sync')) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
