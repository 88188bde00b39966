-- +goose Up
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    avatar        TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    operator      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

-- One live sign-in code per address; a new code replaces the old one.
CREATE TABLE sign_in_codes (
    email        TEXT PRIMARY KEY,
    code_hash    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    sends        INTEGER NOT NULL DEFAULT 1,
    window_start INTEGER NOT NULL
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

-- The team-space registry: what routing and sign-in need to find a space.
CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

-- SQLite only: which accounts belong to which team files, for "my teams".
-- The team file is the truth; this index is rebuilt from it when a file opens.
CREATE TABLE memberships (
    account_id TEXT NOT NULL,
    team_id    TEXT NOT NULL,
    role       TEXT NOT NULL,
    PRIMARY KEY (account_id, team_id)
);
CREATE INDEX memberships_team ON memberships (team_id);

-- SQLite only: open invitations by address, for "invitations waiting for me".
CREATE TABLE invitation_index (
    invitation_id TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    team_id       TEXT NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX invitation_index_email ON invitation_index (email);

-- Platform-level activity: accounts, tokens, team-space lifecycle.
CREATE TABLE platform_activity (
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
CREATE INDEX platform_activity_entity ON platform_activity (entity_type, entity_id, seq);

-- Keys generated on first start and shared by every node (HMAC keys).
CREATE TABLE platform_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE platform_secrets;
DROP TABLE platform_activity;
DROP TABLE invitation_index;
DROP TABLE memberships;
DROP TABLE teams;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE sign_in_codes;
DROP TABLE accounts;
