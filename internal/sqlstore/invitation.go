package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

const invitationColumns = `id, team_id, email, role, invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at, version`

func scanInvitation(row interface{ Scan(...any) error }) (team.Invitation, error) {
	var inv team.Invitation
	var role string
	var created, expires int64
	var accepted, revoked sql.NullInt64
	err := row.Scan(&inv.ID, &inv.TeamID, &inv.Email, &role, &inv.InvitedBy, &created, &expires, &accepted, &inv.AcceptedBy, &revoked, &inv.Version)
	inv.Role, inv.CreatedAt, inv.ExpiresAt = team.Role(role), fromMS(created), fromMS(expires)
	inv.AcceptedAt, inv.RevokedAt = nullMS(accepted), nullMS(revoked)
	return inv, err
}

func getInvitation(ctx context.Context, q queryer, teamID, where string, arg any) (team.Invitation, error) {
	inv, err := scanInvitation(q.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations
		WHERE team_id = $1 AND `+where+` = $2`, teamID, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return inv, team.ErrInvitationNotFound
	}
	if err != nil {
		return inv, fmt.Errorf("sqlstore: get invitation: %w", err)
	}
	return inv, nil
}

// checkInvitationLimits refuses a new or renewed invitation when the team
// has lim.MaxPending pending invitations (if countPending) or sent
// lim.PerWindow in the last lim.Window.
func checkInvitationLimits(t *tx, lim team.InvitationLimits, countPending bool) error {
	if countPending && lim.MaxPending > 0 {
		var n int
		if err := t.QueryRowContext(t.ctx, `SELECT count(*) FROM invitations WHERE team_id = $1
			AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2`, t.team, ms(t.now)).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: count pending invitations: %w", err)
		}
		if n >= lim.MaxPending {
			return team.ErrTooManyPending
		}
	}
	if lim.PerWindow > 0 {
		var n int
		var oldest sql.NullInt64
		since := t.now.Add(-lim.Window)
		if err := t.QueryRowContext(t.ctx, `SELECT count(*), min(at) FROM activity WHERE team_id = $1
			AND entity_type = 'invitation' AND action IN ('created', 'resent') AND at > $2`, t.team, ms(since)).Scan(&n, &oldest); err != nil {
			return fmt.Errorf("sqlstore: count recent invitations: %w", err)
		}
		if n >= lim.PerWindow {
			wait := nullMS(oldest).Add(lim.Window).Sub(t.now)
			return &errkind.LimitError{What: "invitations from this team", RetryAfter: max(wait, time.Second)}
		}
	}
	return nil
}

// CreateInvitation stores a pending invitation with the hash of its token.
func (s *Store) CreateInvitation(ctx context.Context, teamID string, inv team.Invitation, tokenHash string, lim team.InvitationLimits) (team.Invitation, error) {
	err := s.inTeam(ctx, teamID, "team.create_invitation", func(t *tx) error {
		if err := s.lockTeam(t); err != nil {
			return err
		}
		var n int
		if err := t.QueryRowContext(ctx, `SELECT count(*) FROM invitations WHERE team_id = $1 AND email = $2
			AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3`, teamID, inv.Email, ms(t.now)).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: find invitation: %w", err)
		}
		if n > 0 {
			return team.ErrAlreadyInvited
		}
		if err := checkInvitationLimits(t, lim, true); err != nil {
			return err
		}
		inv.ID, inv.TeamID, inv.CreatedAt, inv.Version = newID(), teamID, t.now, 1
		inv.ExpiresAt = inv.ExpiresAt.UTC().Truncate(time.Millisecond)
		_, err := t.ExecContext(ctx, `INSERT INTO invitations (id, team_id, email, role, token_hash, invited_by, created_at, expires_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)`, inv.ID, teamID, inv.Email, string(inv.Role), tokenHash, inv.InvitedBy,
			ms(inv.CreatedAt), ms(inv.ExpiresAt))
		if err != nil {
			return fmt.Errorf("sqlstore: insert invitation: %w", err)
		}
		return t.record("invitation", inv.ID, "created", 1, activity.Diff(nil, inv))
	})
	if err != nil {
		return team.Invitation{}, err
	}
	s.syncTeamIndex(ctx, teamID)
	return inv, nil
}

// Invitations lists one page of teamID's invitations, newest first.
func (s *Store) Invitations(ctx context.Context, teamID string, p team.Page) ([]team.Invitation, string, error) {
	before, err := decodeCursor(p.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	created, id := int64(1)<<62, ""
	if before != nil {
		if created, err = strconv.ParseInt(before[0], 10, 64); err != nil {
			return nil, "", errBadCursor
		}
		id = before[1]
	} else {
		id = "~" // sorts after every id
	}
	var out []team.Invitation
	err = s.readTeam(ctx, teamID, "team.invitations", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+invitationColumns+` FROM invitations
			WHERE team_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4`,
			teamID, created, id, p.Limit+1)
		if err != nil {
			return fmt.Errorf("sqlstore: invitations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			inv, err := scanInvitation(rows)
			if err != nil {
				return fmt.Errorf("sqlstore: invitations: %w", err)
			}
			out = append(out, inv)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(out) > p.Limit {
		out = out[:p.Limit]
		last := out[len(out)-1]
		next = encodeCursor(strconv.FormatInt(ms(last.CreatedAt), 10), last.ID)
	}
	return out, next, nil
}

// Invitation returns one invitation of teamID.
func (s *Store) Invitation(ctx context.Context, teamID, id string) (team.Invitation, error) {
	var inv team.Invitation
	err := s.readTeam(ctx, teamID, "team.invitation", func(q queryer) error {
		var err error
		inv, err = getInvitation(ctx, q, teamID, "id", id)
		return err
	})
	return inv, err
}

// InvitationByToken returns the invitation of teamID whose token hashes to tokenHash.
func (s *Store) InvitationByToken(ctx context.Context, teamID, tokenHash string) (team.Invitation, error) {
	var inv team.Invitation
	err := s.readTeam(ctx, teamID, "team.invitation_by_token", func(q queryer) error {
		var err error
		inv, err = getInvitation(ctx, q, teamID, "token_hash", tokenHash)
		return err
	})
	return inv, err
}

// RevokeInvitation revokes an invitation that was neither accepted nor revoked.
func (s *Store) RevokeInvitation(ctx context.Context, teamID, id string) (team.Invitation, error) {
	var after team.Invitation
	err := s.inTeam(ctx, teamID, "team.revoke_invitation", func(t *tx) error {
		before, err := getInvitation(ctx, t, teamID, "id", id)
		if err != nil {
			return err
		}
		res, err := t.ExecContext(ctx, `UPDATE invitations SET revoked_at = $3, version = version + 1
			WHERE team_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`, teamID, id, ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: revoke invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return team.ErrInvitationClosed
		}
		if after, err = getInvitation(ctx, t, teamID, "id", id); err != nil {
			return err
		}
		return t.record("invitation", id, "revoked", after.Version, activity.Diff(before, after))
	})
	if err != nil {
		return team.Invitation{}, err
	}
	s.syncTeamIndex(ctx, teamID)
	return after, nil
}

// RenewInvitation gives a pending or expired invitation a new token hash and
// expiry, as sent again by the account by.
func (s *Store) RenewInvitation(ctx context.Context, teamID, id, by, tokenHash string, expires time.Time, lim team.InvitationLimits) (team.Invitation, error) {
	var after team.Invitation
	err := s.inTeam(ctx, teamID, "team.renew_invitation", func(t *tx) error {
		if err := s.lockTeam(t); err != nil {
			return err
		}
		before, err := getInvitation(ctx, t, teamID, "id", id)
		if err != nil {
			return err
		}
		if !before.AcceptedAt.IsZero() || !before.RevokedAt.IsZero() {
			return team.ErrInvitationClosed
		}
		// An expired invitation becomes pending again, so it counts.
		if err := checkInvitationLimits(t, lim, !before.ExpiresAt.After(t.now)); err != nil {
			return err
		}
		res, err := t.ExecContext(ctx, `UPDATE invitations SET token_hash = $3, expires_at = $4, invited_by = $5, version = version + 1
			WHERE team_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
			teamID, id, tokenHash, ms(expires), by)
		if err != nil {
			return fmt.Errorf("sqlstore: renew invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return team.ErrInvitationClosed
		}
		if after, err = getInvitation(ctx, t, teamID, "id", id); err != nil {
			return err
		}
		return t.record("invitation", id, "resent", after.Version, activity.Diff(before, after))
	})
	if err != nil {
		return team.Invitation{}, err
	}
	s.syncTeamIndex(ctx, teamID)
	return after, nil
}

