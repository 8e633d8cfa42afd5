/**
 * `kb4sync serve`, `kb4sync sandbox` and `kb4sync start` (what `npm start` runs): the service for
 * real, the sandbox servers alone, or the whole demo with the Teams emulator.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { configPath } from '../config';
import { startSandbox } from '../sandbox';
import { createLogger } from '../observability';
import { chooseStart, installProcessHandlers, startDemo, startService, startTrial, TRIAL_DEFAULT_STORE, type RunningTrial } from '../service';
import { formatChecks, runDoctor } from './doctor';
import { InputError, type CliIo } from './runCommands';

function untilSignal(stop: () => Promise<void>, io: CliIo): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      io.err.write('\nStopping…\n');
      stop().then(resolve, (err: unknown) => {
        io.err.write(`kb4sync: ${(err as Error).message}\n`);
        resolve();
      });
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export function registerServeCommands(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the bot, the scheduler and notifications from kb4sync.yaml (production)')
    .option('--config <file>', 'configuration file (default: $KB4SYNC_CONFIG or ./kb4sync.yaml)')
    .option('--host <host>', 'address to listen on', process.env.HOST ?? '0.0.0.0')
    .option('--port <port>', 'port', process.env.PORT ?? '3978')
    .action(async (opts: { config?: string; host: string; port: string }) => {
      const log = createLogger();
      installProcessHandlers(log);
      const { app, service } = await startService({ configPath: opts.config ?? configPath(), env: process.env, host: opts.host, port: Number(opts.port), sandbox: false, log });
      io.out.write(`kb4sync is listening on ${service.url} (POST /api/messages, GET /healthz, GET /metrics)\n`);
      await untilSignal(async () => {
        await service.stop();
        await app.close();
      }, io);
    });

  program
    .command('doctor')
    .description('check configuration, secrets, Graph sign-in and permissions, SCIM tokens, store and bot credentials')
    .option('--config <file>', 'configuration file (default: $KB4SYNC_CONFIG or ./kb4sync.yaml)')
    .option('--company <id>', 'check one company only')
    .action(async (opts: { config?: string; company?: string }) => {
      const checks = await runDoctor({ configPath: opts.config ?? configPath(), env: process.env, ...(opts.company ? { companyId: opts.company } : {}) });
      io.out.write(formatChecks(checks));
      process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
    });

  program
    .command('sandbox')
    .description('start the loopback Microsoft Graph and KnowBe4 servers with the demo companies')
    .option('--reset', 'forget the sandbox state and start over')
    .action(async (opts: { reset?: boolean }) => {
      const sandbox = await startSandbox({ reset: opts.reset ?? false });
      io.out.write(
        [
          'kb4sync sandbox is running (Ctrl-C to stop):',
          `  Microsoft Graph  ${sandbox.graph.url}   sign-in ${sandbox.graph.authorityHost}`,
          ...sandbox.companies.map((c) => `  KnowBe4 SCIM     ${sandbox.scimUrl(c.spec.id)}   (${c.spec.name})`),
          `  Configuration    ${sandbox.configPath}`,
          '',
          'Try, in another terminal:',
          `  npx kb4sync preview acme --config ${sandbox.configPath}`,
          '',
        ].join('\n'),
      );
      await untilSignal(() => sandbox.stop(), io);
    });

  program
    .command('start')
    .description('npm start: the service when kb4sync.yaml exists, otherwise the sandbox demo in the Teams emulator')
    .option('--reset', 'sandbox demo: start over')
    .option('--config <file>', 'configuration file (default: $KB4SYNC_CONFIG or ./kb4sync.yaml)')
    .option('--playground', 'local trial: your own configuration in the Agents Playground, on loopback, previews only')
    .option('--allow-apply', 'local trial: let Apply and sync user write to KnowBe4')
    .option('--store <file>', `local trial: the SQLite file to keep previews and runs in (default ${TRIAL_DEFAULT_STORE})`)
    .action(async (opts: { reset?: boolean; config?: string; playground?: boolean; allowApply?: boolean; store?: string }) => {
      const path = opts.config ?? configPath();
      if (opts.playground) {
        if (!existsSync(path)) throw new InputError(`local trial: ${path} not found (pass --config with your kb4sync.yaml)`);
        const trial = await startTrial({
          configPath: path,
          env: process.env,
          allowApply: opts.allowApply ?? false,
          host: process.env.HOST ?? '127.0.0.1',
          port: Number(process.env.PORT ?? 3978),
          ...(opts.store ? { store: opts.store } : {}),
        });
        io.out.write(trialBanner(path, trial, opts.allowApply ?? false, opts.store ?? TRIAL_DEFAULT_STORE));
        return untilSignal(() => trial.stop(), io);
      }
      if (opts.allowApply || opts.store) throw new InputError('--allow-apply and --store belong to the local trial: add --playground');
      const log = createLogger();
      installProcessHandlers(log);
      const choice = chooseStart({ ...process.env, ...(opts.config ? { KB4SYNC_CONFIG: opts.config } : {}) }, existsSync);
      if (choice.kind === 'refuse') {
        io.err.write(`kb4sync: ${choice.reason}\n`);
        process.exitCode = 1;
        return;
      }
      if (choice.kind === 'service') {
        const { app, service } = await startService({ configPath: path, env: process.env, host: process.env.HOST ?? '0.0.0.0', port: Number(process.env.PORT ?? 3978), sandbox: false, log });
        io.out.write(`kb4sync is listening on ${service.url} (configuration ${path})\n`);
        return untilSignal(async () => {
          await service.stop();
          await app.close();
        }, io);
      }
      const demo = await startDemo({ env: process.env, reset: opts.reset, logToFile: true });
      const line = '─'.repeat(72);
      io.out.write(
        [
          line,
          ' kb4sync sandbox demo: no kb4sync.yaml, so everything runs on this machine.',
          line,
          demo.playground ? ` Open ${demo.playground.url} in a browser (the Teams emulator), and type:` : ` The bot listens on ${demo.service.url}/api/messages (no Agents Playground installed).`,
          '',
          '   preview sync Acme',
          '   companies',
          `   sync user ${demo.sandbox?.companies[0]?.graph.users.find((u) => u.mail)?.mail ?? 'someone@acmecorp.com'}`,
          '',
          ` Sandbox state: ${demo.sandbox?.dir} (npm start -- --reset starts over); logs: ${demo.logFile ?? 'stderr'}.`,
          ` The CLI works on the same store: npx kb4sync runs acme --config ${demo.sandbox?.configPath ?? 'kb4sync.sandbox.yaml'}`,
          ' Ctrl-C stops everything.',
          line,
          '',
        ].join('\n'),
      );
      return untilSignal(() => demo.stop(), io);
    });
}

function trialBanner(path: string, trial: RunningTrial, allowApply: boolean, store: string): string {
  const line = '█'.repeat(76);
  return [
    line,
    ' LOCAL TRIAL: your own tenants, in the Agents Playground on this machine only.',
    ` Configuration ${path}; previews and runs kept in ${store}.`,
    ` The bot answers WITHOUT authentication on ${trial.service.url} (loopback only).`,
    allowApply
      ? ' APPLY IS ON: Apply and sync user WRITE TO KNOWBE4.'
      : ' Applies are OFF: previews only. Restart with --allow-apply to write to KnowBe4.',
    trial.playground ? ` Open ${trial.playground.url} (signed in as ${trial.admin.name}) and type: preview sync <company>` : ' The Agents Playground is not installed (npm install adds it).',
    line,
    '',
  ].join('\n');
}
