-- +goose Up
-- Sprints of a product. state is planned, active or completed; dates are
-- YYYY-MM-DD; the points and counts are taken when the sprint starts
-- (committed) and completes (completed).
CREATE TABLE sprints (
    id               TEXT PRIMARY KEY,
    team_id          TEXT NOT NULL,
    product_id       TEXT NOT NULL,
    number           BIGINT NOT NULL,
    name             TEXT NOT NULL,
    goal             TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL,
    start_date       TEXT NOT NULL DEFAULT '',
    end_date         TEXT NOT NULL DEFAULT '',
    started_at       BIGINT,
    completed_at     BIGINT,
    committed_points DOUBLE PRECISION NOT NULL DEFAULT 0,
    committed_items  BIGINT NOT NULL DEFAULT 0,
    completed_points DOUBLE PRECISION NOT NULL DEFAULT 0,
    completed_items  BIGINT NOT NULL DEFAULT 0,
    carried_items    BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1,
    UNIQUE (team_id, product_id, number)
);
CREATE INDEX sprints_state ON sprints (team_id, product_id, state);
SELECT pama_fence('sprints');

-- How much each member can take on in a sprint.
CREATE TABLE sprint_capacity (
    team_id    TEXT NOT NULL,
    sprint_id  TEXT NOT NULL,
    account_id TEXT NOT NULL,
    days       DOUBLE PRECISION NOT NULL DEFAULT 0,
    points     DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, sprint_id, account_id)
);
SELECT pama_fence('sprint_capacity');

-- Saved backlog filters, each owned by one member.
CREATE TABLE saved_filters (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX saved_filters_owner ON saved_filters (team_id, account_id, name);
SELECT pama_fence('saved_filters');

-- +goose Down
DROP TABLE saved_filters;
DROP TABLE sprint_capacity;
DROP TABLE sprints;
