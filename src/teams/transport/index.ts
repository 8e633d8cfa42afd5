/**
 * Teams as a transport: the only folder that imports the Bot Framework SDK (botbuilder). Moving to
 * the Microsoft 365 Agents SDK replaces the files behind this face and keeps the face itself.
 */
export * from './types';
export { createTeamsTransport, proactiveSender, type TeamsTransport } from './adapter';
export { ActivityTranslator } from './activityHandler';
export { BotAuthentication, botAuthOptions } from './authentication';
