package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pamateam/pama/internal/realtime/wire"
)

// Timing of the refinement scenario.
const (
	typeEvery   = 200 * time.Millisecond // 5 drafts a second
	commitEvery = 5 * time.Second
	roundEvery  = 10 * time.Second
	revealAfter = 2 * time.Second
	leaveAt     = 4 * time.Second  // one member leaves the room this long into each round's cycle
	rejoinAt    = 7 * time.Second  // and comes back
	drainFor    = 3 * time.Second  // after the run, deliveries are waited for until none came for this long
	drainMax    = 60 * time.Second // or this long at most
)

// key names one sent event.
type key struct {
	team int
	kind byte // 'd' draft, 's' signal, 'e' entity
	n    int64
}

type sentEvent struct {
	at       time.Time
	expected int32
	received atomic.Int32
}

// tracker matches what is received to what was sent. It is sharded by team,
// so thousands of receiving clients do not contend on one lock.
type tracker struct {
	shards []*shard

	lmu     sync.Mutex
	api     []float64 // ms, one per REST call in the scenario
	sent    atomic.Int64
	recv    atomic.Int64
	errs    atomic.Int64
	commits atomic.Int64
	clashes atomic.Int64

	emu       sync.Mutex
	errSample []string
}

type shard struct {
	mu     sync.Mutex
	events map[key]*sentEvent
	byKind map[byte][]float64 // fan-out ms, one per delivery
	// early holds deliveries of room events that arrived before the action
	// that caused them had answered with the room's version.
	early map[key][]time.Time
}

func newTracker(teams int) *tracker {
	t := &tracker{shards: make([]*shard, teams)}
	for i := range t.shards {
		t.shards[i] = &shard{events: map[key]*sentEvent{}, byKind: map[byte][]float64{}, early: map[key][]time.Time{}}
	}
	return t
}

func (t *tracker) expect(k key, recipients int) {
	sh := t.shards[k.team]
	sh.mu.Lock()
	sh.events[k] = &sentEvent{at: time.Now(), expected: int32(recipients)}
	sh.mu.Unlock()
	t.sent.Add(1)
}

// expectSince expects a room event sent at at, whose key (the room's
// version) is known only once the action answered; deliveries that came
// before count from at.
func (t *tracker) expectSince(k key, recipients int, at time.Time) {
	sh := t.shards[k.team]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.events[k]; ok {
		return // an action that changed nothing answers with the version of the last change
	}
	ev := &sentEvent{at: at, expected: int32(recipients)}
	sh.events[k] = ev
	for _, got := range sh.early[k] {
		ev.received.Add(1)
		t.recv.Add(1)
		sh.byKind[k.kind] = append(sh.byKind[k.kind], float64(got.Sub(at).Microseconds())/1000)
	}
	delete(sh.early, k)
	t.sent.Add(1)
}

func (t *tracker) forget(k key) {
	sh := t.shards[k.team]
	sh.mu.Lock()
	delete(sh.events, k)
	sh.mu.Unlock()
	t.sent.Add(-1)
}

func (t *tracker) got(k key) {
	now := time.Now()
	sh := t.shards[k.team]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ev := sh.events[k]
	if ev == nil {
		if k.kind == 'r' {
			sh.early[k] = append(sh.early[k], now)
		}
		return
	}
	ev.received.Add(1)
	t.recv.Add(1)
	sh.byKind[k.kind] = append(sh.byKind[k.kind], float64(now.Sub(ev.at).Microseconds())/1000)
}

// fanout returns every delivery's fan-out time, of one kind or (0) all.
func (t *tracker) fanout(kind byte) []float64 {
	var out []float64
	for _, sh := range t.shards {
		sh.mu.Lock()
		for k, v := range sh.byKind {
			if kind == 0 || k == kind {
				out = append(out, v...)
			}
		}
		sh.mu.Unlock()
	}
	return out
}

func (t *tracker) apiCall(d time.Duration) {
	t.lmu.Lock()
	t.api = append(t.api, float64(d.Microseconds())/1000)
	t.lmu.Unlock()
}

