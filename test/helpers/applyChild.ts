/**
 * A separate process that applies a stored plan, for crash tests: the parent kills it with
 * SIGKILL mid-run. Prints one line per completed operation so the parent can pick its moment.
 * On SIGTERM it shuts down as the service does: stops at a safe point, releases the lease, exits 0
 * after printing "handed over".
 * Input: JSON in argv[2] = { db, planId, config, token, confirmArchive, leaseTtlMs? }.
 */
import { parseConfig, Secret } from '../../src/config';
import { Kb4ScimClient } from '../../src/knowbe4';
import { createLogger } from '../../src/observability/log';
import { RunInterrupted, RunService } from '../../src/runs/service';
import { openDatabase, type StoreLocation } from '../../src/store/db';
import { KyselyRunStore } from '../../src/store/runStore';

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] as string) as { db: StoreLocation; planId: string; config: unknown; token: string; confirmArchive: number | null; leaseTtlMs?: number };
  const config = parseConfig(input.config);
  const company = config.companies[0]!;
  const { db } = await openDatabase(input.db);
  const service = new RunService({
    config,
    store: new KyselyRunStore(db),
    log: createLogger({ level: 'silent' }),
    settings: { leaseTtlMs: input.leaseTtlMs ?? 1500, concurrency: 4 },
    connectors: {
      source: () => {
        throw new Error('the apply child never reads Microsoft 365');
      },
      target: () => Kb4ScimClient.forCompany(company, new Secret(input.token), { sleep: async () => undefined }),
    },
  });
  process.once('SIGTERM', () => {
    void service.shutdown(10_000).then(async ({ settled }) => {
      await db.destroy();
      process.stdout.write(settled ? 'handed over\n' : 'grace over\n');
      process.exit(0);
    });
  });
  try {
    await service.apply(input.planId, { id: 'child', name: 'crash test', tenantId: null, via: 'cli' }, {
      confirmArchive: input.confirmArchive,
      onProgress: (p) => process.stdout.write(`${p.done + p.failed + p.skipped}/${p.total}\n`),
    });
  } catch (err) {
    // Shutting down: the SIGTERM handler ends the process once every apply reached a safe point.
    if (err instanceof RunInterrupted) return;
    throw err;
  }
  process.stdout.write('finished\n');
  await db.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(String((err as Error).stack ?? err));
  process.exit(1);
});
