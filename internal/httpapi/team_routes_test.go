package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
)

type teamOut struct {
	ID      string `json:"id"`
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	State   string `json:"state"`
	Role    string `json:"role"`
	Version int64  `json:"version"`
}

type productOut struct {
	ID       string `json:"id"`
	Key      string `json:"key"`
	Name     string `json:"name"`
	Archived bool   `json:"archived"`
	Version  int64  `json:"version"`
}

type memberOut struct {
	AccountID   string `json:"account_id"`
	Role        string `json:"role"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Version     int64  `json:"version"`
}

type invitationOut struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	Status   string `json:"status"`
	TeamName string `json:"team_name"`
	Version  int64  `json:"version"`
}

// mustStatus fails the test unless r has status want.
func mustStatus(t testing.TB, r *apptest.Response, want int, what string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s = %d, want %d: %s", what, r.Status, want, r.Body)
	}
}

// createTeam creates a team space through the API and returns it and its first product.
func createTeam(t testing.TB, c *apptest.Client, name, slug, key string) (teamOut, productOut) {
	t.Helper()
	body := map[string]any{"name": name, "slug": slug}
	if key != "" {
		body["first_product"] = map[string]string{"key": key, "name": name + " product"}
	}
	r := c.Do(t, "POST", "/api/v1/teams", body)
	mustStatus(t, r, http.StatusCreated, "create team "+slug)
	var out struct {
		Team         teamOut     `json:"team"`
		FirstProduct *productOut `json:"first_product"`
	}
	r.JSON(t, &out)
	var p productOut
	if out.FirstProduct != nil {
		p = *out.FirstProduct
	}
	return out.Team, p
}

var inviteLinkRE = regexp.MustCompile(`/invite/(\S+)`)

// invitationToken returns the token in the newest invitation mail to addr.
func invitationToken(t *testing.T, env *apptest.Env, addr string) string {
	t.Helper()
	mails := env.Mails(t, addr)
	for i := len(mails) - 1; i >= 0; i-- {
		if m := inviteLinkRE.FindStringSubmatch(mails[i].Body); m != nil {
			if !strings.Contains(mails[i].Body, env.Config.PublicURL()+"/invite/"+m[1]) {
				t.Fatalf("invitation link is not under the base URL: %q", mails[i].Body)
			}
			return m[1]
		}
	}
	t.Fatalf("no invitation mail to %s", addr)
	return ""
}

// join invites email to the team with role, signs the invitee in and accepts.
func join(t *testing.T, env *apptest.Env, owner *apptest.Client, teamID, email, role string) *apptest.Client {
	t.Helper()
	r := owner.Do(t, "POST", "/api/v1/teams/"+teamID+"/invitations", map[string]string{"email": email, "role": role})
	mustStatus(t, r, http.StatusCreated, "invite "+email)
	c := env.SignIn(t, email)
	r = c.Do(t, "POST", "/api/v1/invitations/accept", map[string]string{"token": invitationToken(t, env, email)})
	mustStatus(t, r, http.StatusOK, "accept as "+email)
	return c
}

func memberVersion(t *testing.T, c *apptest.Client, teamID, accountID string) int64 {
	t.Helper()
	r := c.Do(t, "GET", "/api/v1/teams/"+teamID+"/members", nil)
	mustStatus(t, r, http.StatusOK, "list members")
	var out struct {
		Members []memberOut `json:"members"`
	}
	r.JSON(t, &out)
	for _, m := range out.Members {
		if m.AccountID == accountID {
			return m.Version
		}
	}
	t.Fatalf("%s is not a member", accountID)
	return 0
}

func TestCreateTeamSpace(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		if r := env.Anonymous().Do(t, "POST", "/api/v1/teams", map[string]string{"name": "X", "slug": "xxx"}); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous create = %d", r.Status)
		}
		ada := env.SignIn(t, "ada@example.com")
		r := ada.Do(t, "GET", "/api/v1/slugs/Blue-Whales", nil)
		var avail struct {
			Slug      string `json:"slug"`
			Available bool   `json:"available"`
			Reason    string `json:"reason"`
		}
		r.JSON(t, &avail)
		if r.Status != http.StatusOK || !avail.Available || avail.Slug != "blue-whales" {
			t.Errorf("slug check before = %d %+v", r.Status, avail)
		}

		tm, p := createTeam(t, ada, "Blue Whales", "blue-whales", "PAMA")
		if tm.Slug != "blue-whales" || tm.Role != "owner" || tm.State != "active" || tm.Version != 1 {
			t.Errorf("created team = %+v", tm)
		}
		if p.Key != "PAMA" || p.ID == "" {
			t.Errorf("first product = %+v", p)
		}
		r = ada.Do(t, "GET", "/api/v1/slugs/blue-whales", nil)
		r.JSON(t, &avail)
		if avail.Available || avail.Reason == "" {
			t.Errorf("slug check after = %+v", avail)
		}
		r = ada.Do(t, "GET", "/api/v1/slugs/admin", nil)
		r.JSON(t, &avail)
		if avail.Available || !strings.Contains(avail.Reason, "reserved") {
			t.Errorf("slug check of a reserved word = %+v", avail)
		}

		// The space is live at its address and in the list.
		for _, ref := range []string{tm.ID, tm.Slug} {
			r = ada.Do(t, "GET", "/api/v1/teams/"+ref, nil)
			var got teamOut
			r.JSON(t, &got)
			if r.Status != http.StatusOK || got.ID != tm.ID || got.Role != "owner" || got.Name != "Blue Whales" {
				t.Errorf("GET /teams/%s = %d %+v", ref, r.Status, got)
			}
		}
		r = ada.Do(t, "GET", "/api/v1/teams", nil)
		var mine struct {
			Teams []teamOut `json:"teams"`
		}
		r.JSON(t, &mine)
		if len(mine.Teams) != 1 || mine.Teams[0].ID != tm.ID || mine.Teams[0].Role != "owner" {
			t.Errorf("my teams = %+v", mine)
		}
		r = ada.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/products", nil)
		var prods struct {
			Products []productOut `json:"products"`
		}
		r.JSON(t, &prods)
		if len(prods.Products) != 1 || prods.Products[0].Key != "PAMA" {
			t.Errorf("products = %+v", prods)
		}

		// A taken address is a conflict on the field slug, for anyone.
		bob := env.SignIn(t, "bob@example.com")
		r = bob.Do(t, "POST", "/api/v1/teams", map[string]string{"name": "Copycats", "slug": "Blue-Whales"})
		if p := r.Problem(t); r.Status != http.StatusConflict || !p.Has("body.slug") {
			t.Errorf("taken slug = %d %+v", r.Status, p)
		}
		// Bad input names its fields.
		r = bob.Do(t, "POST", "/api/v1/teams", map[string]any{"name": " ", "slug": "a--b",
			"first_product": map[string]string{"key": "x1", "name": "P"}})
		p2 := r.Problem(t)
		if r.Status != http.StatusUnprocessableEntity || !p2.Has("body.name") || !p2.Has("body.slug") || !p2.Has("body.first_product.key") {
			t.Errorf("bad create = %d %+v", r.Status, p2)
		}
		// Bob is no member: the space does not exist for him.
		if r := bob.Do(t, "GET", "/api/v1/teams/blue-whales", nil); r.Status != http.StatusNotFound {
			t.Errorf("non-member GET = %d", r.Status)
		}
	})
}

func TestInvitationsEndToEnd(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		ada := env.SignIn(t, "ada@example.com")
		tm, _ := createTeam(t, ada, "Blue Whales", "blue-whales", "")
		r := ada.Do(t, "POST", "/api/v1/teams/"+tm.ID+"/invitations", map[string]string{"email": "Grace@Example.com", "role": "scrum_master"})
		mustStatus(t, r, http.StatusCreated, "invite")
		var inv invitationOut
		r.JSON(t, &inv)
		if inv.Email != "grace@example.com" || inv.Status != "pending" || inv.Role != "scrum_master" {
			t.Errorf("invitation = %+v", inv)
		}
		mails := env.Mails(t, "grace@example.com")
		if len(mails) != 1 || !strings.Contains(mails[0].Subject, "Blue Whales") {
			t.Fatalf("invitation mails = %+v", mails)
		}
		token := invitationToken(t, env, "grace@example.com")
		if !strings.HasPrefix(token, tm.ID+".") {
			t.Errorf("token %q does not name the team", token)
		}
		r = ada.Do(t, "POST", "/api/v1/teams/"+tm.ID+"/invitations", map[string]string{"email": "grace@example.com", "role": "member"})
		mustStatus(t, r, http.StatusConflict, "second invitation to the same address")

		// Someone else cannot use Grace's link.
		eve := env.SignIn(t, "eve@example.com")
		r = eve.Do(t, "POST", "/api/v1/invitations/accept", map[string]string{"token": token})
		mustStatus(t, r, http.StatusForbidden, "accept as another account")
		if r := eve.Do(t, "GET", "/api/v1/teams/"+tm.ID, nil); r.Status != http.StatusNotFound {
			t.Errorf("Eve reaches the team after a refused accept: %d", r.Status)
		}

		grace := env.SignIn(t, "grace@example.com")
		r = grace.Do(t, "GET", "/api/v1/invitations", nil)
		var waiting struct {
			Invitations []invitationOut `json:"invitations"`
		}
		r.JSON(t, &waiting)
		if len(waiting.Invitations) != 1 || waiting.Invitations[0].TeamName != "Blue Whales" {
			t.Errorf("waiting for Grace = %s", r.Body)
		}
		r = grace.Do(t, "POST", "/api/v1/invitations/accept", map[string]string{"token": token})
		mustStatus(t, r, http.StatusOK, "accept")
		var acc struct {
			Team   teamOut   `json:"team"`
			Member memberOut `json:"member"`
		}
		r.JSON(t, &acc)
		if acc.Team.ID != tm.ID || acc.Member.Role != "scrum_master" {
			t.Errorf("accepted = %s", r.Body)
		}
		r = grace.Do(t, "POST", "/api/v1/invitations/accept", map[string]string{"token": token})
		mustStatus(t, r, http.StatusConflict, "accept twice")
		r = grace.Do(t, "POST", "/api/v1/invitations/accept", map[string]string{"token": tm.ID + ".forged-secret-forged-secret-forged-secret"})
		mustStatus(t, r, http.StatusNotFound, "accept a forged token")

		r = grace.Do(t, "GET", "/api/v1/teams/blue-whales", nil)
		var seen teamOut
		r.JSON(t, &seen)
		if r.Status != http.StatusOK || seen.Role != "scrum_master" {
			t.Errorf("Grace's view of the team = %d %s", r.Status, r.Body)
		}
		r = ada.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/members", nil)
		var members struct {
			Members []memberOut `json:"members"`
		}
		r.JSON(t, &members)
		if len(members.Members) != 2 || members.Members[1].Email != "grace@example.com" || members.Members[1].DisplayName == "" {
			t.Errorf("members = %s", r.Body)
		}
		// A scrum master may not manage invitations.
		if r := grace.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/invitations", nil); r.Status != http.StatusForbidden {
			t.Errorf("scrum master lists invitations: %d", r.Status)
		}

		// Revoke and re-send.
		r = ada.Do(t, "POST", "/api/v1/teams/"+tm.ID+"/invitations", map[string]string{"email": "hal@example.com", "role": "member"})
		mustStatus(t, r, http.StatusCreated, "invite Hal")
		var halInv invitationOut
		r.JSON(t, &halInv)
		first := invitationToken(t, env, "hal@example.com")
		r = ada.Do(t, "POST", "/api/v1/teams/"+tm.ID+"/invitations/"+halInv.ID+"/resend", nil)
		mustStatus(t, r, http.StatusOK, "re-send")
		second := invitationToken(t, env, "hal@example.com")
		if first == second || len(env.Mails(t, "hal@example.com")) != 2 {
			t.Fatal("re-sending did not mail a new link")
		}
		hal := env.SignIn(t, "hal@example.com")
		mustStatus(t, hal.Do(t, "POST", "/api/v1/invitations/accept", map[string]string{"token": first}), http.StatusNotFound, "accept the replaced link")
		mustStatus(t, ada.Do(t, "DELETE", "/api/v1/teams/"+tm.ID+"/invitations/"+halInv.ID, nil), http.StatusNoContent, "revoke")
		mustStatus(t, hal.Do(t, "POST", "/api/v1/invitations/accept", map[string]string{"token": second}), http.StatusNotFound, "accept a revoked invitation")
		mustStatus(t, ada.Do(t, "DELETE", "/api/v1/teams/"+tm.ID+"/invitations/"+halInv.ID, nil), http.StatusConflict, "revoke twice")

		r = ada.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/invitations", nil)
		var list struct {
			Invitations []invitationOut `json:"invitations"`
		}
		r.JSON(t, &list)
		var statuses []string
		for _, i := range list.Invitations {
			statuses = append(statuses, i.Email+":"+i.Status)
		}
		if strings.Join(statuses, " ") != "hal@example.com:revoked grace@example.com:accepted" {
			t.Errorf("invitations = %v", statuses)
		}
	})
}

func TestRoleRules(t *testing.T) {
	env := apptest.New(t)
	ada := env.SignIn(t, "ada@example.com")
	tm, _ := createTeam(t, ada, "Blue Whales", "blue-whales", "PAMA")
	admin := join(t, env, ada, tm.ID, "ann@example.com", "admin")
	observer := join(t, env, ada, tm.ID, "oli@example.com", "observer")
	base := "/api/v1/teams/" + tm.ID

	// An observer can read but not edit.
	mustStatus(t, observer.Do(t, "GET", base+"/settings", nil), http.StatusOK, "observer reads settings")
	r := observer.Do(t, "PATCH", base+"/settings", map[string]any{"version": 1, "sprint_length_days": 7})
	mustStatus(t, r, http.StatusForbidden, "observer edits settings")
	mustStatus(t, observer.Do(t, "POST", base+"/products", map[string]string{"key": "OBS", "name": "Mine"}), http.StatusForbidden, "observer creates a product")
	mustStatus(t, observer.Do(t, "PATCH", base, map[string]any{"version": 1, "name": "Mine"}), http.StatusForbidden, "observer renames")

	// An admin manages members, but not owners.
	v := memberVersion(t, ada, tm.ID, ada.Account.ID)
	r = admin.Do(t, "PATCH", base+"/members/"+ada.Account.ID, map[string]any{"version": v, "role": "member"})
	mustStatus(t, r, http.StatusForbidden, "admin demotes the owner")
	r = admin.Do(t, "PATCH", base+"/members/"+observer.Account.ID, map[string]any{"version": 1, "role": "owner"})
	mustStatus(t, r, http.StatusForbidden, "admin makes an owner")
	mustStatus(t, admin.Do(t, "DELETE", base+"/members/"+ada.Account.ID, nil), http.StatusForbidden, "admin removes the owner")
	r = admin.Do(t, "POST", base+"/invitations", map[string]string{"email": "new@example.com", "role": "owner"})
	mustStatus(t, r, http.StatusForbidden, "admin invites an owner")
	r = admin.Do(t, "PATCH", base+"/members/"+observer.Account.ID, map[string]any{"version": 1, "role": "member"})
	mustStatus(t, r, http.StatusOK, "admin promotes the observer")

	// The last owner stays.
	r = ada.Do(t, "PATCH", base+"/members/"+ada.Account.ID, map[string]any{"version": v, "role": "admin"})
	mustStatus(t, r, http.StatusConflict, "last owner demotes herself")
	mustStatus(t, ada.Do(t, "POST", base+"/leave", nil), http.StatusConflict, "last owner leaves")
	mustStatus(t, ada.Do(t, "DELETE", base+"/members/"+ada.Account.ID, nil), http.StatusConflict, "last owner removes herself")

	// A removed member is cut off at once.
	mustStatus(t, admin.Do(t, "DELETE", base+"/members/"+observer.Account.ID, nil), http.StatusNoContent, "admin removes a member")
	mustStatus(t, observer.Do(t, "GET", base, nil), http.StatusNotFound, "removed member reads the team")
	// A member may leave.
	mustStatus(t, admin.Do(t, "POST", base+"/leave", nil), http.StatusNoContent, "admin leaves")
	mustStatus(t, admin.Do(t, "GET", base, nil), http.StatusNotFound, "after leaving")

	r = ada.Do(t, "GET", base+"/activity", nil)
	var feed struct {
		Entries []struct {
			EntityType string `json:"entity_type"`
			EntityID   string `json:"entity_id"`
			Action     string `json:"action"`
		} `json:"entries"`
	}
	r.JSON(t, &feed)
	var got []string
	for i := len(feed.Entries) - 1; i >= 0; i-- {
		if e := feed.Entries[i]; e.EntityType == "member" {
			got = append(got, e.Action)
		}
	}
	if strings.Join(got, " ") != "added added added role_changed removed left" {
		t.Errorf("member activity = %v", got)
	}
}

func TestVersionConflicts(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		ada := env.SignIn(t, "ada@example.com")
		tm, p := createTeam(t, ada, "Blue Whales", "blue-whales", "PAMA")
		base := "/api/v1/teams/" + tm.ID

		r := ada.Do(t, "PATCH", base+"/settings", map[string]any{"version": 1, "deck": "custom", "custom_deck": []string{"S", "M", "L"}})
		mustStatus(t, r, http.StatusOK, "change settings")
		var set struct {
			Version int64    `json:"version"`
			Cards   []string `json:"cards"`
		}
		r.JSON(t, &set)
		if set.Version != 2 || strings.Join(set.Cards, ",") != "S,M,L" {
			t.Errorf("settings = %s", r.Body)
		}
		checkConflict := func(r *apptest.Response, version int64, field, want string) {
			t.Helper()
			p := r.Problem(t)
			if r.Status != http.StatusConflict || p.Version != version {
				t.Fatalf("stale write = %d %+v", r.Status, p)
			}
			var cur map[string]any
			if err := json.Unmarshal(p.Current, &cur); err != nil {
				t.Fatalf("current: %v in %s", err, r.Body)
			}
			if got, _ := cur[field].(string); got != want {
				t.Errorf("current.%s = %v, want %s (%s)", field, cur[field], want, r.Body)
			}
		}
		checkConflict(ada.Do(t, "PATCH", base+"/settings", map[string]any{"version": 1, "sprint_length_days": 7}), 2, "deck", "custom")
		checkConflict(ada.Do(t, "PATCH", base, map[string]any{"version": 1, "name": "Orcas"}), 2, "name", "Blue Whales")
		r = ada.Do(t, "PATCH", base, map[string]any{"version": 2, "name": "Orcas"})
		mustStatus(t, r, http.StatusOK, "rename")

		r = ada.Do(t, "PATCH", base+"/products/"+p.ID, map[string]any{"version": 1, "name": "Renamed"})
		mustStatus(t, r, http.StatusOK, "update product")
		checkConflict(ada.Do(t, "PATCH", base+"/products/"+p.ID, map[string]any{"version": 1, "archived": true}), 2, "name", "Renamed")

		bob := join(t, env, ada, tm.ID, "bob@example.com", "member")
		r = ada.Do(t, "PATCH", base+"/members/"+bob.Account.ID, map[string]any{"version": 1, "role": "product_owner"})
		mustStatus(t, r, http.StatusOK, "change role")
		checkConflict(ada.Do(t, "PATCH", base+"/members/"+bob.Account.ID, map[string]any{"version": 1, "role": "observer"}), 2, "role", "product_owner")
	})
}

func TestProductsOverHTTP(t *testing.T) {
	env := apptest.New(t)
	ada := env.SignIn(t, "ada@example.com")
	tm, _ := createTeam(t, ada, "Blue Whales", "blue-whales", "PAMA")
	base := "/api/v1/teams/" + tm.Slug + "/products"
	r := ada.Do(t, "POST", base, map[string]string{"key": "PAMA", "name": "Again"})
	if p := r.Problem(t); r.Status != http.StatusConflict || !p.Has("body.key") {
		t.Errorf("duplicate key = %d %+v", r.Status, p)
	}
	r = ada.Do(t, "POST", base, map[string]string{"key": "app", "name": "App"})
	if p := r.Problem(t); r.Status != http.StatusUnprocessableEntity || !p.Has("body.key") {
		t.Errorf("lower-case key = %d %+v", r.Status, p)
	}
	r = ada.Do(t, "POST", base, map[string]string{"key": "APP", "name": "App", "description": "**bold**"})
	mustStatus(t, r, http.StatusCreated, "create product")
	var app productOut
	r.JSON(t, &app)
	mustStatus(t, ada.Do(t, "PATCH", base+"/APP", map[string]any{"version": 1, "archived": true}), http.StatusOK, "archive by key")
	list := func(q string) string {
		r := ada.Do(t, "GET", base+q, nil)
		mustStatus(t, r, http.StatusOK, "list products"+q)
		var out struct {
			Products   []productOut `json:"products"`
			NextCursor string       `json:"next_cursor"`
		}
		r.JSON(t, &out)
		var keys []string
		for _, p := range out.Products {
			keys = append(keys, p.Key)
		}
		return strings.Join(keys, ",") + "|" + out.NextCursor
	}
	if got := list(""); got != "PAMA|" {
		t.Errorf("active products = %q", got)
	}
	if got := list("?include_archived=true&limit=1"); !strings.HasPrefix(got, "APP|") || strings.HasSuffix(got, "|") {
		t.Errorf("first page = %q", got)
	}
	if r := ada.Do(t, "GET", base+"?cursor=nonsense", nil); !r.Problem(t).Has("query.cursor") {
		t.Errorf("bad cursor = %s", r.Body)
	}
	if r := ada.Do(t, "GET", base+"?limit=201", nil); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("limit 201 = %d", r.Status)
	}
}
