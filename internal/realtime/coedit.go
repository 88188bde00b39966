package realtime

import (
	"context"
	"encoding/json"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/centrifugal/centrifuge"

	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/team"
)

func invalid(msg string) error { return &centrifuge.Error{Code: wire.CodeInvalid, Message: msg} }

// publish handles a client's publication: a draft into an item channel, a
// follow message or a signal into a room channel. Everything else is refused:
// committed changes go through the REST API.
func (c *conn) publish(e centrifuge.PublishEvent, cb centrifuge.PublishCallback) {
	ch, err := wire.Parse(e.Channel)
	if err != nil {
		cb(centrifuge.PublishReply{}, centrifuge.ErrorUnknownChannel)
		return
	}
	if !c.client.IsSubscribed(e.Channel) {
		cb(centrifuge.PublishReply{}, centrifuge.ErrorPermissionDenied)
		return
	}
	var hdr wire.Header
	if json.Unmarshal(e.Data, &hdr) != nil {
		cb(centrifuge.PublishReply{}, invalid("data must be a JSON object with a type"))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	switch {
	case ch.Kind == wire.KindItem && hdr.Type == wire.TypeDraft:
		err = c.draft(ctx, e.Channel, ch, e.Data)
	case ch.Kind == wire.KindRoom && hdr.Type == wire.TypeFollow:
		err = c.followMsg(ctx, e.Channel, ch, e.Data)
	case ch.Kind == wire.KindRoom && hdr.Type == wire.TypeSignal:
		err = c.signalMsg(ctx, e.Channel, ch, e.Data)
	default:
		err = centrifuge.ErrorPermissionDenied
	}
	if err != nil {
		c.h.stats.refused.WithLabelValues("publish").Inc()
		cb(centrifuge.PublishReply{}, err)
		return
	}
	cb(centrifuge.PublishReply{Result: &centrifuge.PublishResult{}}, nil)
}

func (c *conn) draft(ctx context.Context, name string, ch wire.Channel, data []byte) error {
	var m wire.DraftMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return invalid("draft: " + err.Error())
	}
	switch {
	case !wire.ValidName(m.Field):
		return invalid("draft: field must be 1 to 64 characters of a-z, 0-9, _ - . /")
	case len(m.Text) > wire.MaxTextBytes:
		return invalid("draft: text is longer than 64 KiB")
	case !utf8.ValidString(m.Text):
		return invalid("draft: text is not UTF-8")
	case m.BaseVersion < 0:
		return invalid("draft: base_version must not be negative")
	}
	if err := c.canDo(ctx, ch.Team, team.PermEditBacklog); err != nil {
		return err
	}
	if _, err := c.takeLock(ctx, name, m.Field, &m); err != nil {
		return err
	}
	ev := wire.DraftEvent{Type: wire.TypeDraft, Sender: c.sender(), Field: m.Field, Text: m.Text, BaseVersion: m.BaseVersion}
	c.drafts.offer(name, m.Field, ev)
	return nil
}

func checkParams(p json.RawMessage) error {
	if len(p) > wire.MaxParamsBytes {
		return invalid("params are longer than 4 KiB")
	}
	if len(p) > 0 && !json.Valid(p) {
		return invalid("params are not JSON")
	}
	return nil
}

func (c *conn) followMsg(ctx context.Context, name string, ch wire.Channel, data []byte) error {
	var m wire.FollowMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return invalid("follow: " + err.Error())
	}
	if !wire.ValidName(m.Screen) {
		return invalid("follow: screen must be 1 to 64 characters of a-z, 0-9, _ - . /")
	}
	if err := checkParams(m.Params); err != nil {
		return err
	}
	if err := c.canDo(ctx, ch.Team, team.PermParticipate); err != nil {
		return err
	}
	if !c.follow.Allow() {
		return centrifuge.ErrorTooManyRequests
	}
	return c.h.publishEphemeral(name, wire.FollowEvent{Type: wire.TypeFollow, Sender: c.sender(), Screen: m.Screen, Params: m.Params})
}

func (c *conn) signalMsg(ctx context.Context, name string, ch wire.Channel, data []byte) error {
	var m wire.SignalMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return invalid("signal: " + err.Error())
	}
	if !wire.ValidName(m.Name) {
		return invalid("signal: name must be 1 to 64 characters of a-z, 0-9, _ - . /")
	}
	if err := checkParams(m.Data); err != nil {
		return err
	}
	if err := c.canDo(ctx, ch.Team, team.PermParticipate); err != nil {
		return err
	}
	if !c.signal.Allow() {
		return centrifuge.ErrorTooManyRequests
	}
	return c.h.publishEphemeral(name, wire.SignalEvent{Type: wire.TypeSignal, Sender: c.sender(), Name: m.Name, Data: m.Data})
}

// publishEphemeral publishes v to channel without history: it reaches those
// subscribed now and is not recovered after a reconnect.
func (h *Hub) publishEphemeral(channel string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return centrifuge.ErrorInternal
	}
	if _, err := h.node.Publish(channel, data); err != nil {
		h.log.Warn("publish ephemeral", "channel", channel, "err", err)
		return centrifuge.ErrorInternal
	}
	h.stats.published.WithLabelValues("ephemeral").Inc()
	return nil
}

