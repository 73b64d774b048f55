import { createHash } from "node:crypto";
import type { Sql } from "./sql";

/**
 * The ledger's tables, created on first use. A run is one attempt at a script
 * (resumed runs keep their row); a chunk is one key range (table kind) or one
 * slice of the source (source kind), applied at most once; a failure is a row
 * or input whose mutate threw under --continue-on-error; a participant is one
 * process (one host's parent and its workers) working on a run; an undo row is
 * the before-images one chunk kept, for `data-script revert`.
 */
export const LEDGER_DDL = `
CREATE TABLE IF NOT EXISTS data_script_runs (
  id            serial PRIMARY KEY,
  script        text NOT NULL,
  checksum      text NOT NULL,
  status        text NOT NULL,
  dry_run       boolean NOT NULL DEFAULT false,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  rows_scanned  bigint NOT NULL DEFAULT 0,
  rows_changed  bigint NOT NULL DEFAULT 0,
  rows_inserted bigint NOT NULL DEFAULT 0,
  rows_skipped  bigint NOT NULL DEFAULT 0,
  rows_conflicted bigint NOT NULL DEFAULT 0,
  chunks_total  integer NOT NULL DEFAULT 0,
  workers       integer NOT NULL DEFAULT 1,
  error         text,
  host          text,
  pid           integer
);
CREATE INDEX IF NOT EXISTS data_script_runs_script ON data_script_runs (script, id);
-- Added later: a ledger created by an earlier version gains them on first use.
-- The run's validated parameters (params_typed: declared by a schema, so a resume must match them),
-- and its --input file as named and its SHA-256 (a resume must be given the same bytes).
-- params is json, not jsonb: status shows the parameters in the schema's order.
ALTER TABLE data_script_runs
  ADD COLUMN IF NOT EXISTS params json,
  ADD COLUMN IF NOT EXISTS params_typed boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS input_name text,
  ADD COLUMN IF NOT EXISTS input_checksum text;
CREATE TABLE IF NOT EXISTS data_script_chunks (
  run_id     integer NOT NULL REFERENCES data_script_runs (id) ON DELETE CASCADE,
  chunk_no   integer NOT NULL,
  lo         text,
  hi         text,
  status     text NOT NULL DEFAULT 'pending',
  rows       integer NOT NULL DEFAULT 0,
  changed    integer NOT NULL DEFAULT 0,
  inserted   integer NOT NULL DEFAULT 0,
  conflicted integer NOT NULL DEFAULT 0,
  attempts   integer NOT NULL DEFAULT 0,
  pid        integer,
  error      text,
  written_keys jsonb,
  saved_at   timestamptz,
  done_at    timestamptz,
  PRIMARY KEY (run_id, chunk_no)
);
CREATE TABLE IF NOT EXISTS data_script_failures (
  id        serial PRIMARY KEY,
  run_id    integer NOT NULL REFERENCES data_script_runs (id) ON DELETE CASCADE,
  chunk_no  integer NOT NULL,
  row_key   jsonb,
  input     jsonb,
  error     text NOT NULL,
  resolved  boolean NOT NULL DEFAULT false,
  at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS data_script_failures_run ON data_script_failures (run_id) WHERE NOT resolved;
CREATE TABLE IF NOT EXISTS data_script_participants (
  id            serial PRIMARY KEY,
  run_id        integer NOT NULL REFERENCES data_script_runs (id) ON DELETE CASCADE,
  label         text NOT NULL,
  app_name      text NOT NULL,
  host          text,
  pid           integer,
  workers       integer NOT NULL DEFAULT 1,
  ledger_pid    integer,
  state         text NOT NULL DEFAULT 'active',
  backend_pids  integer[] NOT NULL DEFAULT '{}',
  chunks_done   integer NOT NULL DEFAULT 0,
  rows_done     bigint NOT NULL DEFAULT 0,
  started_at    timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  error         text
);
CREATE INDEX IF NOT EXISTS data_script_participants_run ON data_script_participants (run_id);
-- Added with several hosts per run; a ledger created before gets them here.
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS stop_error text;
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS finished_by integer;
ALTER TABLE data_script_chunks ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz;
ALTER TABLE data_script_chunks ADD COLUMN IF NOT EXISTS saved_by integer;
-- Added with revert: a revert is a run too (kind 'revert', reverts = the run it undoes).
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'apply';
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS reverts integer;
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS undo text NOT NULL DEFAULT 'none';
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS reverted_by integer;
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS rows_deleted bigint NOT NULL DEFAULT 0;
ALTER TABLE data_script_chunks ADD COLUMN IF NOT EXISTS skipped integer NOT NULL DEFAULT 0;
ALTER TABLE data_script_chunks ADD COLUMN IF NOT EXISTS deleted integer NOT NULL DEFAULT 0;
ALTER TABLE data_script_chunks ADD COLUMN IF NOT EXISTS skipped_keys jsonb;
CREATE TABLE IF NOT EXISTS data_script_undo (
  id         bigserial PRIMARY KEY,
  run_id     integer NOT NULL REFERENCES data_script_runs (id) ON DELETE CASCADE,
  chunk_no   integer NOT NULL,
  image      jsonb NOT NULL,
  rows       integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS data_script_undo_chunk ON data_script_undo (run_id, chunk_no);
-- Before-images are compressed with lz4 where the server has it: the default (pglz) spent ~0.8 ms of the
-- server's CPU per 1,000-row chunk, lz4 ~0.05 ms, for images ~15 % larger. Best effort: a server built
-- without lz4 (or older than PostgreSQL 14) keeps the default.
DO $$ BEGIN
  EXECUTE 'ALTER TABLE data_script_undo ALTER COLUMN image SET COMPRESSION lz4';
EXCEPTION WHEN OTHERS THEN NULL;
END $$;
-- Claims look only at pending (and afterSave-owed) chunks: without these, each claim of a run of
-- 500,000 chunks would walk past every chunk already done.
CREATE INDEX IF NOT EXISTS data_script_chunks_pending ON data_script_chunks (run_id, chunk_no) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS data_script_chunks_saved ON data_script_chunks (run_id, chunk_no) WHERE status = 'saved';
-- Added with the controls (pause, resume, cancel from any machine): the latest request's who, when and why
-- on the run, every request in data_script_controls; and each participant's current hold (a pause,
-- replication lag, lock timeouts, the script's throttle) and since when, NULL while it is not held.
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS control_by text;
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS control_at timestamptz;
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS control_reason text;
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS control_action text;
CREATE TABLE IF NOT EXISTS data_script_controls (
  id      bigserial PRIMARY KEY,
  run_id  integer NOT NULL REFERENCES data_script_runs (id) ON DELETE CASCADE,
  action  text NOT NULL,
  "by"    text NOT NULL,
  at      timestamptz NOT NULL DEFAULT now(),
  reason  text
);
CREATE INDEX IF NOT EXISTS data_script_controls_run ON data_script_controls (run_id, id);
ALTER TABLE data_script_participants ADD COLUMN IF NOT EXISTS hold_reason text;
ALTER TABLE data_script_participants ADD COLUMN IF NOT EXISTS held_since timestamptz;
-- Added with removing rows (mutate returns REMOVE): rows a run's chunks removed, deleted or soft-removed.
-- Not rows_deleted / deleted, which count what a revert deleted again (rows its run had inserted).
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS rows_removed bigint NOT NULL DEFAULT 0;
ALTER TABLE data_script_chunks ADD COLUMN IF NOT EXISTS removed integer NOT NULL DEFAULT 0;
-- Added with ledger namespaces: the app a run belongs to (package.json "data-script".namespace, else its package
-- name), so two apps' scripts of one name are two scripts. NULL: recorded before; claimed by the app whose file matches.
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS namespace text;
-- Added with the dashboard's stack traces: the stack behind a chunk's last error and a row's failure
-- (through storedText, credentials masked). NULL: recorded before, or nothing threw with a stack.
ALTER TABLE data_script_chunks ADD COLUMN IF NOT EXISTS error_stack text;
ALTER TABLE data_script_failures ADD COLUMN IF NOT EXISTS error_stack text;
-- Added with the dashboard's dry-run samples: a dry run rolls back every chunk, so its parent keeps the
-- summary's before → after samples (a few rows, values as JSON text, credentials masked) on the run.
ALTER TABLE data_script_runs ADD COLUMN IF NOT EXISTS samples jsonb;
`;

