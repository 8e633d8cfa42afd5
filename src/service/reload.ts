/**
 * Configuration changes without a restart: kb4sync.yaml is read again on SIGHUP and when the file
 * changes. The new file is validated first; a bad edit keeps the running configuration and posts
 * an alert naming the field. Schedules follow the companies added, removed or changed. A company
 * removed while one of its applies is in flight stays until that apply has finished.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError, environmentFor, readConfigFile, type CompanyConfig, type Config } from '../config';
import { CONFIGURATION_REF, type Notifier } from '../notify';
import type { Scheduler } from '../schedule';
import type { App } from './app';

export type ReloadOutcome =
  | { kind: 'unchanged' }
  | { kind: 'applied'; added: string[]; removed: string[]; changed: string[]; waitingForRuns: string[] }
  | { kind: 'rejected'; problems: string[] };

export interface ReloaderOptions {
  app: App;
  scheduler: Scheduler;
  notifier: Notifier;
  /** How often a company removed mid-apply is checked again (default 2 s). */
  recheckMs?: number;
  /** Quiet time after the last file event before reading (editors write in several steps). */
  debounceMs?: number;
}

export class ConfigReloader {
  private chain: Promise<unknown> = Promise.resolve();
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private recheck: NodeJS.Timeout | null = null;
  private lastText = '';
  readonly outcomes: ReloadOutcome[] = [];

  constructor(private readonly options: ReloaderOptions) {
    this.lastText = JSON.stringify(options.app.config);
  }

  /** Reads and applies the file now; reloads never overlap. */
  reload(reason = 'reload'): Promise<ReloadOutcome> {
    const next = this.chain.then(() => this.reloadNow(reason));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Reloads when the file changes. Watches the folder: editors often replace the file (rename). */
  watch(): void {
    const file = resolve(this.options.app.configPath);
    const name = basename(file);
    this.watcher = watch(dirname(file), (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return;
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload('file changed'), this.options.debounceMs ?? 300);
      this.debounce.unref();
    });
    this.watcher.unref();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    for (const timer of [this.debounce, this.recheck]) if (timer) clearTimeout(timer);
  }

  private async reloadNow(reason: string): Promise<ReloadOutcome> {
    const { app, scheduler, notifier } = this.options;
    const log = app.log;
    let next: Config;
    try {
      next = readConfigFile(app.configPath);
      environmentFor(next, app.configPath, app.env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      log.warn({ file: app.configPath, problems: err.problems, reason }, 'configuration not reloaded: the running one is kept');
      const outcome: ReloadOutcome = { kind: 'rejected', problems: err.problems };
      this.outcomes.push(outcome);
      await notifier.notify({ kind: 'config-rejected', company: CONFIGURATION_REF, file: app.configPath, problems: err.problems });
      return outcome;
    }
    // Applies in flight: their companies stay, even when the new file no longer has them.
    const applying = new Set((await app.store.plansInStatus('applying')).map((p) => p.companyId));
    const kept: CompanyConfig[] = app.config.companies.filter((c) => applying.has(c.id) && !next.companies.some((n) => n.id === c.id));
    const merged: Config = { ...next, companies: [...next.companies, ...kept] };
    if (kept.length > 0 && !this.recheck) {
      this.recheck = setTimeout(() => {
        this.recheck = null;
        void this.reload('a removed company finished its apply');
      }, this.options.recheckMs ?? 2000);
      this.recheck.unref();
    }
    const text = JSON.stringify(merged);
    if (text === this.lastText) return { kind: 'unchanged' };
    const before = new Map(app.config.companies.map((c) => [c.id, JSON.stringify(c)]));
    const after = new Map(merged.companies.map((c) => [c.id, JSON.stringify(c)]));
    const outcome: ReloadOutcome = {
      kind: 'applied',
      added: [...after.keys()].filter((id) => !before.has(id)),
      removed: [...before.keys()].filter((id) => !after.has(id)),
      changed: [...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id)),
      waitingForRuns: kept.map((c) => c.id),
    };
    app.update(merged);
    this.lastText = text;
    const jobs = scheduler.sync();
    log.info({ ...outcome, jobs, reason }, 'configuration reloaded');
    this.outcomes.push(outcome);
    return outcome;
  }
}
