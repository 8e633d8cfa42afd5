/** Proactive messages: Teams, e-mail (Graph sendMail) and signed webhooks, for summaries and alerts. */
export * from './events';
export { describeProblem } from './describe';
export { EmailNotifier, emailFor } from './email';
export { TeamsNotifier, type TeamsNotifierDeps } from './teams';
export { WebhookNotifier, signWebhook, type WebhookOptions } from './webhook';
export { notificationHttp } from './http';
