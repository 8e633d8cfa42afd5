/** Apply from the preview card: answer "applying" at once, then update the same message until the result. */
import { describeProblem } from '../../notify';
import type { Progress } from '../../runs';
import type { Card, CardInvoke, TeamsIdentity } from '../transport';
import { actorOf, type BotDeps } from './deps';
import type { InvokeData } from './invokes';

export async function startApply(deps: BotDeps, invoke: CardInvoke, who: TeamsIdentity, data: InvokeData): Promise<Card> {
  const { views, service, sender, log } = deps;
  if (!data.planId || !data.digest) return views.message({ title: 'That button is not valid', text: 'Run the preview again.', tone: 'attention' });
  const confirm = data.confirmArchive === undefined || data.confirmArchive === '' ? null : Number(data.confirmArchive);
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
    confirmArchive: Number.isFinite(confirm) ? confirm : null,
    onProgress: (p) => {
      latest = p;
      const now = Date.now();
      if (now - lastUpdate < (deps.progressIntervalMs ?? 2000)) return;
      lastUpdate = now;
      void update(views.applying({ plan: started.plan, progress: p }));
    },
  });
  started.result
    .then((r) => update(views.result({ report: r.report, status: r.status, error: r.error })))
    .catch((err: unknown) => {
      const problem = describeProblem(err);
      return update(views.message({ title: 'The run stopped', text: problem.message, fix: problem.fix, tone: 'attention' }));
    });
  return views.applying({ plan: started.plan, progress: latest });
}
