/**
 * The long-running service: the bot's HTTP server, the nightly scheduler, resume of interrupted
 * applies, and proactive notifications. `stop()` hands applies in flight over at a safe point;
 * the command line calls it on SIGINT/SIGTERM (cli/serveCommands.ts), SIGHUP reloads.
 */
import { randomBytes } from 'node:crypto';
import { createTeamsTransport } from '../teams';
import { resolveEmailCredential, resolveWebhookSecrets } from '../config';
import { EmailNotifier } from '../notify';
import type { App } from './app';
import { Kb4syncBot, type BotViews, type CompanyLookup, type ParsedCommand } from '../teams';
import { signLink } from '../teams';
import { createMetrics, type Metrics } from '../observability';
import { describeProblem } from '../notify';
import { FanOutNotifier, type Notifier, type NotifyEvent } from '../notify';
import { TeamsNotifier } from '../notify';
import { WebhookNotifier } from '../notify';
import { Housekeeping, Scheduler } from '../schedule';
import { ConfigReloader } from './reload';
import { firstRunReadiness, onboardingPort } from './onboarding';
import { startServer, type Download, type RunningServer } from './httpServer';
import { productionProblems } from './production';

/** How long an audit's download links work: until the next weekly audit. */
const AUDIT_LINK_MS = 7 * 24 * 60 * 60 * 1000;

export interface ServeOptions {
  app: App;
  env: NodeJS.ProcessEnv;
  host: string;
  port: number;
  /** Base URL people reach this service at (for download links); defaults to the listen URL. */
  publicUrl?: string;
  views: BotViews & { notification(event: NotifyEvent): Record<string, unknown> };
  parse: (text: string) => ParsedCommand;
  findCompany: (query: string, companies: { id: string; name: string }[]) => CompanyLookup;
  download: (app: App, planId: string, format: 'csv' | 'json') => Promise<Download | null>;
  /** Sandbox mode accepts unauthenticated Bot Framework traffic (no app id). */
  sandbox: boolean;
  metrics?: Metrics;
  schedule?: boolean;
  /** Reload kb4sync.yaml when it changes (default true; SIGHUP reloads either way). */
  watchConfig?: boolean;
}

