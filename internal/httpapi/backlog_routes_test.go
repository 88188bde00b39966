package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
)

type itemOut struct {
	ID              string   `json:"id"`
	Key             string   `json:"key"`
	Title           string   `json:"title"`
	Kind            string   `json:"kind"`
	Description     string   `json:"description"`
	DescriptionHTML string   `json:"description_html"`
	Points          *float64 `json:"points"`
	Labels          []string `json:"labels"`
	StatusID        string   `json:"status_id"`
	SprintID        string   `json:"sprint_id"`
	Version         int64    `json:"version"`
}

type statusOut struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Version  int64  `json:"version"`
}

type sprintOut struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	State          string  `json:"state"`
	Version        int64   `json:"version"`
	CommittedItems int     `json:"committed_items"`
	CompletedItems int     `json:"completed_items"`
	CarriedItems   int     `json:"carried_items"`
	CommittedPts   float64 `json:"committed_points"`
}

type backlogIDs struct{ item, sprint, status, filter string }

// backlogFixtures makes an item, a sprint, a status and a saved filter in a
// team through the API.
func backlogFixtures(t *testing.T, c *apptest.Client, team, product string) backlogIDs {
	t.Helper()
	base := "/api/v1/teams/" + team
	r := c.Do(t, "POST", base+"/products/"+product+"/items", map[string]any{"kind": "story", "title": "Alpha secret story"})
	mustStatus(t, r, http.StatusCreated, "create item")
	var it itemOut
	r.JSON(t, &it)
	r = c.Do(t, "POST", base+"/products/"+product+"/sprints", map[string]any{"name": "Alpha sprint"})
	mustStatus(t, r, http.StatusCreated, "create sprint")
	var sp sprintOut
	r.JSON(t, &sp)
	r = c.Do(t, "POST", base+"/statuses", map[string]any{"name": "Alpha waiting", "category": "todo"})
	mustStatus(t, r, http.StatusCreated, "create status")
	var st statusOut
	r.JSON(t, &st)
	r = c.Do(t, "POST", base+"/filters", map[string]any{"product_id": product, "name": "Alpha filter", "filter": map[string]any{"text": "alpha"}})
	mustStatus(t, r, http.StatusCreated, "save filter")
	var f struct{ ID string }
	r.JSON(t, &f)
	return backlogIDs{item: it.ID, sprint: sp.ID, status: st.ID, filter: f.ID}
}

func TestBacklogAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		po := env.SignIn(t, "po@example.com")
		tm, prod := createTeam(t, po, "Shop team", "shop-team", "SHOP")
		dev := join(t, env, po, tm.ID, "dev@example.com", "member")
		base := "/api/v1/teams/" + tm.ID
		items := base + "/products/" + prod.ID + "/items"

		// Create, with Markdown rendered safely.
		r := po.Do(t, "POST", items, map[string]any{"kind": "epic", "title": "Checkout"})
		mustStatus(t, r, http.StatusCreated, "create epic")
		var epic itemOut
		r.JSON(t, &epic)
		r = dev.Do(t, "POST", items, map[string]any{"kind": "story", "title": "Pay by card", "parent_id": epic.ID, "points": 5,
			"labels": []string{"payments"}, "description": "**Fast** <script>alert(1)</script>",
			"criteria": []map[string]any{{"text": "3-D Secure works"}}})
		mustStatus(t, r, http.StatusCreated, "create story")
		var story itemOut
		r.JSON(t, &story)
		if story.Key != "SHOP-2" || !strings.Contains(story.DescriptionHTML, "<strong>Fast</strong>") || strings.Contains(story.DescriptionHTML, "<script") ||
			story.Description != "**Fast** <script>alert(1)</script>" {
			t.Errorf("created story = %+v", story)
		}
		for i := range 3 {
			r = dev.Do(t, "POST", items, map[string]any{"kind": "task", "title": fmt.Sprintf("Task %d", i)})
			mustStatus(t, r, http.StatusCreated, "create task")
		}
		// Bad input is a field problem.
		r = dev.Do(t, "POST", items, map[string]any{"kind": "subtask", "title": "orphan"})
		if p := r.Problem(t); r.Status != http.StatusUnprocessableEntity || !p.Has("body.parent_id") {
			t.Errorf("subtask without parent = %d %s", r.Status, r.Body)
		}
		r = dev.Do(t, "POST", items, map[string]any{"kind": "story", "title": "x", "due_date": "tomorrow"})
		if p := r.Problem(t); r.Status != http.StatusUnprocessableEntity || !p.Has("body.due_date") {
			t.Errorf("bad due date = %d %s", r.Status, r.Body)
		}

		// Get by id and by key.
		for _, ref := range []string{story.ID, "SHOP-2", "shop-2"} {
			r = dev.Do(t, "GET", base+"/items/"+ref, nil)
			var got itemOut
			r.JSON(t, &got)
			if r.Status != http.StatusOK || got.ID != story.ID {
				t.Errorf("GET item %s = %d %s", ref, r.Status, r.Body)
			}
		}

		// Search and filters.
		r = dev.Do(t, "GET", items+"?text=card&kind=story&kind=bug&label=payments", nil)
		var page struct {
			Items      []itemOut `json:"items"`
			NextCursor string    `json:"next_cursor"`
		}
		r.JSON(t, &page)
		if r.Status != http.StatusOK || len(page.Items) != 1 || page.Items[0].ID != story.ID {
			t.Errorf("search = %d %s", r.Status, r.Body)
		}
		r = dev.Do(t, "GET", items+"?limit=2", nil)
		r.JSON(t, &page)
		if len(page.Items) != 2 || page.NextCursor == "" {
			t.Fatalf("first page of 2 = %s", r.Body)
		}
		r = dev.Do(t, "GET", items+"?limit=10&cursor="+page.NextCursor, nil)
		r.JSON(t, &page)
		if len(page.Items) != 3 || page.Items[0].Title != "Task 0" {
			t.Errorf("second page = %s", r.Body)
		}
		r = dev.Do(t, "GET", items+"?kind=feature", nil)
		if r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("query.kind") {
			t.Errorf("bad kind filter = %d %s", r.Status, r.Body)
		}

		// Update with versions: a stale one gets 409 with the current item.
		r = dev.Do(t, "PATCH", base+"/items/"+story.ID, map[string]any{"version": story.Version, "title": "Pay by card in one step", "points": nil})
		mustStatus(t, r, http.StatusOK, "update story")
		var upd itemOut
		r.JSON(t, &upd)
		if upd.Points != nil || upd.Version != story.Version+1 || upd.Title != "Pay by card in one step" {
			t.Errorf("updated = %+v", upd)
		}
		r = po.Do(t, "PATCH", base+"/items/"+story.ID, map[string]any{"version": story.Version, "title": "Stale"})
		p := r.Problem(t)
		var cur itemOut
		json.Unmarshal(p.Current, &cur)
		if r.Status != http.StatusConflict || p.Version != upd.Version || cur.Title != upd.Title {
			t.Errorf("stale update = %d %s", r.Status, r.Body)
		}

		// Move on the board: status and place at once, with a WIP warning.
		r = dev.Do(t, "GET", base+"/statuses", nil)
		var sts struct{ Statuses []statusOut }
		r.JSON(t, &sts)
		r = po.Do(t, "PATCH", base+"/statuses/"+sts.Statuses[1].ID, map[string]any{"version": sts.Statuses[1].Version, "wip_limit": 1})
		mustStatus(t, r, http.StatusOK, "set WIP limit")
		if r = dev.Do(t, "PATCH", base+"/statuses/"+sts.Statuses[1].ID, map[string]any{"version": 2, "wip_limit": 5}); r.Status != http.StatusForbidden {
			t.Errorf("member changing the workflow = %d", r.Status)
		}
		var moved struct {
			Item     itemOut `json:"item"`
			Warnings []struct {
				Code string `json:"code"`
			} `json:"warnings"`
		}
		r = dev.Do(t, "POST", base+"/items/SHOP-3/move", map[string]any{"version": 1, "status_id": sts.Statuses[1].ID})
		mustStatus(t, r, http.StatusOK, "move task")
		r = dev.Do(t, "POST", base+"/items/"+story.ID+"/move", map[string]any{"version": upd.Version, "status_id": sts.Statuses[1].ID,
			"position": map[string]any{"top": true}})
		mustStatus(t, r, http.StatusOK, "move story")
		r.JSON(t, &moved)
		if len(moved.Warnings) != 1 || moved.Warnings[0].Code != "wip_limit" || moved.Item.StatusID != sts.Statuses[1].ID {
			t.Errorf("move = %s", r.Body)
		}
		r = dev.Do(t, "GET", base+"/products/"+prod.ID+"/board", nil)
		var board struct {
			Columns []struct {
				Count     int  `json:"count"`
				OverLimit bool `json:"over_limit"`
			} `json:"columns"`
			Lanes []struct {
				Cells [][]itemOut `json:"cells"`
			} `json:"lanes"`
		}
		r.JSON(t, &board)
		if r.Status != http.StatusOK || board.Columns[1].Count != 2 || !board.Columns[1].OverLimit || board.Lanes[0].Cells[1][0].ID != story.ID {
			t.Errorf("board = %d %s", r.Status, r.Body)
		}

		// History shows who moved it.
		r = dev.Do(t, "GET", base+"/items/"+story.ID+"/history", nil)
		var hist struct {
			Entries []struct {
				ActorID string `json:"actor_id"`
				Action  string `json:"action"`
			} `json:"entries"`
		}
		r.JSON(t, &hist)
		if n := len(hist.Entries); n != 3 || hist.Entries[2].Action != "moved" || hist.Entries[2].ActorID != dev.Account.ID {
			t.Errorf("history = %s", r.Body)
		}

		// Bulk edit: label and plan into a sprint in one request.
		r = po.Do(t, "POST", base+"/products/"+prod.ID+"/sprints", map[string]any{"start_date": "2026-03-02", "end_date": "2026-03-13"})
		mustStatus(t, r, http.StatusCreated, "create sprint")
		var sp sprintOut
		r.JSON(t, &sp)
		r = dev.Do(t, "GET", items+"?kind=task", nil)
		r.JSON(t, &page)
		ids := []string{page.Items[0].ID, page.Items[1].ID, story.ID}
		r = dev.Do(t, "POST", items+"/bulk", map[string]any{"item_ids": ids, "add_labels": []string{"sprint-1"}, "sprint_id": sp.ID})
		mustStatus(t, r, http.StatusOK, "bulk edit")
		r = dev.Do(t, "GET", items+"?sprint="+sp.ID+"&label=sprint-1", nil)
		r.JSON(t, &page)
		if len(page.Items) != 3 {
			t.Errorf("items in the sprint after bulk edit = %s", r.Body)
		}

		// Sprints: capacity, start, complete with carry-over.
		r = po.Do(t, "PUT", base+"/sprints/"+sp.ID+"/capacity", map[string]any{"capacity": []map[string]any{{"account_id": dev.Account.ID, "days": 9, "points": 8}}})
		mustStatus(t, r, http.StatusOK, "set capacity")
		r = dev.Do(t, "GET", base+"/sprints/"+sp.ID+"/capacity", nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"days":9`) {
			t.Errorf("capacity = %d %s", r.Status, r.Body)
		}
		r = dev.Do(t, "GET", base+"/sprints/"+sp.ID, nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"state":"planned"`) {
			t.Errorf("get sprint = %d %s", r.Status, r.Body)
		}
		if r = dev.Do(t, "POST", base+"/sprints/"+sp.ID+"/start", map[string]any{"version": sp.Version}); r.Status != http.StatusForbidden {
			t.Errorf("member starting a sprint = %d", r.Status)
		}
		r = po.Do(t, "PATCH", base+"/sprints/"+sp.ID, map[string]any{"version": sp.Version, "goal": "Card payments"})
		mustStatus(t, r, http.StatusOK, "set goal")
		r.JSON(t, &sp)
		r = po.Do(t, "POST", base+"/sprints/"+sp.ID+"/start", map[string]any{"version": sp.Version})
		mustStatus(t, r, http.StatusOK, "start sprint")
		r.JSON(t, &sp)
		if sp.State != "active" || sp.CommittedItems != 3 {
			t.Errorf("started = %+v", sp)
		}
		r = dev.Do(t, "POST", base+"/items/"+page.Items[0].ID+"/move", map[string]any{"version": page.Items[0].Version, "status_id": sts.Statuses[3].ID})
		mustStatus(t, r, http.StatusOK, "finish an item")
		r = po.Do(t, "POST", base+"/sprints/"+sp.ID+"/complete", map[string]any{"version": sp.Version, "carry_over": "next"})
		mustStatus(t, r, http.StatusOK, "complete sprint")
		var done struct {
			Sprint  sprintOut  `json:"sprint"`
			Next    *sprintOut `json:"next"`
			Carried []string   `json:"carried"`
		}
		r.JSON(t, &done)
		if done.Sprint.State != "completed" || done.Next == nil || done.Next.Name != "Sprint 2" || len(done.Carried)+done.Sprint.CompletedItems != 3 {
			t.Errorf("completion = %s", r.Body)
		}
		r = dev.Do(t, "GET", base+"/products/"+prod.ID+"/sprints?state=planned", nil)
		var list struct{ Sprints []sprintOut }
		r.JSON(t, &list)
		if len(list.Sprints) != 1 || list.Sprints[0].ID != done.Next.ID {
			t.Errorf("planned sprints = %s", r.Body)
		}
		r = po.Do(t, "DELETE", fmt.Sprintf("%s/sprints/%s?version=%d", base, done.Next.ID, done.Next.Version), nil)
		mustStatus(t, r, http.StatusNoContent, "delete planned sprint")

		// Saved filters are the member's own.
		r = dev.Do(t, "POST", base+"/filters", map[string]any{"product_id": prod.ID, "name": "My tasks", "filter": map[string]any{"kinds": []string{"task"}}})
		mustStatus(t, r, http.StatusCreated, "save filter")
		var f struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		}
		r.JSON(t, &f)
		if r = po.Do(t, "GET", base+"/filters/"+f.ID, nil); r.Status != http.StatusNotFound {
			t.Errorf("another member's filter = %d", r.Status)
		}
		if r = dev.Do(t, "GET", base+"/filters/"+f.ID, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"kinds":["task"]`) {
			t.Errorf("own filter = %d %s", r.Status, r.Body)
		}
		r = dev.Do(t, "PATCH", base+"/filters/"+f.ID, map[string]any{"version": f.Version, "name": "Tasks"})
		mustStatus(t, r, http.StatusOK, "rename filter")
		r = dev.Do(t, "GET", base+"/filters", nil)
		if !strings.Contains(string(r.Body), `"name":"Tasks"`) {
			t.Errorf("filters = %s", r.Body)
		}
		r = dev.Do(t, "DELETE", base+"/filters/"+f.ID+"?version=2", nil)
		mustStatus(t, r, http.StatusNoContent, "delete filter")

		// Workflow and settings.
		r = po.Do(t, "POST", base+"/statuses", map[string]any{"name": "Blocked", "category": "in_progress", "position": 2})
		mustStatus(t, r, http.StatusCreated, "add status")
		var blocked statusOut
		r.JSON(t, &blocked)
		r = po.Do(t, "DELETE", fmt.Sprintf("%s/statuses/%s?version=%d", base, blocked.ID, blocked.Version), nil)
		mustStatus(t, r, http.StatusNoContent, "delete status")
		r = po.Do(t, "GET", base+"/backlog-settings", nil)
		mustStatus(t, r, http.StatusOK, "get settings")
		r = po.Do(t, "PUT", base+"/backlog-settings", map[string]any{"version": 0, "parallel_sprints": true})
		mustStatus(t, r, http.StatusOK, "allow parallel sprints")

		// Delete an item.
		r = dev.Do(t, "DELETE", base+"/items/"+epic.ID+"?version=1", nil)
		if r.Status != http.StatusConflict {
			t.Errorf("delete an epic with a child = %d %s", r.Status, r.Body)
		}
		r = dev.Do(t, "DELETE", base+"/items/SHOP-5?version=1", nil)
		mustStatus(t, r, http.StatusNoContent, "delete task")
		if r = dev.Do(t, "GET", base+"/items/SHOP-5", nil); r.Status != http.StatusNotFound {
			t.Errorf("deleted item = %d", r.Status)
		}
	})
}