func (t *tracker) fail(format string, args ...any) {
	t.errs.Add(1)
	t.emu.Lock()
	if len(t.errSample) < 10 {
		t.errSample = append(t.errSample, fmt.Sprintf(format, args...))
	}
	t.emu.Unlock()
}

// lost returns the deliveries expected and the ones that never came.
func (t *tracker) lost() (expected, lost int64) {
	for _, sh := range t.shards {
		sh.mu.Lock()
		for _, ev := range sh.events {
			expected += int64(ev.expected)
			if miss := ev.expected - ev.received.Load(); miss > 0 {
				lost += int64(miss)
			}
		}
		sh.mu.Unlock()
	}
	return expected, lost
}

// member is one simulated person: a REST client and a real-time connection.
type member struct {
	api    *api
	rt     *rtClient
	closed atomic.Bool
	// lastSignal is the highest signal id this member received. Signals
	// arrive in order, so having one means having all the room sent before.
	lastSignal atomic.Int64
}

// team is one simulated team in the scenario.
type team struct {
	idx     int
	setup   *teamSetup
	members []*member
	tr      *tracker
	item    string // the channel typed into
	room    string
	entity  []string // channels the committed entity is published to
	// rooms numbers the ceremony rooms the team went through (room id →
	// generation), so room events of different rooms never share a key.
	rooms sync.Map
	gen   atomic.Int64
}

// roomKey is the tracker key of a room event: the room's generation and
// version.
func (tm *team) roomKey(gen, version int64) key { return key{tm.idx, 'r', gen*1_000_000 + version} }

func wsURL(base string) string {
	u, _ := url.Parse(base)
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path = wire.Path
	return u.String()
}

// connect opens every member's connection and subscriptions.
func (tm *team) connect(o options) error {
	ts := tm.setup
	tm.item = wire.Item(ts.id, ts.target)
	tm.room = wire.Room(ts.id, "refinement")
	if ts.roomID != "" {
		tm.room = wire.Room(ts.id, ts.roomID)
		tm.rooms.Store(ts.roomID, tm.gen.Load())
	}
	if ts.targetKind == "item" {
		tm.entity = []string{tm.item, wire.Backlog(ts.id, ts.product)}
	} else {
		tm.entity = []string{wire.Backlog(ts.id, ts.product), wire.Team(ts.id)}
	}
	chans := []string{wire.Team(ts.id), wire.Backlog(ts.id, ts.product), tm.item, tm.room}
	for _, a := range ts.members {
		m := &member{api: a}
		data, _ := json.Marshal(wire.ConnectData{Device: "load"})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		rt, err := dialRealtime(ctx, wsURL(o.url), http.Header{"Cookie": {a.cookieHeader()}}, o.protocol == "json", data,
			func(ch string, data []byte) { tm.received(m, ch, data) },
			func(err error) {
				if !m.closed.Load() {
					tm.tr.fail("%v", err)
				}
			})
		if err != nil {
			cancel()
			return err
		}
		m.rt = rt
		for _, ch := range chans {
			if err := rt.subscribe(ctx, ch, ch == tm.room); err != nil {
				cancel()
				rt.close()
				return fmt.Errorf("subscribe %s: %w", ch, err)
			}
		}
		cancel()
		tm.members = append(tm.members, m)
	}
	return nil
}

var (
	draftPrefix  = []byte(`{"type":"draft",`)
	signalPrefix = []byte(`{"type":"signal",`)
	textField    = []byte(`"text":"`)
	idField      = []byte(`"id":`)
)

// leadingInt parses the decimal number at the start of b.
func leadingInt(b []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	return n, i > 0
}

