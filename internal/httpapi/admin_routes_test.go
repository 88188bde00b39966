package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/config"
)

const consoleOps = "ops@example.com"

func withConsoleOperator(c *config.Config) { c.Operators = []string{consoleOps} }

func eachConsole(t *testing.T, fn func(t *testing.T, env *apptest.Env)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, apptest.New(t, withConsoleOperator))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, apptest.New(t, withConsoleOperator, apptest.Postgres(t)))
	})
}

type spaceOut struct {
	ID     string `json:"id"`
	Slug   string `json:"slug"`
	State  string `json:"state"`
	Closed bool   `json:"closed"`
	Usage  struct {
		Members int64 `json:"members"`
		Items   int64 `json:"items"`
	} `json:"usage"`
	Quota struct {
		Items int64 `json:"items"`
	} `json:"quota"`
	Health string `json:"health"`
}

func TestConsoleIsForOperators(t *testing.T) {
	env := apptest.New(t, withConsoleOperator)
	ada := env.SignIn(t, "ada@example.com")
	for _, p := range []struct{ method, path string }{
		{"GET", "/api/v1/admin/spaces"}, {"POST", "/api/v1/admin/jobs"}, {"GET", "/api/v1/admin/audit"},
		{"POST", "/api/v1/admin/spaces/whatever/suspend"},
	} {
		if r := ada.Do(t, p.method, p.path, map[string]any{}); r.Status != http.StatusForbidden {
			t.Errorf("%s %s as a member = %d, want 403", p.method, p.path, r.Status)
		}
		if r := env.Anonymous().Do(t, p.method, p.path, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("%s %s anonymous = %d, want 401", p.method, p.path, r.Status)
		}
	}
}

