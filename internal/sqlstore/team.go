package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// Creating a team space
//
// On PostgreSQL a team space is made in one transaction: the registry row
// (state active), then, fenced to the new team, its settings, owner and first
// product. It exists whole or not at all.
//
// On SQLite it spans two databases and a file, in four steps:
//
//  1. platform.db: the registry row, state "creating" (this claims the slug);
//  2. the team file, copied from the migrated template;
//  3. the team file: settings, owner, first product and their activity;
//  4. platform.db: the owner's row in the memberships index, and the state
//     becomes "active" (one transaction).
//
// A failure at any step removes the file and the registry row before
// CreateTeam returns. A crash between steps leaves a registry row in
// "creating", which no one can reach (only active and suspended spaces are),
// and perhaps a file. repairStuckTeams removes both for rows older than
// stuckAfter; it runs when the store opens and every minute after.

// stuckAfter is how old a "creating" registry row must be before it is
// taken for the remains of a crash. Creating a space takes milliseconds.
const stuckAfter = time.Minute

const teamColumns = `id, slug, name, state, created_by, created_at, updated_at, version, closed`

func scanTeam(row interface{ Scan(...any) error }) (team.Team, error) {
	var t team.Team
	var state string
	var created, updated int64
	err := row.Scan(&t.ID, &t.Slug, &t.Name, &state, &t.CreatedBy, &created, &updated, &t.Version, &t.Closed)
	t.State, t.CreatedAt, t.UpdatedAt = team.State(state), fromMS(created), fromMS(updated)
	return t, err
}

// CreateTeam makes a whole team space or nothing. See "Creating a team space".
func (s *Store) CreateTeam(ctx context.Context, nt team.NewTeam) (team.Created, error) {
	id := newID()
	if s.engine == Postgres {
		return s.createTeamPostgres(ctx, id, nt)
	}
	return s.createTeamSQLite(ctx, id, nt)
}

// step runs the test hook for a step of team creation.
func (s *Store) step(name string) error {
	if s.createHook == nil {
		return nil
	}
	return s.createHook(name)
}

func (s *Store) createTeamPostgres(ctx context.Context, id string, nt team.NewTeam) (c team.Created, err error) {
	start := time.Now()
	defer func() { s.observe("team.create", time.Since(start), err) }()
	sqlTx, err := s.platform.BeginTx(ctx, nil)
	if err != nil {
		return c, fmt.Errorf("sqlstore: begin: %w", errors.Join(errkind.Unavailable, err))
	}
	defer sqlTx.Rollback()
	now := s.now().UTC().Truncate(time.Millisecond)
	pt := &tx{Tx: sqlTx, ctx: ctx, now: now}
	reg := team.Team{ID: id, Slug: nt.Slug, Name: nt.Name, State: team.StateActive, CreatedBy: nt.CreatedBy,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := insertRegistry(pt, reg); err != nil {
		return c, err
	}
	if err := pt.record("team", id, "created", 1, activity.Diff(nil, reg)); err != nil {
		return c, err
	}
	if err := s.step("contents"); err != nil {
		return c, err
	}
	if err := fence(ctx, sqlTx, id); err != nil {
		return c, err
	}
	tt := &tx{Tx: sqlTx, ctx: ctx, team: id, now: now}
	if c, err = insertTeamContents(tt, reg, nt); err != nil {
		return c, err
	}
	if err := s.step("activate"); err != nil {
		return c, err
	}
	if err := sqlTx.Commit(); err != nil {
		return c, fmt.Errorf("sqlstore: commit: %w", err)
	}
	if s.onCommit != nil {
		s.onCommit("", pt.entries)
		s.onCommit(id, tt.entries)
	}
	return c, nil
}

func (s *Store) createTeamSQLite(ctx context.Context, id string, nt team.NewTeam) (c team.Created, err error) {
	start := time.Now()
	defer func() { s.observe("team.create", time.Since(start), err) }()
	reg := team.Team{ID: id, Slug: nt.Slug, Name: nt.Name, State: team.StateCreating, CreatedBy: nt.CreatedBy,
		Version: 1}
	// 1. Claim the slug.
	err = s.runTx(ctx, s.platform, "", func(t *tx) error {
		reg.CreatedAt, reg.UpdatedAt = t.now, t.now
		return insertRegistry(t, reg)
	})
	if err != nil {
		return c, err
	}
	fail := func(err error) (team.Created, error) {
		if derr := s.discardTeam(context.WithoutCancel(ctx), id); derr != nil {
			s.log.ErrorContext(ctx, "discard half-made team space; it will be repaired", "team", id, "err", derr)
		}
		return team.Created{}, err
	}
	// 2. The file.
	if err := s.step("file"); err != nil {
		return fail(err)
	}
	if err := s.teams.create(id); err != nil {
		return fail(err)
	}
	// 3. Its contents.
	if err := s.step("contents"); err != nil {
		return fail(err)
	}
	h, err := s.teams.acquire(ctx, id)
	if err != nil {
		return fail(err)
	}
	err = s.runTx(ctx, h.w, id, func(t *tx) error {
		reg.State = team.StateActive
		var err error
		c, err = insertTeamContents(t, reg, nt)
		return err
	})
	h.release()
	if err != nil {
		return fail(err)
	}
	// 4. Index the owner and open the space.
	if err := s.step("activate"); err != nil {
		return fail(err)
	}
	err = s.runTx(ctx, s.platform, "", func(t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE teams SET state = 'active' WHERE id = $1 AND state = 'creating'`, id)
		if err != nil {
			return fmt.Errorf("sqlstore: activate team: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("sqlstore: activate team %s: registry entry is gone", id)
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO memberships (account_id, team_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (account_id, team_id) DO UPDATE SET role = excluded.role`, nt.CreatedBy, id, string(team.RoleOwner)); err != nil {
			return fmt.Errorf("sqlstore: index owner: %w", err)
		}
		reg.State = team.StateActive
		return t.record("team", id, "created", 1, activity.Diff(nil, reg))
	})
	if err != nil {
		return fail(err)
	}
	return c, nil
}

