-- +goose Up
-- Workflow statuses of a team, each in a category; items move between them.
CREATE TABLE statuses (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL,
    position   INTEGER NOT NULL,
    wip_limit  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX statuses_team ON statuses (team_id, position);

-- Backlog settings of a team (one row, made on first write).
CREATE TABLE backlog_settings (
    team_id          TEXT PRIMARY KEY,
    parallel_sprints BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at       INTEGER NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);

-- The next item number of each product.
CREATE TABLE item_counters (
    team_id     TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    next_number INTEGER NOT NULL,
    PRIMARY KEY (team_id, product_id)
);

-- Backlog items. rank orders a product's backlog (byte order); doc is the
-- row of the item in items_fts. assignees and labels are JSON arrays, with
-- item_assignees and item_labels as their filterable copies.
CREATE TABLE items (
    id                TEXT PRIMARY KEY,
    team_id           TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    number            INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    parent_id         TEXT,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    criteria          TEXT NOT NULL DEFAULT '[]',
    points            REAL,
    assignees         TEXT NOT NULL DEFAULT '[]',
    labels            TEXT NOT NULL DEFAULT '[]',
    priority          TEXT NOT NULL,
    due_date          TEXT NOT NULL DEFAULT '',
    origin_ceremony   TEXT NOT NULL DEFAULT '',
    origin_id         TEXT NOT NULL DEFAULT '',
    status_id         TEXT NOT NULL,
    status_category   TEXT NOT NULL,
    sprint_id         TEXT,
    rank              TEXT NOT NULL,
    search_comments   TEXT NOT NULL DEFAULT '',
    doc               INTEGER NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    status_changed_at INTEGER NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    UNIQUE (team_id, product_id, number)
);
CREATE UNIQUE INDEX items_rank ON items (team_id, product_id, rank);
CREATE INDEX items_sprint ON items (team_id, sprint_id, rank);
CREATE INDEX items_parent ON items (team_id, parent_id);
CREATE INDEX items_status ON items (team_id, status_id);
CREATE UNIQUE INDEX items_doc ON items (doc);

CREATE TABLE item_assignees (
    team_id    TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (team_id, item_id, account_id)
);
CREATE INDEX item_assignees_account ON item_assignees (team_id, account_id);

CREATE TABLE item_labels (
    team_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    label   TEXT NOT NULL,
    PRIMARY KEY (team_id, item_id, label)
);
CREATE INDEX item_labels_label ON item_labels (team_id, label);

-- Full-text index of items: rowid is items.doc. The comments column holds
-- items.search_comments, which the comment code keeps up to date.
CREATE VIRTUAL TABLE items_fts USING fts5(
    title, description, comments,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- +goose Down
DROP TABLE items_fts;
DROP TABLE item_labels;
DROP TABLE item_assignees;
DROP TABLE items;
DROP TABLE item_counters;
DROP TABLE backlog_settings;
DROP TABLE statuses;
