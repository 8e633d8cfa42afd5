/** The answer to `sync user <email>`: what was done to one person. */
import type { Operation } from '../../sync';
import { operationRow } from './preview';
import { capRows, renderWithin, type CardJson, type Color, type Style } from './render';
import { plain } from './text';

export type SyncUserStatus = 'created' | 'updated' | 'unchanged' | 'failed' | 'conflict' | 'notInScope';

export interface SyncUserInput {
  email: string;
  company: string;
  status: SyncUserStatus;
  message: string;
  operations: readonly Operation[];
}

const SYNC_USER_LOOK: Record<SyncUserStatus, { heading: string; style: Style; color: Color }> = {
  created: { heading: 'User created in KnowBe4', style: 'good', color: 'Good' },
  updated: { heading: 'User updated in KnowBe4', style: 'good', color: 'Good' },
  unchanged: { heading: 'Already in step', style: 'default', color: 'Default' },
  failed: { heading: 'User sync failed', style: 'attention', color: 'Attention' },
  conflict: { heading: 'Conflict: nothing written', style: 'warning', color: 'Warning' },
  notInScope: { heading: 'User is not in scope', style: 'warning', color: 'Warning' },
};

export function syncUserCard(input: SyncUserInput): CardJson {
  return renderWithin('syncUser', (max, textMax) => {
    const changes = capRows(input.operations, max, (op) => operationRow(op, textMax), 'changes');
    return {
      ...SYNC_USER_LOOK[input.status],
      email: plain(input.email, 120),
      company: plain(input.company, 80),
      message: plain(input.message, 500),
      hasChanges: input.operations.length > 0,
      changes: changes.rows,
      more: changes.more,
      hasMore: changes.hasMore,
    };
  });
}
