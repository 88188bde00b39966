package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/apptest"
)

type burnDayOut struct {
	Date            string   `json:"date"`
	IdealPoints     float64  `json:"ideal_remaining_points"`
	RemainingPoints *float64 `json:"remaining_points"`
	RemainingItems  *int     `json:"remaining_items"`
	CompletedPoints *float64 `json:"completed_points"`
	CompletedItems  *int     `json:"completed_items"`
	ScopePoints     *float64 `json:"scope_points"`
	ScopeItems      *int     `json:"scope_items"`
}

type burndownOut struct {
	State           string       `json:"state"`
	TimeZone        string       `json:"time_zone"`
	CommittedPoints float64      `json:"committed_points"`
	Days            []burnDayOut `json:"days"`
}

type cycleOut struct {
	Count       int `json:"count"`
	NotStarted  int `json:"not_started"`
	Percentiles struct {
		P50 float64 `json:"p50"`
		P95 float64 `json:"p95"`
	} `json:"percentiles"`
	Items []struct {
		ItemID string   `json:"item_id"`
		Key    string   `json:"key"`
		Points *float64 `json:"points"`
		Days   float64  `json:"cycle_days"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// reportZone returns a time zone in which it is now far from midnight, so
// that everything the test does happens on one day there.
func reportZone(t *testing.T) (string, string) {
	t.Helper()
	for _, name := range []string{"UTC", "Asia/Tokyo", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		if now := time.Now().In(loc); now.Hour() >= 2 && now.Hour() < 22 {
			return name, now.Format("2006-01-02")
		}
	}
	t.Fatal("no time zone is far from midnight")
	return "", ""
}

func TestReportsAPI(t *testing.T) {
	eachEngine(t, func(t *testing.T, env *apptest.Env) {
		po := env.SignIn(t, "po@example.com")
		tm, prod := createTeam(t, po, "Chart team", "chart-team", "CHRT")
		observer := join(t, env, po, tm.ID, "observer@example.com", "observer")
		base := "/api/v1/teams/" + tm.ID
		items := base + "/products/" + prod.ID + "/items"
		reports := base + "/products/" + prod.ID + "/reports"

		// The team's time zone: IANA names only.
		r := po.Do(t, "PATCH", base+"/settings", map[string]any{"version": 1, "time_zone": "Mars/Olympus_Mons"})
		if p := r.Problem(t); r.Status != http.StatusUnprocessableEntity || !p.Has("body.time_zone") {
			t.Fatalf("bad time zone = %d %s", r.Status, r.Body)
		}
		zone, today := reportZone(t)
		r = po.Do(t, "PATCH", base+"/settings", map[string]any{"version": 1, "time_zone": zone})
		mustStatus(t, r, http.StatusOK, "set the time zone")
		loc, _ := time.LoadLocation(zone)
		day0, _ := time.ParseInLocation("2006-01-02", today, loc)

		var statuses struct {
			Statuses []statusOut `json:"statuses"`
		}
		po.Do(t, "GET", base+"/statuses", nil).JSON(t, &statuses)
		status := map[string]string{}
		for _, st := range statuses.Statuses {
			if status[st.Category] == "" {
				status[st.Category] = st.ID
			}
		}

		r = po.Do(t, "POST", base+"/products/"+prod.ID+"/sprints", map[string]any{
			"start_date": today, "end_date": day0.AddDate(0, 0, 4).Format("2006-01-02")})
		mustStatus(t, r, http.StatusCreated, "plan a sprint")
		var sp sprintOut
		r.JSON(t, &sp)

		create := func(body map[string]any) itemOut {
			t.Helper()
			body["kind"], body["title"] = "story", "Story"
			r := po.Do(t, "POST", items, body)
			mustStatus(t, r, http.StatusCreated, "create item")
			var it itemOut
			r.JSON(t, &it)
			return it
		}
		move := func(it *itemOut, category string) {
			t.Helper()
			r := po.Do(t, "POST", base+"/items/"+it.ID+"/move", map[string]any{"version": it.Version, "status_id": status[category]})
			mustStatus(t, r, http.StatusOK, "move item to "+category)
			var res struct {
				Item itemOut `json:"item"`
			}
			r.JSON(t, &res)
			*it = res.Item
		}
		a := create(map[string]any{"points": 3, "sprint_id": sp.ID})
		b := create(map[string]any{"points": 5, "sprint_id": sp.ID})
		create(map[string]any{"points": 2, "sprint_id": sp.ID})
		create(map[string]any{"sprint_id": sp.ID}) // not estimated
		create(map[string]any{"points": 40})       // never in the sprint

		r = po.Do(t, "POST", base+"/sprints/"+sp.ID+"/start", map[string]any{"version": sp.Version})
		mustStatus(t, r, http.StatusOK, "start the sprint")
		r.JSON(t, &sp)

		// During the sprint: a is done, an 8-point item joins, b shrinks to 3.
		move(&a, "in_progress")
		move(&a, "done")
		create(map[string]any{"points": 8, "sprint_id": sp.ID})
		r = po.Do(t, "PATCH", base+"/items/"+b.ID, map[string]any{"version": b.Version, "points": 3})
		mustStatus(t, r, http.StatusOK, "re-estimate b")

		burndown := func() burndownOut {
			t.Helper()
			r := observer.Do(t, "GET", base+"/sprints/"+sp.ID+"/reports/burndown", nil)
			mustStatus(t, r, http.StatusOK, "burndown")
			var b burndownOut
			r.JSON(t, &b)
			return b
		}
		checkToday := func(b burndownOut) {
			t.Helper()
			if len(b.Days) != 5 || b.Days[0].Date != today || b.TimeZone != zone || b.CommittedPoints != 10 {
				t.Fatalf("burndown = %+v", b)
			}
			d := b.Days[0]
			if d.RemainingPoints == nil || *d.RemainingPoints != 13 || *d.RemainingItems != 4 || *d.CompletedPoints != 3 ||
				*d.CompletedItems != 1 || *d.ScopePoints != 16 || *d.ScopeItems != 5 || d.IdealPoints != 8 {
				t.Errorf("today = %+v", d)
			}
			for _, d := range b.Days[1:] {
				if d.RemainingPoints != nil || d.ScopeItems != nil {
					t.Errorf("a day to come is measured: %+v", d)
				}
			}
		}
		if b := burndown(); b.State != "active" {
			t.Errorf("state = %s", b.State)
		} else {
			checkToday(b)
		}

		// Completing carries the unfinished items over; the burndown of the
		// completed sprint still shows them on its last measured day.
		r = po.Do(t, "POST", base+"/sprints/"+sp.ID+"/complete", map[string]any{"version": sp.Version, "carry_over": "backlog"})
		mustStatus(t, r, http.StatusOK, "complete the sprint")
		if b := burndown(); b.State != "completed" {
			t.Errorf("state = %s", b.State)
		} else {
			checkToday(b)
		}

		var vel struct {
			Sprints []struct {
				SprintID        string  `json:"sprint_id"`
				CommittedPoints float64 `json:"committed_points"`
				CompletedPoints float64 `json:"completed_points"`
				CompletedItems  int     `json:"completed_items"`
				CarriedItems    int     `json:"carried_items"`
			} `json:"sprints"`
			Average float64 `json:"average_completed_points"`
		}
		r = observer.Do(t, "GET", reports+"/velocity?sprints=3", nil)
		mustStatus(t, r, http.StatusOK, "velocity")
		r.JSON(t, &vel)
		if len(vel.Sprints) != 1 || vel.Sprints[0].SprintID != sp.ID || vel.Sprints[0].CommittedPoints != 10 ||
			vel.Sprints[0].CompletedPoints != 3 || vel.Sprints[0].CompletedItems != 1 || vel.Sprints[0].CarriedItems != 4 || vel.Average != 3 {
			t.Errorf("velocity = %s", r.Body)
		}

		// More flow: g goes through progress to done, f straight to done,
		// two retrospective actions of which one is done.
		g := create(map[string]any{"points": 3})
		move(&g, "in_progress")
		move(&g, "done")
		f := create(map[string]any{"points": 1})
		move(&f, "done")
		retro := map[string]any{"ceremony": "retrospective"}
		r1 := create(map[string]any{"origin": retro})
		create(map[string]any{"origin": retro})
		move(&r1, "done")

		var flow struct {
			From string `json:"from"`
			To   string `json:"to"`
			Days []struct {
				Date       string `json:"date"`
				Todo       int    `json:"todo"`
				InProgress int    `json:"in_progress"`
				Done       int    `json:"done"`
			} `json:"days"`
		}
		r = observer.Do(t, "GET", reports+"/cumulative-flow", nil)
		mustStatus(t, r, http.StatusOK, "cumulative flow")
		r.JSON(t, &flow)
		// a, g, f and r1 are done; b, c, the unestimated one, the 40 and
		// the 8 and the other action are to do.
		if n := len(flow.Days); n != 30 || flow.To != today || flow.Days[n-1].Date != today ||
			flow.Days[n-1].Done != 4 || flow.Days[n-1].Todo != 6 || flow.Days[n-1].InProgress != 0 || flow.Days[0].Todo+flow.Days[0].Done != 0 {
			t.Errorf("cumulative flow = %s", r.Body)
		}

		var ct cycleOut
		r = observer.Do(t, "GET", reports+"/cycle-time?limit=1&from="+today, nil)
		mustStatus(t, r, http.StatusOK, "cycle time")
		r.JSON(t, &ct)
		if ct.Count != 2 || ct.NotStarted != 2 || len(ct.Items) != 1 || ct.Items[0].ItemID != a.ID || ct.NextCursor == "" ||
			ct.Items[0].Days < 0 || ct.Percentiles.P95 < ct.Percentiles.P50 {
			t.Errorf("cycle time page 1 = %s", r.Body)
		}
		r = observer.Do(t, "GET", reports+"/cycle-time?limit=1&from="+today+"&cursor="+ct.NextCursor, nil)
		mustStatus(t, r, http.StatusOK, "cycle time page 2")
		ct = cycleOut{}
		r.JSON(t, &ct)
		if len(ct.Items) != 1 || ct.Items[0].ItemID != g.ID || ct.NextCursor != "" {
			t.Errorf("cycle time page 2 = %s", r.Body)
		}

		var est struct {
			Groups []struct {
				Points float64 `json:"points"`
				Count  int     `json:"count"`
			} `json:"groups"`
			Items []struct {
				ItemID string `json:"item_id"`
			} `json:"items"`
		}
		r = observer.Do(t, "GET", reports+"/estimation-accuracy", nil)
		mustStatus(t, r, http.StatusOK, "estimation accuracy")
		r.JSON(t, &est)
		if len(est.Groups) != 1 || est.Groups[0].Points != 3 || est.Groups[0].Count != 2 || len(est.Items) != 2 {
			t.Errorf("estimation accuracy = %s", r.Body)
		}

		var ra struct {
			Created int `json:"created"`
			Done    int `json:"done"`
			Open    int `json:"open"`
			Sprints []struct {
				SprintID string `json:"sprint_id"`
				Created  int    `json:"created"`
				Done     int    `json:"done"`
			} `json:"sprints"`
			Weeks []struct {
				Created int `json:"created"`
			} `json:"weeks"`
			Items []struct {
				ItemID string `json:"item_id"`
			} `json:"items"`
		}
		r = observer.Do(t, "GET", reports+"/retro-actions?from="+today+"&to="+today, nil)
		mustStatus(t, r, http.StatusOK, "retro actions")
		r.JSON(t, &ra)
		if ra.Created != 2 || ra.Done != 1 || ra.Open != 1 || len(ra.Sprints) != 1 || ra.Sprints[0].SprintID != sp.ID ||
			ra.Sprints[0].Done != 1 || len(ra.Weeks) != 1 || ra.Weeks[0].Created != 2 || len(ra.Items) != 2 || ra.Items[0].ItemID != r1.ID {
			t.Errorf("retro actions = %s", r.Body)
		}

		// Bad ranges name their parameter.
		long := day0.AddDate(0, 0, -400).Format("2006-01-02")
		for _, c := range []struct{ query, field string }{
			{"/cumulative-flow?from=2026-13-01", "query.from"},
			{"/cycle-time?to=soon", "query.to"},
			{"/estimation-accuracy?from=" + today + "&to=" + day0.AddDate(0, 0, -1).Format("2006-01-02"), "query.from"},
			{"/retro-actions?from=" + long, "query.from"},
			{"/velocity?sprints=0", "query.sprints"},
			{"/cycle-time?cursor=nonsense", "query.cursor"},
		} {
			r := observer.Do(t, "GET", reports+c.query, nil)
			if p := r.Problem(t); r.Status != http.StatusUnprocessableEntity || !p.Has(c.field) {
				t.Errorf("GET %s = %d %s", c.query, r.Status, r.Body)
			}
		}
		if r := observer.Do(t, "GET", base+"/sprints/00000000-0000-0000-0000-000000000000/reports/burndown", nil); r.Status != http.StatusNotFound {
			t.Errorf("burndown of no sprint = %d", r.Status)
		}
		if r := observer.Do(t, "GET", base+"/products/NOPE/reports/velocity", nil); r.Status != http.StatusNotFound {
			t.Errorf("velocity of no product = %d", r.Status)
		}
	})
}