// received matches a publication to what the team sent. Drafts and signals,
// nearly all the traffic, are recognised without decoding the whole JSON, so
// the load generator leaves the CPU to the server.
func (tm *team) received(m *member, ch string, data []byte) {
	switch {
	case bytes.HasPrefix(data, draftPrefix):
		if i := bytes.Index(data, textField); i >= 0 {
			if n, ok := leadingInt(data[i+len(textField):]); ok {
				tm.tr.got(key{tm.idx, 'd', n})
				return
			}
		}
	case bytes.HasPrefix(data, signalPrefix):
		if i := bytes.Index(data, idField); i >= 0 {
			if n, ok := leadingInt(data[i+len(idField):]); ok {
				tm.tr.got(key{tm.idx, 's', n})
				for {
					last := m.lastSignal.Load()
					if n <= last || m.lastSignal.CompareAndSwap(last, n) {
						break
					}
				}
				return
			}
		}
	}
	ev, err := wire.Decode(data)
	if err != nil {
		tm.tr.fail("undecodable publication: %v", err)
		return
	}
	switch e := ev.(type) {
	case *wire.DraftEvent:
		id, _, _ := strings.Cut(e.Text, "|")
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			tm.tr.got(key{tm.idx, 'd', n})
		}
	case *wire.SignalEvent:
		var d struct {
			ID int64 `json:"id"`
		}
		if json.Unmarshal(e.Data, &d) == nil && d.ID > 0 {
			tm.tr.got(key{tm.idx, 's', d.ID})
		}
	case *wire.EntityEvent:
		if e.Entry.EntityType == "room" {
			// A room entry also reaches the channels of what it names (an
			// item being estimated); the room's own channel is the one counted.
			if gen, ok := tm.rooms.Load(e.Entry.EntityID); ok && strings.HasPrefix(ch, string(wire.KindRoom)+":") {
				tm.tr.got(tm.roomKey(gen.(int64), e.Entry.Version))
			}
			return
		}
		if e.Entry.EntityID == tm.setup.target {
			tm.tr.got(key{tm.idx, 'e', e.Entry.Version})
		}
	}
}

// run plays the refinement scenario until ctx ends.
func (tm *team) run(ctx context.Context) {
	var wg sync.WaitGroup
	var nextID atomic.Int64
	typist := tm.members[len(tm.members)-1]
	facilitator := tm.members[0]
	text := strings.Builder{}
	var textMu sync.Mutex
	jitter := func(d time.Duration) time.Duration { return time.Duration(rand.Int64N(int64(d))) }

	// The typist: 5 drafts a second.
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-time.After(jitter(typeEvery)):
		case <-ctx.Done():
			return
		}
		t := time.NewTicker(typeEvery)
		defer t.Stop()
		for {
			n := nextID.Add(1)
			textMu.Lock()
			if text.Len() > 2000 {
				text.Reset()
			}
			text.WriteString("refine ")
			body := strconv.FormatInt(n, 10) + "|" + text.String()
			textMu.Unlock()
			k := key{tm.idx, 'd', n}
			tm.tr.expect(k, len(tm.members))
			msg := wire.DraftMessage{Type: wire.TypeDraft, Field: "description", Text: body, BaseVersion: atomic.LoadInt64(&tm.setup.version)}
			if err := tm.publish(ctx, typist, tm.item, msg); err != nil {
				tm.tr.forget(k)
				if ctx.Err() == nil {
					tm.tr.fail("draft: %v", err)
				}
			}
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()

	// The typist commits every 5 seconds.
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-time.After(jitter(commitEvery) + commitEvery/2):
		case <-ctx.Done():
			return
		}
		t := time.NewTicker(commitEvery)
		defer t.Stop()
		for {
			tm.commit(ctx, typist, &textMu, &text)
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()

	// A poker-like round every 10 seconds, and one member leaving and
	// rejoining the room between rounds.
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-time.After(jitter(roundEvery)):
		case <-ctx.Done():
			return
		}
		t := time.NewTicker(roundEvery)
		defer t.Stop()
		for round := 1; ; round++ {
			start := time.Now()
			tm.signal(ctx, facilitator, &nextID, "round", map[string]any{"round": round})
			var vg sync.WaitGroup
			for _, m := range tm.members {
				vg.Add(1)
				go func() {
					defer vg.Done()
					select {
					case <-time.After(200*time.Millisecond + jitter(1300*time.Millisecond)):
					case <-ctx.Done():
						return
					}
					cards := []string{"1", "2", "3", "5", "8", "13"}
					tm.signal(ctx, m, &nextID, "vote", map[string]any{"round": round, "card": cards[rand.IntN(len(cards))]})
				}()
			}
			vg.Wait()
			if !sleepUntil(ctx, start.Add(revealAfter)) {
				return
			}
			reveal := tm.signal(ctx, facilitator, &nextID, "reveal", map[string]any{"round": round})
			leaver := tm.members[1+rand.IntN(len(tm.members)-2)]
			if !sleepUntil(ctx, start.Add(leaveAt)) {
				return
			}
			// Leave only once the round reached this member, so what it
			// should have received is well defined.
			if !waitUntil(ctx, func() bool { return leaver.lastSignal.Load() >= reveal }) && ctx.Err() == nil {
				tm.tr.fail("round %d: the reveal did not reach a member in time", round)
			}
			if err := leaver.rt.unsubscribe(ctx, tm.room); err != nil && ctx.Err() == nil {
				tm.tr.fail("leave room: %v", err)
			}
			if !sleepUntil(ctx, start.Add(rejoinAt)) {
				return
			}
			if err := leaver.rt.subscribe(ctx, tm.room, true); err != nil && ctx.Err() == nil {
				tm.tr.fail("rejoin room: %v", err)
			}
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
}

