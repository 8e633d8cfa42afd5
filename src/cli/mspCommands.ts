/** The MSP commands of the CLI: the weekly audit on demand. */
import type { Command } from 'commander';
import type { App } from '../service';
import { auditCsv, matchCompany } from '../teams';
import type { Actor } from '../runs';
import { nextSyncOf } from '../schedule';
import { formatAudit } from './auditText';
import { InputError, type CliIo } from './runCommands';

const CLI_ACTOR: Actor = { id: null, name: process.env.USER ?? 'cli', tenantId: null, via: 'cli' };

function companyOf(app: App, given: string) {
  const found = matchCompany(given, app.config.companies);
  if (found.kind === 'match') return app.service.company(found.company.id);
  if (found.kind === 'ambiguous') throw new InputError(`"${given}" matches several companies: ${found.candidates.map((c) => c.id).join(', ')}`);
  const known = (found.suggestions.length ? found.suggestions : app.config.companies).map((c) => `${c.id} (${c.name})`).join(', ');
  throw new InputError(`unknown company "${given}"; ${found.suggestions.length ? 'did you mean' : 'configured'}: ${known}`);
}

export function registerMspCommands(program: Command, open: (configPath?: string) => Promise<App>, io: CliIo): void {
  const withApp = async <T>(opts: { config?: string }, fn: (app: App) => Promise<T>): Promise<T> => {
    const app = await open(opts.config);
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  };

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
        const { audit } = await app.service.audit(c.id, CLI_ACTOR, { nextSync: nextSyncOf(c, state.paused, new Date()) });
        if (opts.json) io.out.write(JSON.stringify(audit, null, 2) + '\n');
        else if (opts.csv) io.out.write(auditCsv(audit));
        else io.out.write(formatAudit(audit));
      }),
    );
}
