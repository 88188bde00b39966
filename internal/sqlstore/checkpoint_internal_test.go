package sqlstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/team"
)

// walProgress reads, from a WAL file's shared index, how many frames the log
// holds and how many of them a checkpoint has copied back (SQLite's
// WalIndexHdr.mxFrame and WalCkptInfo.nBackfill, in native byte order).
func walProgress(t *testing.T, path string) (frames, backfilled uint32) {
	t.Helper()
	b, err := os.ReadFile(path + "-shm")
	if err != nil || len(b) < 100 {
		t.Fatalf("read wal index: %v (%d bytes)", err, len(b))
	}
	return binary.LittleEndian.Uint32(b[16:20]), binary.LittleEndian.Uint32(b[96:100])
}

// Team files checkpoint in the background: after a burst of commits the log
// is copied back without any further commit doing it.
func TestTeamLogIsCheckpointedInTheBackground(t *testing.T) {
	s, err := Open(context.Background(), Options{DataDir: t.TempDir(), TeamIdle: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	team := makeTeam(t, s)
	for i := range checkpointEvery * 20 {
		err := s.inTeam(ctx, team, "test.write", func(t *tx) error {
			_, err := t.ExecContext(ctx, `INSERT INTO products (id, team_id, key, name, created_at, updated_at)
				VALUES ($1, $2, $3, 'p', 0, 0)`, newID(), team, fmt.Sprintf("K%d", i))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	path := s.teams.path(team)
	deadline := time.Now().Add(10 * time.Second)
	for {
		frames, done := walProgress(t, path)
		if frames > 0 && done == frames {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log still has %d of %d frames not checkpointed", frames-done, frames)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// platform.db checkpoints in the background too: no request that writes the
// registry (creating a team space, signing in) pays for copying the log back.
func TestPlatformLogIsCheckpointedInTheBackground(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{DataDir: dir, TeamIdle: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := range checkpointEvery * 20 {
		err := s.inPlatform(ctx, "test.write", func(t *tx) error {
			return insertRegistry(t, team.Team{ID: newID(), Slug: fmt.Sprintf("space-%d", i), Name: "Space",
				State: team.StateActive, CreatedBy: "acct-1", CreatedAt: t.now, UpdatedAt: t.now, Version: 1})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	path := dir + "/platform.db"
	deadline := time.Now().Add(10 * time.Second)
	for {
		frames, done := walProgress(t, path)
		if frames > 0 && done == frames {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log still has %d of %d frames not checkpointed", frames-done, frames)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