func insertRegistry(t *tx, reg team.Team) error {
	_, err := t.ExecContext(t.ctx, `INSERT INTO teams (`+teamColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		reg.ID, reg.Slug, reg.Name, string(reg.State), reg.CreatedBy, ms(reg.CreatedAt), ms(reg.UpdatedAt), reg.Version, reg.Closed)
	if isUniqueViolation(err) {
		return team.ErrSlugTaken
	}
	if err != nil {
		return fmt.Errorf("sqlstore: register team: %w", err)
	}
	return ensureOps(t, reg.ID)
}

// insertTeamContents writes a new team's settings, owner and first product
// in a team transaction.
func insertTeamContents(t *tx, reg team.Team, nt team.NewTeam) (team.Created, error) {
	set := nt.Settings
	set.TeamID, set.Name, set.CreatedAt, set.UpdatedAt, set.Version = reg.ID, nt.Name, t.now, t.now, 1
	if set.CustomDeck == nil {
		set.CustomDeck = []string{}
	}
	if set.TimeZone == "" {
		set.TimeZone = team.DefaultTimeZone
	}
	deck, _ := json.Marshal(set.CustomDeck)
	if _, err := t.ExecContext(t.ctx, `INSERT INTO settings (team_id, name, sprint_length_days, deck, custom_deck, facilitation, time_zone, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)`, reg.ID, set.Name, set.SprintLengthDays, string(set.Deck), string(deck),
		string(set.Facilitation), set.TimeZone, ms(t.now), ms(t.now)); err != nil {
		return team.Created{}, fmt.Errorf("sqlstore: insert settings: %w", err)
	}
	if err := t.record("team", reg.ID, "created", 1, activity.Diff(nil, set)); err != nil {
		return team.Created{}, err
	}
	owner := team.Member{TeamID: reg.ID, AccountID: nt.CreatedBy, Role: team.RoleOwner, JoinedAt: t.now, UpdatedAt: t.now, Version: 1}
	if err := insertMember(t, owner); err != nil {
		return team.Created{}, err
	}
	c := team.Created{Team: reg}
	c.Team.Name, c.Team.Version, c.Team.UpdatedAt = set.Name, set.Version, t.now
	if nt.FirstProduct != nil {
		p, err := insertProduct(t, *nt.FirstProduct)
		if err != nil {
			return team.Created{}, err
		}
		c.Product = &p
	}
	return c, nil
}

