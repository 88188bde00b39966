package sqlstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/team"
)

func newTeamInput(slug, owner string) team.NewTeam {
	return team.NewTeam{Slug: slug, Name: "Team " + slug, CreatedBy: owner, Settings: team.DefaultSettings("Team " + slug),
		FirstProduct: &product.Product{Key: "PAMA", Name: "Pama"}}
}

// teamFilesIn lists the team files (and leftovers) in the teams directory.
func teamFilesIn(t *testing.T, s *Store) []string {
	t.Helper()
	if s.engine != SQLite {
		return nil
	}
	entries, err := os.ReadDir(s.teams.dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

func countRows(t *testing.T, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.platform.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A failure at any step of creating a team space leaves nothing behind,
// and the address can be used again.
func TestCreateTeamAllOrNothing(t *testing.T) {
	eachEngineInternal(t, func(t *testing.T, s *Store) {
		ctx := activity.WithActor(context.Background(), "acct-1")
		steps := []string{"contents", "activate"}
		if s.engine == SQLite {
			steps = append([]string{"file"}, steps...)
		}
		boom := errors.New("boom")
		for _, step := range steps {
			s.createHook = func(at string) error {
				if at == step {
					return boom
				}
				return nil
			}
			if _, err := s.CreateTeam(ctx, newTeamInput("whales", "acct-1")); !errors.Is(err, boom) {
				t.Fatalf("failing at %s: err = %v", step, err)
			}
			if n := countRows(t, s, `SELECT count(*) FROM teams`); n != 0 {
				t.Errorf("failing at %s left %d registry rows", step, n)
			}
			if files := teamFilesIn(t, s); len(files) != 0 {
				t.Errorf("failing at %s left files %v", step, files)
			}
			if s.engine == SQLite {
				if n := countRows(t, s, `SELECT count(*) FROM memberships`); n != 0 {
					t.Errorf("failing at %s left %d memberships", step, n)
				}
			} else {
				for _, table := range []string{"settings", "members", "products", "activity"} {
					if n := countRows(t, s, `SELECT count(*) FROM `+table); n != 0 {
						t.Errorf("failing at %s left %d rows in %s", step, n, table)
					}
				}
			}
		}
		s.createHook = nil
		c, err := s.CreateTeam(ctx, newTeamInput("whales", "acct-1"))
		if err != nil {
			t.Fatalf("create after failures: %v", err)
		}
		if c.Team.State != team.StateActive || c.Product == nil {
			t.Errorf("created = %+v", c)
		}
		mine, _, err := s.MyTeams(ctx, "acct-1", team.Page{Limit: 10})
		if err != nil || len(mine) != 1 || mine[0].Role != team.RoleOwner {
			t.Errorf("MyTeams = %+v, %v", mine, err)
		}
	})
}

// A crash between the steps of creation leaves a registry row in
// "creating" (and perhaps a file); the repair removes them once they are
// old enough, and leaves creations in progress alone.
func TestRepairStuckTeams(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old, fresh := newID(), newID()
	for _, c := range []struct {
		id, slug string
		age      time.Duration
	}{{old, "crashed", 2 * time.Minute}, {fresh, "in-progress", 0}} {
		created := time.Now().Add(-c.age)
		_, err := s.platform.Exec(`INSERT INTO teams (id, slug, name, state, created_by, created_at, updated_at) VALUES ($1, $2, 'x', 'creating', 'a', $3, $3)`,
			c.id, c.slug, ms(created))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.teams.create(c.id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.platform.Exec(`INSERT INTO memberships (account_id, team_id, role) VALUES ('a', $1, 'owner')`, old); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Opening the store repairs.
	s, err = Open(ctx, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if taken, _ := s.SlugTaken(ctx, "crashed"); taken {
		t.Error("the crashed creation still holds its address")
	}
	if taken, _ := s.SlugTaken(ctx, "in-progress"); !taken {
		t.Error("a creation in progress lost its address")
	}
	files := teamFilesIn(t, s)
	if slices.Contains(files, old+".db") || !slices.Contains(files, fresh+".db") {
		t.Errorf("team files after repair: %v", files)
	}
	if n := countRows(t, s, `SELECT count(*) FROM memberships WHERE team_id = $1`, old); n != 0 {
		t.Errorf("%d memberships of the crashed team remain", n)
	}
	// Later, the janitor's pass takes the other one too.
	if n, err := s.repairStuckTeams(ctx, time.Now().Add(time.Second)); err != nil || n != 1 {
		t.Errorf("second repair = %d, %v", n, err)
	}
	if files := teamFilesIn(t, s); len(files) != 0 {
		t.Errorf("team files after the second repair: %v", files)
	}
}

// The index in platform.db is rebuilt from the team file when it opens, so
// an index write lost to a crash is repaired on the next use.
func TestReconcileTeamIndex(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := activity.WithActor(context.Background(), "acct-1")
	c, err := s.CreateTeam(ctx, newTeamInput("whales", "acct-1"))
	if err != nil {
		t.Fatal(err)
	}
	id := c.Team.ID
	// Changes reach the team file, but the index copies are lost (or stale).
	err = s.inTeam(ctx, id, "test.lost", func(t *tx) error {
		if _, err := t.Exec(`INSERT INTO members (team_id, account_id, role, joined_at, updated_at) VALUES ($1, 'acct-2', 'member', 1, 1)`, id); err != nil {
			return err
		}
		if _, err := t.Exec(`INSERT INTO invitations (id, team_id, email, role, token_hash, invited_by, created_at, expires_at)
			VALUES ('inv-1', $1, 'gus@example.com', 'member', 'h', 'acct-1', 1, $2)`, id, ms(time.Now().Add(time.Hour))); err != nil {
			return err
		}
		_, err := t.Exec(`UPDATE settings SET name = 'Orcas' WHERE team_id = $1`, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.platform.Exec(`INSERT INTO memberships (account_id, team_id, role) VALUES ('acct-gone', $1, 'admin')`, id); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(context.Background(), Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if mine, _, _ := s.MyTeams(ctx, "acct-2", team.Page{Limit: 10}); len(mine) != 0 {
		t.Fatalf("index repaired before the file opened: %+v", mine)
	}
	if _, err := s.Settings(ctx, id); err != nil { // opens the file
		t.Fatal(err)
	}
	mine, _, err := s.MyTeams(ctx, "acct-2", team.Page{Limit: 10})
	if err != nil || len(mine) != 1 || mine[0].Role != team.RoleMember || mine[0].Name != "Orcas" {
		t.Errorf("acct-2's teams after reconcile = %+v, %v", mine, err)
	}
	if mine, _, _ := s.MyTeams(ctx, "acct-gone", team.Page{Limit: 10}); len(mine) != 0 {
		t.Errorf("stale membership survived: %+v", mine)
	}
	waiting, err := s.InvitationsFor(ctx, "gus@example.com", time.Now())
	if err != nil || len(waiting) != 1 || waiting[0].ID != "inv-1" || waiting[0].TeamName != "Orcas" {
		t.Errorf("invitations for gus = %+v, %v", waiting, err)
	}
	if _, err := s.Settings(ctx, filepath.Base("not-a-team")); !errors.Is(err, ErrNoTeamFile) {
		t.Errorf("settings of a bad id: %v", err)
	}
}
