/**
 * Card builders: plain data in, Adaptive Card JSON out. Each builder makes a view model (strings
 * already escaped and cut, lists already capped) and expands its template (render.ts).
 */
export * from './render';
export * from './preview';
export * from './run';
export * from './messages';
export * from './lists';
export * from './status';
export * from './ask';
export * from './alerts';
export * from './credentials';
export * from './audit';
export * from './digest';
export * from './review';