// AcceptInvitation marks the invitation accepted by accountID and adds the
// member, in one transaction. The UPDATE admits only a pending invitation,
// so each is accepted at most once.
func (s *Store) AcceptInvitation(ctx context.Context, teamID, id, accountID string, now time.Time, maxMembers int) (team.Member, error) {
	var m team.Member
	err := s.inTeam(ctx, teamID, "team.accept_invitation", func(t *tx) error {
		if err := s.lockTeam(t); err != nil {
			return err
		}
		before, err := getInvitation(ctx, t, teamID, "id", id)
		if err != nil {
			return err
		}
		res, err := t.ExecContext(ctx, `UPDATE invitations SET accepted_at = $3, accepted_by = $4, version = version + 1
			WHERE team_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $5`,
			teamID, id, ms(t.now), accountID, ms(now))
		if err != nil {
			return fmt.Errorf("sqlstore: accept invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			switch before.StatusAt(now) {
			case team.InvitationAccepted:
				return team.ErrInvitationUsed
			case team.InvitationExpired:
				return team.ErrInvitationExpired
			}
			return team.ErrInvitationNotFound
		}
		if _, err := getMember(ctx, t, teamID, accountID); err == nil {
			return team.ErrAlreadyMember
		} else if !errors.Is(err, team.ErrMemberNotFound) {
			return err
		}
		if maxMembers > 0 {
			var n int
			if err := t.QueryRowContext(ctx, `SELECT count(*) FROM members WHERE team_id = $1`, teamID).Scan(&n); err != nil {
				return fmt.Errorf("sqlstore: count members: %w", err)
			}
			if n >= maxMembers {
				return team.ErrTooManyMembers
			}
		}
		after, err := getInvitation(ctx, t, teamID, "id", id)
		if err != nil {
			return err
		}
		if err := t.record("invitation", id, "accepted", after.Version, activity.Diff(before, after)); err != nil {
			return err
		}
		m = team.Member{TeamID: teamID, AccountID: accountID, Role: before.Role, JoinedAt: t.now, UpdatedAt: t.now, Version: 1}
		return insertMember(t, m)
	})
	if err != nil {
		return team.Member{}, err
	}
	s.syncTeamIndex(ctx, teamID)
	return m, nil
}

