/**
 * Writes that land later. KnowBe4 may apply SCIM writes in a background job: a write is accepted
 * (201/200) and the record holds it at once (a second POST of the same userName is a 409), but
 * list and filter reads go on showing what was there before until the job runs. The sandbox
 * keeps, per record, what reads show until then: nothing for a create, the previous record for a
 * rename or an archive.
 */
import { clone, type ScimJson } from './schemas';

const lower = (s: unknown) => (typeof s === 'string' ? s.trim().toLowerCase() : '');

interface View {
  /** Epoch ms from which reads show the stored record. */
  until: number;
  /** What reads show until then; null: nothing (a create not yet applied). */
  shown: ScimJson | null;
}

export class Visibility {
  /** 0: every write is visible at once (the default). */
  delayMs = 0;
  private readonly views = new Map<string, View>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Called for each accepted user write. Only what changes what a list or a filter shows is
   * delayed: a create, a new userName, an archive or a restore. A record already waiting keeps
   * showing what it showed before its first write.
   */
  written(id: string, before: ScimJson | undefined, after: ScimJson): void {
    if (this.delayMs <= 0) return;
    const changesView = !before || lower(before.userName) !== lower(after.userName) || (before.active !== false) !== (after.active !== false);
    const current = this.pending(id);
    if (!changesView && !current) return;
    this.views.set(id, { until: this.now() + this.delayMs, shown: current ? current.shown : before ? clone(before) : null });
  }

  private pending(id: string): View | undefined {
    const view = this.views.get(id);
    if (view && view.until <= this.now()) {
      this.views.delete(id);
      return undefined;
    }
    return view;
  }

  /** The record as reads show it now; undefined while a create is not yet visible. */
  shown(stored: ScimJson): ScimJson | undefined {
    const view = this.pending(String(stored.id));
    if (!view) return stored;
    return view.shown ?? undefined;
  }

  /** A user whose create KnowBe4 has not applied yet: not a member any read shows either. */
  hidden(id: string): boolean {
    const view = this.pending(id);
    return view !== undefined && view.shown === null;
  }

  /** Records whose reads still show an earlier state: their ids. */
  waitingIds(): string[] {
    return [...this.views.keys()].filter((id) => this.pending(id) !== undefined);
  }

  /** A record shown under `userName` only because a rename of it is not yet visible. */
  shownUnder(userName: string): ScimJson[] {
    const wanted = lower(userName);
    return this.waitingIds()
      .map((id) => this.views.get(id)?.shown)
      .filter((s): s is ScimJson => s !== null && s !== undefined && lower(s.userName) === wanted);
  }

  /** KnowBe4's background job ran: every accepted write shows from now on. */
  flush(): void {
    this.views.clear();
  }
}
