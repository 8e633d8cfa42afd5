/** Short answers: confirmations, refusals, problems. */
import { errorCard, render, type CardJson, type Color, type Style } from './render';
import { plain } from './text';

export type MessageTone = 'info' | 'good' | 'warning' | 'attention';

const TONE_LOOK: Record<MessageTone, { style: Style; color: Color }> = {
  info: { style: 'emphasis', color: 'Default' },
  good: { style: 'good', color: 'Good' },
  warning: { style: 'warning', color: 'Warning' },
  attention: { style: 'attention', color: 'Attention' },
};

/** A short answer: confirmations, refusals, problems. */
export function messageCard(input: { title: string; message: string; fix?: string | null; tone?: MessageTone }): CardJson {
  return render('message', {
    ...TONE_LOOK[input.tone ?? 'info'],
    title: plain(input.title, 120),
    message: plain(input.message, 1000),
    fix: input.fix ? plain(input.fix, 1000) : '',
    hasFix: Boolean(input.fix),
  });
}

/** The card for someone who may not apply, or an action that is no longer valid. */
export function refusedCard(message: string, fix?: string): CardJson {
  return errorCard({ title: 'Not allowed', message, ...(fix ? { fix } : {}) });
}
