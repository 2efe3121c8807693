// Schema migrations, applied in order on open (PRAGMA user_version is the applied count).
// Graph and app tables live in one file so an analysis commit and the derived-edge swap share one
// transaction (DESIGN "One file"). Never edit a shipped migration: add one.

export const MIGRATIONS: string[] = [
  /* 1: the security graph with claims, findings, derived generations; the app tables */ `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE claim_keys (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL, region TEXT NOT NULL, collector TEXT NOT NULL,
    UNIQUE (source, region, collector)
  );

  CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL, type TEXT NOT NULL, provider TEXT NOT NULL,
    account_id TEXT, region TEXT, name TEXT NOT NULL,
    tags TEXT NOT NULL, props TEXT NOT NULL,
    stub INTEGER NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX nodes_kind ON nodes (kind, id);
  CREATE INDEX nodes_type ON nodes (type, id);
  CREATE INDEX nodes_name ON nodes (name, id);
  CREATE INDEX nodes_last_seen ON nodes (last_seen, id);

  -- One row per (node, collector claim): the doc that collector wrote. The node row is their merge.
  CREATE TABLE node_claims (
    node_id TEXT NOT NULL, key_id INTEGER NOT NULL, run_id TEXT NOT NULL,
    seen_at TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (node_id, key_id)
  ) WITHOUT ROWID;
  CREATE INDEX node_claims_key ON node_claims (key_id, run_id);

  -- Lookup keys for the finding matcher ("id:<id>", "aws-resource:<i-…>", …).
  CREATE TABLE node_keys (lookup_key TEXT NOT NULL, node_id TEXT NOT NULL, PRIMARY KEY (lookup_key, node_id)) WITHOUT ROWID;
  CREATE INDEX node_keys_node ON node_keys (node_id);

  CREATE TABLE edges (
    id INTEGER PRIMARY KEY,
    from_id TEXT NOT NULL, kind TEXT NOT NULL, to_id TEXT NOT NULL,
    props TEXT NOT NULL, evidence TEXT NOT NULL, assumptions TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    UNIQUE (from_id, kind, to_id)
  );
  CREATE INDEX edges_to ON edges (to_id, kind);

  CREATE TABLE edge_claims (
    edge_id INTEGER NOT NULL, key_id INTEGER NOT NULL, run_id TEXT NOT NULL,
    PRIMARY KEY (edge_id, key_id)
  ) WITHOUT ROWID;
  CREATE INDEX edge_claims_key ON edge_claims (key_id, run_id);

  CREATE TABLE findings (
    key TEXT PRIMARY KEY,
    asset_ref TEXT NOT NULL, matched INTEGER NOT NULL,
    rule_id TEXT NOT NULL, package TEXT NOT NULL, kind TEXT NOT NULL,
    doc TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX findings_asset ON findings (asset_ref);
  CREATE INDEX findings_rule ON findings (rule_id);
  CREATE INDEX findings_unmatched ON findings (key) WHERE matched = 0;

  CREATE TABLE finding_sources (
    finding_key TEXT NOT NULL, key_id INTEGER NOT NULL, tool TEXT NOT NULL,
    run_id TEXT NOT NULL, severity TEXT NOT NULL, vector TEXT,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    PRIMARY KEY (finding_key, key_id, tool)
  ) WITHOUT ROWID;
  CREATE INDEX finding_sources_key ON finding_sources (key_id, run_id);

  CREATE TABLE derived_edges (
    generation TEXT NOT NULL,
    from_id TEXT NOT NULL, kind TEXT NOT NULL, to_id TEXT NOT NULL,
    props TEXT NOT NULL, evidence TEXT NOT NULL, assumptions TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    PRIMARY KEY (generation, from_id, kind, to_id)
  ) WITHOUT ROWID;
  CREATE INDEX derived_edges_to ON derived_edges (generation, to_id, kind);

  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE scan_runs (id TEXT PRIMARY KEY, started_at TEXT NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX scan_runs_started ON scan_runs (started_at, id);

  CREATE TABLE scopes (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE analysis_runs (id TEXT PRIMARY KEY, started_at TEXT NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX analysis_runs_started ON analysis_runs (started_at, id);

  CREATE TABLE issues (
    key TEXT PRIMARY KEY,
    alias TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL UNIQUE,
    severity TEXT NOT NULL, status TEXT NOT NULL, score REAL NOT NULL, rule TEXT NOT NULL,
    entry_id TEXT NOT NULL, target_id TEXT NOT NULL,
    assignee_user TEXT, assignee_team TEXT, demo INTEGER NOT NULL,
    first_seen TEXT NOT NULL, due_at TEXT,
    doc TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX issues_status ON issues (status, severity);
  CREATE INDEX issues_score ON issues (score, key);
  CREATE INDEX issues_entry ON issues (entry_id);
  CREATE INDEX issues_target ON issues (target_id);

  CREATE TABLE issue_events (
    id INTEGER PRIMARY KEY, issue_key TEXT NOT NULL, at TEXT NOT NULL, doc TEXT NOT NULL
  );
  CREATE INDEX issue_events_issue ON issue_events (issue_key, id);

  CREATE TABLE analysis_paths (issue_key TEXT NOT NULL, path_index INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (issue_key, path_index)) WITHOUT ROWID;
  CREATE TABLE analysis_tiers (node_id TEXT PRIMARY KEY, tier INTEGER NOT NULL, reason TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE finding_priorities (finding_key TEXT PRIMARY KEY, score REAL NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE fix_plan (rank INTEGER PRIMARY KEY, id TEXT NOT NULL, doc TEXT NOT NULL);
  `,
  // 2: accounts (server issue 1): users, teams, sessions, API tokens, the audit log, sealed secrets
  // and configuration documents. Session and token ids are hashes of what the client holds.
  `
  CREATE TABLE teams (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, created_at TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE users (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, name TEXT, role TEXT NOT NULL,
    team_id TEXT REFERENCES teams (id), disabled INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL, password_hash TEXT,
    created_at TEXT NOT NULL, last_login_at TEXT
  ) WITHOUT ROWID;

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id), csrf_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, expires_at TEXT NOT NULL, revoked_at TEXT
  ) WITHOUT ROWID;
  CREATE INDEX sessions_user ON sessions (user_id);

  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id), prefix TEXT NOT NULL, created_at TEXT NOT NULL,
    last_used_at TEXT, expires_at TEXT, revoked_at TEXT
  ) WITHOUT ROWID;
  CREATE INDEX api_tokens_user ON api_tokens (user_id);

  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, actor_id TEXT, target TEXT, doc TEXT NOT NULL
  );
  CREATE INDEX audit_log_action ON audit_log (action, id);
  CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

  CREATE TABLE secrets (name TEXT PRIMARY KEY, sealed TEXT NOT NULL, updated_at TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE app_config (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  `,
  // Server part 2: daily KPI snapshots, webhooks and their delivery log.
  `
  CREATE TABLE kpi_snapshots (day TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE webhooks (id TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
    next_attempt_at TEXT, doc TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
  CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at, id);
  `,
  // Issues at scale (engine performance, issues 9 and 11; see sqlite/issues.ts): a narrow issues
  // table keyed by seq whose columns carry every filter and sort field, with composite indexes for
  // keyset pages; the documents in issue_docs (paths and fix texts as references into the
  // content-addressed issue_parts); a content hash so an analysis rewrites only what changed.
  // Existing documents move as they are (read in either form).
  `
  CREATE TABLE issues_v4 (
    seq INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    alias TEXT NOT NULL UNIQUE COLLATE NOCASE,
    severity TEXT NOT NULL, status TEXT NOT NULL, score REAL NOT NULL, rule TEXT NOT NULL,
    confidence TEXT NOT NULL,
    entry_id TEXT NOT NULL, target_id TEXT NOT NULL,
    assignee_user TEXT, assignee_team TEXT, demo INTEGER NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, due_at TEXT,
    title TEXT NOT NULL,
    reason TEXT, accepted_by TEXT, expires_at TEXT,
    content_hash TEXT
  );
  INSERT INTO issues_v4 (seq, key, alias, severity, status, score, rule, confidence, entry_id, target_id,
      assignee_user, assignee_team, demo, first_seen, last_seen, due_at, title, reason, accepted_by, expires_at)
    SELECT seq, key, alias, severity, status, score, rule,
      coalesce(json_extract(doc, '$.confidence'), 'theoretical'), entry_id, target_id,
      assignee_user, assignee_team, demo, first_seen, coalesce(json_extract(doc, '$.lastSeen'), first_seen),
      due_at, coalesce(json_extract(doc, '$.title'), ''), json_extract(doc, '$.reason'),
      json_extract(doc, '$.acceptedBy'), json_extract(doc, '$.expiresAt')
    FROM issues;
  CREATE TABLE issue_docs (seq INTEGER PRIMARY KEY, doc TEXT NOT NULL);
  INSERT INTO issue_docs (seq, doc) SELECT seq, doc FROM issues;
  DROP TABLE issues;
  ALTER TABLE issues_v4 RENAME TO issues;
  CREATE INDEX issues_by_score ON issues (score DESC, seq);
  CREATE INDEX issues_by_due ON issues (coalesce(due_at, '9999'), seq);
  CREATE INDEX issues_by_first ON issues (first_seen, seq);
  CREATE INDEX issues_status_score ON issues (status, score DESC, seq);
  CREATE INDEX issues_status_due ON issues (status, coalesce(due_at, '9999'), seq);
  CREATE INDEX issues_status_first ON issues (status, first_seen, seq);
  CREATE INDEX issues_entry ON issues (entry_id);
  CREATE INDEX issues_target ON issues (target_id);
  CREATE INDEX issues_user ON issues (assignee_user);
  CREATE INDEX issues_team ON issues (assignee_team);
  CREATE TABLE issue_parts (hash TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
  -- Paths of the current analysis are references to issue_parts too; the old rows held whole hops.
  DELETE FROM analysis_paths;
  `,
  // Compact factors (engine performance, issue 9; see sqlite/issues.ts): a factor's (name, source)
  // pair by id, so issue documents and finding priorities hold factors as flat [id, value, …]
  // lists. Rows written before keep their objects and are read as they are.
  `
  CREATE TABLE factor_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, UNIQUE (name, source));
  `,
  // The current analysis' paths were stored twice: in their issue's document (what the API and CLI
  // serve) and in analysis_paths, which nothing read (92k rows, 23 MB and 0.7 s of the commit at
  // 100k assets). Paths now live in the issue documents only.
  `
  DROP TABLE analysis_paths;
  `,
  // Derived edges, compact (engine performance, issue 9; see sqlite/derived-writer.mjs). A row held
  // its generation's analysis id, its times and its props, evidence and assumptions JSON in full
  // (392k rows, 293 MiB + 68 MiB of index at 100k assets, the JSON texts 2.2 times over). Now a
  // generation is an integer (derived_generations), each JSON text of a generation is stored once
  // (derived_texts, ids texts_from up to texts_to of its generation) and times once
  // (derived_times); derived_rows refers to them. The view derived_edges has the old table's
  // columns and rows, so readers are unchanged. Rows already stored are converted.
  `
  CREATE TABLE derived_generations (
    id INTEGER PRIMARY KEY, analysis_id TEXT NOT NULL UNIQUE,
    texts_from INTEGER NOT NULL, texts_to INTEGER NOT NULL
  );
  CREATE TABLE derived_times (id INTEGER PRIMARY KEY, at TEXT NOT NULL UNIQUE);
  CREATE TABLE derived_texts (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
  CREATE TABLE derived_rows (
    generation INTEGER NOT NULL,
    from_id TEXT NOT NULL, kind TEXT NOT NULL, to_id TEXT NOT NULL,
    props INTEGER NOT NULL, evidence INTEGER NOT NULL, assumptions INTEGER NOT NULL,
    first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    PRIMARY KEY (generation, from_id, kind, to_id)
  ) WITHOUT ROWID;
  CREATE INDEX derived_rows_to ON derived_rows (generation, to_id, kind);

  INSERT INTO derived_generations (analysis_id, texts_from, texts_to)
    SELECT DISTINCT generation, 0, 0 FROM derived_edges ORDER BY generation;
  INSERT OR IGNORE INTO derived_times (at)
    SELECT first_seen FROM derived_edges UNION SELECT last_seen FROM derived_edges ORDER BY 1;
  -- Each generation's distinct texts, numbered generation after generation.
  CREATE TEMP TABLE texts7 (id INTEGER PRIMARY KEY, generation INTEGER NOT NULL, text TEXT NOT NULL, UNIQUE (generation, text));
  INSERT OR IGNORE INTO texts7 (generation, text)
    SELECT generation, text FROM (
      SELECT g.id AS generation, d.props AS text FROM derived_edges d JOIN derived_generations g ON g.analysis_id = d.generation
      UNION ALL SELECT g.id, d.evidence FROM derived_edges d JOIN derived_generations g ON g.analysis_id = d.generation
      UNION ALL SELECT g.id, d.assumptions FROM derived_edges d JOIN derived_generations g ON g.analysis_id = d.generation)
    ORDER BY generation;
  INSERT INTO derived_texts (id, text) SELECT id, text FROM texts7 ORDER BY id;
  UPDATE derived_generations SET
    texts_from = coalesce((SELECT min(id) FROM texts7 t WHERE t.generation = derived_generations.id), 1),
    texts_to = coalesce((SELECT max(id) + 1 FROM texts7 t WHERE t.generation = derived_generations.id), 1);
  INSERT INTO derived_rows (generation, from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen)
    SELECT g.id, d.from_id, d.kind, d.to_id,
      (SELECT id FROM texts7 t WHERE t.generation = g.id AND t.text = d.props),
      (SELECT id FROM texts7 t WHERE t.generation = g.id AND t.text = d.evidence),
      (SELECT id FROM texts7 t WHERE t.generation = g.id AND t.text = d.assumptions),
      (SELECT id FROM derived_times WHERE at = d.first_seen),
      (SELECT id FROM derived_times WHERE at = d.last_seen)
    FROM derived_edges d JOIN derived_generations g ON g.analysis_id = d.generation
    ORDER BY g.id, d.from_id, d.kind, d.to_id;
  DROP TABLE texts7;
  DROP TABLE derived_edges;

  CREATE VIEW derived_edges AS
    SELECT g.analysis_id AS generation, d.from_id AS from_id, d.kind AS kind, d.to_id AS to_id,
      (SELECT text FROM derived_texts WHERE id = d.props) AS props,
      (SELECT text FROM derived_texts WHERE id = d.evidence) AS evidence,
      (SELECT text FROM derived_texts WHERE id = d.assumptions) AS assumptions,
      (SELECT at FROM derived_times WHERE id = d.first_seen) AS first_seen,
      (SELECT at FROM derived_times WHERE id = d.last_seen) AS last_seen
    FROM derived_generations g JOIN derived_rows d ON d.generation = g.id;
  `,
  // Derived edges' ids and kinds by number (engine performance, issue 9; see
  // sqlite/derived-writer.mjs): each generation's names (edge ids and kinds) once in derived_names,
  // numbered in their order (SQLite's BINARY, as the text they replace: rows keep their order), ids
  // names_from up to names_to of its generation; derived_rows holds the numbers (keys of 3-6 bytes
  // instead of ~150, in the table and its index). The view derived_edges gives the same columns
  // and rows as before. Rows already stored are converted.
  `
  ALTER TABLE derived_generations ADD COLUMN names_from INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE derived_generations ADD COLUMN names_to INTEGER NOT NULL DEFAULT 1;
  CREATE TABLE derived_names (id INTEGER PRIMARY KEY, generation INTEGER NOT NULL, name TEXT NOT NULL, UNIQUE (generation, name));
  INSERT INTO derived_names (generation, name)
    SELECT generation, name FROM (
      SELECT generation, from_id AS name FROM derived_rows
      UNION SELECT generation, kind FROM derived_rows
      UNION SELECT generation, to_id FROM derived_rows)
    ORDER BY generation, name;
  UPDATE derived_generations SET
    names_from = coalesce((SELECT min(id) FROM derived_names n WHERE n.generation = derived_generations.id), 1),
    names_to = coalesce((SELECT max(id) + 1 FROM derived_names n WHERE n.generation = derived_generations.id), 1);
  CREATE TABLE derived_rows_v8 (
    from_id INTEGER NOT NULL, kind INTEGER NOT NULL, to_id INTEGER NOT NULL,
    props INTEGER NOT NULL, evidence INTEGER NOT NULL, assumptions INTEGER NOT NULL,
    first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    PRIMARY KEY (from_id, kind, to_id)
  ) WITHOUT ROWID;
  INSERT INTO derived_rows_v8 (from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen)
    SELECT f.id, k.id, t.id, d.props, d.evidence, d.assumptions, d.first_seen, d.last_seen
    FROM derived_rows d
    JOIN derived_names f ON f.generation = d.generation AND f.name = d.from_id
    JOIN derived_names k ON k.generation = d.generation AND k.name = d.kind
    JOIN derived_names t ON t.generation = d.generation AND t.name = d.to_id
    ORDER BY 1, 2, 3;
  DROP VIEW derived_edges;
  DROP TABLE derived_rows;
  ALTER TABLE derived_rows_v8 RENAME TO derived_rows;
  CREATE INDEX derived_rows_to ON derived_rows (to_id, kind);

  CREATE VIEW derived_edges AS
    SELECT g.analysis_id AS generation,
      (SELECT name FROM derived_names WHERE id = d.from_id) AS from_id,
      (SELECT name FROM derived_names WHERE id = d.kind) AS kind,
      (SELECT name FROM derived_names WHERE id = d.to_id) AS to_id,
      (SELECT text FROM derived_texts WHERE id = d.props) AS props,
      (SELECT text FROM derived_texts WHERE id = d.evidence) AS evidence,
      (SELECT text FROM derived_texts WHERE id = d.assumptions) AS assumptions,
      (SELECT at FROM derived_times WHERE id = d.first_seen) AS first_seen,
      (SELECT at FROM derived_times WHERE id = d.last_seen) AS last_seen
    FROM derived_generations g JOIN derived_rows d ON d.from_id >= g.names_from AND d.from_id < g.names_to;
  `,
];
