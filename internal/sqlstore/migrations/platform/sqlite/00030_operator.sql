-- +goose Up
-- A suspended space is read-only for its members, or closed to them.
ALTER TABLE teams ADD COLUMN closed BOOLEAN NOT NULL DEFAULT FALSE;

-- What the operator console knows of each team space besides the registry:
-- the deletion schedule, how it was archived, quota overrides (NULL: the
-- configured default), usage counters and health. One row per space, made
-- on first use.
CREATE TABLE team_ops (
    team_id          TEXT PRIMARY KEY,
    prior_state      TEXT NOT NULL DEFAULT '',
    purge_after      INTEGER NOT NULL DEFAULT 0,
    archive          TEXT NOT NULL DEFAULT '',
    quota_members    INTEGER,
    quota_items      INTEGER,
    quota_storage    INTEGER,
    members          INTEGER NOT NULL DEFAULT 0,
    items            INTEGER NOT NULL DEFAULT 0,
    db_bytes         INTEGER NOT NULL DEFAULT 0,
    file_bytes       INTEGER NOT NULL DEFAULT 0,
    last_activity_at INTEGER NOT NULL DEFAULT 0,
    usage_at         INTEGER NOT NULL DEFAULT 0,
    health           TEXT NOT NULL DEFAULT 'unknown',
    health_fails     INTEGER NOT NULL DEFAULT 0,
    health_at        INTEGER NOT NULL DEFAULT 0,
    health_detail    TEXT NOT NULL DEFAULT ''
);
-- Every registered space has its row (made with the registry entry), so
-- the console's list can join and sort on these columns through indexes.
INSERT INTO team_ops (team_id) SELECT id FROM teams;
CREATE INDEX teams_name ON teams (lower(name), id);
CREATE INDEX teams_created ON teams (created_at, id);
CREATE INDEX team_ops_items ON team_ops (items, team_id);
CREATE INDEX team_ops_activity ON team_ops (last_activity_at, team_id);
CREATE INDEX team_ops_storage ON team_ops ((file_bytes + db_bytes), team_id);
CREATE INDEX team_ops_health ON team_ops (health);
CREATE INDEX team_ops_health_at ON team_ops (health_at);
CREATE INDEX team_ops_purge ON team_ops (purge_after) WHERE purge_after > 0;

-- Every deep health check of a space.
CREATE TABLE team_health (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    ok         BOOLEAN NOT NULL,
    db_ok      BOOLEAN NOT NULL,
    db_ms      INTEGER NOT NULL,
    ops        INTEGER NOT NULL,
    errors     INTEGER NOT NULL,
    realtime   TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX team_health_team ON team_health (team_id, seq);
CREATE INDEX team_health_at ON team_health (at);

-- Mass operations: one row per job, one per space it covers. The spaces are
-- fixed when the job is made; each item is checkpointed as it finishes.
CREATE TABLE jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    filter      TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '{}',
    state       TEXT NOT NULL,
    total       INTEGER NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    started_at  INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX jobs_state ON jobs (state, created_at);

CREATE TABLE job_items (
    job_id   TEXT NOT NULL,
    position INTEGER NOT NULL,
    team_id  TEXT NOT NULL,
    state    TEXT NOT NULL DEFAULT 'pending',
    result   TEXT NOT NULL DEFAULT '',
    at       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, position)
);

-- The operator audit log lists platform activity by action and actor.
CREATE INDEX platform_activity_action ON platform_activity (action, seq);

-- +goose Down
DROP INDEX platform_activity_action;
DROP TABLE job_items;
DROP TABLE jobs;
DROP TABLE team_health;
DROP TABLE team_ops;
DROP INDEX teams_created;
DROP INDEX teams_name;
ALTER TABLE teams DROP COLUMN closed;
