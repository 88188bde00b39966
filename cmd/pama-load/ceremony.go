package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/pamateam/pama/internal/realtime/wire"
)

// The ceremony scenarios run a real ceremony room per team through the
// room API: every action is a REST call, and every change of the room must
// reach every member's connection as a room event with the room's new
// version. Their fan-out is measured from the start of the action's request
// to each member's delivery, so it includes the API call.
var ceremonyKinds = map[string]string{
	"poker": "poker",
	"retro": "retro",
	"daily": "daily",
}

// roomStart is what each scenario's room is started with.
var roomStart = map[string]map[string]any{
	"poker": {"kind": "poker", "deck": "fibonacci"},
	"retro": {"kind": "retro", "template": "start_stop_continue"},
	"daily": {"kind": "daily"},
}

// openRoom has the team's first member start the scenario's room and the
// others join it.
func openRoom(ctx context.Context, ts *teamSetup, scenario string) error {
	body := map[string]any{"product_id": ts.product}
	for k, v := range roomStart[scenario] {
		body[k] = v
	}
	if scenario == "poker" {
		body["item_id"] = ts.target
	}
	var room struct {
		ID string `json:"id"`
	}
	if err := ts.members[0].do(ctx, http.MethodPost, "/api/v1/teams/"+ts.id+"/rooms", body, &room); err != nil {
		return fmt.Errorf("start %s room: %w", scenario, err)
	}
	ts.roomID = room.ID
	for _, m := range ts.members[1:] {
		if err := m.do(ctx, http.MethodPost, ts.actionsPath(), map[string]string{"type": "join"}, nil); err != nil {
			return fmt.Errorf("join room: %w", err)
		}
	}
	return nil
}

func (ts *teamSetup) actionsPath() string {
	return "/api/v1/teams/" + ts.id + "/rooms/" + ts.roomID + "/actions"
}

// roomView is the part of a room's view the scenarios read.
type roomView struct {
	Version int64  `json:"version"`
	Step    string `json:"step"`
	Status  string `json:"status"`
	Retro   *struct {
		Notes []struct {
			ID string `json:"id"`
		} `json:"notes"`
	} `json:"retro"`
}

// act does one action in the team's room as m and expects its room event
// at every member. It returns the room as m sees it afterwards, or nil when
// the action failed (which counts as an error unless allowed says the
// status is part of the scenario).
func (tm *team) act(ctx context.Context, m *member, action map[string]any, allowed ...int) *roomView {
	if ctx.Err() != nil {
		return nil
	}
	start := time.Now()
	var v roomView
	err := m.api.do(context.WithoutCancel(ctx), http.MethodPost, tm.setup.actionsPath(), action, &v)
	tm.tr.apiCall(time.Since(start))
	if err != nil {
		var ae *apiError
		if asAPIError(err, &ae) {
			for _, s := range allowed {
				if ae.Status == s {
					return nil
				}
			}
		}
		tm.tr.fail("%v: %v", action["type"], err)
		return nil
	}
	tm.tr.expectSince(tm.roomKey(tm.gen.Load(), v.Version), len(tm.members), start)
	return &v
}

// pause waits a random time between lo and hi, false if ctx ended.
func pause(ctx context.Context, lo, hi time.Duration) bool {
	d := lo + time.Duration(rand.Int64N(int64(hi-lo)+1))
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

// everyone runs fn for every member at once and waits for all.
func (tm *team) everyone(fn func(i int, m *member)) {
	var wg sync.WaitGroup
	for i, m := range tm.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i, m)
		}()
	}
	wg.Wait()
}

// runCeremony plays the team's scenario until ctx ends; a retro or daily
// that ends is followed by the next one in a new room.
func (tm *team) runCeremony(ctx context.Context, scenario string) {
	if !pause(ctx, 0, 2*time.Second) {
		return
	}
	for ctx.Err() == nil {
		switch scenario {
		case "poker":
			tm.poker(ctx)
		case "retro":
			tm.retro(ctx)
		case "daily":
			tm.daily(ctx)
		}
		if ctx.Err() != nil || !tm.reopen(ctx, scenario) {
			return
		}
	}
}

// reopen starts the next room of the scenario and moves every member's
// subscription to it.
func (tm *team) reopen(ctx context.Context, scenario string) bool {
	ts := tm.setup
	old := tm.room
	if err := openRoom(context.WithoutCancel(ctx), ts, scenario); err != nil {
		tm.tr.fail("%v", err)
		return false
	}
	tm.rooms.Store(ts.roomID, tm.gen.Add(1))
	tm.room = wire.Room(ts.id, ts.roomID)
	for _, m := range tm.members {
		if err := m.rt.subscribe(ctx, tm.room, true); err != nil {
			if ctx.Err() == nil {
				tm.tr.fail("subscribe to the next room: %v", err)
			}
			return false
		}
		if err := m.rt.unsubscribe(ctx, old); err != nil && ctx.Err() == nil {
			tm.tr.fail("leave the last room: %v", err)
		}
	}
	return true
}

