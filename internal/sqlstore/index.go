package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// The team index (SQLite only)
//
// platform.db keeps two copies of team-file data so that questions across
// teams need not open every file: memberships (for "my teams") and
// invitation_index (for "invitations waiting for me"), plus the team's name
// in the registry. The team file is the truth. After every committed change
// to members, invitations or the name, syncTeamIndex rewrites the team's
// rows from the file; reconcileTeamIndex does the same whenever a file
// opens, so a copy lost to a crash between the two databases is repaired
// the next time the team is used. indexMu orders these rewrites, so an
// older view of a file never overwrites a newer one. On PostgreSQL the
// cross-team questions read the team tables directly, and no index exists.

// reconcileTeamIndex brings platform.db's membership and invitation index
// for team in line with the team file, which is the truth. It runs when a
// team file opens (SQLite only), so an index write lost to a crash is
// repaired on the next use.
func (s *Store) reconcileTeamIndex(ctx context.Context, team string, r queryer) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if err := s.writeTeamIndex(ctx, team, r); err != nil {
		s.log.WarnContext(ctx, "reconcile team index", "team", team, "err", err)
	}
}

// syncTeamIndex rewrites team's index rows from its file after a change
// (SQLite only). A failure is logged: the change itself is committed, and
// the next opening of the file repairs the index.
func (s *Store) syncTeamIndex(ctx context.Context, team string) {
	if s.engine != SQLite {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	h, err := s.teams.acquire(ctx, team) // before indexMu: opening a file takes it too
	if err != nil {
		s.log.WarnContext(ctx, "sync team index", "team", team, "err", err)
		return
	}
	defer h.release()
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if err := s.writeTeamIndex(ctx, team, h.r); err != nil {
		s.log.WarnContext(ctx, "sync team index", "team", team, "err", err)
	}
}

type indexedMember struct{ account, role string }

type indexedInvitation struct {
	id, email string
	expires   int64
}

// writeTeamIndex reads team's members, pending invitations and name from r
// (the team file) and replaces the team's rows in platform.db with them.
func (s *Store) writeTeamIndex(ctx context.Context, team string, r queryer) error {
	var members []indexedMember
	var invitations []indexedInvitation
	var name string
	rows, err := r.QueryContext(ctx, `SELECT account_id, role FROM members WHERE team_id = $1`, team)
	if err != nil {
		return fmt.Errorf("sqlstore: read members: %w", err)
	}
	for rows.Next() {
		var m indexedMember
		if err := rows.Scan(&m.account, &m.role); err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: read members: %w", err)
		}
		members = append(members, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: read members: %w", err)
	}
	rows, err = r.QueryContext(ctx, `SELECT id, email, expires_at FROM invitations
		WHERE team_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL`, team)
	if err != nil {
		return fmt.Errorf("sqlstore: read invitations: %w", err)
	}
	for rows.Next() {
		var i indexedInvitation
		if err := rows.Scan(&i.id, &i.email, &i.expires); err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: read invitations: %w", err)
		}
		invitations = append(invitations, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: read invitations: %w", err)
	}
	if err := r.QueryRowContext(ctx, `SELECT name FROM settings WHERE team_id = $1`, team).Scan(&name); err != nil {
		name = "" // a file still being created has no settings yet
	}
	return s.runTx(ctx, s.platform, "", func(t *tx) error {
		if _, err := t.ExecContext(ctx, `DELETE FROM memberships WHERE team_id = $1`, team); err != nil {
			return fmt.Errorf("sqlstore: clear memberships: %w", err)
		}
		for _, m := range members {
			if _, err := t.ExecContext(ctx, `INSERT INTO memberships (account_id, team_id, role) VALUES ($1, $2, $3)`,
				m.account, team, m.role); err != nil {
				return fmt.Errorf("sqlstore: index membership: %w", err)
			}
		}
		if _, err := t.ExecContext(ctx, `DELETE FROM invitation_index WHERE team_id = $1`, team); err != nil {
			return fmt.Errorf("sqlstore: clear invitation index: %w", err)
		}
		for _, i := range invitations {
			if _, err := t.ExecContext(ctx, `INSERT INTO invitation_index (invitation_id, email, team_id, expires_at) VALUES ($1, $2, $3, $4)`,
				i.id, i.email, team, i.expires); err != nil {
				return fmt.Errorf("sqlstore: index invitation: %w", err)
			}
		}
		if name != "" {
			if _, err := t.ExecContext(ctx, `UPDATE teams SET name = $2, updated_at = $3 WHERE id = $1 AND name <> $2`,
				team, name, ms(t.now)); err != nil {
				return fmt.Errorf("sqlstore: copy team name: %w", err)
			}
		}
		return nil
	})
}