/** The ledger's schema version: a digest of its DDL, so any change to it is a new version. */
export const LEDGER_VERSION = `data-script ledger ${createHash("sha256").update(LEDGER_DDL).digest("hex").slice(0, 12)}`;

/**
 * Creates or upgrades the ledger, only when its recorded version (a comment on
 * data_script_runs) is not this one. Every command connects through here, and
 * ALTER TABLE takes an ACCESS EXCLUSIVE lock even when it has nothing to add:
 * run on every start, it would queue behind running chunks and deadlock with
 * them (a host joining a run in progress).
 */
export async function ensureLedger(sql: Sql): Promise<void> {
  if ((await recordedVersion(sql)) === LEDGER_VERSION) return;
  // Serialise concurrent first uses (CREATE TABLE IF NOT EXISTS races on the catalog).
  await sql("SELECT pg_advisory_lock(hashtext('data-script'), 0)");
  try {
    if ((await recordedVersion(sql)) === LEDGER_VERSION) return;
    await sql(`${LEDGER_DDL}\nCOMMENT ON TABLE data_script_runs IS '${LEDGER_VERSION}';`);
  } finally {
    await sql("SELECT pg_advisory_unlock(hashtext('data-script'), 0)");
  }
}

async function recordedVersion(sql: Sql): Promise<string | null> {
  const [row] = await sql<{ version: string | null }>(`SELECT obj_description(to_regclass('data_script_runs'), 'pg_class') AS version`);
  return row?.version ?? null;
}
