package team_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
	"github.com/pamateam/pama/internal/team"
)

// actions returns "entity_type/action" of team's activity, oldest first.
func actions(t *testing.T, s *sqlstore.Store, teamID string) []string {
	t.Helper()
	feed, err := s.ActivityFeed(context.Background(), teamID, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(feed) - 1; i >= 0; i-- {
		out = append(out, feed[i].EntityType+"/"+feed[i].Action)
	}
	return out
}

func TestCreateTeam(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s, team.Config{})
		ada, ctx := f.person("Ada")
		c, err := f.svc.Create(ctx, ada, team.CreateInput{Name: "  Blue Whales ", Slug: "Blue-Whales",
			FirstProduct: &product.Draft{Key: "PAMA", Name: "Pama web"}})
		if err != nil {
			t.Fatal(err)
		}
		if c.Team.Name != "Blue Whales" || c.Team.Slug != "blue-whales" || c.Team.State != team.StateActive || c.Team.CreatedBy != ada || c.Team.Version != 1 {
			t.Errorf("created team = %+v", c.Team)
		}
		if c.Product == nil || c.Product.Key != "PAMA" || c.Product.TeamID != c.Team.ID {
			t.Errorf("first product = %+v", c.Product)
		}
		for _, ref := range []string{c.Team.ID, "blue-whales", "BLUE-WHALES"} {
			acc, err := f.svc.Access(ctx, ref, ada)
			if err != nil {
				t.Fatalf("Access(%q): %v", ref, err)
			}
			if acc.Team.ID != c.Team.ID || acc.Member.Role != team.RoleOwner || acc.Facilitation != team.FacilitationAnyone {
				t.Errorf("Access(%q) = %+v", ref, acc)
			}
		}
		want := []string{"team/created", "member/added", "product/created"}
		if diff := cmp.Diff(want, actions(t, s, c.Team.ID)); diff != "" {
			t.Errorf("activity (-want +got):\n%s", diff)
		}
		set, err := f.svc.Settings(ctx, f.access(t, ctx, c.Team.ID, ada))
		if err != nil {
			t.Fatal(err)
		}
		if set.Name != "Blue Whales" || set.SprintLengthDays != 14 || set.Deck != team.DeckFibonacci || set.Version != 1 {
			t.Errorf("settings = %+v", set)
		}
		mine, next, err := f.svc.MyTeams(ctx, ada, team.Page{})
		if err != nil {
			t.Fatal(err)
		}
		wantMine := []team.MyTeam{{ID: c.Team.ID, Slug: "blue-whales", Name: "Blue Whales", State: team.StateActive, Role: team.RoleOwner}}
		if diff := cmp.Diff(wantMine, mine); diff != "" || next != "" {
			t.Errorf("MyTeams (-want +got):\n%s next=%q", diff, next)
		}

		// The address is now taken, in any case; the error names the field.
		_, err = f.svc.Create(ctx, ada, team.CreateInput{Name: "Other", Slug: "blue-whales"})
		var fc *errkind.FieldConflict
		if !errors.Is(err, team.ErrSlugTaken) || !errors.Is(err, errkind.Conflict) || !errors.As(err, &fc) || fc.Field != "slug" {
			t.Errorf("second create with the same slug: %v", err)
		}
		ok, reason, err := f.svc.SlugAvailable(ctx, "blue-whales")
		if err != nil || ok || reason == "" {
			t.Errorf("SlugAvailable(taken) = %v, %q, %v", ok, reason, err)
		}
		ok, _, err = f.svc.SlugAvailable(ctx, "green-whales")
		if err != nil || !ok {
			t.Errorf("SlugAvailable(free) = %v, %v", ok, err)
		}
		ok, reason, _ = f.svc.SlugAvailable(ctx, "api")
		if ok || !strings.Contains(reason, "reserved") {
			t.Errorf("SlugAvailable(api) = %v, %q", ok, reason)
		}
	})
}