func insertMember(t *tx, m team.Member) error {
	_, err := t.ExecContext(t.ctx, `INSERT INTO members (team_id, account_id, role, joined_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.team, m.AccountID, string(m.Role), ms(m.JoinedAt), ms(m.UpdatedAt), m.Version)
	if isUniqueViolation(err) {
		return team.ErrAlreadyMember
	}
	if err != nil {
		return fmt.Errorf("sqlstore: insert member: %w", err)
	}
	return t.record("member", m.AccountID, "added", m.Version, activity.Diff(nil, m))
}

// discardTeam removes what a failed creation left: the file, index rows
// and the registry row (only while it is still "creating").
func (s *Store) discardTeam(ctx context.Context, id string) error {
	if err := s.teams.remove(ctx, id); err != nil {
		return err
	}
	return s.runTx(ctx, s.platform, "", func(t *tx) error {
		for _, q := range []string{
			`DELETE FROM memberships WHERE team_id = $1`,
			`DELETE FROM invitation_index WHERE team_id = $1`,
			`DELETE FROM teams WHERE id = $1 AND state = 'creating'`,
		} {
			if _, err := t.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("sqlstore: discard team: %w", err)
			}
		}
		return nil
	})
}

// repairStuckTeams discards team spaces left in "creating" since before
// cutoff (SQLite; on PostgreSQL creation is one transaction). It returns how
// many it removed.
func (s *Store) repairStuckTeams(ctx context.Context, cutoff time.Time) (int, error) {
	if s.engine != SQLite {
		return 0, nil
	}
	rows, err := s.platform.QueryContext(ctx, `SELECT id FROM teams WHERE state = 'creating' AND created_at < $1 LIMIT 1000`, ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: find stuck teams: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlstore: find stuck teams: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		if err := s.discardTeam(ctx, id); err != nil {
			return n, err
		}
		s.log.WarnContext(ctx, "removed a team space whose creation did not finish", "team", id)
		n++
	}
	return n, nil
}

// repairLoop runs repairStuckTeams every minute until stop closes.
func (s *Store) repairLoop(stop <-chan struct{}) {
	tick := time.NewTicker(stuckAfter)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			if _, err := s.repairStuckTeams(context.Background(), s.now().Add(-stuckAfter)); err != nil {
				s.log.Warn("repair team spaces", "err", err)
			}
		}
	}
}

// TeamByRef returns the registry entry of the team whose id or slug is ref.
func (s *Store) TeamByRef(ctx context.Context, ref string) (team.Team, error) {
	var t team.Team
	err := s.readPlatform(ctx, "team.by_ref", func(q queryer) error {
		col := "slug"
		if validTeamFileName(ref) {
			col = "id"
		}
		var err error
		t, err = scanTeam(q.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE `+col+` = $1`, ref))
		if errors.Is(err, sql.ErrNoRows) {
			return team.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: team by ref: %w", err)
		}
		return nil
	})
	return t, err
}

