-- +goose Up
-- Files attached to items or comments. The content is in the blob store
-- under blob_key; content_type was sniffed from the content.
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    team_id      TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    comment_id   TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_item ON attachments (team_id, item_id, created_at);
CREATE INDEX attachments_comment ON attachments (team_id, comment_id);

-- What a team's attachments take up, kept in step with attachments in the
-- same transactions, so the quota check is one guarded update.
CREATE TABLE storage_usage (
    team_id TEXT PRIMARY KEY,
    bytes   INTEGER NOT NULL DEFAULT 0,
    files   INTEGER NOT NULL DEFAULT 0
);

-- Blobs to delete once due_at has passed: contents of deleted attachments
-- (due at once) and uploads in flight (due when they would have timed out,
-- unless the upload completes and removes its row).
CREATE TABLE blob_trash (
    team_id TEXT NOT NULL,
    key     TEXT NOT NULL,
    due_at  INTEGER NOT NULL,
    PRIMARY KEY (team_id, key)
);
CREATE INDEX blob_trash_due ON blob_trash (team_id, due_at);

-- +goose Down
DROP TABLE blob_trash;
DROP TABLE storage_usage;
DROP TABLE attachments;
