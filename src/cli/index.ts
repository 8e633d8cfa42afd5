/** The command line: `kb4sync preview|apply|runs|show|sync-user|doctor|serve|start|sandbox`. */
export { buildProgram, main, EXIT, InputError } from './main';
export type { CliIo } from './runCommands';
export { formatPlan } from './planText';
export { runDoctor, formatChecks, tokenRoles, type Check } from './doctor';
