/**
 * The run commands of the CLI: preview, apply, runs, show, companies. Output is for people on a
 * terminal, or the JSON report with --json; a progress bar only on a TTY.
 */
import { createInterface } from 'node:readline/promises';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { firstRunReadiness, type App } from '../service';
import { matchCompany } from '../teams';
import { count, when } from './format';
import { formatPlan } from './planText';
import { ApplyRefused, type Actor, type Progress, type RunRecord } from '../runs';
import { nextSlot } from '../schedule';
import { COMPANY_FILTERS, countPeople, digestRows, digestTotals, filterRows, holdable, peopleOfReport, peopleSummary, PHASES, type CompanyFilter, type Plan } from '../sync';

export const EXIT = { ok: 0, failed: 1, badInput: 2, blocked: 3 } as const;

/** An error the user can fix; printed without a stack trace, exit code 2. */
export class InputError extends Error {}

export interface CliIo {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
  in: NodeJS.ReadableStream & { isTTY?: boolean };
}

export const CLI_ACTOR: Actor = { id: null, name: process.env.USER ?? 'cli', tenantId: null, via: 'cli' };

/**
 * The same loose matching as the bot: id, name, prefix, word prefix, then small typos. A command
 * that writes takes only the exact id or name, never a guess; one that reads says when it guessed.
 */
export function companyId(app: App, given: string, use: { writes: true } | { note: (text: string) => void }): string {
  const found = matchCompany(given, app.config.companies);
  if (found.kind === 'match' && found.exact) return found.company.id;
  if (found.kind === 'match' && 'note' in use) {
    use.note(`kb4sync: reading "${given}" as ${found.company.id} (${found.company.name})\n`);
    return found.company.id;
  }
  if (found.kind === 'match') throw new InputError(`"${given}" is not exactly a company: did you mean ${found.company.id} (${found.company.name})? Apply takes the exact id or name.`);
  if (found.kind === 'ambiguous') throw new InputError(`"${given}" matches several companies: ${found.candidates.map((c) => c.id).join(', ')}`);
  const known = (found.suggestions.length ? found.suggestions : app.config.companies).map((c) => `${c.id} (${c.name})`).join(', ');
  throw new InputError(`unknown company "${given}"; ${found.suggestions.length ? 'did you mean' : 'configured'}: ${known}`);
}

async function prompt(io: CliIo, question: string): Promise<string> {
  const rl = createInterface({ input: io.in, output: io.out });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}


/** A report's summary for people: one "name  value" line each, numbers and times as everywhere else. */
function summaryLines(summary: object): string {
  const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;
  const rows = Object.entries(summary).map(([k, v]) => [k.replace(/_/g, ' '), typeof v === 'number' ? count(v) : typeof v === 'string' && ISO.test(v) ? when(new Date(v)) : String(v)]);
  return table(rows);
}

function runRow(r: RunRecord): string[] {
  // In people, as the cards and the preview count (sync/people.ts).
  const counts = r.report ? peopleSummary(peopleOfReport(r.report)) : '';
  return [r.runId, when(r.startedAt), r.kind, r.trigger, r.status, counts, r.error ?? ''];
}

/** The create and archive operations of the given addresses; an address the plan does not create or archive is an error. */
function heldOperations(plan: Plan | null, addresses: readonly string[]): string[] {
  if (!plan) throw new InputError('no such plan');
  const ops = holdable(plan);
  const missing: string[] = [];
  const ids = addresses.flatMap((a) => {
    const found = ops.filter((op) => op.userName.toLowerCase() === a.trim().toLowerCase()).map((op) => op.id);
    if (found.length === 0) missing.push(a);
    return found;
  });
  if (missing.length > 0) throw new InputError(`--hold: the plan neither creates nor archives ${missing.join(', ')}`);
  return ids;
}

/** Opens the app for one command and closes it however the command ends. */
export function appRunner(open: (configPath?: string) => Promise<App>) {
  return async <T>(opts: { config?: string }, fn: (app: App) => Promise<T>): Promise<T> => {
    const app = await open(opts.config);
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  };
}

