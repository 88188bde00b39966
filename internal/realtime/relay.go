package realtime

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/centrifugal/centrifuge"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/realtime/wire"
)

// maxQueued bounds one team's queue of entries waiting to be published. Past
// it, entries are left to the sweep (they are in the store, unpublished), so
// a burst never grows memory without bound and never blocks a commit.
const maxQueued = 10000

// relay publishes committed activity entries. Each team has its own queue
// and at most one goroutine draining it, so a team's entries go out in the
// order they were committed on this node, and one team's burst does not
// delay another's.
type relay struct {
	h *Hub

	mu     sync.Mutex
	teams  map[string]*teamQueue
	dirty  map[string]bool // teams with entries left to the sweep
	active sync.WaitGroup
}

type teamQueue struct {
	entries []activity.Entry
}

func newRelay(h *Hub) *relay {
	return &relay{h: h, teams: map[string]*teamQueue{}, dirty: map[string]bool{}}
}

// enqueue adds committed entries to their team's queue. Platform entries
// (team "") are not published to team channels; a team space's change of
// state among them makes every node recheck its connections in that team.
func (r *relay) enqueue(team string, entries []activity.Entry) {
	if team == "" {
		for _, e := range entries {
			if e.EntityType == EntityTeam && e.Action == ActionStateChanged {
				r.h.teamChanged(e.EntityID)
			}
		}
		return
	}
	if len(entries) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	q, running := r.teams[team]
	if !running {
		q = &teamQueue{}
		r.teams[team] = q
	}
	if len(q.entries)+len(entries) > maxQueued {
		r.dirty[team] = true
		r.h.stats.overflow.Inc()
		return
	}
	q.entries = append(q.entries, entries...)
	if !running {
		r.active.Add(1)
		go r.drain(team, q)
	}
}

// drain publishes team's queue until it is empty.
func (r *relay) drain(team string, q *teamQueue) {
	defer r.active.Done()
	ctx := context.Background()
	for {
		r.mu.Lock()
		batch := q.entries
		q.entries = nil
		if len(batch) == 0 {
			delete(r.teams, team)
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		done := make([]int64, 0, len(batch))
		for _, e := range batch {
			if err := r.publish(ctx, e); err != nil {
				r.h.log.Warn("publish entry; the sweep will retry", "team", team, "seq", e.Seq, "err", err)
				r.mu.Lock()
				r.dirty[team] = true
				r.mu.Unlock()
				break
			}
			done = append(done, e.Seq)
		}
		if len(done) > 0 && r.h.cfg.Outbox != nil {
			if err := r.h.cfg.Outbox.MarkPublishedSeqs(ctx, team, done); err != nil {
				// Published but not marked: the sweep publishes them again;
				// clients ignore versions they already hold.
				r.h.log.Warn("mark entries published", "team", team, "err", err)
			}
		}
	}
}

// publish sends one entry to every channel its route names, with history, and
// acts on membership changes.
func (r *relay) publish(ctx context.Context, e activity.Entry) error {
	data, err := json.Marshal(wire.EntityEvent{Type: wire.TypeEntity, Entry: e})
	if err != nil {
		return err
	}
	for _, ch := range r.h.cfg.Router.Channels(ctx, e) {
		_, err := r.h.node.Publish(ch, data, centrifuge.WithHistory(r.h.cfg.HistorySize, r.h.cfg.HistoryTTL))
		if err != nil {
			return err
		}
		r.h.stats.published.WithLabelValues("entity").Inc()
	}
	if e.EntityType == EntityMember {
		r.h.membershipChanged(e.TeamID, e.EntityID, e.Action)
	}
	return nil
}

// clean reports whether nothing is queued and nothing was left to the sweep.
func (r *relay) clean() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.teams) == 0 && len(r.dirty) == 0
}

// wait lets queued entries go out, until ctx ends.
func (r *relay) wait(ctx context.Context) {
	done := make(chan struct{})
	go func() { r.active.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// sweepLoop republishes entries left unpublished: at start for every team
// (a crash between commit and publish), then periodically.
func (r *relay) sweepLoop() {
	defer r.h.stopped.Done()
	r.sweep(true)
	t := time.NewTicker(r.h.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-r.h.stop:
			return
		case <-t.C:
			r.sweep(false)
		}
	}
}

// sweep enqueues every unpublished entry older than the grace period.
// Younger ones are still on their way through some node's queue.
func (r *relay) sweep(everywhere bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-r.h.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	before := time.Now().Add(-r.h.cfg.SweepGrace)
	teams, err := r.h.cfg.Outbox.UnpublishedTeams(ctx, before, everywhere)
	if err != nil {
		r.h.log.Warn("sweep: list teams", "err", err)
		return
	}
	r.mu.Lock()
	for t := range r.dirty {
		teams = append(teams, t)
	}
	r.dirty = map[string]bool{}
	r.mu.Unlock()
	seen := map[string]bool{}
	for _, team := range teams {
		if seen[team] || ctx.Err() != nil {
			continue
		}
		seen[team] = true
		r.sweepTeam(ctx, team, before)
	}
}

func (r *relay) sweepTeam(ctx context.Context, team string, before time.Time) {
	entries, err := r.h.cfg.Outbox.Unpublished(ctx, team, 1000)
	if err != nil {
		r.h.log.Warn("sweep: read entries", "team", team, "err", err)
		return
	}
	var old []activity.Entry
	for _, e := range entries {
		if e.At.Before(before) {
			old = append(old, e)
		}
	}
	if len(old) == 0 {
		return
	}
	r.h.log.Info("sweep: publishing entries left unpublished", "team", team, "count", len(old))
	r.h.stats.swept.Add(float64(len(old)))
	if len(entries) == 1000 {
		r.mu.Lock()
		r.dirty[team] = true
		r.mu.Unlock()
	}
	r.enqueue(team, old)
}
