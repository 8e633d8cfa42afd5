/** The MSP commands of the CLI: the weekly audit on demand, and standing holds. */
import type { Command } from 'commander';
import type { App } from '../service';
import { auditCsv } from '../teams';
import { nextSyncOf } from '../schedule';
import { formatAudit } from './auditText';
import { appRunner, CLI_ACTOR, companyId, InputError, type CliIo } from './runCommands';

export function registerMspCommands(program: Command, open: (configPath?: string) => Promise<App>, io: CliIo): void {
  const withApp = appRunner(open);
  // Reading commands may act on a guessed name and say so; hold and unhold take the exact id or name.
  const reads = { note: (text: string) => void io.err.write(text) };
  const companyOf = (app: App, given: string, use: Parameters<typeof companyId>[2] = reads) => app.service.company(companyId(app, given, use));

  program
    .command('holds <company>')
    .description('standing holds: people whose create or archive every plan holds back')
    .option('--config <file>', 'configuration file')
    .option('--json', 'JSON output')
    .action((company: string, opts: { config?: string; json?: boolean }) =>
      withApp(opts, async (app) => {
        const holds = await app.holds.list(companyOf(app, company).id);
        if (opts.json) return void io.out.write(JSON.stringify(holds, null, 2) + '\n');
        if (holds.length === 0) return void io.out.write('No standing holds.\n');
        for (const h of holds) io.out.write(`${h.address}  held by ${h.by} on ${h.at.slice(0, 10)}${h.reason ? `: ${h.reason}` : ''}\n`);
      }),
    );

  program
    .command('hold <company> <address>')
    .description("hold this person's create or archive on every plan until unhold")
    .option('--config <file>', 'configuration file')
    .option('--reason <text>', 'why (shown on every preview)')
    .action((company: string, address: string, opts: { config?: string; reason?: string }) =>
      withApp(opts, async (app) => {
        if (!/^[^\s@]+@[^\s@]+$/.test(address.trim())) throw new InputError(`"${address}" is not an address (the KnowBe4 login, e.g. ann@contoso.com)`);
        const c = companyOf(app, company, { writes: true });
        const at = new Date();
        await app.holds.hold(c.id, { address, by: CLI_ACTOR.name ?? 'cli', at: at.toISOString(), reason: opts.reason ?? null });
        await app.service.audit(CLI_ACTOR, 'hold', { companyId: c.id, planId: null, runId: null, outcome: 'ok', detail: { address: address.toLowerCase(), standing: true, reason: opts.reason ?? null } });
        io.out.write(`Held ${address.toLowerCase()} in ${c.name}: every plan leaves their create or archive out until "kb4sync unhold ${c.id} ${address.toLowerCase()}".\n`);
      }),
    );

  program
    .command('unhold <company> <address>')
    .description('remove a standing hold')
    .option('--config <file>', 'configuration file')
    .action((company: string, address: string, opts: { config?: string }) =>
      withApp(opts, async (app) => {
        const c = companyOf(app, company, { writes: true });
        if (!(await app.holds.unhold(c.id, address))) throw new InputError(`${address} has no standing hold in ${c.name}`);
        await app.service.audit(CLI_ACTOR, 'unhold', { companyId: c.id, planId: null, runId: null, outcome: 'ok', detail: { address: address.toLowerCase() } });
        io.out.write(`Removed the hold on ${address.toLowerCase()} in ${c.name}.\n`);
      }),
    );

  program
    .command('audit <company>')
    .description('read-only audit: drift, users at risk, what is stuck, seats, training reach (writes nothing to either service)')
    .option('--config <file>', 'configuration file')
    .option('--json', 'the whole audit as JSON')
    .option('--csv', 'one CSV row per finding')
    .action((company: string, opts: { config?: string; json?: boolean; csv?: boolean }) =>
      withApp(opts, async (app) => {
        if (opts.json && opts.csv) throw new InputError('--json and --csv: choose one');
        const c = companyOf(app, company);
        const state = await app.store.getCompanyState(c.id);
        const { audit } = await app.service.accountAudit(c.id, CLI_ACTOR, { nextSync: nextSyncOf(c, state.paused, new Date()) });
        if (opts.json) io.out.write(JSON.stringify(audit, null, 2) + '\n');
        else if (opts.csv) io.out.write(auditCsv(audit));
        else io.out.write(formatAudit(audit));
      }),
    );
}
