package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
)

// tenantFixtures makes team A's entities and returns, for every path
// parameter name that operations in a team use, the value that names one of
// A's entities. The walk below fails on a parameter missing here: when you
// add an operation with a new path parameter, create an entity of team A for
// it and add it to this map.
func tenantFixtures(t *testing.T, env *apptest.Env, alice *apptest.Client, teamA teamOut, productA productOut) map[string]string {
	t.Helper()
	r := alice.Do(t, "POST", "/api/v1/teams/"+teamA.ID+"/invitations", map[string]string{"email": "alpha-invitee@example.com", "role": "member"})
	mustStatus(t, r, http.StatusCreated, "invite in team A")
	var inv invitationOut
	r.JSON(t, &inv)
	work := backlogFixtures(t, alice, teamA.ID, productA.ID)
	talk := discussionFixtures(t, env, alice, teamA.ID, work.item)
	r = alice.Do(t, "POST", "/api/v1/teams/"+teamA.ID+"/domains", map[string]string{"domain": "alpha.example.org"})
	mustStatus(t, r, http.StatusCreated, "add a custom domain to team A")
	r = alice.Do(t, "POST", "/api/v1/teams/"+teamA.ID+"/rooms", map[string]any{"kind": "retro", "product_id": productA.ID})
	mustStatus(t, r, http.StatusCreated, "start a ceremony in team A")
	var room struct {
		ID string `json:"id"`
	}
	r.JSON(t, &room)
	return map[string]string{
		"room":         room.ID,
		"domain":       "alpha.example.org",
		"comment":      talk.comment,
		"notification": talk.notification,
		"attachment":   talk.attachment,
		"item":         work.item,
		"sprint":       work.sprint,
		"status":       work.status,
		"filter":       work.filter,
		"team":         teamA.ID,
		"product":      productA.ID,
		"account":      alice.Account.ID,
		"invitation":   inv.ID,
		"entity_type":  "product",
		"entity_id":    productA.ID,
	}
}

type walkOp struct {
	method, path, id string
	params           []string
	body             any
}

var pathParamRE = regexp.MustCompile(`\{([^}]+)\}`)

