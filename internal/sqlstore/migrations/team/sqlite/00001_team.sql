-- +goose Up
-- Every team table carries team_id, as on PostgreSQL, so rows move between
-- engines unchanged and every query filters on it.
CREATE TABLE settings (
    team_id            TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    sprint_length_days INTEGER NOT NULL DEFAULT 14,
    deck               TEXT NOT NULL DEFAULT 'fibonacci',
    custom_deck        TEXT NOT NULL DEFAULT '',
    facilitation       TEXT NOT NULL DEFAULT 'anyone',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE members (
    team_id    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    role       TEXT NOT NULL,
    joined_at  INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (team_id, account_id)
);

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    accepted_by TEXT NOT NULL DEFAULT '',
    revoked_at  INTEGER,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX invitations_team ON invitations (team_id, created_at);

CREATE TABLE products (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL,
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    archived    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (team_id, key)
);

CREATE TABLE activity (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id     TEXT NOT NULL,
    at          INTEGER NOT NULL,
    actor_id    TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    changes     TEXT NOT NULL DEFAULT '[]',
    published   BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX activity_entity ON activity (team_id, entity_type, entity_id, seq);
CREATE INDEX activity_unpublished ON activity (seq) WHERE NOT published;

-- +goose Down
DROP TABLE activity;
DROP TABLE products;
DROP TABLE invitations;
DROP TABLE members;
DROP TABLE settings;
