/** The running service: wiring (app), the HTTP server, the bot and scheduler together (serve), start-up. */
export { openApp, type App, type AppOptions, type SourceFactory, type TargetFactory } from './app';
export { startServer, type Download, type RunningServer, type ServerOptions } from './httpServer';
export { serve, type Service, type ServeOptions } from './serve';
export { chooseStart, graphSource, startDemo, startService, type RunningService, type StartChoice } from './start';
export { installProcessHandlers } from './process';
export { readiness, readinessText, firstRunReadiness, type Readiness } from './onboarding';
export { onboardCompany, consentStatus, consentUrlFor, companyIdFor, scimTokenEnvFor, tokenRoles, OnboardingError, REQUIRED_GRAPH_ROLES, type Onboarded, type OnboardRequest, type ConsentStatus } from './onboarding';
export { startTrial, TrialRefused, TRIAL_DEFAULT_STORE, APPLIES_OFF_MESSAGE, type RunningTrial, type TrialOptions } from './trial';
export { ConfigReloader, type ReloadOutcome } from './reload';
