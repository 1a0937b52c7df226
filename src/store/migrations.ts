// Schema of the job store, as an ordered list of migrations; schema_version in `meta` says how many ran.
// Add a migration at the end; never edit one that has shipped.

export const MIGRATIONS: readonly string[] = [
  // 1: jobs, events, item results, staged code
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE jobs (
     id            TEXT PRIMARY KEY,
     cache_key     TEXT NOT NULL,
     name          TEXT NOT NULL,
     system        TEXT NOT NULL,
     state         TEXT NOT NULL,
     reason        TEXT,
     scheduler_id  TEXT,
     stage_dir     TEXT NOT NULL,
     run_dir       TEXT NOT NULL,
     output_dir    TEXT NOT NULL,
     env_hash      TEXT NOT NULL,
     details       TEXT NOT NULL,
     owner         TEXT,
     created_at    REAL NOT NULL,
     updated_at    REAL NOT NULL
   );
   CREATE INDEX jobs_cache_key ON jobs (cache_key);
   CREATE INDEX jobs_state ON jobs (state);
   CREATE TABLE events (
     seq      INTEGER PRIMARY KEY AUTOINCREMENT,
     job_id   TEXT NOT NULL,
     at       REAL NOT NULL,
     from_state TEXT,
     to_state TEXT NOT NULL,
     detail   TEXT
   );
   CREATE INDEX events_job ON events (job_id);
   CREATE TABLE item_results (
     item_key   TEXT PRIMARY KEY,
     job_id     TEXT NOT NULL,
     ok         INTEGER NOT NULL,
     payload    TEXT NOT NULL,
     created_at REAL NOT NULL
   );
   CREATE TABLE staged_code (
     system    TEXT NOT NULL,
     file_name TEXT NOT NULL,
     PRIMARY KEY (system, file_name)
   );`,
  // 2: autoparallelize calls, so a `wait: false` call can be collected later (also from another process)
  `CREATE TABLE calls (
     call_key   TEXT PRIMARY KEY,
     details    TEXT NOT NULL,
     created_at REAL NOT NULL,
     updated_at REAL NOT NULL
   );`,
  // 3: the item keys of each map job, recorded when it is claimed, so a rerun with any chunking finds the job that
  //    holds an item (items are the unit of restart)
  `CREATE TABLE job_items (
     job_id   TEXT NOT NULL,
     pos      INTEGER NOT NULL,
     item_key TEXT NOT NULL,
     PRIMARY KEY (job_id, pos)
   );
   CREATE INDEX job_items_key ON job_items (item_key);
   CREATE INDEX item_results_job ON item_results (job_id);`,
  // 4: items a driver has decided to start jobs for and is preparing/submitting (until its jobs' item keys are
  //    recorded), so two drivers sharing the store never both start a job for one item (src/autopara/item-claims.ts)
  `CREATE TABLE item_claims (
     item_key   TEXT PRIMARY KEY,
     owner      TEXT NOT NULL,
     renewed_at REAL NOT NULL
   );
   CREATE INDEX item_claims_owner ON item_claims (owner);`,
  // 5: jobs by creation time, so `xpr ls` reads the newest 200 of 10^5 jobs without sorting them all
  `CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at);`,
  // 6: how each job ended, as a typed value (states.ts JobOutcome) instead of a prefix of its reason text. Rows from
  //    before: the last outcome state in their events, refined by their reason (how xpr worded those causes), else
  //    (no such event) the reason alone as xpr read it before (processed: died if it said so, else succeeded)
  `ALTER TABLE jobs ADD COLUMN outcome TEXT;
   UPDATE jobs SET outcome = (
     WITH ended AS (
       SELECT COALESCE(
         CASE WHEN jobs.state IN ('succeeded', 'failed', 'died', 'cancelled') THEN jobs.state END,
         (SELECT e.to_state FROM events e WHERE e.job_id = jobs.id AND e.to_state IN ('succeeded', 'failed', 'died', 'cancelled')
          ORDER BY e.seq DESC LIMIT 1),
         CASE WHEN jobs.reason GLOB 'died*' THEN 'died' WHEN jobs.state = 'processed' THEN 'succeeded' END
       ) AS s
     )
     SELECT CASE
       WHEN s = 'failed' AND jobs.reason GLOB 'submission failed*' THEN 'submission-failed'
       WHEN s = 'died' AND (jobs.reason GLOB 'OUT_OF_MEMORY*' OR jobs.reason GLOB 'died: OUT_OF_MEMORY*') THEN 'out-of-memory'
       ELSE s
     END FROM ended
   );`,
  // 7: the whole result list of a call whose items all succeeded (snapshots.ts), so a fully cached rerun of 10^6 items
  //    reads one row; valid while no stored item result was deleted or replaced since (a counter the triggers bump)
  `CREATE TABLE call_snapshots (
     inputs_key TEXT PRIMARY KEY,
     call_key   TEXT NOT NULL,
     generation INTEGER NOT NULL,
     job_ids    TEXT NOT NULL,
     payload    TEXT NOT NULL,
     created_at REAL NOT NULL
   );
   CREATE INDEX call_snapshots_call ON call_snapshots (call_key);
   INSERT OR IGNORE INTO meta (key, value) VALUES ('item_results_generation', '0');
   CREATE TRIGGER item_results_deleted AFTER DELETE ON item_results
     BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'item_results_generation'; END;
   CREATE TRIGGER item_results_replaced AFTER UPDATE ON item_results
     BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'item_results_generation'; END;`,
];
