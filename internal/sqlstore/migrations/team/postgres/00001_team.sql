-- +goose Up
-- Team transactions run as the role pama_team with pama.team_id set; every
-- team table has row-level security that admits only that team's rows. The
-- account that runs migrations owns the tables and is not fenced, so the
-- platform side (sign-in, the registry, "my teams") can read across teams.

-- +goose StatementBegin
DO $$
BEGIN
    PERFORM pg_advisory_xact_lock(72017201);
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pama_team') THEN
        BEGIN
            CREATE ROLE pama_team NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'pama needs the role pama_team: run CREATE ROLE pama_team NOLOGIN; GRANT pama_team TO %; as a database administrator (see docs/operating.md)', current_user;
        END;
    END IF;
    IF NOT pg_has_role(current_user, 'pama_team', 'MEMBER') THEN
        EXECUTE format('GRANT pama_team TO %I', current_user);
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO pama_team', current_schema());
END
$$;
-- +goose StatementEnd

-- pama_fence puts a team table behind row-level security for pama_team.
-- Every migration that adds a team table calls it.
-- +goose StatementBegin
CREATE FUNCTION pama_fence(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY team_fence ON %s TO pama_team
        USING (team_id = current_setting(''pama.team_id'', true))
        WITH CHECK (team_id = current_setting(''pama.team_id'', true))', tbl);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO pama_team', tbl);
END
$$;
-- +goose StatementEnd

CREATE TABLE settings (
    team_id            TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    sprint_length_days BIGINT NOT NULL DEFAULT 14,
    deck               TEXT NOT NULL DEFAULT 'fibonacci',
    custom_deck        TEXT NOT NULL DEFAULT '',
    facilitation       TEXT NOT NULL DEFAULT 'anyone',
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL DEFAULT 1
);
SELECT pama_fence('settings');

CREATE TABLE members (
    team_id    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    role       TEXT NOT NULL,
    joined_at  BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (team_id, account_id)
);
CREATE INDEX members_account ON members (account_id);
SELECT pama_fence('members');

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by TEXT NOT NULL DEFAULT '',
    revoked_at  BIGINT,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX invitations_team ON invitations (team_id, created_at);
CREATE INDEX invitations_email ON invitations (email);
SELECT pama_fence('invitations');

CREATE TABLE products (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL,
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    archived    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    UNIQUE (team_id, key)
);
SELECT pama_fence('products');

CREATE TABLE activity (
    seq         BIGSERIAL PRIMARY KEY,
    team_id     TEXT NOT NULL,
    at          BIGINT NOT NULL,
    actor_id    TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    changes     TEXT NOT NULL DEFAULT '[]',
    published   BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX activity_team ON activity (team_id, seq);
CREATE INDEX activity_entity ON activity (team_id, entity_type, entity_id, seq);
CREATE INDEX activity_unpublished ON activity (seq) WHERE NOT published;
SELECT pama_fence('activity');
GRANT USAGE, SELECT ON SEQUENCE activity_seq_seq TO pama_team;

-- +goose Down
DROP TABLE activity;
DROP TABLE products;
DROP TABLE invitations;
DROP TABLE members;
DROP TABLE settings;
DROP FUNCTION pama_fence(regclass);
