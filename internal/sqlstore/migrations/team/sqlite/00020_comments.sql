-- +goose Up
-- Comments on items. body is Markdown as written; a deleted comment keeps
-- its row with an empty body (its text stays in the activity record).
-- mentions is a JSON array of the account ids the body mentions.
CREATE TABLE comments (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    author_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    mentions   TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    edited_at  INTEGER NOT NULL DEFAULT 0,
    deleted_at INTEGER NOT NULL DEFAULT 0,
    deleted_by TEXT NOT NULL DEFAULT '',
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX comments_item ON comments (team_id, item_id, created_at, id);

-- Each member's inbox: read_at 0 means unread.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL,
    account_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    comment_id TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    read_at    INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX notifications_inbox ON notifications (team_id, account_id, id);
CREATE INDEX notifications_unread ON notifications (team_id, account_id) WHERE read_at = 0;
CREATE INDEX notifications_item ON notifications (team_id, item_id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE comments;