func TestCreateTeamRefusesBadInput(t *testing.T) {
	s := sqlstoretest.SQLite(t)
	f := newFixture(t, s, team.Config{})
	ada, ctx := f.person("Ada")
	tests := []struct {
		name   string
		in     team.CreateInput
		fields []string
	}{
		{"empty", team.CreateInput{}, []string{"name", "slug"}},
		{"long name", team.CreateInput{Name: strings.Repeat("x", 81), Slug: "fine-slug"}, []string{"name"}},
		{"reserved slug", team.CreateInput{Name: "A", Slug: "admin"}, []string{"slug"}},
		{"bad product", team.CreateInput{Name: "A", Slug: "fine-slug", FirstProduct: &product.Draft{Key: "p", Name: ""}},
			[]string{"first_product.key", "first_product.name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Create(ctx, ada, tt.in)
			var fes errkind.FieldErrors
			if !errors.As(err, &fes) {
				t.Fatalf("err = %v, want field errors", err)
			}
			var got []string
			for _, fe := range fes {
				got = append(got, fe.Field)
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
	if mine, _, _ := f.svc.MyTeams(ctx, ada, team.Page{}); len(mine) != 0 {
		t.Errorf("refused creations left teams: %+v", mine)
	}
}

func TestTeamsPerAccountLimit(t *testing.T) {
	s := sqlstoretest.SQLite(t)
	f := newFixture(t, s, team.Config{MaxTeamsPerAccount: 2})
	ada, ctx := f.person("Ada")
	f.newTeam(t, ctx, ada, "One")
	f.newTeam(t, ctx, ada, "Two")
	if _, err := f.svc.Create(ctx, ada, team.CreateInput{Name: "Three", Slug: "three-teams"}); !errors.Is(err, team.ErrTooManyTeams) || !errors.Is(err, errkind.Quota) {
		t.Errorf("third team: %v", err)
	}
	bob, bctx := f.person("Bob")
	f.newTeam(t, bctx, bob, "Bobs")
}

func TestAccessHidesTeams(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s, team.Config{})
		ada, ctx := f.person("Ada")
		bob, _ := f.person("Bob")
		tm := f.newTeam(t, ctx, ada, "Whales")
		for _, c := range []struct{ ref, account string }{
			{tm.ID, bob},   // not a member
			{tm.Slug, bob}, // by address
			{"01920000-0000-7000-8000-000000000001", ada}, // unknown id
			{"no-such-team", ada},                         // unknown address
			{"../../etc/passwd", ada},
			{"", ada},
		} {
			if _, err := f.svc.Access(ctx, c.ref, c.account); !errors.Is(err, team.ErrNotFound) {
				t.Errorf("Access(%q, %s) = %v, want ErrNotFound", c.ref, c.account, err)
			}
		}

		// Suspended: reachable, read-only.
		if _, err := s.SetTeamState(ctx, tm.ID, team.StateSuspended); err != nil {
			t.Fatal(err)
		}
		acc := f.access(t, ctx, tm.ID, ada)
		if err := acc.Check(team.PermView); err != nil {
			t.Errorf("view a suspended team: %v", err)
		}
		if err := acc.Check(team.PermManageTeam); !errors.Is(err, team.ErrSuspended) {
			t.Errorf("manage a suspended team: %v", err)
		}
		if _, err := f.svc.Rename(ctx, acc, "New", acc.Team.Version); !errors.Is(err, team.ErrSuspended) {
			t.Errorf("rename a suspended team: %v", err)
		}
		if mine, _, _ := f.svc.MyTeams(ctx, ada, team.Page{}); len(mine) != 1 || mine[0].State != team.StateSuspended {
			t.Errorf("MyTeams with a suspended team = %+v", mine)
		}
		// Archived: gone for members.
		if _, err := s.SetTeamState(ctx, tm.ID, team.StateArchived); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Access(ctx, tm.ID, ada); !errors.Is(err, team.ErrNotFound) {
			t.Errorf("Access to an archived team = %v", err)
		}
		if mine, _, _ := f.svc.MyTeams(ctx, ada, team.Page{}); len(mine) != 0 {
			t.Errorf("MyTeams lists an archived team: %+v", mine)
		}
	})
}

func TestMyTeamsPages(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s, team.Config{})
		ada, ctx := f.person("Ada")
		var want []string
		for _, name := range []string{"delta", "Alpha", "charlie", "Bravo", "echo"} {
			f.newTeam(t, ctx, ada, name)
		}
		want = []string{"Alpha", "Bravo", "charlie", "delta", "echo"}
		var got []string
		cursor := ""
		for range 10 {
			page, next, err := f.svc.MyTeams(ctx, ada, team.Page{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				got = append(got, m.Name)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		if _, _, err := f.svc.MyTeams(ctx, ada, team.Page{Cursor: "garbage!"}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

func TestSettingsAndRename(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s, team.Config{})
		ada, ctx := f.person("Ada")
		tm := f.newTeam(t, ctx, ada, "Whales")
		acc := f.access(t, ctx, tm.ID, ada)

		days, deck, fac := 21, team.DeckCustom, team.FacilitationScrumMaster
		set, err := f.svc.UpdateSettings(ctx, acc, team.SettingsPatch{SprintLengthDays: &days, Deck: &deck,
			CustomDeck: []string{"1", " 2 ", "☕"}, Facilitation: &fac}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if set.SprintLengthDays != 21 || set.Deck != team.DeckCustom || !cmp.Equal(set.CustomDeck, []string{"1", "2", "☕"}) ||
			set.Facilitation != fac || set.Version != 2 || set.Name != "Whales" {
			t.Errorf("settings = %+v", set)
		}
		if got := f.access(t, ctx, tm.ID, ada).Facilitation; got != fac {
			t.Errorf("Access facilitation = %s", got)
		}

		// A stale version is refused with the current settings.
		days = 7
		_, err = f.svc.UpdateSettings(ctx, acc, team.SettingsPatch{SprintLengthDays: &days}, 1)
		var vc *errkind.VersionConflict
		if !errors.As(err, &vc) || vc.Version != 2 {
			t.Fatalf("stale update: %v", err)
		}
		if cur, ok := vc.Current.(team.Settings); !ok || cur.SprintLengthDays != 21 {
			t.Errorf("conflict current = %#v", vc.Current)
		}

		// Bad values name their fields and change nothing.
		bad, badDeck := 10, team.Deck("dice")
		_, err = f.svc.UpdateSettings(ctx, acc, team.SettingsPatch{SprintLengthDays: &bad, Deck: &badDeck,
			CustomDeck: make([]string, 21)}, 2)
		var fes errkind.FieldErrors
		if !errors.As(err, &fes) || len(fes) != 3 {
			t.Errorf("bad settings: %v", err)
		}

		// The time zone starts as UTC, takes IANA names and refuses others.
		if got, _ := f.svc.Settings(ctx, acc); got.TimeZone != "UTC" || got.Location() != time.UTC {
			t.Errorf("default time zone = %q", got.TimeZone)
		}
		for _, tz := range []string{"Mars/Olympus", "", "Local", "../../etc/passwd"} {
			_, err = f.svc.UpdateSettings(ctx, acc, team.SettingsPatch{TimeZone: &tz}, 2)
			var fes errkind.FieldErrors
			if !errors.As(err, &fes) || len(fes) != 1 || fes[0].Field != "time_zone" {
				t.Errorf("time zone %q: %v", tz, err)
			}
		}
		tz := "Pacific/Auckland"
		set, err = f.svc.UpdateSettings(ctx, acc, team.SettingsPatch{TimeZone: &tz}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Settings(ctx, acc); got.TimeZone != tz || got.Location().String() != tz || set.Version != 3 {
			t.Errorf("time zone after update = %q (version %d)", got.TimeZone, set.Version)
		}

		// Renaming is version-checked against the same version and reaches the registry.
		renamed, err := f.svc.Rename(ctx, f.access(t, ctx, tm.ID, ada), " Orcas ", 3)
		if err != nil {
			t.Fatal(err)
		}
		if renamed.Name != "Orcas" || renamed.Version != 4 {
			t.Errorf("renamed = %+v", renamed)
		}
		if reg, err := s.TeamByRef(ctx, tm.ID); err != nil || reg.Name != "Orcas" {
			t.Errorf("registry after rename = %+v, %v", reg, err)
		}
		if mine, _, _ := f.svc.MyTeams(ctx, ada, team.Page{}); len(mine) != 1 || mine[0].Name != "Orcas" {
			t.Errorf("MyTeams after rename = %+v", mine)
		}
		_, err = f.svc.Rename(ctx, f.access(t, ctx, tm.ID, ada), "Sharks", 3)
		if !errors.As(err, &vc) || vc.Entity != "team" || vc.Current.(team.Team).Name != "Orcas" {
			t.Errorf("stale rename: %v", err)
		}
		want := []string{"team/created", "member/added", "settings/updated", "settings/updated", "team/renamed"}
		if diff := cmp.Diff(want, actions(t, s, tm.ID)); diff != "" {
			t.Errorf("activity (-want +got):\n%s", diff)
		}

		// Members without team.manage may not change settings.
		bob, bctx := f.person("Bob")
		f.join(t, acc, bob, team.RoleMember)
		if _, err := f.svc.Rename(bctx, f.access(t, bctx, tm.ID, bob), "Mine", 4); !errors.Is(err, team.ErrForbidden) {
			t.Errorf("member renames: %v", err)
		}
	})
}

func TestDeckCards(t *testing.T) {
	for _, d := range []team.Deck{team.DeckFibonacci, team.DeckModifiedFibonacci, team.DeckTShirt, team.DeckPowersOfTwo} {
		if !d.Valid() || len(d.Cards(nil)) < 5 {
			t.Errorf("%s: cards %v", d, d.Cards(nil))
		}
	}
	if got := team.DeckCustom.Cards([]string{"a", "b"}); !cmp.Equal(got, []string{"a", "b"}) {
		t.Errorf("custom cards = %v", got)
	}
	if team.Deck("dice").Valid() || team.Deck("dice").Cards(nil) != nil {
		t.Error("unknown deck is valid")
	}
}

func TestRolesAndOwners(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s, team.Config{})
		ada, actx := f.person("Ada")
		tm := f.newTeam(t, actx, ada, "Whales")
		owner := f.access(t, actx, tm.ID, ada)
		ann, nctx := f.person("Ann") // admin
		obs, octx := f.person("Oli") // observer
		f.join(t, owner, ann, team.RoleAdmin)
		f.join(t, owner, obs, team.RoleObserver)
		admin := f.access(t, nctx, tm.ID, ann)
		observer := f.access(t, octx, tm.ID, obs)

		// The observer may look but not manage.
		if _, _, err := f.svc.Members(octx, observer, team.Page{}); err != nil {
			t.Errorf("observer lists members: %v", err)
		}
		if _, err := f.svc.ChangeRole(octx, observer, obs, team.RoleMember, 1); !errors.Is(err, team.ErrForbidden) {
			t.Errorf("observer changes a role: %v", err)
		}
		// An admin may change other roles, but not make or unmake owners.
		m, err := f.svc.ChangeRole(nctx, admin, obs, team.RoleMember, 1)
		if err != nil || m.Role != team.RoleMember || m.Version != 2 || m.DisplayName != "Oli" || m.Email != "oli@example.com" {
			t.Fatalf("admin promotes observer: %+v, %v", m, err)
		}
		if _, err := f.svc.ChangeRole(nctx, admin, obs, team.RoleOwner, 2); !errors.Is(err, team.ErrOwnersOnly) {
			t.Errorf("admin makes an owner: %v", err)
		}
		adaMember, _ := s.Member(actx, tm.ID, ada)
		if _, err := f.svc.ChangeRole(nctx, admin, ada, team.RoleMember, adaMember.Version); !errors.Is(err, team.ErrOwnersOnly) {
			t.Errorf("admin demotes the owner: %v", err)
		}
		if err := f.svc.RemoveMember(nctx, admin, ada); !errors.Is(err, team.ErrOwnersOnly) {
			t.Errorf("admin removes the owner: %v", err)
		}
		// A stale version is refused with the member as stored.
		_, err = f.svc.ChangeRole(nctx, admin, obs, team.RoleObserver, 1)
		var vc *errkind.VersionConflict
		if !errors.As(err, &vc) || vc.Version != 2 {
			t.Errorf("stale role change: %v", err)
		} else if cur, ok := vc.Current.(team.MemberInfo); !ok || cur.Role != team.RoleMember || cur.DisplayName != "Oli" {
			t.Errorf("conflict current = %#v", vc.Current)
		}
		if _, err := f.svc.ChangeRole(nctx, admin, "acct-nobody", team.RoleMember, 1); !errors.Is(err, team.ErrMemberNotFound) {
			t.Errorf("change an unknown member: %v", err)
		}
		if _, err := f.svc.ChangeRole(nctx, admin, obs, team.Role("king"), 2); !errors.Is(err, errkind.Invalid) {
			t.Errorf("unknown role: %v", err)
		}

		// The last owner can be neither demoted, removed nor leave.
		if _, err := f.svc.ChangeRole(actx, owner, ada, team.RoleAdmin, adaMember.Version); !errors.Is(err, team.ErrLastOwner) {
			t.Errorf("demote the last owner: %v", err)
		}
		if err := f.svc.RemoveMember(actx, owner, ada); !errors.Is(err, team.ErrLastOwner) {
			t.Errorf("remove the last owner: %v", err)
		}
		if err := f.svc.Leave(actx, owner); !errors.Is(err, team.ErrLastOwner) {
			t.Errorf("last owner leaves: %v", err)
		}
		// With a second owner, the first may go.
		annMember, _ := s.Member(actx, tm.ID, ann)
		if _, err := f.svc.ChangeRole(actx, owner, ann, team.RoleOwner, annMember.Version); err != nil {
			t.Fatalf("owner makes an owner: %v", err)
		}
		if err := f.svc.Leave(actx, owner); err != nil {
			t.Fatalf("owner leaves with another owner: %v", err)
		}
		if _, err := f.svc.Access(actx, tm.ID, ada); !errors.Is(err, team.ErrNotFound) {
			t.Errorf("Access after leaving = %v", err)
		}
		if mine, _, _ := f.svc.MyTeams(actx, ada, team.Page{}); len(mine) != 0 {
			t.Errorf("MyTeams after leaving = %+v", mine)
		}
		admin = f.access(t, nctx, tm.ID, ann) // now an owner
		if err := f.svc.RemoveMember(nctx, admin, obs); err != nil {
			t.Fatalf("remove a member: %v", err)
		}
		if err := f.svc.RemoveMember(nctx, admin, obs); !errors.Is(err, team.ErrMemberNotFound) {
			t.Errorf("remove twice: %v", err)
		}
		if mine, _, _ := f.svc.MyTeams(octx, obs, team.Page{}); len(mine) != 0 {
			t.Errorf("MyTeams of a removed member = %+v", mine)
		}

		feed, err := s.ActivityFeed(actx, tm.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(feed) - 1; i >= 0; i-- {
			if e := feed[i]; e.EntityType == "member" {
				got = append(got, e.EntityID+" "+e.Action+" by "+e.ActorID)
			}
		}
		want := []string{
			ada + " added by " + ada,
			ann + " added by " + ann,
			obs + " added by " + obs,
			obs + " role_changed by " + ann,
			ann + " role_changed by " + ada,
			ada + " left by " + ada,
			obs + " removed by " + ann,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("member activity (-want +got):\n%s", diff)
		}
	})
}

// Two owners demoting each other at once must not leave the team without
// one: the rule is enforced by the database, not by a read in Go.
func TestLastOwnerUnderConcurrency(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s, team.Config{})
		for round := range 5 {
			ada, actx := f.person("Ada")
			bea, bctx := f.person("Bea")
			tm := f.newTeam(t, actx, ada, "Race")
			f.join(t, f.access(t, actx, tm.ID, ada), bea, team.RoleOwner)
			accA, accB := f.access(t, actx, tm.ID, ada), f.access(t, bctx, tm.ID, bea)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Add(2)
			go func() { defer wg.Done(); errs[0] = f.svc.Leave(actx, accA) }()
			go func() { defer wg.Done(); _, errs[1] = f.svc.ChangeRole(bctx, accB, bea, team.RoleMember, 1) }()
			wg.Wait()
			owners := 0
			ms, _, err := f.svc.Members(bctx, accB, team.Page{})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.Role == team.RoleOwner {
					owners++
				}
			}
			failed := 0
			for _, err := range errs {
				if errors.Is(err, team.ErrLastOwner) {
					failed++
				} else if err != nil {
					t.Fatalf("round %d: unexpected error %v", round, err)
				}
			}
			if owners != 1 || failed != 1 {
				t.Fatalf("round %d: %d owners left, %d refusals (errors %v)", round, owners, failed, errs)
			}
		}
	})
}

