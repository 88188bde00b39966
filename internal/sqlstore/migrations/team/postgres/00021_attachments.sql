-- +goose Up
-- Files attached to items or comments. The content is in the blob store
-- under blob_key; content_type was sniffed from the content.
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    team_id      TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    comment_id   TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_item ON attachments (team_id, item_id, created_at);
CREATE INDEX attachments_comment ON attachments (team_id, comment_id);
SELECT pama_fence('attachments');

-- What a team's attachments take up, kept in step with attachments in the
-- same transactions, so the quota check is one guarded update (which takes
-- the row's lock, so concurrent uploads are counted one after the other).
CREATE TABLE storage_usage (
    team_id TEXT PRIMARY KEY,
    bytes   BIGINT NOT NULL DEFAULT 0,
    files   BIGINT NOT NULL DEFAULT 0
);
SELECT pama_fence('storage_usage');

-- Blobs to delete once due_at has passed: contents of deleted attachments
-- (due at once) and uploads in flight (due when they would have timed out,
-- unless the upload completes and removes its row).
CREATE TABLE blob_trash (
    team_id TEXT NOT NULL,
    key     TEXT NOT NULL,
    due_at  BIGINT NOT NULL,
    PRIMARY KEY (team_id, key)
);
CREATE INDEX blob_trash_due ON blob_trash (team_id, due_at);
SELECT pama_fence('blob_trash');

-- +goose Down
DROP TABLE blob_trash;
DROP TABLE storage_usage;
DROP TABLE attachments;
