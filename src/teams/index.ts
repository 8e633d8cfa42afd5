/** Microsoft Teams: the transport (the only botbuilder user), the bot's handler, commands, cards, authorization and the signed download links. */
export { Kb4syncBot } from './handlers/bot';
export type { BotDeps, BotViews, CompanyLookup, CompanyRow, ParsedCommand, OnboardingPort, OnboardingView } from './handlers/deps';
export type { Card } from './transport';
export {
  createTeamsTransport,
  type ConversationReference,
  type MessageEndpoint,
  type ProactiveSender,
  type SendOutcome,
  type TeamsIdentity,
  type TeamsTransport,
  type WebRequest,
  type WebResponse,
} from './transport';
export { parseCommand, cleanText, COMMAND_HELP, type Command, type CommandKind } from './commands';
export { matchCompany, normalizeName, editDistance, type CompanyMatch } from './companyMatch';
export { diffCsv, diffJson, diffRows, csvField, csvLine, neutraliseFormula } from './diffExport';
export { auditCsv } from './auditExport';
export { signLink, checkLink, type LinkCheck } from './signedLink';
export { views } from './views';
export { tenantAllowed, mayChange, type Authorization } from './authorize';
export * from './cards';