export interface Service {
  url: string;
  server: RunningServer;
  scheduler: Scheduler;
  housekeeping: Housekeeping;
  notifier: Notifier;
  /** Reads kb4sync.yaml again (what SIGHUP and a change of the file do). */
  reloader: ConfigReloader;
  stop(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Service> {
  const { app, env, views } = options;
  const log = app.log;
  if (!options.sandbox) {
    const problems = productionProblems(app.config, env);
    if (problems.length > 0) throw new Error(`kb4sync will not start outside the sandbox until:\n- ${problems.join('\n- ')}`);
  }
  const transport = createTeamsTransport({ env, sandbox: options.sandbox, log });

  const metrics = options.metrics ?? createMetrics();
  const linkKey = env.KB4SYNC_LINK_SECRET ? Buffer.from(env.KB4SYNC_LINK_SECRET) : randomBytes(32);
  let publicUrl = options.publicUrl ?? env.KB4SYNC_PUBLIC_URL ?? '';

  const teams = new TeamsNotifier({
    sender: transport.sender,
    conversations: app.conversations,
    // Approval requests are the preview card itself, with Apply and the signed download links.
    render: (e) =>
      e.kind === 'approval-needed'
        ? views.preview({ plan: e.plan, planId: e.planId, digest: e.digest, expiresAt: e.expiresAt, links: links(e.planId, e.expiresAt) })
        : e.kind === 'audit'
          ? views.audit({ audit: e.audit, links: auditLinks(e.auditId) })
          : views.notification(e),
    log,
    // `notify.subscriptions` names the conversations (by name or id) a company's messages go to.
    wants: (companyId, sub) => {
      const wanted = app.config.companies.find((c) => c.id === companyId)?.notify.subscriptions ?? [];
      return wanted.length === 0 || wanted.some((w) => w === sub.id || w.toLowerCase() === sub.name?.toLowerCase());
    },
  });
  const webhooks = app.config.notifications.webhooks.map((w, i) => new WebhookNotifier({ url: w.url, secret: resolveWebhookSecrets(app.config, env)[i]! }));
  const emailCredential = resolveEmailCredential(app.config, env);
  const email = app.config.notifications.email && emailCredential ? [new EmailNotifier(app.config.notifications.email, emailCredential)] : [];
  // With the digest on, Teams gets one message a day about every company instead of one per company.
  const teamsOut: Notifier = { notify: (e) => (e.kind === 'summary' && app.config.digest?.replacesSummaries ? Promise.resolve() : teams.notify(e)) };
  const notifier = new FanOutNotifier([teamsOut, ...webhooks, ...email], (err, event) => log.error({ err: (err as Error).message, event: event.kind }, 'notification failed'));
  const scheduler = new Scheduler({ config: app.config, service: app.service, store: app.store, audits: app.audits, overview: app.overview, notifier, describe: describeProblem, log, failureLimit: app.config.pauseAfterFailures });

  const links = (planId: string, expiresAt: Date) =>
    publicUrl
      ? {
          csv: signLink(publicUrl, `/downloads/${planId}.csv`, expiresAt, linkKey),
          json: signLink(publicUrl, `/downloads/${planId}.json`, expiresAt, linkKey),
        }
      : null;
  // An audit's rows stay downloadable for a week: until the next one replaces it.
  const auditLinks = (auditId: string) => {
    const expiresAt = new Date(Date.now() + AUDIT_LINK_MS);
    return publicUrl
      ? { csv: signLink(publicUrl, `/downloads/audit-${auditId}.csv`, expiresAt, linkKey), json: signLink(publicUrl, `/downloads/audit-${auditId}.json`, expiresAt, linkKey) }
      : null;
  };

  const bot = new Kb4syncBot({
    config: app.config,
    service: app.service,
    store: app.store,
    conversations: app.conversations,
    sender: transport.sender,
    views,
    parse: options.parse,
    findCompany: options.findCompany,
    scheduler,
    log,
    links,
    auditLinks,
    overview: app.overview,
    holds: app.holds,
    onboarding: onboardingPort(app, () => reloader.reload('onboard')),
    readiness: async (companyId) => {
      const company = app.config.companies.find((c) => c.id === companyId);
      return company ? firstRunReadiness(app, company) : null;
    },
  });

  const server = await startServer({
    host: options.host,
    port: options.port,
    messages: transport.endpoint(bot),
    metrics,
    log,
    linkKey,
    health: async () => {
      await app.store.getCompanyState('__healthz__');
    },
    download: (planId, format) => options.download(app, planId, format),
  });
  publicUrl ||= server.url;

  // Interrupted applies first (at start-up and every sweep after), then nightly jobs and missed nights.
  const housekeeping = new Housekeeping({
    service: app.service,
    store: app.store,
    notifier,
    describe: describeProblem,
    log,
    sweepMs: app.config.service.sweepSeconds * 1000,
    retention: app.config.service.retention,
  });
  housekeeping.start();
  const reloader = new ConfigReloader({ app, scheduler, notifier });
  if (options.watchConfig ?? true) reloader.watch();
  // `kill -HUP <pid>` (or `systemctl reload`) reloads the way a change of the file does.
  const onHangup = () => void reloader.reload('SIGHUP').catch((err: unknown) => log.error({ err: (err as Error).message }, 'reload failed'));
  process.on('SIGHUP', onHangup);
  if (options.schedule ?? true) {
    scheduler.start();
    scheduler.catchUp().catch((err: unknown) => log.error({ err: (err as Error).message }, 'catch-up failed'));
  }

  return {
    url: server.url,
    server,
    scheduler,
    notifier,
    housekeeping,
    reloader,
    /** Stops taking work, lets applies in flight reach a safe point (bounded) and hand over, then closes. */
    async stop() {
      process.off('SIGHUP', onHangup);
      reloader.stop();
      scheduler.stop();
      housekeeping.stop();
      const closing = server.close();
      const { inFlight, settled } = await app.service.shutdown();
      if (!settled) log.warn({ inFlight }, 'shutdown grace over with applies still writing: their leases lapse and another process finishes them');
      await closing;
    },
  };
}
