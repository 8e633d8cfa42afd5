/** Microsoft Teams: the bot's handler, commands, cards, authorization and the signed download links. */
export { Kb4syncBot, type BotDeps, type BotViews, type CompanyLookup, type CompanyRow, type Card, type ParsedCommand } from './teamsBot';
export { BotAuthentication, botAuthOptions } from './authentication';
export { parseCommand, cleanText, COMMAND_HELP, type Command, type CommandKind } from './commands';
export { matchCompany, normalizeName, editDistance, type CompanyMatch } from './companyMatch';
export { diffCsv, diffJson, diffRows, csvField, csvLine, neutraliseFormula } from './diffExport';
export { signLink, checkLink, type LinkCheck } from './signedLink';
export { views } from './views';
export { tenantAllowed, mayChange, type TeamsIdentity, type Authorization } from './authorize';
export * from './cards';
