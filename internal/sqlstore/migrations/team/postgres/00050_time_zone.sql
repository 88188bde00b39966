-- +goose Up
-- The team's IANA time zone: reports count days in it.
ALTER TABLE settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- +goose Down
ALTER TABLE settings DROP COLUMN time_zone;