// SlugTaken reports whether a team space in any state uses slug.
func (s *Store) SlugTaken(ctx context.Context, slug string) (bool, error) {
	var n int
	err := s.readPlatform(ctx, "team.slug_taken", func(q queryer) error {
		return q.QueryRowContext(ctx, `SELECT count(*) FROM teams WHERE slug = $1`, slug).Scan(&n)
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: slug taken: %w", err)
	}
	return n > 0, nil
}

// TeamsCreatedBy counts the team spaces accountID created that are not deleted.
func (s *Store) TeamsCreatedBy(ctx context.Context, accountID string) (int, error) {
	var n int
	err := s.readPlatform(ctx, "team.created_by", func(q queryer) error {
		return q.QueryRowContext(ctx, `SELECT count(*) FROM teams WHERE created_by = $1 AND state <> 'deleted'`, accountID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: count teams: %w", err)
	}
	return n, nil
}

const memberColumns = `team_id, account_id, role, joined_at, updated_at, version`

func scanMember(row interface{ Scan(...any) error }) (team.Member, error) {
	var m team.Member
	var role string
	var joined, updated int64
	err := row.Scan(&m.TeamID, &m.AccountID, &role, &joined, &updated, &m.Version)
	m.Role, m.JoinedAt, m.UpdatedAt = team.Role(role), fromMS(joined), fromMS(updated)
	return m, err
}

func getMember(ctx context.Context, q queryer, teamID, accountID string) (team.Member, error) {
	m, err := scanMember(q.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members WHERE team_id = $1 AND account_id = $2`, teamID, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return m, team.ErrMemberNotFound
	}
	if err != nil {
		return m, fmt.Errorf("sqlstore: get member: %w", err)
	}
	return m, nil
}

const settingsColumns = `team_id, name, sprint_length_days, deck, custom_deck, facilitation, time_zone, created_at, updated_at, version`

func getSettings(ctx context.Context, q queryer, teamID string) (team.Settings, error) {
	var st team.Settings
	var deck, custom, fac string
	var created, updated int64
	err := q.QueryRowContext(ctx, `SELECT `+settingsColumns+` FROM settings WHERE team_id = $1`, teamID).
		Scan(&st.TeamID, &st.Name, &st.SprintLengthDays, &deck, &custom, &fac, &st.TimeZone, &created, &updated, &st.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return st, team.ErrNotFound
	}
	if err != nil {
		return st, fmt.Errorf("sqlstore: get settings: %w", err)
	}
	st.Deck, st.Facilitation, st.CreatedAt, st.UpdatedAt = team.Deck(deck), team.Facilitation(fac), fromMS(created), fromMS(updated)
	st.CustomDeck = []string{}
	if custom != "" {
		if err := json.Unmarshal([]byte(custom), &st.CustomDeck); err != nil {
			return st, fmt.Errorf("sqlstore: settings custom deck: %w", err)
		}
	}
	return st, nil
}

// MemberAccess returns accountID's membership in teamID and the team's settings.
func (s *Store) MemberAccess(ctx context.Context, teamID, accountID string) (team.Member, team.Settings, error) {
	var m team.Member
	var st team.Settings
	err := s.readTeam(ctx, teamID, "team.access", func(q queryer) error {
		var err error
		if m, err = getMember(ctx, q, teamID, accountID); err != nil {
			return err
		}
		st, err = getSettings(ctx, q, teamID)
		return err
	})
	return m, st, err
}

// MyTeams lists the reachable teams of accountID, by name. On SQLite it
// reads the memberships index in platform.db; on PostgreSQL the members
// table itself (the platform side is not fenced).
func (s *Store) MyTeams(ctx context.Context, accountID string, p team.Page) ([]team.MyTeam, string, error) {
	after, err := decodeCursor(p.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	if after == nil {
		after = []string{"", ""}
	}
	table := "memberships"
	if s.engine == Postgres {
		table = "members"
	}
	var out []team.MyTeam
	err = s.readPlatform(ctx, "team.mine", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT t.id, t.slug, t.name, t.state, m.role FROM `+table+` m
			JOIN teams t ON t.id = m.team_id
			WHERE m.account_id = $1 AND t.state IN ('active', 'suspended') AND NOT t.closed AND (lower(t.name), t.id) > ($2, $3)
			ORDER BY lower(t.name), t.id LIMIT $4`, accountID, after[0], after[1], p.Limit+1)
		if err != nil {
			return fmt.Errorf("sqlstore: my teams: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t team.MyTeam
			var state, role string
			if err := rows.Scan(&t.ID, &t.Slug, &t.Name, &state, &role); err != nil {
				return fmt.Errorf("sqlstore: my teams: %w", err)
			}
			t.State, t.Role = team.State(state), team.Role(role)
			out = append(out, t)
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
		next = encodeCursor(strings.ToLower(last.Name), last.ID)
	}
	return out, next, nil
}

// Settings returns the team's settings.
func (s *Store) Settings(ctx context.Context, teamID string) (team.Settings, error) {
	var st team.Settings
	err := s.readTeam(ctx, teamID, "team.settings", func(q queryer) error {
		var err error
		st, err = getSettings(ctx, q, teamID)
		return err
	})
	return st, err
}

// UpdateSettings stores st if the stored version is still version. A new
// name is recorded as the team "renamed" and copied to the registry (in the
// same transaction on PostgreSQL; right after it on SQLite, where the next
// opening of the file would repair a lost copy); other changes are recorded
// as the settings "updated".
func (s *Store) UpdateSettings(ctx context.Context, teamID string, st team.Settings, version int64) (team.Settings, error) {
	var after team.Settings
	err := s.inTeam(ctx, teamID, "team.update_settings", func(t *tx) error {
		before, err := getSettings(ctx, t, teamID)
		if err != nil {
			return err
		}
		if st.CustomDeck == nil {
			st.CustomDeck = []string{}
		}
		deck, _ := json.Marshal(st.CustomDeck)
		res, err := t.ExecContext(ctx, `UPDATE settings SET name = $3, sprint_length_days = $4, deck = $5, custom_deck = $6,
			facilitation = $7, time_zone = $8, updated_at = $9, version = version + 1 WHERE team_id = $1 AND version = $2`,
			teamID, version, st.Name, st.SprintLengthDays, string(st.Deck), string(deck), string(st.Facilitation), st.TimeZone, ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: update settings: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &errkind.VersionConflict{Entity: "settings", Version: before.Version, Current: before}
		}
		if after, err = getSettings(ctx, t, teamID); err != nil {
			return err
		}
		if before.Name != after.Name {
			err := t.record("team", teamID, "renamed", after.Version,
				activity.Diff(map[string]string{"name": before.Name}, map[string]string{"name": after.Name}))
			if err != nil {
				return err
			}
		}
		b, a := before, after
		b.Name, a.Name = "", ""
		if changes := activity.Diff(b, a); len(changes) > 0 || before.Name == after.Name {
			if err := t.record("settings", teamID, "updated", after.Version, changes); err != nil {
				return err
			}
		}
		if s.engine == Postgres && before.Name != after.Name {
			// Step out of the team fence to copy the name to the registry.
			if _, err := t.ExecContext(ctx, `SELECT set_config('role', 'none', true)`); err != nil {
				return fmt.Errorf("sqlstore: leave team fence: %w", err)
			}
			if _, err := t.ExecContext(ctx, `UPDATE teams SET name = $2, updated_at = $3 WHERE id = $1`, teamID, after.Name, ms(t.now)); err != nil {
				return fmt.Errorf("sqlstore: copy team name: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return team.Settings{}, err
	}
	s.syncTeamIndex(ctx, teamID)
	return after, nil
}

// Members lists one page of teamID's members by join time.
func (s *Store) Members(ctx context.Context, teamID string, p team.Page) ([]team.Member, string, error) {
	after, err := decodeCursor(p.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	var joined int64 = -1
	var acct string
	if after != nil {
		if joined, err = strconv.ParseInt(after[0], 10, 64); err != nil {
			return nil, "", errBadCursor
		}
		acct = after[1]
	}
	var out []team.Member
	err = s.readTeam(ctx, teamID, "team.members", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+memberColumns+` FROM members
			WHERE team_id = $1 AND (joined_at, account_id) > ($2, $3) ORDER BY joined_at, account_id LIMIT $4`,
			teamID, joined, acct, p.Limit+1)
		if err != nil {
			return fmt.Errorf("sqlstore: members: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMember(rows)
			if err != nil {
				return fmt.Errorf("sqlstore: members: %w", err)
			}
			out = append(out, m)
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
		next = encodeCursor(strconv.FormatInt(ms(last.JoinedAt), 10), last.AccountID)
	}
	return out, next, nil
}

// MemberIDs returns the account ids of every member of teamID.
func (s *Store) MemberIDs(ctx context.Context, teamID string) ([]string, error) {
	var out []string
	err := s.readTeam(ctx, teamID, "team.member_ids", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT account_id FROM members WHERE team_id = $1 ORDER BY account_id LIMIT 100000`, teamID)
		if err != nil {
			return fmt.Errorf("sqlstore: member ids: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return fmt.Errorf("sqlstore: member ids: %w", err)
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	return out, err
}

// Member returns one member of teamID.
func (s *Store) Member(ctx context.Context, teamID, accountID string) (team.Member, error) {
	var m team.Member
	err := s.readTeam(ctx, teamID, "team.member", func(q queryer) error {
		var err error
		m, err = getMember(ctx, q, teamID, accountID)
		return err
	})
	return m, err
}

// lockTeam serialises the member and invitation changes of one team on
// PostgreSQL, so that rules counting rows (the last owner, invitation
// limits) see every committed change. SQLite write transactions are
// serialised already.
func (s *Store) lockTeam(t *tx) error {
	if s.engine != Postgres {
		return nil
	}
	if _, err := t.ExecContext(t.ctx, `SELECT version FROM settings WHERE team_id = $1 FOR UPDATE`, t.team); err != nil {
		return fmt.Errorf("sqlstore: lock team: %w", err)
	}
	return nil
}

// ownerGuard is the SQL condition, on a members row, that a change may
// touch it: owners only when $ownersAllowed, and never the last owner
// unless the new role keeps it an owner. $1 is the team id.
const ownerGuard = `(%[1]s OR role <> 'owner')
	AND (role <> 'owner' OR %[2]s OR (SELECT count(*) FROM members o WHERE o.team_id = $1 AND o.role = 'owner') > 1)`

// SetMemberRole changes a member's role if its version is still version.
// The owner rules are part of the UPDATE statement itself.
func (s *Store) SetMemberRole(ctx context.Context, teamID, accountID string, role team.Role, version int64, ownersAllowed bool) (team.Member, error) {
	var after team.Member
	err := s.inTeam(ctx, teamID, "team.set_member_role", func(t *tx) error {
		if err := s.lockTeam(t); err != nil {
			return err
		}
		before, err := getMember(ctx, t, teamID, accountID)
		if err != nil {
			return err
		}
		if before.Version != version {
			return &errkind.VersionConflict{Entity: "member", Version: before.Version, Current: before}
		}
		if before.Role == role {
			after = before
			return nil
		}
		res, err := t.ExecContext(ctx, `UPDATE members SET role = $3, updated_at = $4, version = version + 1
			WHERE team_id = $1 AND account_id = $2 AND version = $5 AND `+fmt.Sprintf(ownerGuard, "$6", "$3 = 'owner'"),
			teamID, accountID, string(role), ms(t.now), version, ownersAllowed)
		if err != nil {
			return fmt.Errorf("sqlstore: set member role: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if before.Role == team.RoleOwner && !ownersAllowed {
				return team.ErrOwnersOnly
			}
			return team.ErrLastOwner
		}
		if after, err = getMember(ctx, t, teamID, accountID); err != nil {
			return err
		}
		return t.record("member", accountID, "role_changed", after.Version, activity.Diff(before, after))
	})
	if err != nil {
		return team.Member{}, err
	}
	s.syncTeamIndex(ctx, teamID)
	return after, nil
}

// RemoveMember removes a member, with the owner rules in the DELETE
// statement, and records action.
func (s *Store) RemoveMember(ctx context.Context, teamID, accountID string, ownersAllowed bool, action string) (team.Member, error) {
	var before team.Member
	err := s.inTeam(ctx, teamID, "team.remove_member", func(t *tx) error {
		if err := s.lockTeam(t); err != nil {
			return err
		}
		var err error
		if before, err = getMember(ctx, t, teamID, accountID); err != nil {
			return err
		}
		res, err := t.ExecContext(ctx, `DELETE FROM members WHERE team_id = $1 AND account_id = $2 AND `+fmt.Sprintf(ownerGuard, "$3", "FALSE"),
			teamID, accountID, ownersAllowed)
		if err != nil {
			return fmt.Errorf("sqlstore: remove member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if before.Role == team.RoleOwner && !ownersAllowed {
				return team.ErrOwnersOnly
			}
			return team.ErrLastOwner
		}
		return t.record("member", accountID, action, before.Version+1, activity.Diff(before, nil))
	})
	if err != nil {
		return team.Member{}, err
	}
	s.syncTeamIndex(ctx, teamID)
	return before, nil
}

// SetTeamState moves the team space id to state (suspend, resume, archive)
// and records it in the platform activity. Only active and suspended spaces
// can be reached by members.
func (s *Store) SetTeamState(ctx context.Context, id string, state team.State) (team.Team, error) {
	var after team.Team
	err := s.inPlatform(ctx, "team.set_state", func(t *tx) error {
		before, err := scanTeam(t.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return team.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlstore: get team: %w", err)
		}
		if _, err := t.ExecContext(ctx, `UPDATE teams SET state = $2, updated_at = $3, version = version + 1 WHERE id = $1`,
			id, string(state), ms(t.now)); err != nil {
			return fmt.Errorf("sqlstore: set team state: %w", err)
		}
		after = before
		after.State, after.UpdatedAt, after.Version = state, t.now, before.Version+1
		return t.record("team", id, "state_changed", after.Version, activity.Diff(before, after))
	})
	return after, err
}