func TestInvitations(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s, team.Config{})
		ada, actx := f.person("Ada")
		gus, gctx := f.person("Gus")
		eve, ectx := f.person("Eve")
		tm := f.newTeam(t, actx, ada, "Whales")
		owner := f.access(t, actx, tm.ID, ada)

		inv, err := f.svc.Invite(actx, owner, " Gus@Example.com ", team.RoleScrumMaster)
		if err != nil {
			t.Fatal(err)
		}
		if inv.Email != "gus@example.com" || inv.Status != team.InvitationPending || inv.InvitedBy != ada ||
			!inv.ExpiresAt.After(f.clock.now().Add(6*24*time.Hour)) {
			t.Errorf("invitation = %+v", inv)
		}
		token := f.mail.lastToken(t, "gus@example.com")
		if !strings.HasPrefix(token, tm.ID+".") {
			t.Errorf("token %q does not start with the team id", token)
		}
		if _, err := f.svc.Invite(actx, owner, "gus@example.com", team.RoleMember); !errors.Is(err, team.ErrAlreadyInvited) {
			t.Errorf("second invitation to the same address: %v", err)
		}
		if _, err := f.svc.Invite(actx, owner, "ada@example.com", team.RoleMember); !errors.Is(err, team.ErrAlreadyMember) {
			t.Errorf("invite a member: %v", err)
		}
		if _, err := f.svc.Invite(actx, owner, "not an address", team.RoleMember); !errors.Is(err, errkind.Invalid) {
			t.Errorf("invite a non-address: %v", err)
		}

		// Waiting for Gus, not for Eve.
		mine, err := f.svc.MyInvitations(gctx, gus)
		if err != nil || len(mine) != 1 || mine[0].ID != inv.ID || mine[0].TeamName != "Whales" || mine[0].Role != team.RoleScrumMaster {
			t.Errorf("Gus's invitations = %+v, %v", mine, err)
		}
		if mine, _ := f.svc.MyInvitations(ectx, eve); len(mine) != 0 {
			t.Errorf("Eve's invitations = %+v", mine)
		}

		// Only the invited address may accept; a wrong or mangled token finds nothing.
		if _, err := f.svc.AcceptInvitation(ectx, eve, token); !errors.Is(err, team.ErrWrongAccount) {
			t.Errorf("Eve accepts Gus's invitation: %v", err)
		}
		for _, bad := range []string{"", "nonsense", tm.ID + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "01920000-0000-7000-8000-000000000001." + strings.Repeat("A", 43), token + "x"} {
			if _, err := f.svc.AcceptInvitation(gctx, gus, bad); !errors.Is(err, team.ErrInvitationNotFound) {
				t.Errorf("accept %q: %v", bad, err)
			}
		}
		res, err := f.svc.AcceptInvitation(gctx, gus, token)
		if err != nil {
			t.Fatal(err)
		}
		if res.Member.Role != team.RoleScrumMaster || res.Team.ID != tm.ID || res.Team.Role != team.RoleScrumMaster {
			t.Errorf("accepted = %+v", res)
		}
		if acc := f.access(t, gctx, tm.Slug, gus); acc.Member.Role != team.RoleScrumMaster {
			t.Errorf("Gus's access = %+v", acc)
		}
		if _, err := f.svc.AcceptInvitation(gctx, gus, token); !errors.Is(err, team.ErrAlreadyMember) {
			t.Errorf("accept twice: %v", err)
		}
		if mine, _ := f.svc.MyInvitations(gctx, gus); len(mine) != 0 {
			t.Errorf("accepted invitation still waiting: %+v", mine)
		}
		if teams, _, _ := f.svc.MyTeams(gctx, gus, team.Page{}); len(teams) != 1 || teams[0].Role != team.RoleScrumMaster {
			t.Errorf("Gus's teams = %+v", teams)
		}

		// Revoked invitations cannot be accepted.
		inv2, err := f.svc.Invite(actx, owner, "eve@example.com", team.RoleMember)
		if err != nil {
			t.Fatal(err)
		}
		eveToken := f.mail.lastToken(t, "eve@example.com")
		if _, err := f.svc.RevokeInvitation(actx, owner, inv2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AcceptInvitation(ectx, eve, eveToken); !errors.Is(err, team.ErrInvitationNotFound) {
			t.Errorf("accept a revoked invitation: %v", err)
		}
		if _, err := f.svc.RevokeInvitation(actx, owner, inv2.ID); !errors.Is(err, team.ErrInvitationClosed) {
			t.Errorf("revoke twice: %v", err)
		}
		if _, err := f.svc.ResendInvitation(actx, owner, inv2.ID); !errors.Is(err, team.ErrInvitationClosed) {
			t.Errorf("resend a revoked invitation: %v", err)
		}

		// Expired invitations cannot be accepted, until re-sent; re-sending
		// replaces the token.
		inv3, err := f.svc.Invite(actx, owner, "eve@example.com", team.RoleMember)
		if err != nil {
			t.Fatal(err)
		}
		oldToken := f.mail.lastToken(t, "eve@example.com")
		f.clock.advance(8 * 24 * time.Hour)
		if _, err := f.svc.AcceptInvitation(ectx, eve, oldToken); !errors.Is(err, team.ErrInvitationExpired) {
			t.Errorf("accept an expired invitation: %v", err)
		}
		if mine, _ := f.svc.MyInvitations(ectx, eve); len(mine) != 0 {
			t.Errorf("expired invitation still waiting: %+v", mine)
		}
		again, err := f.svc.ResendInvitation(actx, owner, inv3.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Status != team.InvitationPending || !again.ExpiresAt.After(f.clock.now()) || again.Version != inv3.Version+1 {
			t.Errorf("re-sent = %+v", again)
		}
		newToken := f.mail.lastToken(t, "eve@example.com")
		if newToken == oldToken {
			t.Fatal("re-sending kept the token")
		}
		if _, err := f.svc.AcceptInvitation(ectx, eve, oldToken); !errors.Is(err, team.ErrInvitationNotFound) {
			t.Errorf("accept with the replaced token: %v", err)
		}
		// Accepting from the list needs no token, but the same address.
		if _, err := f.svc.AcceptInvitationByID(gctx, gus, tm.ID, inv3.ID); !errors.Is(err, team.ErrWrongAccount) {
			t.Errorf("Gus accepts Eve's invitation by id: %v", err)
		}
		if _, err := f.svc.AcceptInvitationByID(ectx, eve, tm.ID, inv3.ID); err != nil {
			t.Fatalf("accept by id: %v", err)
		}

		list, _, err := f.svc.Invitations(actx, owner, team.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var statuses []string
		for _, i := range list {
			statuses = append(statuses, i.Email+" "+string(i.Status))
		}
		want := []string{"eve@example.com accepted", "eve@example.com revoked", "gus@example.com accepted"}
		if diff := cmp.Diff(want, statuses); diff != "" {
			t.Errorf("invitations newest first (-want +got):\n%s", diff)
		}
		wantActions := []string{"team/created", "member/added", "invitation/created", "invitation/accepted", "member/added",
			"invitation/created", "invitation/revoked", "invitation/created", "invitation/resent", "invitation/accepted", "member/added"}
		if diff := cmp.Diff(wantActions, actions(t, s, tm.ID)); diff != "" {
			t.Errorf("activity (-want +got):\n%s", diff)
		}
	})
}

