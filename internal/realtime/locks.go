package realtime

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/centrifugal/centrifuge"

	"github.com/pamateam/pama/internal/realtime/wire"
)

// A soft lock says who is typing in a field of an item. It is advisory for
// the REST API (commits are decided by version), but it is what the other
// clients show, and while it is held only its holder may send drafts of that
// field. The node that holds the holder's connection releases it when the
// holder goes idle, unsubscribes or disconnects; the store's expiry covers a
// node that dies.

// lockID names a lock: a field in an item channel.
type lockID struct{ channel, field string }

// lockRecord is a held lock as stored.
type lockRecord struct {
	Field       string `json:"field"`
	Client      string `json:"client"`
	Account     string `json:"account"`
	UntilMS     int64  `json:"until_ms"`
	Text        string `json:"text,omitempty"`
	BaseVersion int64  `json:"base_version,omitempty"`
	HasDraft    bool   `json:"has_draft,omitempty"`
}

func (r lockRecord) wire() wire.Lock {
	return wire.Lock{
		Sender: wire.Sender{By: r.Account, Client: r.Client},
		Field:  r.Field, UntilMS: r.UntilMS, Text: r.Text, BaseVersion: r.BaseVersion, HasDraft: r.HasDraft,
	}
}

// lockStore keeps locks where every node sees them.
type lockStore interface {
	// take gives the lock on rec.Field of channel to rec.Client if it is free,
	// expired or already theirs, keeping the stored draft when rec has none.
	// It returns the holder afterwards and whether that is rec.Client, and
	// whether the lock was newly taken (not a renewal).
	take(ctx context.Context, channel string, rec lockRecord, now time.Time) (holder lockRecord, ok, fresh bool, err error)
	// release frees the lock if client holds it, reporting whether it did.
	release(ctx context.Context, channel, field, client string) (bool, error)
	// list returns the unexpired locks of channel, by field.
	list(ctx context.Context, channel string, now time.Time) ([]lockRecord, error)
}

// takeLock takes or renews the connection's lock on field of channel. A
// draft, when given, is stored with the lock for late joiners. When someone
// else holds the lock it returns their record and a CodeLocked error.
func (c *conn) takeLock(ctx context.Context, channel, field string, d *wire.DraftMessage) (wire.Lock, error) {
	now := time.Now()
	rec := lockRecord{
		Field: field, Client: c.client.ID(), Account: c.client.UserID(),
		UntilMS: now.Add(c.h.cfg.LockIdle).UnixMilli(),
	}
	if d != nil {
		rec.Text, rec.BaseVersion, rec.HasDraft = d.Text, d.BaseVersion, true
	}
	holder, ok, fresh, err := c.h.locks.take(ctx, channel, rec, now)
	if err != nil {
		c.h.log.Warn("take lock", "channel", channel, "field", field, "err", err)
		return wire.Lock{}, centrifuge.ErrorInternal
	}
	if !ok {
		return holder.wire(), &centrifuge.Error{Code: wire.CodeLocked, Message: "field is being edited by " + holder.Account}
	}
	id := lockID{channel, field}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.h.locks.release(ctx, channel, field, rec.Client)
		return wire.Lock{}, centrifuge.DisconnectConnectionClosed
	}
	t, held := c.locks[id]
	if held {
		t.Reset(c.h.cfg.LockIdle)
	} else {
		c.locks[id] = time.AfterFunc(c.h.cfg.LockIdle, func() {
			c.releaseLocks(func(x lockID) bool { return x == id }, wire.ReasonIdle)
		})
	}
	c.mu.Unlock()
	if fresh || !held {
		c.h.stats.locks.Inc()
		c.h.publishEphemeral(channel, wire.LockEvent{Type: wire.TypeLock, Sender: c.sender(), Field: field, UntilMS: rec.UntilMS})
	}
	return holder.wire(), nil
}

// releaseLocks releases the connection's locks that match, and tells the
// channels why.
func (c *conn) releaseLocks(match func(lockID) bool, reason string) {
	c.mu.Lock()
	var ids []lockID
	for id, t := range c.locks {
		if match(id) {
			t.Stop()
			delete(c.locks, id)
			ids = append(ids, id)
		}
	}
	c.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, id := range ids {
		c.drafts.drop(id.channel, id.field)
		ok, err := c.h.locks.release(ctx, id.channel, id.field, c.client.ID())
		if err != nil {
			c.h.log.Warn("release lock", "channel", id.channel, "field", id.field, "err", err)
		}
		if ok || err != nil {
			c.h.publishEphemeral(id.channel, wire.UnlockEvent{Type: wire.TypeUnlock, Sender: c.sender(), Field: id.field, Reason: reason})
		}
	}
}

// memoryLocks is the lock store of a single node.
type memoryLocks struct {
	mu sync.Mutex
	m  map[string]map[string]lockRecord // channel → field → record
}

func newMemoryLocks() *memoryLocks { return &memoryLocks{m: map[string]map[string]lockRecord{}} }

func (s *memoryLocks) take(_ context.Context, channel string, rec lockRecord, now time.Time) (lockRecord, bool, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.m[channel]
	if f == nil {
		f = map[string]lockRecord{}
		s.m[channel] = f
	}
	cur, exists := f[rec.Field]
	live := exists && cur.UntilMS > now.UnixMilli()
	if live && cur.Client != rec.Client {
		return cur, false, false, nil
	}
	if live && !rec.HasDraft {
		rec.Text, rec.BaseVersion, rec.HasDraft = cur.Text, cur.BaseVersion, cur.HasDraft
	}
	f[rec.Field] = rec
	return rec, true, !live, nil
}

func (s *memoryLocks) release(_ context.Context, channel, field, client string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.m[channel]
	cur, ok := f[field]
	if !ok || cur.Client != client {
		return false, nil
	}
	delete(f, field)
	if len(f) == 0 {
		delete(s.m, channel)
	}
	return true, nil
}

func (s *memoryLocks) list(_ context.Context, channel string, now time.Time) ([]lockRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []lockRecord
	for _, r := range s.m[channel] {
		if r.UntilMS > now.UnixMilli() {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out, nil
}