func TestConsoleLifecycleOverHTTP(t *testing.T) {
	eachConsole(t, func(t *testing.T, env *apptest.Env) {
		ops := env.SignIn(t, consoleOps)
		ada := env.SignIn(t, "ada@example.com")
		tm, prod := createTeam(t, ada, "Blue Whales", "blue-whales", "BW")
		itemPath := "/api/v1/teams/blue-whales/products/" + prod.ID + "/items"
		mustStatus(t, ada.Do(t, "POST", itemPath, map[string]any{"kind": "story", "title": "First"}), http.StatusCreated, "item")

		r := ops.Do(t, "GET", "/api/v1/admin/spaces?search=whale", nil)
		mustStatus(t, r, http.StatusOK, "list")
		var list struct {
			Spaces []spaceOut `json:"spaces"`
		}
		r.JSON(t, &list)
		if len(list.Spaces) != 1 || list.Spaces[0].ID != tm.ID {
			t.Fatalf("list = %+v", list)
		}

		// Read-only: reading works, writing is refused.
		mustStatus(t, ops.Do(t, "POST", "/api/v1/admin/spaces/blue-whales/suspend", map[string]any{"mode": "read_only", "reason": "billing"}), http.StatusOK, "suspend")
		mustStatus(t, ada.Do(t, "GET", "/api/v1/teams/blue-whales", nil), http.StatusOK, "read suspended")
		mustStatus(t, ada.Do(t, "POST", itemPath, map[string]any{"kind": "story", "title": "Second"}), http.StatusForbidden, "write suspended")
		// Closed: not even reachable.
		mustStatus(t, ops.Do(t, "POST", "/api/v1/admin/spaces/blue-whales/suspend", map[string]any{"mode": "closed"}), http.StatusOK, "close")
		mustStatus(t, ada.Do(t, "GET", "/api/v1/teams/blue-whales", nil), http.StatusNotFound, "read closed")
		r = ada.Do(t, "GET", "/api/v1/teams", nil)
		if bytes.Contains(r.Body, []byte("blue-whales")) {
			t.Errorf("a closed space is still in the member's list: %s", r.Body)
		}
		mustStatus(t, ops.Do(t, "POST", "/api/v1/admin/spaces/blue-whales/resume", nil), http.StatusOK, "resume")
		mustStatus(t, ada.Do(t, "POST", itemPath, map[string]any{"kind": "story", "title": "Second"}), http.StatusCreated, "write resumed")
		// Refused transition.
		if r := ops.Do(t, "POST", "/api/v1/admin/spaces/blue-whales/resume", nil); r.Status != http.StatusConflict {
			t.Errorf("resume an active space = %d", r.Status)
		}

		// Quotas: a limit of 2 items refuses the third with a 507 naming it.
		mustStatus(t, ops.Do(t, "PUT", "/api/v1/admin/spaces/blue-whales/quota", map[string]any{"items": 2}), http.StatusOK, "quota")
		r = ada.Do(t, "POST", itemPath, map[string]any{"kind": "story", "title": "Third"})
		if r.Status != http.StatusInsufficientStorage {
			t.Fatalf("third item = %d %s", r.Status, r.Body)
		}
		var qp struct {
			Quota string `json:"quota"`
			Limit int64  `json:"limit"`
		}
		r.JSON(t, &qp)
		if qp.Quota != "items" || qp.Limit != 2 {
			t.Errorf("quota problem = %s", r.Body)
		}

		// Members: with a quota of one, the owner fills the space.
		r = ada.Do(t, "POST", "/api/v1/teams/blue-whales/invitations", map[string]string{"email": "bob@example.com", "role": "member"})
		mustStatus(t, r, http.StatusCreated, "invite under no member quota")
		mustStatus(t, ops.Do(t, "PUT", "/api/v1/admin/spaces/blue-whales/quota", map[string]any{"items": 2, "members": 1}), http.StatusOK, "member quota")
		r = ada.Do(t, "POST", "/api/v1/teams/blue-whales/invitations", map[string]string{"email": "cy@example.com", "role": "member"})
		r.JSON(t, &qp)
		if r.Status != http.StatusInsufficientStorage || qp.Quota != "members" || qp.Limit != 1 {
			t.Errorf("invite past the member quota = %d %s", r.Status, r.Body)
		}
		bob := env.SignIn(t, "bob@example.com")
		var mine []struct {
			ID     string `json:"id"`
			TeamID string `json:"team_id"`
		}
		r = bob.Do(t, "GET", "/api/v1/invitations", nil)
		r.JSON(t, &struct {
			Invitations *[]struct {
				ID     string `json:"id"`
				TeamID string `json:"team_id"`
			} `json:"invitations"`
		}{&mine})
		if len(mine) != 1 {
			t.Fatalf("bob's invitations = %s", r.Body)
		}
		r = bob.Do(t, "POST", "/api/v1/invitations/accept", map[string]string{"team_id": mine[0].TeamID, "invitation_id": mine[0].ID})
		if r.Status != http.StatusInsufficientStorage || !bytes.Contains(r.Body, []byte(`"quota":"members"`)) {
			t.Errorf("accept past the member quota = %d %s", r.Status, r.Body)
		}
		mustStatus(t, ops.Do(t, "PUT", "/api/v1/admin/spaces/blue-whales/quota", map[string]any{"items": 2}), http.StatusOK, "member quota back to default")

		// Health now, then its history.
		r = ops.Do(t, "POST", "/api/v1/admin/spaces/blue-whales/health", nil)
		mustStatus(t, r, http.StatusOK, "health")
		var check struct {
			OK     bool   `json:"ok"`
			Health string `json:"health"`
		}
		r.JSON(t, &check)
		if !check.OK || check.Health != "ok" {
			t.Errorf("check = %s", r.Body)
		}
		r = ops.Do(t, "GET", "/api/v1/admin/spaces/"+tm.ID, nil)
		var sp spaceOut
		r.JSON(t, &sp)
		if sp.Usage.Items != 2 || sp.Usage.Members != 1 || sp.Quota.Items != 2 || sp.Health != "ok" {
			t.Errorf("space = %s", r.Body)
		}

		// Export, delete, import the archive as a new space on another address.
		r = ops.Do(t, "GET", "/api/v1/admin/spaces/blue-whales/export", nil)
		mustStatus(t, r, http.StatusOK, "export")
		if ct := r.Header.Get("Content-Type"); ct != "application/gzip" {
			t.Errorf("export content type %q", ct)
		}
		archive := r.Body
		mustStatus(t, ops.Do(t, "DELETE", "/api/v1/admin/spaces/blue-whales?reason=moving", nil), http.StatusOK, "delete")
		mustStatus(t, ada.Do(t, "GET", "/api/v1/teams/blue-whales", nil), http.StatusNotFound, "read deleted")
		// The deleted original still holds its rows: an import beside it is refused.
		mustStatus(t, upload(t, ops, "/api/v1/admin/spaces/import?slug=blue-again", archive), http.StatusConflict, "import beside the original")
		// Another install takes it, with the owner's account.
		other := apptest.New(t, withConsoleOperator)
		r = upload(t, other.SignIn(t, consoleOps), "/api/v1/admin/spaces/import?keep_id=true", archive)
		mustStatus(t, r, http.StatusCreated, "import elsewhere")
		var imported struct {
			Space           spaceOut `json:"space"`
			AccountsCreated int      `json:"accounts_created"`
		}
		r.JSON(t, &imported)
		if imported.Space.ID != tm.ID || imported.Space.Slug != "blue-whales" || imported.AccountsCreated != 1 {
			t.Errorf("imported = %s", r.Body)
		}
		mustStatus(t, other.SignIn(t, "ada@example.com").Do(t, "GET", "/api/v1/teams/blue-whales", nil), http.StatusOK, "owner in the new install")
		mustStatus(t, ops.Do(t, "POST", "/api/v1/admin/spaces/blue-whales/restore", nil), http.StatusOK, "restore")
		mustStatus(t, ada.Do(t, "GET", "/api/v1/teams/blue-whales", nil), http.StatusOK, "read restored")

		var sum struct {
			Spaces map[string]int `json:"spaces"`
			Health map[string]int `json:"health"`
			Engine string         `json:"engine"`
		}
		ops.Do(t, "GET", "/api/v1/admin/summary", nil).JSON(t, &sum)
		if sum.Spaces["active"] != 1 || sum.Health["ok"] != 1 || sum.Engine == "" {
			t.Errorf("summary = %+v", sum)
		}

		// Every action is audited with the operator as actor.
		r = ops.Do(t, "GET", "/api/v1/admin/audit?target="+tm.ID, nil)
		var audit struct {
			Entries []struct {
				ActorID string `json:"actor_id"`
				Action  string `json:"action"`
			} `json:"entries"`
		}
		r.JSON(t, &audit)
		var actions []string
		for _, e := range audit.Entries {
			actions = append(actions, e.Action)
			if e.ActorID != ops.Account.ID {
				t.Errorf("audit actor %q", e.ActorID)
			}
		}
		want := "[operator.restore operator.delete operator.export operator.quota operator.quota operator.quota operator.resume operator.suspend operator.suspend]"
		if fmt.Sprint(actions) != want {
			t.Errorf("audit = %v, want %s", actions, want)
		}
	})
}