export function registerRunCommands(program: Command, open: (configPath?: string) => Promise<App>, io: CliIo): void {
  const reads = { note: (text: string) => void io.err.write(text) };
  const withApp = appRunner(open);

  program
    .command('companies [filter]')
    .description(`every company, those needing an admin first, then by result; filter: ${COMPANY_FILTERS.join(', ')}`)
    .option('--config <file>', 'configuration file')
    .option('--json', 'JSON output')
    .action((filter: string | undefined, opts: { config?: string; json?: boolean }) =>
      withApp(opts, async (app) => {
        if (filter !== undefined && !(COMPANY_FILTERS as readonly string[]).includes(filter)) throw new InputError(`unknown filter "${filter}"; use one of ${COMPANY_FILTERS.join(', ')}`);
        const now = new Date();
        const facts = await app.overview.companyFacts(app.config.companies.map((c) => ({ id: c.id, name: c.name, seats: c.knowbe4.seats ?? null, paused: c.paused })), now);
        // A company that has never run says what it waits for (consent, a token) or that it is ready.
        const notes = new Map<string, string | null>();
        for (const f of facts) if (f.lastRunStatus === null) notes.set(f.id, await firstRunReadiness(app, app.service.company(f.id)));
        const byId = new Map(facts.map((f) => [f.id, f]));
        const rows = filterRows(digestRows(facts.map((f) => ({ ...f, note: notes.get(f.id) ?? null }))), (filter as CompanyFilter | undefined) ?? null).map((r) => {
          const c = app.service.company(r.id);
          const f = byId.get(r.id);
          return { ...r, lastRun: f?.lastRunAt ? new Date(f.lastRunAt) : null, nextRun: c.schedule && !f?.paused ? nextSlot(c, now) : null, status: notes.get(r.id) ?? null };
        });
        if (opts.json) return void io.out.write(JSON.stringify(rows, null, 2) + '\n');
        const t = digestTotals(rows);
        io.out.write(`${count(t.companies)} ${t.companies === 1 ? 'company' : 'companies'}, ${count(t.needsAdmin)} ${t.needsAdmin === 1 ? 'needs' : 'need'} an admin: ${t.byResult.map((b) => `${b.count} ${b.result}`).join(', ') || 'none'}\n`);
        if (rows.length === 0) return;
        io.out.write(
          table([
            ['', 'ID', 'NAME', 'RESULT', 'DETAIL', 'LAST RUN', 'NEXT RUN'],
            ...rows.map((r) => [r.needsAdmin ? '!' : ' ', r.id, r.name, r.result, r.detail, when(r.lastRun), when(r.nextRun)]),
          ]),
        );
      }),
    );

  program
    .command('runs <company>')
    .description('recent runs of a company')
    .option('--config <file>', 'configuration file')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'JSON output')
    .action((company: string, opts: { config?: string; limit: string; json?: boolean }) =>
      withApp(opts, async (app) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InputError('--limit must be a whole number from 1 to 1000');
        const runs = await app.store.listRuns(companyId(app, company, reads), limit);
        if (opts.json) return void io.out.write(JSON.stringify(runs.map(({ report: _r, ...r }) => r), null, 2) + '\n');
        if (runs.length === 0) return void io.out.write('No runs yet.\n');
        io.out.write(table([['RUN', 'STARTED', 'KIND', 'BY', 'STATUS', 'CHANGES', 'ERROR'], ...runs.map(runRow)]));
      }),
    );

  program
    .command('show <runId>')
    .description("a run's report")
    .option('--config <file>', 'configuration file')
    .option('--json', 'the JSON report')
    .action((runId: string, opts: { config?: string; json?: boolean }) =>
      withApp(opts, async (app) => {
        const run = await app.store.getRun(runId);
        if (!run) throw new InputError(`no run ${runId}`);
        if (opts.json) return void io.out.write(JSON.stringify(run.report, null, 2) + '\n');
        io.out.write(table([['RUN', 'STARTED', 'KIND', 'BY', 'STATUS', 'CHANGES', 'ERROR'], runRow(run)]));
        const s = run.report?.sync_summary;
        if (s) io.out.write(`\n${summaryLines(s)}`);
        for (const e of run.report?.errors ?? []) io.out.write(`! ${e.user ?? e.operation}: ${e.message}\n`);
      }),
    );

  program
    .command('preview <company>')
    .description('read both sides and show (and store) the plan')
    .option('--config <file>', 'configuration file')
    .option('--json', 'print the JSON report')
    .action((company: string, opts: { config?: string; json?: boolean }) =>
      withApp(opts, async (app) => {
        const { preview, decision } = await app.service.reconcile(companyId(app, company, reads), CLI_ACTOR, { approved: false });
        if (opts.json) io.out.write(JSON.stringify({ plan_id: preview.planId, expires_at: preview.expiresAt.toISOString(), ...preview.report }, null, 2) + '\n');
        else io.out.write(`${formatPlan(preview.plan)}\nPlan ${preview.planId} (expires ${when(preview.expiresAt)}): kb4sync apply ${preview.plan.company.id} --plan ${preview.planId}\n`);
        process.exitCode = decision.kind === 'guard-blocked' ? EXIT.blocked : EXIT.ok;
      }),
    );

  program
    .command('apply <company>')
    .description('apply a stored plan (--plan), or preview and apply after confirmation')
    .option('--config <file>', 'configuration file')
    .option('--plan <id>', 'the plan to apply (from preview)')
    .option('--yes', 'do not ask for confirmation')
    .option('--confirm-archive <n>', 'the archive count, for a plan the guard blocked')
    .option('--hold <address...>', 'apply the plan minus these people\'s create or archive')
    .option('--json', 'print the JSON report')
    .action((company: string, opts: { config?: string; plan?: string; yes?: boolean; confirmArchive?: string; json?: boolean; hold?: string[] }) =>
      withApp(opts, async (app) => {
        const id = companyId(app, company, { writes: true });
        let confirm: number | null = null;
        if (opts.confirmArchive !== undefined) {
          confirm = Number(opts.confirmArchive);
          if (!Number.isInteger(confirm) || confirm < 0) throw new InputError('--confirm-archive must be a whole number');
        }
        let planId = opts.plan;
        if (!planId) {
          const reconciled = await app.service.reconcile(id, CLI_ACTOR, { approved: opts.yes ?? false, confirmArchive: confirm });
          const { preview } = reconciled;
          let { decision } = reconciled;
          if (!opts.json) io.out.write(formatPlan(preview.plan));
          if (decision.kind === 'guard-blocked' && io.in.isTTY && !opts.json) {
            // On a terminal the guard asks for the count, as the card's box does, instead of refusing.
            const n = decision.archiveCount;
            const answer = await prompt(io, `The guard holds this plan: it archives ${count(n)} ${n === 1 ? 'user' : 'users'}. Type ${n} to apply it anyway (Enter stops): `);
            if (answer.replace(/[,\s]/g, '') !== String(n)) {
              io.out.write(`Nothing applied${answer.trim() === '' ? '' : `: type ${n} to confirm`}.\n`);
              process.exitCode = EXIT.blocked;
              return;
            }
            confirm = n;
            // Typing the count is the approval.
            decision = { kind: 'apply' };
          }
          if (decision.kind === 'in-step') {
            if (opts.json) io.out.write(JSON.stringify(preview.report, null, 2) + '\n');
            return;
          }
          if (decision.kind === 'ask') {
            if (!io.in.isTTY) throw new InputError('not a terminal: pass --yes to apply without asking');
            const answer = await prompt(io, `Apply to ${preview.plan.company.name}: ${peopleSummary(countPeople(preview.plan))}? [y/N] `);
            if (!/^y(es)?$/i.test(answer.trim())) {
              io.out.write('Nothing applied.\n');
              return;
            }
          }
          // A guard-blocked plan goes on to apply, which refuses it with the count to type (exit 3).
          planId = preview.planId;
        } else {
          const stored = await app.store.getPlan(planId);
          if (!stored || stored.companyId !== id) throw new InputError(`plan ${planId} is not a plan of ${id}`);
        }
        const hold = opts.hold ? heldOperations((await app.store.getPlan(planId))?.plan ?? null, opts.hold) : null;
        const bar = !opts.json && io.out.isTTY ? new SingleBar({ format: ' {bar} {value}/{total} {phase}', stream: io.out as NodeJS.WriteStream }) : null;
        try {
          const options = {
            confirmArchive: confirm,
            onProgress: (p: Progress) => {
              if (!bar) return;
              if (bar.getTotal() !== p.total) bar.start(p.total, 0, { phase: '' });
              bar.update(p.done + p.failed + p.skipped, { phase: (PHASES[p.phase] ?? []).join('/') });
            },
          };
          const result = hold ? await app.service.applySelected(planId, CLI_ACTOR, { ...options, hold }) : await app.service.apply(planId, CLI_ACTOR, options);
          if (hold && !opts.json) io.out.write(`Held ${hold.length} change${hold.length === 1 ? '' : 's'}; applied plan ${'approvedPlanId' in result ? result.approvedPlanId : planId}\n`);
          bar?.stop();
          if (opts.json) io.out.write(JSON.stringify(result.report, null, 2) + '\n');
          else {
            io.out.write(`${result.status}: ${peopleSummary(peopleOfReport(result.report))} (run ${result.runId})\n`);
            for (const e of result.report.errors) io.err.write(`! ${e.user ?? e.operation}: ${e.message}\n`);
          }
          process.exitCode = result.status === 'succeeded' ? EXIT.ok : EXIT.failed;
        } catch (err) {
          bar?.stop();
          if (err instanceof ApplyRefused) {
            process.exitCode = err.reason === 'confirmation-required' ? EXIT.blocked : EXIT.badInput;
            io.err.write(`kb4sync: ${err.message}${err.reason === 'confirmation-required' ? ' (--confirm-archive N)' : ''}\n`);
            return;
          }
          throw err;
        }
      }),
    );
}