func TestInvitationRules(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s, team.Config{MaxPendingInvitations: 3, InvitationsPerHour: 5})
		ada, actx := f.person("Ada")
		ann, nctx := f.person("Ann")
		tm := f.newTeam(t, actx, ada, "Whales")
		owner := f.access(t, actx, tm.ID, ada)
		f.join(t, owner, ann, team.RoleAdmin) // 1 sent
		admin := f.access(t, nctx, tm.ID, ann)

		if _, err := f.svc.Invite(nctx, admin, "x@example.com", team.RoleOwner); !errors.Is(err, team.ErrOwnersOnly) {
			t.Errorf("admin invites an owner: %v", err)
		}
		var ids []string
		for i, addr := range []string{"p1@example.com", "p2@example.com", "p3@example.com"} { // 4 sent, 3 pending
			inv, err := f.svc.Invite(nctx, admin, addr, team.RoleMember)
			if err != nil {
				t.Fatalf("invitation %d: %v", i, err)
			}
			ids = append(ids, inv.ID)
		}
		if _, err := f.svc.Invite(nctx, admin, "p4@example.com", team.RoleMember); !errors.Is(err, team.ErrTooManyPending) {
			t.Errorf("fourth pending invitation: %v", err)
		}
		if _, err := f.svc.RevokeInvitation(nctx, admin, ids[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Invite(nctx, admin, "p4@example.com", team.RoleMember); err != nil { // 5 sent
			t.Fatalf("invitation after a revocation: %v", err)
		}
		_, err := f.svc.ResendInvitation(nctx, admin, ids[1])
		var le *errkind.LimitError
		if !errors.As(err, &le) || le.RetryAfter <= 0 || le.RetryAfter > time.Hour {
			t.Errorf("sixth sending in an hour: %v", err)
		}

		// A mail that cannot be sent withdraws its invitation.
		f2 := newFixture(t, s, team.Config{})
		f2.accounts = f.accounts
		f2.svc = team.NewService(s, f.accounts, f2.mail, team.Config{BaseURL: "https://pama.example"}, nil)
		bo, bctx := f.person("Bo")
		tm2 := f.newTeam(t, bctx, bo, "Other")
		f2.mail.fail = errors.New("smtp down")
		acc2 := f.access(t, bctx, tm2.ID, bo)
		if _, err := f2.svc.Invite(bctx, acc2, "z@example.com", team.RoleMember); !errors.Is(err, errkind.Unavailable) {
			t.Errorf("invite with mail down: %v", err)
		}
		list, _, _ := f2.svc.Invitations(bctx, acc2, team.Page{})
		if len(list) != 1 || list[0].Status != team.InvitationRevoked {
			t.Errorf("unsent invitation = %+v", list)
		}
	})
}

