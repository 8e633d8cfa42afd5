/** The pure core: plain data in, plain data out. No network, no clock, no environment. */
export * from './attributes';
export * from './model';
export * from './snapshot';
export { plan, desiredValues, phaseOf, refKey } from './plan';
export { guard, approvePlan, confirmationReleases, type Approval } from './guard';
export { simulate } from './simulate';
export { buildReport, userOf, waitingLine } from './report';
export type { Report, ReportInput, OperationOutcome } from './report';
export { addressKey, cleanAddress, lowerCase, primaryAddress, smtpAddress } from './normalize';
export { countPeople, inStep, type PeopleCounts } from './people';
export { auditAccount, auditRows, STUCK_AFTER_DAYS } from './accountAudit';
export type { AccountAudit, AuditInput, AtRiskRow, DriftRow, ReportingFacts, StuckRow, UnconfirmedWrite } from './accountAudit';
export { COMPANY_FILTERS, DIGEST_ORDER, DIGEST_PAGE_SIZE, DIGEST_TITLES, digestPage, digestRows, digestTotals, filterRows } from './digest';
export type { CompanyFacts, CompanyFilter, DigestPage, DigestResult, DigestRow, DigestTotals } from './digest';
export { holdable, holdChanges, standingRequests } from './holds';
export type { Held, HoldRequest, HoldResult, StandingHold } from './holds';
export { changeRows, type ChangeRowKind, type ChangeRow } from './changeRows';
export { sentState, settleCreate, withoutWaiting, type CreateAnswer, type CreateSettlement, type SentKind, type SentState, type SentWrite } from './sent';