// maxWaiting caps the invitations listed for one address.
const maxWaiting = 50

// InvitationsFor lists invitations to email that are pending at now, in
// reachable teams, newest first. On PostgreSQL it reads the invitations
// table across teams (the platform side is not fenced); on SQLite it finds
// the teams through platform.db's invitation_index and reads each team file.
func (s *Store) InvitationsFor(ctx context.Context, email string, now time.Time) ([]team.PendingInvitation, error) {
	var out []team.PendingInvitation
	if s.engine == Postgres {
		err := s.readPlatform(ctx, "team.invitations_for", func(q queryer) error {
			rows, err := q.QueryContext(ctx, `SELECT i.id, i.team_id, i.email, i.role, i.invited_by, i.created_at, i.expires_at,
				i.accepted_at, i.accepted_by, i.revoked_at, i.version, t.slug, t.name
				FROM invitations i JOIN teams t ON t.id = i.team_id
				WHERE i.email = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2
				AND t.state IN ('active', 'suspended') AND NOT t.closed ORDER BY i.created_at DESC LIMIT $3`, email, ms(now), maxWaiting)
			if err != nil {
				return fmt.Errorf("sqlstore: invitations for: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				var p team.PendingInvitation
				var role string
				var created, expires int64
				var accepted, revoked sql.NullInt64
				if err := rows.Scan(&p.ID, &p.TeamID, &p.Email, &role, &p.InvitedBy, &created, &expires, &accepted,
					&p.AcceptedBy, &revoked, &p.Version, &p.TeamSlug, &p.TeamName); err != nil {
					return fmt.Errorf("sqlstore: invitations for: %w", err)
				}
				p.Role, p.CreatedAt, p.ExpiresAt = team.Role(role), fromMS(created), fromMS(expires)
				p.AcceptedAt, p.RevokedAt = nullMS(accepted), nullMS(revoked)
				out = append(out, p)
			}
			return rows.Err()
		})
		return out, err
	}
	type ref struct{ id, team, slug, name string }
	var refs []ref
	err := s.readPlatform(ctx, "team.invitations_for", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT ii.invitation_id, ii.team_id, t.slug, t.name FROM invitation_index ii
			JOIN teams t ON t.id = ii.team_id
			WHERE ii.email = $1 AND ii.expires_at > $2 AND t.state IN ('active', 'suspended') AND NOT t.closed
			ORDER BY ii.invitation_id DESC LIMIT $3`, email, ms(now), maxWaiting)
		if err != nil {
			return fmt.Errorf("sqlstore: invitations for: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r ref
			if err := rows.Scan(&r.id, &r.team, &r.slug, &r.name); err != nil {
				return fmt.Errorf("sqlstore: invitations for: %w", err)
			}
			refs = append(refs, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// The team file is the truth: the index only says where to look.
	for _, r := range refs {
		inv, err := s.Invitation(ctx, r.team, r.id)
		if errors.Is(err, errkind.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if inv.Email != email || inv.StatusAt(now) != team.InvitationPending {
			continue
		}
		out = append(out, team.PendingInvitation{Invitation: inv, TeamSlug: r.slug, TeamName: r.name})
	}
	return out, nil
}
