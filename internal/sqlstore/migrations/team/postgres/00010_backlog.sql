-- +goose Up
-- Workflow statuses of a team, each in a category; items move between them.
CREATE TABLE statuses (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL,
    position   BIGINT NOT NULL,
    wip_limit  BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX statuses_team ON statuses (team_id, position);
SELECT pama_fence('statuses');

-- Backlog settings of a team (one row, made on first write).
CREATE TABLE backlog_settings (
    team_id          TEXT PRIMARY KEY,
    parallel_sprints BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
SELECT pama_fence('backlog_settings');

-- The next item number of each product.
CREATE TABLE item_counters (
    team_id     TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    next_number BIGINT NOT NULL,
    PRIMARY KEY (team_id, product_id)
);
SELECT pama_fence('item_counters');

-- Backlog items. rank orders a product's backlog in byte order (COLLATE "C").
-- assignees and labels are JSON arrays, with item_assignees and item_labels
-- as their filterable copies. search_comments is the comments' text for the
-- full-text index (item_search), which the comment code keeps up to date.
CREATE TABLE items (
    id                TEXT PRIMARY KEY,
    team_id           TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    number            BIGINT NOT NULL,
    kind              TEXT NOT NULL,
    parent_id         TEXT,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    criteria          TEXT NOT NULL DEFAULT '[]',
    points            DOUBLE PRECISION,
    assignees         TEXT NOT NULL DEFAULT '[]',
    labels            TEXT NOT NULL DEFAULT '[]',
    priority          TEXT NOT NULL,
    due_date          TEXT NOT NULL DEFAULT '',
    origin_ceremony   TEXT NOT NULL DEFAULT '',
    origin_id         TEXT NOT NULL DEFAULT '',
    status_id         TEXT NOT NULL,
    status_category   TEXT NOT NULL,
    sprint_id         TEXT,
    rank              TEXT COLLATE "C" NOT NULL,
    search_comments   TEXT NOT NULL DEFAULT '',
    doc               BIGINT NOT NULL DEFAULT 0,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    status_changed_at BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1,
    UNIQUE (team_id, product_id, number)
);
CREATE UNIQUE INDEX items_rank ON items (team_id, product_id, rank);
CREATE INDEX items_sprint ON items (team_id, sprint_id, rank);
CREATE INDEX items_parent ON items (team_id, parent_id);
CREATE INDEX items_status ON items (team_id, status_id);
SELECT pama_fence('items');

-- The full-text document of each item (title A, description B, comments C),
-- kept apart from items so that moves and other edits that leave the text
-- alone never touch the GIN index.
CREATE TABLE item_search (
    team_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    search  tsvector NOT NULL,
    PRIMARY KEY (team_id, item_id)
);
CREATE INDEX item_search_gin ON item_search USING GIN (search);
SELECT pama_fence('item_search');

CREATE TABLE item_assignees (
    team_id    TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (team_id, item_id, account_id)
);
CREATE INDEX item_assignees_account ON item_assignees (team_id, account_id);
SELECT pama_fence('item_assignees');

CREATE TABLE item_labels (
    team_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    label   TEXT NOT NULL,
    PRIMARY KEY (team_id, item_id, label)
);
CREATE INDEX item_labels_label ON item_labels (team_id, label);
SELECT pama_fence('item_labels');

-- +goose Down
DROP TABLE item_search;
DROP TABLE item_labels;
DROP TABLE item_assignees;
DROP TABLE items;
DROP TABLE item_counters;
DROP TABLE backlog_settings;
DROP TABLE statuses;
