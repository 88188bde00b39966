package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// maxMarkBatch bounds the seqs one MarkPublishedSeqs statement names.
const maxMarkBatch = 500

// MarkPublishedSeqs marks exactly the given entries of team as published. It
// marks nothing else, so an entry committed elsewhere and not yet published
// stays for the sweep, whatever its seq.
func (s *Store) MarkPublishedSeqs(ctx context.Context, team string, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	return s.inTeam(ctx, team, "activity.mark_published", func(t *tx) error {
		for len(seqs) > 0 {
			n := min(len(seqs), maxMarkBatch)
			var b strings.Builder
			args := make([]any, 0, n+1)
			args = append(args, team)
			b.WriteString(`UPDATE activity SET published = TRUE WHERE team_id = $1 AND seq IN (`)
			for i, seq := range seqs[:n] {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", i+2)
				args = append(args, seq)
			}
			b.WriteString(`)`)
			if _, err := t.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("sqlstore: mark published: %w", err)
			}
			seqs = seqs[n:]
		}
		return nil
	})
}

// cleanMarker, in the teams directory, records when the real-time relay last
// stopped with everything published (SQLite only).
const cleanMarker = ".published-clean"

// OutboxClean records that every entry committed so far is published (the
// real-time layer stopped cleanly). The next full UnpublishedTeams then looks
// only at team files written since, instead of opening every one. On
// PostgreSQL it does nothing: there the check is one query anyway.
func (s *Store) OutboxClean(ctx context.Context) error {
	if s.engine != SQLite {
		return nil
	}
	path := filepath.Join(s.teams.dir, cleanMarker)
	if err := os.WriteFile(path, []byte(strconv.FormatInt(time.Now().UnixMilli(), 10)), 0o640); err != nil {
		return fmt.Errorf("sqlstore: outbox clean marker: %w", err)
	}
	return nil
}

// UnpublishedTeams lists the teams that have entries recorded before
// `before` and not yet published. On PostgreSQL it is one query. On SQLite
// only the team files open now are looked at, unless everywhere is set, when
// every team file written since the last OutboxClean is (all of them if the
// last stop was not clean), opened if need be (they close again when idle):
// the real-time relay asks for that once at startup, to find what a crash
// left.
func (s *Store) UnpublishedTeams(ctx context.Context, before time.Time, everywhere bool) ([]string, error) {
	if s.engine == Postgres {
		var out []string
		err := s.readPlatform(ctx, "activity.unpublished_teams", func(q queryer) error {
			rows, err := q.QueryContext(ctx, `SELECT DISTINCT team_id FROM activity WHERE NOT published AND at < $1`, ms(before))
			if err != nil {
				return fmt.Errorf("sqlstore: unpublished teams: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				var t string
				if err := rows.Scan(&t); err != nil {
					return fmt.Errorf("sqlstore: unpublished teams: %w", err)
				}
				out = append(out, t)
			}
			return rows.Err()
		})
		return out, err
	}
	var teams []string
	if everywhere {
		// Files not written since a clean stop hold nothing unpublished.
		var since time.Time
		marker := filepath.Join(s.teams.dir, cleanMarker)
		if raw, err := os.ReadFile(marker); err == nil {
			if v, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64); err == nil {
				since = time.UnixMilli(v).Add(-time.Minute)
			}
			os.Remove(marker)
		}
		des, err := os.ReadDir(s.teams.dir)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list team files: %w", err)
		}
		for _, de := range des {
			name, ok := strings.CutSuffix(de.Name(), ".db")
			if !ok || de.IsDir() || !validTeamFileName(name) {
				continue
			}
			if !since.IsZero() && !writtenSince(filepath.Join(s.teams.dir, de.Name()), since) {
				continue
			}
			teams = append(teams, name)
		}
	} else {
		s.teams.mu.Lock()
		for t := range s.teams.open {
			teams = append(teams, t)
		}
		s.teams.mu.Unlock()
	}
	var out []string
	for _, team := range teams {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		var n int
		err := s.readTeam(ctx, team, "activity.unpublished_teams", func(q queryer) error {
			return q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM activity
				WHERE team_id = $1 AND NOT published AND at < $2 LIMIT 1) AS x`, team, ms(before)).Scan(&n)
		})
		if errors.Is(err, ErrNoTeamFile) {
			continue // deleted meanwhile
		}
		if err != nil {
			return out, fmt.Errorf("sqlstore: unpublished teams: %w", err)
		}
		if n > 0 {
			out = append(out, team)
		}
	}
	return out, nil
}

// writtenSince reports whether a team file, or its write-ahead log, was
// modified at or after t.
func writtenSince(path string, t time.Time) bool {
	for _, p := range []string{path, path + "-wal"} {
		if st, err := os.Stat(p); err == nil && !st.ModTime().Before(t) {
			return true
		}
	}
	return false
}
