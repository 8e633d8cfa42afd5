/** better-sqlite3 13, installed under an alias beside 12 (see sqliteDriver in db.ts): the same API. */
declare module 'better-sqlite3-13' {
  import Database from 'better-sqlite3';
  export default Database;
}