// waitUntil polls cond for up to 10 seconds; false if it never held (or ctx ended).
func waitUntil(ctx context.Context, cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return true
		}
		select {
		case <-time.After(5 * time.Millisecond):
		case <-ctx.Done():
			return cond()
		}
	}
	return cond()
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	select {
	case <-time.After(time.Until(t)):
		return true
	case <-ctx.Done():
		return false
	}
}

func (tm *team) publish(ctx context.Context, m *member, ch string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return m.rt.publish(pctx, ch, data)
}

// signal sends a room signal and returns its id (0 if not sent).
func (tm *team) signal(ctx context.Context, m *member, ids *atomic.Int64, name string, data map[string]any) int64 {
	if ctx.Err() != nil {
		return 0
	}
	n := ids.Add(1)
	data["id"] = n
	raw, _ := json.Marshal(data)
	k := key{tm.idx, 's', n}
	tm.tr.expect(k, len(tm.members))
	if err := tm.publish(ctx, m, tm.room, wire.SignalMessage{Type: wire.TypeSignal, Name: name, Data: raw}); err != nil {
		tm.tr.forget(k)
		if ctx.Err() == nil {
			tm.tr.fail("signal %s: %v", name, err)
		}
		return 0
	}
	return n
}

// commit saves the typed text through the REST API with the version it is
// based on.
func (tm *team) commit(ctx context.Context, m *member, mu *sync.Mutex, text *strings.Builder) {
	if ctx.Err() != nil {
		return
	}
	ts := tm.setup
	mu.Lock()
	desc := text.String()
	mu.Unlock()
	base := atomic.LoadInt64(&ts.version)
	k := key{tm.idx, 'e', base + 1}
	tm.tr.expect(k, len(tm.members)*len(tm.entity))
	start := time.Now()
	var out struct {
		Version int64 `json:"version"`
	}
	err := m.api.do(context.WithoutCancel(ctx), http.MethodPatch, ts.commitPath(), map[string]any{"version": base, "description": desc}, &out)
	tm.tr.apiCall(time.Since(start))
	var ae *apiError
	switch {
	case err == nil:
		atomic.StoreInt64(&ts.version, out.Version)
		tm.tr.commits.Add(1)
	case asAPIError(err, &ae) && ae.Status == http.StatusConflict:
		tm.tr.forget(k)
		tm.tr.clashes.Add(1)
		var cur struct {
			Version int64 `json:"version"`
		}
		if err := m.api.do(ctx, http.MethodGet, ts.commitPath(), nil, &cur); err == nil {
			atomic.StoreInt64(&ts.version, cur.Version)
		}
	default:
		tm.tr.forget(k)
		tm.tr.fail("commit: %v", err)
	}
}

func (tm *team) close() {
	for _, m := range tm.members {
		m.closed.Store(true)
		if m.rt != nil {
			m.rt.close()
		}
	}
}
