package report

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
)

// item is one item as the record tells it at the moment a replay reached.
type item struct {
	id, key, title string
	product        string
	sprint         string
	status         string
	recorded       backlog.Category // status_category as recorded with the item
	cat            backlog.Category // the category that counts (see category)
	kind           backlog.Kind
	points         *float64
	origin         backlog.Ceremony
	created        time.Time
	deleted        bool
	// started is when the item first entered a status in progress; zero if
	// it never did.
	started time.Time
	// done lists every time the item entered a done status, oldest first.
	done []completion
}

// completion is an item entering a done status.
type completion struct {
	at     time.Time
	points *float64 // the estimate at that moment
}

// firstDone returns when the item first entered a done status (zero if it
// never did).
func (it *item) firstDone() time.Time {
	if len(it.done) == 0 {
		return time.Time{}
	}
	return it.done[0].at
}

// pointsOr0 returns the item's estimate, 0 when it has none.
func (it *item) pointsOr0() float64 {
	if it.points == nil {
		return 0
	}
	return *it.points
}

// replay applies item entries in order, one moment at a time.
type replay struct {
	entries []activity.Entry
	pos     int
	items   map[string]*item
	order   []*item // by first appearance in the record
	cats    map[string]backlog.Category
}

// newReplay returns a replay of entries (oldest first) with the categories
// of statuses.
func newReplay(entries []activity.Entry, statuses []backlog.Status) *replay {
	cats := make(map[string]backlog.Category, len(statuses))
	for _, st := range statuses {
		cats[st.ID] = st.Category
	}
	return &replay{entries: entries, items: map[string]*item{}, cats: cats}
}

// until applies every entry not yet applied whose time is before t.
func (r *replay) until(t time.Time) {
	for r.pos < len(r.entries) && r.entries[r.pos].At.Before(t) {
		r.apply(r.entries[r.pos])
		r.pos++
	}
}

// all applies every entry left.
func (r *replay) all() {
	for ; r.pos < len(r.entries); r.pos++ {
		r.apply(r.entries[r.pos])
	}
}

// category returns the category that counts for status id: the workflow's
// current one, or, for a status no longer in it, the one recorded.
func (r *replay) category(id string, recorded backlog.Category) backlog.Category {
	if c, ok := r.cats[id]; ok {
		return c
	}
	if recorded == "" {
		return backlog.CategoryTodo
	}
	return recorded
}

func (r *replay) apply(e activity.Entry) {
	if e.EntityType != "item" {
		return
	}
	it := r.items[e.EntityID]
	fresh := it == nil
	if fresh {
		it = &item{id: e.EntityID, created: e.At}
		r.items[e.EntityID] = it
		r.order = append(r.order, it)
	}
	if e.Action == "deleted" {
		it.deleted = true
		return
	}
	moved := fresh
	for _, c := range e.Changes {
		switch c.Field {
		case "product_id":
			it.product = str(c.After)
		case "sprint_id":
			it.sprint = str(c.After)
		case "status_id":
			if s := str(c.After); s != it.status {
				it.status, moved = s, true
			}
		case "status_category":
			it.recorded = backlog.Category(str(c.After))
			moved = true
		case "points":
			it.points = num(c.After)
		case "kind":
			it.kind = backlog.Kind(str(c.After))
		case "key":
			it.key = str(c.After)
		case "title":
			it.title = str(c.After)
		case "origin":
			var o backlog.Origin
			if len(c.After) > 0 && json.Unmarshal(c.After, &o) == nil {
				it.origin = o.Ceremony
			} else {
				it.origin = ""
			}
		}
	}
	if !moved {
		return
	}
	cat := r.category(it.status, it.recorded)
	if cat == it.cat && !fresh {
		return
	}
	it.cat = cat
	switch cat {
	case backlog.CategoryInProgress:
		if it.started.IsZero() {
			it.started = e.At
		}
	case backlog.CategoryDone:
		var p *float64
		if it.points != nil {
			v := *it.points
			p = &v
		}
		it.done = append(it.done, completion{at: e.At, points: p})
	}
}

// str decodes a JSON string value; absent or not a string gives "".
func str(raw json.RawMessage) string {
	if len(raw) < 2 || raw[0] != '"' {
		return ""
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// num decodes a JSON number value; absent or not a number gives nil.
func num(raw json.RawMessage) *float64 {
	if len(raw) == 0 {
		return nil
	}
	var v float64
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return &v
}
