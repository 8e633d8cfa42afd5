/** Short answers: confirmations, refusals, problems. */
import { render, type CardJson, type Color, type Style } from './render';
import { plain } from './text';

export type MessageTone = 'info' | 'good' | 'warning' | 'attention';

// The tone is the container's tint; the heading stays the default colour, which every host theme
// (light, dark, high contrast) makes readable on its own tints: green on green and yellow on
// orange are not.
const TONE_LOOK: Record<MessageTone, { style: Style; color: Color }> = {
  info: { style: 'emphasis', color: 'Default' },
  good: { style: 'good', color: 'Default' },
  warning: { style: 'warning', color: 'Default' },
  attention: { style: 'attention', color: 'Default' },
};

/** A short answer: confirmations, refusals, problems. */
export function messageCard(input: { title: string; message: string; fix?: string | null; tone?: MessageTone }): CardJson {
  return render('message', {
    ...TONE_LOOK[input.tone ?? 'info'],
    title: plain(input.title, 120),
    message: plain(input.message, 1000),
    hasMessage: input.message !== '',
    fix: input.fix ? plain(input.fix, 1000) : '',
    hasFix: Boolean(input.fix),
  });
}

export interface OnboardingCardInput {
  companyId: string;
  name: string;
  domain: string;
  tenantId: string;
  consentUrl: string;
  scimTokenEnv: string;
  /** "waiting for consent", "ready: preview it", … */
  status: string;
}

/** A client just onboarded: the consent link as a button, and "Check again". */
export function onboardingCard(input: OnboardingCardInput): CardJson {
  const ready = input.status.startsWith('ready');
  const waiting = input.status === 'waiting for consent';
  return render('onboarding', {
    ...TONE_LOOK[ready ? 'good' : 'warning'],
    title: plain(`${input.name}: ${ready ? 'ready' : 'onboarding'}`, 120),
    status: plain(input.status, 300),
    domain: plain(input.domain, 200),
    tenantId: plain(input.tenantId, 60),
    companyId: plain(input.companyId, 60),
    scimTokenEnv: plain(input.scimTokenEnv, 100),
    consentUrl: input.consentUrl,
    waiting,
    next: ready
      ? `Type "preview sync ${plain(input.name, 100)}" for the first plan; nothing is applied without an admin's click.`
      : waiting
        ? 'Send "Grant consent" to a Global Administrator of the client (or click it if you are one): they sign in and click Accept. Then "Check again".'
        : `Set the environment variables named above on the kb4sync host, then "Check again".`,
  });
}
