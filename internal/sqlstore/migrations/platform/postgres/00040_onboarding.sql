-- +goose Up
-- The onboarding wizard at /start: one row per wizard, found by a hash of the
-- token in the browser's cookie, so a reload resumes at the right step.
CREATE TABLE wizards (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    ip         TEXT NOT NULL,
    step       TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    account_id TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT '{}',
    team_id    TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX wizards_ip ON wizards (ip, created_at);
CREATE INDEX wizards_expires ON wizards (expires_at);

-- Captcha challenges already used, kept until they expire.
CREATE TABLE captcha_spent (
    id         TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX captcha_spent_expires ON captcha_spent (expires_at);

CREATE INDEX teams_created_by ON teams (created_by, created_at);

-- Custom domains of team spaces. A domain serves its space once verified.
CREATE TABLE team_domains (
    domain      TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL,
    token       TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    verified_at BIGINT,
    checked_at  BIGINT,
    last_error  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX team_domains_team ON team_domains (team_id);

-- TLS certificates and the ACME account key, shared by every node.
CREATE TABLE acme_cache (
    name       TEXT PRIMARY KEY,
    data       BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE acme_cache;
DROP TABLE team_domains;
DROP INDEX teams_created_by;
DROP TABLE captcha_spent;
DROP TABLE wizards;