// teamOperations reads the OpenAPI document served by the app and returns
// every operation whose path has {team}, with a plausible JSON body built
// from the examples and types of its request schema.
func teamOperations(t *testing.T, c *apptest.Client) []walkOp {
	t.Helper()
	r := c.Do(t, "GET", "/api/openapi.json", nil)
	mustStatus(t, r, http.StatusOK, "GET /api/openapi.json")
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	r.JSON(t, &doc)
	var ops []walkOp
	for path, item := range doc.Paths {
		if !strings.Contains(path, "{team}") {
			continue
		}
		for method, raw := range item {
			var op struct {
				OperationID string `json:"operationId"`
				RequestBody *struct {
					Content map[string]struct {
						Schema map[string]any `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if err := json.Unmarshal(raw, &op); err != nil || op.OperationID == "" {
				continue // not an operation (parameters, summary, ...)
			}
			w := walkOp{method: strings.ToUpper(method), path: path, id: op.OperationID}
			for _, m := range pathParamRE.FindAllStringSubmatch(path, -1) {
				w.params = append(w.params, m[1])
			}
			if op.RequestBody != nil {
				if ct, ok := op.RequestBody.Content["application/json"]; ok {
					w.body = plausible(ct.Schema, doc.Components.Schemas, 0)
				}
			}
			ops = append(ops, w)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

// plausible returns a value that fits schema: its first example, or for an
// object every property that has an example or is required.
func plausible(schema map[string]any, defs map[string]map[string]any, depth int) any {
	if ref, ok := schema["$ref"].(string); ok && depth < 8 {
		return plausible(defs[strings.TrimPrefix(ref, "#/components/schemas/")], defs, depth+1)
	}
	if ex, ok := schema["examples"].([]any); ok && len(ex) > 0 {
		return ex[0]
	}
	typ, _ := schema["type"].(string)
	if list, ok := schema["type"].([]any); ok && len(list) > 0 {
		typ, _ = list[0].(string)
	}
	switch typ {
	case "object":
		out := map[string]any{}
		props, _ := schema["properties"].(map[string]any)
		required := map[string]bool{}
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				required[r.(string)] = true
			}
		}
		for name, p := range props {
			ps, _ := p.(map[string]any)
			_, hasExample := ps["examples"]
			if required[name] || hasExample {
				out[name] = plausible(ps, defs, depth+1)
			}
		}
		return out
	case "array":
		return []any{}
	case "integer", "number":
		if m, ok := schema["minimum"].(float64); ok {
			return m
		}
		return 1
	case "boolean":
		return false
	case "string":
		if enum, ok := schema["enum"].([]any); ok && len(enum) > 0 {
			return enum[0]
		}
		n := 3
		if m, ok := schema["minLength"].(float64); ok && int(m) > n {
			n = int(m)
		}
		return strings.Repeat("x", n)
	}
	return nil
}

// TestTenantIsolation walks every operation in a team, as documented in the
// OpenAPI document, as a member of team B aimed at team A's data:
//
//  1. with team A's id: the answer must be 403 or 404;
//  2. with team B's own id and team A's entity ids: the answer must be 404.
//
// Neither answer may contain any of team A's ids or names, and team A's data
// must be unchanged afterwards.
func TestTenantIsolation(t *testing.T) {
	eachEngine(t, walkTenants)
}

func walkTenants(t *testing.T, env *apptest.Env) {
	alice := env.SignIn(t, "alpha-owner@example.com")
	teamA, productA := createTeam(t, alice, "Alpha Secret Team", "alpha-secret", "ASEC")
	fixtures := tenantFixtures(t, env, alice, teamA, productA)

	bob := env.SignIn(t, "bravo-owner@example.com")
	teamB, _ := createTeam(t, bob, "Bravo Team", "bravo-team", "BRAV")
	// Bob is also an ordinary member elsewhere, to be sure no membership leaks.
	join(t, env, bob, teamB.ID, "bravo-member@example.com", "member")

	secrets := []string{teamA.ID, teamA.Slug, teamA.Name, productA.ID, productA.Key, productA.Name,
		alice.Account.ID, alice.Account.Email, fixtures["invitation"], "alpha-invitee@example.com", fixtures["domain"]}
	checkNoLeak := func(op walkOp, path string, r *apptest.Response) {
		t.Helper()
		body := string(r.Body)
		for _, s := range secrets {
			if s != "" && strings.Contains(body, s) {
				t.Errorf("%s %s (%s) leaks %q: %s", op.method, path, op.id, s, body)
			}
		}
	}

	ops := teamOperations(t, bob)
	if len(ops) < 15 {
		t.Fatalf("only %d operations in teams in the OpenAPI document", len(ops))
	}
	withEntities := 0
	for _, op := range ops {
		for _, p := range op.params {
			if _, ok := fixtures[p]; !ok {
				t.Fatalf("%s %s (%s) has the path parameter {%s}, which has no fixture: create an entity of team A "+
					"for it in tenantFixtures (internal/httpapi/tenant_test.go) so the tenant-isolation walk covers the operation",
					op.method, op.path, op.id, p)
			}
		}
		fill := func(team string) string {
			return pathParamRE.ReplaceAllStringFunc(op.path, func(m string) string {
				name := m[1 : len(m)-1]
				if name == "team" {
					return team
				}
				return fixtures[name]
			})
		}

		// 1. Team A's id, as a member of team B only.
		for _, ref := range []string{teamA.ID, teamA.Slug} {
			path := fill(ref)
			r := bob.Do(t, op.method, path, op.body)
			if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Errorf("%s %s (%s) as a non-member = %d, want 403 or 404: %s", op.method, path, op.id, r.Status, r.Body)
			}
			checkNoLeak(op, path, r)
		}

		// 2. Team B's own id with team A's entities.
		if len(op.params) > 1 {
			withEntities++
			path := fill(teamB.ID)
			r := bob.Do(t, op.method, path, op.body)
			if r.Status != http.StatusNotFound {
				t.Errorf("%s %s (%s) with another team's entities = %d, want 404: %s", op.method, path, op.id, r.Status, r.Body)
			}
			checkNoLeak(op, path, r)
		}
	}

	t.Logf("walked %d operations in teams, %d of them also with team A's entities in team B", len(ops), withEntities)

	// Team A is as it was.
	r := alice.Do(t, "GET", "/api/v1/teams/"+teamA.ID+"/products/"+productA.ID, nil)
	var p productOut
	r.JSON(t, &p)
	if r.Status != http.StatusOK || p.Version != productA.Version || p.Name != productA.Name || p.Archived {
		t.Errorf("team A's product after the walk = %d %s", r.Status, r.Body)
	}
	r = alice.Do(t, "GET", "/api/v1/teams/"+teamA.ID, nil)
	var got teamOut
	r.JSON(t, &got)
	if got.Name != teamA.Name || got.Version != teamA.Version || got.Role != "owner" {
		t.Errorf("team A after the walk = %s", r.Body)
	}
	r = alice.Do(t, "GET", "/api/v1/teams/"+teamA.ID+"/invitations", nil)
	if !strings.Contains(string(r.Body), `"status":"pending"`) {
		t.Errorf("team A's invitation after the walk = %s", r.Body)
	}
}
