/** The pure core: plain data in, plain data out. No network, no clock, no environment. */
export * from './attributes';
export * from './model';
export * from './snapshot';
export { plan, desiredValues, phaseOf, refKey } from './plan';
export { guard, approvePlan, confirmationReleases, type Approval } from './guard';
export { simulate } from './simulate';
export { buildReport, peopleOfReport, userOf, waitingLine } from './report';
export type { Report, ReportInput, OperationOutcome } from './report';
export { addressKey, cleanAddress, lowerCase, primaryAddress, smtpAddress } from './normalize';
export { countPeople, inStep, peopleSummary, linkedText, conflictsText, applyLabel, type PeopleCounts } from './people';
export { planChanges, personParts, personLine, groupLine, changeText, PEOPLE_SECTIONS, SECTION_TITLES } from './changes';
export type { PeopleSection, PersonChange, GroupChange, GroupMemberChange, FieldChange, PlanChanges, TextOptions } from './changes';
export { sourceName, targetName } from './names';
export { changeRows, type ChangeRowKind, type ChangeRow } from './changeRows';
export { sentState, settleCreate, withoutWaiting, type CreateAnswer, type CreateSettlement, type SentKind, type SentState, type SentWrite } from './sent';