// poker: rounds of estimation of the team's item. The facilitator opens a
// round, every member votes within 0.2–1.5 s (the last vote reveals), the
// facilitator accepts the median card; one member leaves and comes back
// between rounds; a round every 5–7 s.
func (tm *team) poker(ctx context.Context) {
	fac := tm.members[0]
	cards := []string{"1", "2", "3", "5", "8", "13"}
	for round := 0; ctx.Err() == nil; round++ {
		tm.act(ctx, fac, map[string]any{"type": "estimate", "item_id": tm.setup.target})
		tm.everyone(func(_ int, m *member) {
			if pause(ctx, 200*time.Millisecond, 1500*time.Millisecond) {
				tm.act(ctx, m, map[string]any{"type": "vote", "value": cards[rand.IntN(len(cards))]})
			}
		})
		if !pause(ctx, time.Second, 2*time.Second) {
			return
		}
		tm.act(ctx, fac, map[string]any{"type": "accept", "value": cards[rand.IntN(len(cards))]})
		leaver := tm.members[1+rand.IntN(len(tm.members)-1)]
		tm.act(ctx, leaver, map[string]any{"type": "leave"})
		tm.act(ctx, leaver, map[string]any{"type": "join"})
		if !pause(ctx, 2*time.Second, 3*time.Second) {
			return
		}
	}
}

// retro: start/stop/continue retrospectives one after another: every
// member writes two notes within a few seconds and says done (the last one
// reveals them and moves the room to the vote; the facilitator moves on if
// not), every member casts three votes, the facilitator moves on to the
// results and finishes; the next retro opens in a new room.
func (tm *team) retro(ctx context.Context) {
	fac := tm.members[0]
	columns := []string{"start", "stop", "continue"}
	tm.everyone(func(i int, m *member) {
		for n := range 2 {
			if !pause(ctx, 300*time.Millisecond, 2*time.Second) {
				return
			}
			tm.act(ctx, m, map[string]any{"type": "note", "value": columns[(i+n)%len(columns)],
				"text": "note " + strconv.Itoa(n) + " of member " + strconv.Itoa(i)})
		}
		if pause(ctx, 100*time.Millisecond, time.Second) {
			tm.act(ctx, m, map[string]any{"type": "done"})
		}
	})
	var v roomView
	if err := fac.api.do(ctx, http.MethodGet, "/api/v1/teams/"+tm.setup.id+"/rooms/"+tm.setup.roomID, nil, &v); err != nil {
		if ctx.Err() == nil {
			tm.tr.fail("get room: %v", err)
		}
		return
	}
	if v.Step == "write" {
		if next := tm.act(ctx, fac, map[string]any{"type": "next"}); next != nil {
			v = *next
		}
	}
	if v.Retro == nil || len(v.Retro.Notes) == 0 {
		return
	}
	notes := v.Retro.Notes
	tm.everyone(func(_ int, m *member) {
		for range 3 {
			if !pause(ctx, 200*time.Millisecond, time.Second) {
				return
			}
			tm.act(ctx, m, map[string]any{"type": "vote", "target_id": notes[rand.IntN(len(notes))].ID})
		}
	})
	if !pause(ctx, time.Second, 2*time.Second) {
		return
	}
	tm.act(ctx, fac, map[string]any{"type": "next"})
	if !pause(ctx, time.Second, 2*time.Second) {
		return
	}
	tm.act(ctx, fac, map[string]any{"type": "finish"})
}

// daily: the facilitator calls the next speaker every 2–4 s; the speaker
// records a blocker half the time; when everyone has spoken the daily
// finishes (and the scenario goes on idle).
func (tm *team) daily(ctx context.Context) {
	fac := tm.members[0]
	for i := 0; ctx.Err() == nil; i++ {
		v := tm.act(ctx, fac, map[string]any{"type": "next"}, http.StatusConflict)
		if v == nil || v.Step == "summary" {
			return
		}
		if rand.IntN(2) == 0 {
			m := tm.members[rand.IntN(len(tm.members))]
			tm.act(ctx, m, map[string]any{"type": "blocker", "text": "blocked by " + strconv.Itoa(i)})
		}
		if !pause(ctx, 2*time.Second, 4*time.Second) {
			return
		}
	}
}
