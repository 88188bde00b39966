package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
)

func TestActivityFeedAndHistory(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignIn(t, "feed-owner@example.com")
		tm, p := createTeam(t, owner, "Feed", "feed-team", "FEED")
		member := join(t, env, owner, tm.ID, "feed-member@example.com", "member")
		// A pending invitation names an address only member managers may read.
		r := owner.Do(t, "POST", "/api/v1/teams/"+tm.ID+"/invitations", map[string]string{"email": "secret-invitee@example.com", "role": "member"})
		mustStatus(t, r, http.StatusCreated, "invite")
		var inv invitationOut
		r.JSON(t, &inv)

		var feed struct {
			Entries []struct {
				EntityType string `json:"entity_type"`
				EntityID   string `json:"entity_id"`
				Action     string `json:"action"`
				ActorID    string `json:"actor_id"`
			} `json:"entries"`
			NextCursor string `json:"next_cursor"`
		}
		r = owner.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/activity?limit=200", nil)
		mustStatus(t, r, http.StatusOK, "owner's feed")
		r.JSON(t, &feed)
		types := map[string]bool{}
		for _, e := range feed.Entries {
			types[e.EntityType] = true
		}
		for _, want := range []string{"member", "product", "invitation"} {
			if !types[want] {
				t.Errorf("owner's feed lacks %s entries: %v", want, types)
			}
		}
		if !strings.Contains(string(r.Body), "secret-invitee@example.com") {
			t.Error("owner's feed does not show the invitation")
		}

		r = member.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/activity?limit=200", nil)
		mustStatus(t, r, http.StatusOK, "member's feed")
		if strings.Contains(string(r.Body), "secret-invitee@example.com") || strings.Contains(string(r.Body), `"invitation"`) {
			t.Errorf("a member without member management sees invitations in the feed: %s", r.Body)
		}
		mustStatus(t, member.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/history/invitation/"+inv.ID, nil), http.StatusNotFound, "member reads an invitation's history")
		mustStatus(t, owner.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/history/invitation/"+inv.ID, nil), http.StatusOK, "owner reads an invitation's history")

		// Paging walks the whole feed without repeats.
		seen := map[string]bool{}
		cursor := ""
		for range 50 {
			r = owner.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/activity?limit=2&cursor="+cursor, nil)
			mustStatus(t, r, http.StatusOK, "feed page")
			feed.Entries, feed.NextCursor = nil, ""
			r.JSON(t, &feed)
			for _, e := range feed.Entries {
				k := e.EntityType + e.EntityID + e.Action
				if seen[k] && e.Action != "updated" {
					t.Errorf("entry %s seen twice", k)
				}
				seen[k] = true
			}
			if feed.NextCursor == "" {
				break
			}
			cursor = feed.NextCursor
		}
		if !seen["product"+p.ID+"created"] {
			t.Errorf("paging never reached the product's creation: %v", seen)
		}
		if r := owner.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/activity?cursor=nonsense!", nil); r.Status != 422 || !r.Problem(t).Has("query.cursor") {
			t.Errorf("bad cursor = %d %s", r.Status, r.Body)
		}

		// The product's history shows its rename with before and after.
		r = owner.Do(t, "PATCH", "/api/v1/teams/"+tm.ID+"/products/"+p.ID, map[string]any{"version": p.Version, "name": "Renamed"})
		mustStatus(t, r, http.StatusOK, "rename product")
		r = member.Do(t, "GET", "/api/v1/teams/"+tm.ID+"/history/product/"+p.ID, nil)
		mustStatus(t, r, http.StatusOK, "product history")
		if !strings.Contains(string(r.Body), `"before":"Feed product"`) || !strings.Contains(string(r.Body), `"after":"Renamed"`) {
			t.Errorf("history lacks the rename: %s", r.Body)
		}
	})
}