func TestMyInvitationsAcrossTeams(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := newFixture(t, s, team.Config{})
		ada, actx := f.person("Ada")
		bo, bctx := f.person("Bo")
		gus, gctx := f.person("Gus")
		t1 := f.newTeam(t, actx, ada, "One")
		t2 := f.newTeam(t, bctx, bo, "Two")
		if _, err := f.svc.Invite(actx, f.access(t, actx, t1.ID, ada), "gus@example.com", team.RoleMember); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Invite(bctx, f.access(t, bctx, t2.ID, bo), "GUS@example.com", team.RoleObserver); err != nil {
			t.Fatal(err)
		}
		mine, err := f.svc.MyInvitations(gctx, gus)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]team.Role{}
		for _, p := range mine {
			got[p.TeamName] = p.Role
		}
		if diff := cmp.Diff(map[string]team.Role{"One": team.RoleMember, "Two": team.RoleObserver}, got); diff != "" {
			t.Errorf("waiting (-want +got):\n%s", diff)
		}
		// A suspended team's invitation is listed, an archived one's is not.
		if _, err := s.SetTeamState(actx, t2.ID, team.StateArchived); err != nil {
			t.Fatal(err)
		}
		mine, _ = f.svc.MyInvitations(gctx, gus)
		if len(mine) != 1 || mine[0].TeamID != t1.ID {
			t.Errorf("waiting with an archived team = %+v", mine)
		}
	})
}

func TestPermissionsOfRoles(t *testing.T) {
	acc := func(r team.Role, f team.Facilitation) team.Access {
		return team.Access{Team: team.Team{State: team.StateActive}, Member: team.Member{Role: r}, Facilitation: f}
	}
	if acc(team.RoleObserver, team.FacilitationAnyone).Can(team.PermParticipate) {
		t.Error("observer participates")
	}
	if !acc(team.RoleMember, team.FacilitationAnyone).Can(team.PermFacilitate) {
		t.Error("member may not facilitate with facilitation=anyone")
	}
	if acc(team.RoleMember, team.FacilitationScrumMaster).Can(team.PermFacilitate) {
		t.Error("member facilitates with facilitation=scrum_master")
	}
	if !acc(team.RoleScrumMaster, team.FacilitationScrumMaster).Can(team.PermFacilitate) {
		t.Error("scrum master may not facilitate")
	}
	_ = activity.Actor
}