func upload(t *testing.T, c *apptest.Client, path string, body []byte) *apptest.Response {
	t.Helper()
	req, err := http.NewRequest("POST", c.Env.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/gzip")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

func TestConsoleJobsOverHTTP(t *testing.T) {
	eachConsole(t, func(t *testing.T, env *apptest.Env) {
		env.App.Start(t.Context())
		ops := env.SignIn(t, consoleOps)
		ada := env.SignIn(t, "ada@example.com")
		for i := range 3 {
			createTeam(t, ada, fmt.Sprintf("Batch %d", i), fmt.Sprintf("batch-%d", i), "")
		}
		r := ops.Do(t, "POST", "/api/v1/admin/jobs", map[string]any{"kind": "notify", "filter": map[string]any{"search": "batch"},
			"params": map[string]any{"subject": "Upgrade tonight", "body": "Expect a minute of downtime."}})
		mustStatus(t, r, http.StatusCreated, "create job")
		var job struct {
			ID    string `json:"id"`
			State string `json:"state"`
			Total int    `json:"total"`
			Done  int    `json:"done"`
		}
		r.JSON(t, &job)
		if job.Total != 3 {
			t.Fatalf("job = %s", r.Body)
		}
		deadline := time.Now().Add(30 * time.Second)
		for job.State != "done" {
			if time.Now().After(deadline) {
				t.Fatalf("job still %s", job.State)
			}
			time.Sleep(10 * time.Millisecond)
			ops.Do(t, "GET", "/api/v1/admin/jobs/"+job.ID, nil).JSON(t, &job)
		}
		if got := env.Mails(t, "ada@example.com"); len(got) == 0 {
			t.Fatal("no mail")
		}
		n := 0
		for _, m := range env.Mails(t, "ada@example.com") {
			if m.Subject == "Upgrade tonight" {
				n++
			}
		}
		if n != 3 {
			t.Errorf("ada got %d notices, want one per space (3)", n)
		}
		r = ops.Do(t, "GET", "/api/v1/admin/jobs/"+job.ID+"/items", nil)
		if !bytes.Contains(r.Body, []byte("sent to 1 members")) {
			t.Errorf("items = %s", r.Body)
		}
		if r := ops.Do(t, "POST", "/api/v1/admin/jobs/"+job.ID+"/pause", nil); r.Status != http.StatusConflict {
			t.Errorf("pause a finished job = %d", r.Status)
		}
		if r := ops.Do(t, "POST", "/api/v1/admin/jobs", map[string]any{"kind": "nonsense", "filter": map[string]any{}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("bad kind = %d", r.Status)
		}
	})
}

// An account that existed before its address was made an operator's is an
// operator as soon as the configuration says so, in /me too.
func TestOperatorAddedLaterShowsInMe(t *testing.T) {
	env := apptest.New(t)
	c := env.SignIn(t, "later-ops@example.com")
	var me struct {
		Operator bool `json:"operator"`
	}
	c.Do(t, "GET", "/api/v1/me", nil).JSON(t, &me)
	if me.Operator {
		t.Fatal("an account is an operator without being configured as one")
	}
	env.Config.Operators = []string{"later-ops@example.com"}
	env.Restart(t)
	c.Do(t, "GET", "/api/v1/me", nil).JSON(t, &me)
	if !me.Operator {
		t.Error("/api/v1/me does not report the operator role the configuration now gives")
	}
	if r := c.Do(t, "GET", "/api/v1/admin/summary", nil); r.Status != 200 {
		t.Errorf("admin summary = %d", r.Status)
	}
}
