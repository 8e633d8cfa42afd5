/** Apply from the preview card: answer "applying" at once, then update the same message until the result. */
import { describeProblem } from '../../notify';
import type { Progress } from '../../runs';
import type { Card, CardInvoke, TeamsIdentity } from '../transport';
import { nextSlot } from '../../schedule';
import { actorOf, now, type BotDeps } from './deps';
import type { CardAction } from './cardActions';

/** The company's next scheduled run, for the result card's next step (null: paused or none). */
async function nextRun(deps: BotDeps, companyId: string): Promise<Date | null> {
  try {
    const company = deps.service.company(companyId);
    const state = await deps.store.getCompanyState(companyId);
    return company.paused || state.paused ? null : nextSlot(company, now(deps));
  } catch {
    // A company removed from kb4sync.yaml meanwhile, or the store gone: the card says "preview again".
    return null;
  }
}

export async function startApply(deps: BotDeps, invoke: CardInvoke, who: TeamsIdentity, data: Extract<CardAction, { verb: 'apply' }>['data']): Promise<Card> {
  const { views, service, sender, log } = deps;
  const message = invoke.message;
  let latest: Progress | null = null;
  let lastUpdate = 0;
  let updating: Promise<void> = Promise.resolve();
  const update = (card: Card) => {
    if (!message) return Promise.resolve();
    // Updates are chained so an older card never overwrites a newer one.
    updating = updating.then(() => sender.update(message.reference, message.id, card).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'card update failed')));
    return updating;
  };

  const started = await service.startApply(data.planId, actorOf(who), {
    digest: data.digest,
    confirmArchive: data.confirmArchive ?? null,
    onProgress: (p) => {
      latest = p;
      const now = Date.now();
      if (now - lastUpdate < (deps.progressIntervalMs ?? 2000)) return;
      lastUpdate = now;
      void update(views.applying({ plan: started.plan, progress: p }));
    },
  });
  started.result
    .then(async (r) => update(views.result({ report: r.report, status: r.status, error: r.error, nextRunAt: await nextRun(deps, r.report.company_id) })))
    .catch((err: unknown) => {
      const problem = describeProblem(err);
      return update(views.message({ title: 'The run stopped', text: problem.message, fix: problem.fix, tone: 'attention' }));
    });
  return views.applying({ plan: started.plan, progress: latest });
}
