-- +goose Up
-- Ceremony rooms. participants and state are JSON documents (the kind's
-- state is read only by its rules); deadline is the current step's timer
-- (0: none); finished_at is 0 while the room is active.
CREATE TABLE ceremonies (
    id             TEXT PRIMARY KEY,
    team_id        TEXT NOT NULL,
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    product_id     TEXT NOT NULL DEFAULT '',
    sprint_id      TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    facilitator_id TEXT NOT NULL,
    step           TEXT NOT NULL DEFAULT '',
    deadline       BIGINT NOT NULL DEFAULT 0,
    participants   TEXT NOT NULL,
    state          TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    finished_at    BIGINT NOT NULL DEFAULT 0,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX ceremonies_status ON ceremonies (team_id, status, id);
SELECT pama_fence('ceremonies');

-- Requests to refine an item; at most one open request per item.
CREATE TABLE refinement_requests (
    id           TEXT PRIMARY KEY,
    team_id      TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    product_id   TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    state        TEXT NOT NULL,
    room_id      TEXT NOT NULL DEFAULT '',
    closed_at    BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX refinement_requests_open ON refinement_requests (team_id, item_id) WHERE state = 'open';
CREATE INDEX refinement_requests_product ON refinement_requests (team_id, state, product_id, requested_at);
SELECT pama_fence('refinement_requests');

-- The team's reference item for one story point.
CREATE TABLE estimation_reference (
    team_id TEXT PRIMARY KEY,
    item_id TEXT NOT NULL,
    set_by  TEXT NOT NULL,
    set_at  BIGINT NOT NULL
);
SELECT pama_fence('estimation_reference');

-- Invitations to ceremony rooms are notifications that name the room.
ALTER TABLE notifications ADD COLUMN room_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE notifications DROP COLUMN room_id;
DROP TABLE estimation_reference;
DROP TABLE refinement_requests;
DROP TABLE ceremonies;
