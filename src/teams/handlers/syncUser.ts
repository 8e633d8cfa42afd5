/**
 * `sync user` in Teams: one card that says what happened, and, when KnowBe4 accepted a create or
 * rename it does not show yet, says "sent" and is updated in place once the person shows up (or
 * says that they still do not, after the bounded wait).
 */
import type { SyncUserResult } from '../../runs';
import type { Card, Conversation, Reply, TeamsIdentity } from '../transport';
import { actorOf, type BotDeps } from './deps';

function cardOf(deps: BotDeps, r: SyncUserResult): Card {
  const { views } = deps;
  switch (r.kind) {
    case 'applied':
      return r.visibility === 'visible'
        ? views.result({ report: r.result.report, status: r.result.status, error: r.result.error })
        : views.message({
            title: `${r.userName}: sent to KnowBe4`,
            text: `KnowBe4 accepted the change (${r.company.name}) and shows it once its own sync job has applied it. This card changes to "visible in KnowBe4" when it does.`,
            tone: 'good',
          });
    case 'pending':
      return views.message({
        title: `${r.userName}: sent, waiting for KnowBe4`,
        text: `${r.waiting.length} ${r.waiting.length === 1 ? 'change' : 'changes'} for this user (${r.waiting.map((w) => w.kind).join(', ')}) were sent earlier and KnowBe4 does not show them yet; nothing was sent again.`,
        tone: 'good',
      });
    case 'in-sync':
      return views.message({ title: `${r.address} is in step`, text: `KnowBe4 already matches Microsoft 365 for this user (${r.company.name}).`, tone: 'good' });
    case 'not-found':
      return views.message({ title: `No user ${r.address}`, text: `No Microsoft 365 user has this address in ${r.searched.join(', ')}.`, tone: 'warning' });
    case 'ambiguous':
      return views.message({ title: `${r.address} is in several companies`, text: `Found in ${r.companies.map((c) => c.name).join(' and ')}; nothing was changed.`, tone: 'warning' });
    case 'out-of-scope':
      return views.message({ title: `${r.address} is not in scope`, text: `${r.company.name} does not sync this user (${r.reason}).`, tone: 'warning' });
    case 'conflict':
      return views.message({ title: `${r.address} is in conflict`, text: r.message, tone: 'attention' });
  }
}

export async function replySyncUser(deps: BotDeps, reply: Reply, conversation: Conversation, email: string, who: TeamsIdentity): Promise<void> {
  const r = await deps.service.syncUser(email, actorOf(who));
  const messageId = await reply.card(cardOf(deps, r));
  if ((r.kind !== 'applied' || r.visibility !== 'sent') && r.kind !== 'pending') return;
  const { sender, log, views } = deps;
  // In the background: the command is answered; the card follows the person.
  void deps.service
    .waitUntilVisible({ companyId: r.company.id, sourceId: r.sourceId, userName: r.userName }, actorOf(who))
    .then(async (visible) => {
      if (!messageId) return;
      const card = visible
        ? r.kind === 'applied'
          ? views.result({ report: r.result.report, status: r.result.status, error: r.result.error })
          : views.message({ title: `${r.userName} is visible in KnowBe4`, text: `KnowBe4 now shows this user (${r.company.name}).`, tone: 'good' })
        : views.message({
            title: `${r.userName}: sent, not visible in KnowBe4 yet`,
            text: 'KnowBe4 accepted the change but has not shown it yet. kb4sync confirms it on the next run and alerts the subscribed channels if it stays unconfirmed.',
            tone: 'warning',
          });
      await sender.update(conversation.reference, messageId, card);
    })
    .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'sync user: could not follow the person into KnowBe4'));
}
