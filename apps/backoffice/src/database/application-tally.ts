import type { DataSource, QueryRunner } from 'typeorm';

/**
 * application_tally: how many applications per (municipality, form, department, status, day received in Japan).
 * Kept by database triggers on `application`, so every writer (intake, workflow, disposal, a script) keeps it right;
 * the list page sums it for its counts per status instead of counting a million rows (issue 5 §5).
 *
 * TypeORM rebuilds a SQLite table to add a column to it (a later migration doing so drops these triggers with the
 * old table); `ensureApplicationTally` at boot recreates missing triggers and recounts the tally.
 */
export const TALLY_TRIGGERS_SQLITE = [
  'application_tally_insert',
  'application_tally_delete',
  'application_tally_update',
];
const TALLY_FUNCTION_PG = 'application_tally_change';

type Runner = Pick<QueryRunner, 'query'> | Pick<DataSource, 'query'>;

const COLUMNS = 'municipality_code, form_id, department, status, received_day';

/** JST (UTC+9, no daylight saving) date of a received_at stored in UTC. */
function dayOf(isPostgres: boolean, column: string): string {
  return isPostgres
    ? `to_char(${column} + interval '9 hours', 'YYYY-MM-DD')`
    : `date(${column}, '+9 hours')`;
}

function keyOf(isPostgres: boolean, row: 'NEW' | 'OLD'): string {
  return `${row}.municipality_code, ${row}.form_id, COALESCE(${row}.department, ''), ${row}.status, ${dayOf(isPostgres, `${row}.received_at`)}`;
}

function increment(isPostgres: boolean): string {
  return `INSERT INTO application_tally (${COLUMNS}, count) VALUES (${keyOf(isPostgres, 'NEW')}, 1)
    ON CONFLICT (${COLUMNS}) DO UPDATE SET count = application_tally.count + 1;`;
}

function decrement(isPostgres: boolean): string {
  return `UPDATE application_tally SET count = count - 1
    WHERE (${COLUMNS}) = (${keyOf(isPostgres, 'OLD')});`;
}

const WATCHED = 'municipality_code, form_id, department, status, received_at';

export async function createTallyTriggers(runner: Runner, isPostgres: boolean): Promise<void> {
  if (isPostgres) {
    await runner.query(`CREATE OR REPLACE FUNCTION ${TALLY_FUNCTION_PG}() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
    ${decrement(true)}
  END IF;
  IF TG_OP = 'UPDATE' OR TG_OP = 'INSERT' THEN
    ${increment(true)}
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql`);
    await runner.query(`CREATE TRIGGER ${TALLY_FUNCTION_PG} AFTER INSERT OR DELETE OR UPDATE OF ${WATCHED}
ON application FOR EACH ROW EXECUTE FUNCTION ${TALLY_FUNCTION_PG}()`);
    return;
  }
  await runner.query(`CREATE TRIGGER IF NOT EXISTS application_tally_insert AFTER INSERT ON application
BEGIN
  ${increment(false)}
END`);
  await runner.query(`CREATE TRIGGER IF NOT EXISTS application_tally_delete AFTER DELETE ON application
BEGIN
  ${decrement(false)}
END`);
  await runner.query(`CREATE TRIGGER IF NOT EXISTS application_tally_update AFTER UPDATE OF ${WATCHED} ON application
BEGIN
  ${decrement(false)}
  ${increment(false)}
END`);
}

export async function dropTallyTriggers(runner: Runner, isPostgres: boolean): Promise<void> {
  if (isPostgres) {
    await runner.query(`DROP TRIGGER IF EXISTS ${TALLY_FUNCTION_PG} ON application`);
    await runner.query(`DROP FUNCTION IF EXISTS ${TALLY_FUNCTION_PG}()`);
    return;
  }
  for (const name of TALLY_TRIGGERS_SQLITE) {
    await runner.query(`DROP TRIGGER IF EXISTS ${name}`);
  }
}

/** Counts the tally again from the applications (a migration, or triggers found missing). */
export async function recountTally(runner: Runner, isPostgres: boolean): Promise<void> {
  await runner.query('DELETE FROM application_tally');
  await runner.query(`INSERT INTO application_tally (${COLUMNS}, count)
SELECT municipality_code, form_id, COALESCE(department, ''), status, ${dayOf(isPostgres, 'received_at')}, COUNT(*)
FROM application GROUP BY municipality_code, form_id, COALESCE(department, ''), status, ${dayOf(isPostgres, 'received_at')}`);
}

/** At boot: the triggers are there (recreated and the tally recounted in one transaction if not). */
export async function ensureApplicationTally(db: DataSource): Promise<boolean> {
  const isPostgres = db.options.type === 'postgres';
  const rows: Array<{ n: string | number }> = isPostgres
    ? await db.query(
        `SELECT COUNT(*) AS n FROM pg_trigger WHERE tgname = $1 AND NOT tgisinternal`,
        [TALLY_FUNCTION_PG],
      )
    : await db.query(
        `SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'trigger' AND name IN (${TALLY_TRIGGERS_SQLITE.map(() => '?').join(', ')})`,
        TALLY_TRIGGERS_SQLITE,
      );
  const expected = isPostgres ? 1 : TALLY_TRIGGERS_SQLITE.length;
  if (Number(rows[0]?.n) === expected) {
    return false;
  }
  await db.transaction(async (em) => {
    await dropTallyTriggers(em, isPostgres);
    await createTallyTriggers(em, isPostgres);
    await recountTally(em, isPostgres);
  });
  return true;
}