// rpc serves the lock procedures.
func (c *conn) rpc(e centrifuge.RPCEvent, cb centrifuge.RPCCallback) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reply, err := c.call(ctx, e.Method, e.Data)
	if err != nil {
		cb(centrifuge.RPCReply{}, err)
		return
	}
	data, err := json.Marshal(reply)
	if err != nil {
		cb(centrifuge.RPCReply{}, centrifuge.ErrorInternal)
		return
	}
	cb(centrifuge.RPCReply{Data: data}, nil)
}

func (c *conn) call(ctx context.Context, method string, data []byte) (any, error) {
	switch method {
	case wire.MethodLock, wire.MethodUnlock:
		var req wire.LockRequest
		if err := json.Unmarshal(data, &req); err != nil {
			return nil, invalid(method + ": " + err.Error())
		}
		ch, err := c.itemChannel(req.Channel)
		if err != nil {
			return nil, err
		}
		if !wire.ValidName(req.Field) {
			return nil, invalid(method + ": field must be 1 to 64 characters of a-z, 0-9, _ - . /")
		}
		if method == wire.MethodUnlock {
			c.releaseLocks(func(id lockID) bool { return id == lockID{req.Channel, req.Field} }, wire.ReasonReleased)
			return wire.LockReply{}, nil
		}
		if err := c.canDo(ctx, ch.Team, team.PermEditBacklog); err != nil {
			return nil, err
		}
		holder, err := c.takeLock(ctx, req.Channel, req.Field, nil)
		if err != nil {
			if ce, ok := err.(*centrifuge.Error); ok && ce.Code == wire.CodeLocked {
				return wire.LockReply{Granted: false, Holder: &holder}, nil
			}
			return nil, err
		}
		return wire.LockReply{Granted: true, Holder: &holder}, nil
	case wire.MethodLocks:
		var req wire.LocksRequest
		if err := json.Unmarshal(data, &req); err != nil {
			return nil, invalid("locks: " + err.Error())
		}
		if _, err := c.itemChannel(req.Channel); err != nil {
			return nil, err
		}
		recs, err := c.h.locks.list(ctx, req.Channel, time.Now())
		if err != nil {
			c.h.log.Warn("list locks", "channel", req.Channel, "err", err)
			return nil, centrifuge.ErrorInternal
		}
		out := wire.LocksReply{Locks: make([]wire.Lock, 0, len(recs))}
		for _, r := range recs {
			out.Locks = append(out.Locks, r.wire())
		}
		return out, nil
	}
	return nil, centrifuge.ErrorMethodNotFound
}

// itemChannel parses name as an item channel the connection is subscribed to.
func (c *conn) itemChannel(name string) (wire.Channel, error) {
	ch, err := wire.Parse(name)
	if err != nil || ch.Kind != wire.KindItem {
		return wire.Channel{}, invalid("channel must be an item channel")
	}
	if !c.client.IsSubscribed(name) {
		return wire.Channel{}, centrifuge.ErrorPermissionDenied
	}
	return ch, nil
}

// drafter sends one connection's drafts at most once per interval. A draft
// that comes sooner waits; a newer draft of the same field replaces it, so
// the latest text always goes out and nothing piles up.
type drafter struct {
	h        *Hub
	interval time.Duration

	mu      sync.Mutex
	next    time.Time // earliest time the next draft may go
	pending []draftSlot
	timer   *time.Timer
	stopped bool
}

type draftSlot struct {
	channel, field string
	ev             wire.DraftEvent
}

func newDrafter(h *Hub, interval time.Duration) *drafter {
	return &drafter{h: h, interval: interval}
}

func (d *drafter) offer(channel, field string, ev wire.DraftEvent) {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return
	}
	now := time.Now()
	if len(d.pending) == 0 && !now.Before(d.next) {
		d.next = now.Add(d.interval)
		d.mu.Unlock()
		d.send(channel, ev)
		return
	}
	replaced := false
	for i := range d.pending {
		if d.pending[i].channel == channel && d.pending[i].field == field {
			d.pending[i].ev = ev
			replaced = true
			d.h.stats.coalesced.Inc()
			break
		}
	}
	if !replaced {
		d.pending = append(d.pending, draftSlot{channel, field, ev})
	}
	if d.timer == nil {
		d.timer = time.AfterFunc(max(d.next.Sub(now), 0), d.flush)
	}
	d.mu.Unlock()
}

func (d *drafter) flush() {
	d.mu.Lock()
	d.timer = nil
	if d.stopped || len(d.pending) == 0 {
		d.mu.Unlock()
		return
	}
	s := d.pending[0]
	d.pending = d.pending[1:]
	d.next = time.Now().Add(d.interval)
	if len(d.pending) > 0 {
		d.timer = time.AfterFunc(d.interval, d.flush)
	}
	d.mu.Unlock()
	d.send(s.channel, s.ev)
}

// drop forgets pending drafts of channel and field (the lock was released).
func (d *drafter) drop(channel, field string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.pending {
		if d.pending[i].channel == channel && d.pending[i].field == field {
			d.pending = append(d.pending[:i], d.pending[i+1:]...)
			return
		}
	}
}

func (d *drafter) stop() {
	d.mu.Lock()
	d.stopped = true
	d.pending = nil
	if d.timer != nil {
		d.timer.Stop()
	}
	d.mu.Unlock()
}

func (d *drafter) send(channel string, ev wire.DraftEvent) {
	if err := d.h.publishEphemeral(channel, ev); err == nil {
		d.h.stats.drafts.Inc()
	}
}
