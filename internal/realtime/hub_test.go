package realtime

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	centrifugeclient "github.com/centrifugal/centrifuge-go"
	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/team"
)

const (
	teamA = "team-a"
	teamB = "team-b"
)

func testConfig(a *authz) Config {
	return Config{Auth: a, Teams: a, LockIdle: time.Hour} // idle release has its own test
}

func TestSubscribeOnlyWhereReadable(t *testing.T) {
	a := newAuthz()
	n := startNode(t, testConfig(a))
	ann := a.account("ann")
	a.join(teamA, "ann", team.RoleMember)
	a.join(teamB, "bob", team.RoleMember)
	cl := dial(t, n.url, ann)

	tests := []struct {
		channel  string
		wantOK   bool
		wantCode uint32 // the unsubscribe code when refused
	}{
		{wire.Team(teamA), true, 0},
		{wire.Backlog(teamA, "prod-1"), true, 0},
		{wire.Item(teamA, "item-1"), true, 0},
		{wire.Room(teamA, "room-1"), true, 0},
		{wire.Member("ann"), true, 0},
		{wire.Team(teamB), false, 103},
		{wire.Item(teamB, "item-1"), false, 103},
		{wire.Room(teamB, "room-1"), false, 103},
		{wire.Member("bob"), false, 103},
		{"team:" + teamA + ":extra", false, 102},
		{"elsewhere:" + teamA, false, 102},
		{"item:" + teamA + ":bad id", false, 102},
	}
	for _, tt := range tests {
		t.Run(tt.channel, func(t *testing.T) {
			s := cl.subscribe(tt.channel)
			if s.ok() != tt.wantOK {
				t.Fatalf("subscribed = %v, want %v", s.ok(), tt.wantOK)
			}
			if !tt.wantOK {
				u, _ := s.lastUnsubscribe()
				if u.Code != tt.wantCode {
					t.Errorf("refusal code = %d (%s), want %d", u.Code, u.Reason, tt.wantCode)
				}
			}
		})
	}
}

func TestConnectNeedsCredentials(t *testing.T) {
	a := newAuthz()
	n := startNode(t, testConfig(a))
	for _, tok := range []string{"", "tok-nobody"} {
		c := centrifugeclient.NewJsonClient(n.url, centrifugeclient.Config{Token: tok})
		got := make(chan uint32, 1)
		c.OnDisconnected(func(e centrifugeclient.DisconnectedEvent) { got <- e.Code })
		if err := c.Connect(); err != nil {
			t.Fatal(err)
		}
		select {
		case code := <-got:
			if code != 3500 {
				t.Errorf("token %q: disconnect code %d, want 3500 (invalid token)", tok, code)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("token %q: not refused", tok)
		}
		c.Close()
	}
}

func TestRemovedMemberIsCutOffAtOnce(t *testing.T) {
	a := newAuthz()
	n := startNode(t, testConfig(a))
	a.join(teamA, "ann", team.RoleMember)
	a.join(teamA, "bob", team.RoleMember)
	a.join(teamB, "bob", team.RoleMember)
	bob := dial(t, n.url, a.account("bob"))
	ann := dial(t, n.url, a.account("ann"))
	bobTeam := bob.subscribe(wire.Team(teamA))
	bobItem := bob.subscribe(wire.Item(teamA, "item-1"))
	bobOther := bob.subscribe(wire.Team(teamB))
	annTeam := ann.subscribe(wire.Team(teamA))
	for _, s := range []*sub{bobTeam, bobItem, bobOther, annTeam} {
		if !s.ok() {
			t.Fatal("setup: subscription refused")
		}
	}

	// The store removes bob (the membership is gone), then commits the entry.
	a.leave(teamA, "bob")
	n.hub.OnCommit(teamA, []activity.Entry{entry(teamA, 1, EntityMember, "bob", ActionRemoved, 2)})

	for _, s := range []*sub{bobTeam, bobItem} {
		eventually(t, "bob unsubscribed from team A's channels", func() bool {
			u, ok := s.lastUnsubscribe()
			return ok && u.Code == wire.UnsubscribeRevoked
		})
	}
	eventually(t, "ann sees bob's removal", func() bool { return len(annTeam.entities()) == 1 })
	if !bobOther.ok() {
		t.Error("bob lost his subscription to another team")
	}
	if again := bob.subscribe(wire.Item(teamA, "item-2")); again.ok() {
		t.Error("bob subscribed to team A again after his removal")
	}
}

func TestEntriesArriveInOrderWithVersions(t *testing.T) {
	a := newAuthz()
	n := startNode(t, testConfig(a))
	a.join(teamA, "ann", team.RoleMember)
	ann := dial(t, n.url, a.account("ann"))
	item := ann.subscribe(wire.Item(teamA, "item-1"))
	backlog := ann.subscribe(wire.Backlog(teamA, "prod-1"))
	teamCh := ann.subscribe(wire.Team(teamA))

	const total = 300
	seq := int64(0)
	for batch := 0; batch < total/3; batch++ {
		var es []activity.Entry
		for range 3 {
			seq++
			es = append(es, entry(teamA, seq, EntityItem, "item-1", "updated", seq, change("product_id", "prod-1")))
		}
		n.hub.OnCommit(teamA, es)
	}
	// A product change goes to the team channel too.
	n.hub.OnCommit(teamA, []activity.Entry{entry(teamA, seq+1, EntityProduct, "prod-1", "updated", 2)})

	eventually(t, "all item entries", func() bool { return len(item.entities()) == total })
	eventually(t, "all backlog entries", func() bool { return len(backlog.entities()) == total+1 })
	eventually(t, "the product entry on the team channel", func() bool { return len(teamCh.entities()) == 1 })
	got := versions(item.entities())
	want := make([]int64, total)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("item versions in arrival order (-want +got):\n%s", diff)
	}
	if e := teamCh.entities()[0]; e.EntityType != EntityProduct {
		t.Errorf("team channel got a %s entry, want only the product", e.EntityType)
	}
}

func TestResumeAfterCutConnections(t *testing.T) {
	a := newAuthz()
	n := startNode(t, testConfig(a))
	a.join(teamA, "ann", team.RoleMember)
	ann := dial(t, n.url, a.account("ann"))
	s := ann.subscribe(wire.Item(teamA, "item-1"))

	// Publish a stream while cutting the connection several times mid-stream.
	const total = 400
	for i := int64(1); i <= total; i++ {
		n.hub.OnCommit(teamA, []activity.Entry{entry(teamA, i, EntityItem, "item-1", "updated", i)})
		if i%80 == 0 {
			ann.cut()
		}
	}
	eventually(t, "every entry, after the cuts", func() bool {
		return len(dedupe(s.entities())) == total
	})
	got := dedupe(s.entities())
	if !isSorted(versions(got)) {
		t.Errorf("versions out of order after resume: %v", versions(got))
	}
	s.mu.Lock()
	recoveries := 0
	for _, e := range s.subscribed {
		if e.WasRecovering {
			recoveries++
			if !e.Recovered {
				t.Errorf("a resume within the history window was not recovered")
			}
		}
	}
	s.mu.Unlock()
	if recoveries == 0 {
		t.Error("the client never resumed (no recovering subscribe)")
	}
}

// dedupe keeps the first entry of each seq: delivery is at least once.
func dedupe(es []activity.Entry) []activity.Entry {
	seen := map[int64]bool{}
	var out []activity.Entry
	for _, e := range es {
		if !seen[e.Seq] {
			seen[e.Seq] = true
			out = append(out, e)
		}
	}
	return out
}

func TestResumePastHistoryAsksForResync(t *testing.T) {
	a := newAuthz()
	cfg := testConfig(a)
	cfg.HistorySize = 5
	n := startNode(t, cfg)
	a.join(teamA, "ann", team.RoleMember)
	ann := dial(t, n.url, a.account("ann"))
	s := ann.subscribe(wire.Item(teamA, "item-1"))
	n.hub.OnCommit(teamA, []activity.Entry{entry(teamA, 1, EntityItem, "item-1", "updated", 1)})
	eventually(t, "the first entry", func() bool { return len(s.entities()) == 1 })

	ann.setHold(true)
	ann.cut()
	eventually(t, "the client to notice", func() bool { return s.s.State() == centrifugeclient.SubStateSubscribing })
	for i := int64(2); i <= 20; i++ {
		n.hub.OnCommit(teamA, []activity.Entry{entry(teamA, i, EntityItem, "item-1", "updated", i)})
	}
	// Wait until the node has published them all before letting the client back.
	eventually(t, "the relay to drain", func() bool {
		res, err := n.hub.Node().History(wire.Item(teamA, "item-1"))
		return err == nil && res.Offset == 20
	})
	ann.setHold(false)
	eventually(t, "a resubscribe", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.subscribed) == 2
	})
	s.mu.Lock()
	last := s.subscribed[1]
	s.mu.Unlock()
	if !last.WasRecovering || last.Recovered {
		t.Fatalf("resume past the history window: was_recovering=%v recovered=%v, want true, false (resync)", last.WasRecovering, last.Recovered)
	}
	// After a resync the client reloads; new entries flow again.
	n.hub.OnCommit(teamA, []activity.Entry{entry(teamA, 21, EntityItem, "item-1", "updated", 21)})
	eventually(t, "live entries after the resync", func() bool {
		es := s.entities()
		return len(es) > 0 && es[len(es)-1].Version == 21
	})
}

func TestSweepPublishesWhatWasLeftUnpublished(t *testing.T) {
	a := newAuthz()
	out := newMemOutbox()
	old := entry(teamA, 7, EntityItem, "item-1", "updated", 3)
	old.At = time.Now().Add(-time.Minute)
	young := entry(teamA, 8, EntityItem, "item-1", "updated", 4)
	out.add(old)
	out.add(young)
	a.join(teamA, "ann", team.RoleMember)

	cfg := testConfig(a)
	cfg.Outbox = out
	cfg.SweepInterval = 50 * time.Millisecond
	cfg.SweepGrace = 30 * time.Second
	n := startNode(t, cfg)
	eventually(t, "the old entry to be published and marked", func() bool { return out.isPublished(7) })
	if out.isPublished(8) {
		t.Error("the sweep published an entry younger than the grace period")
	}
	ann := dial(t, n.url, a.account("ann"))
	s := ann.subscribe(wire.Item(teamA, "item-1"))
	// The swept entry is in the channel's history: a client recovering from
	// before it gets it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h, err := s.s.History(ctx, centrifugeclient.WithHistoryLimit(10))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Publications) != 1 {
		t.Fatalf("history has %d publications, want the swept one", len(h.Publications))
	}
	ev, err := wire.Decode(h.Publications[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if e := ev.(*wire.EntityEvent).Entry; e.Seq != 7 || e.Version != 3 {
		t.Errorf("swept entry seq %d version %d, want 7 and 3", e.Seq, e.Version)
	}
	// The commit path marks what it published.
	n.hub.OnCommit(teamA, []activity.Entry{young})
	eventually(t, "the committed entry marked", func() bool { return out.isPublished(8) })
}

func TestPresenceCountsDevicesAndFollowsJoinsAndLeaves(t *testing.T) {
	a := newAuthz()
	n := startNode(t, testConfig(a))
	a.join(teamA, "ann", team.RoleMember)
	a.join(teamA, "bob", team.RoleMember)
	room := wire.Room(teamA, "room-1")
	annTok, bobTok := a.account("ann"), a.account("bob")
	annPhone := dial(t, n.url, annTok, clientOpts{device: "phone"})
	watch := annPhone.subscribe(room)
	annDesk := dial(t, n.url, annTok, clientOpts{device: "desktop"})
	annDesk.subscribe(room)
	bob := dial(t, n.url, bobTok)
	bob.subscribe(room)

	devices := func() map[string]int {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p, err := watch.s.Presence(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, ci := range p.Clients {
			m[ci.User]++
		}
		return m
	}
	if diff := cmp.Diff(map[string]int{"ann": 2, "bob": 1}, devices()); diff != "" {
		t.Errorf("presence (-want +got):\n%s", diff)
	}
	eventually(t, "join events for the desktop and bob", func() bool {
		watch.mu.Lock()
		defer watch.mu.Unlock()
		return len(watch.joins) >= 2
	})
	bob.c.Close()
	eventually(t, "bob's leave", func() bool {
		watch.mu.Lock()
		defer watch.mu.Unlock()
		for _, l := range watch.leaves {
			if l.User == "bob" {
				return true
			}
		}
		return false
	})
	if diff := cmp.Diff(map[string]int{"ann": 2}, devices()); diff != "" {
		t.Errorf("presence after bob left (-want +got):\n%s", diff)
	}
	// Presence is only for subscribers.
	outsider := dial(t, n.url, bobTok)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := outsider.c.Presence(ctx, room); errCode(err) != 103 {
		t.Errorf("presence without subscribing: %v, want permission denied", err)
	}
}

func TestDraftsSoftLocksAndFollow(t *testing.T) {
	a := newAuthz()
	cfg := testConfig(a)
	cfg.LockIdle = time.Hour // idle release has its own test
	n := startNode(t, cfg)
	a.join(teamA, "ann", team.RoleMember)
	a.join(teamA, "bob", team.RoleMember)
	a.join(teamA, "olga", team.RoleObserver)
	item := wire.Item(teamA, "item-1")
	ann := dial(t, n.url, a.account("ann"))
	bob := dial(t, n.url, a.account("bob"))
	olga := dial(t, n.url, a.account("olga"))
	annSub, bobSub := ann.subscribe(item), bob.subscribe(item)
	olga.subscribe(item)

	// Ann types: bob sees who took the field, and the text.
	for _, text := range []string{"H", "He", "Hello"} {
		if err := ann.publish(item, wire.DraftMessage{Type: wire.TypeDraft, Field: "description", Text: text, BaseVersion: 4}); err != nil {
			t.Fatalf("ann's draft: %v", err)
		}
	}
	eventually(t, "bob sees ann's latest text", func() bool {
		ds := of[wire.DraftEvent](bobSub)
		return len(ds) > 0 && ds[len(ds)-1].Text == "Hello"
	})
	locks := of[wire.LockEvent](bobSub)
	if len(locks) != 1 || locks[0].By != "ann" || locks[0].Field != "description" {
		t.Errorf("lock events seen by bob = %+v, want one by ann on description", locks)
	}
	if d := of[wire.DraftEvent](bobSub)[0]; d.By != "ann" || d.BaseVersion != 4 {
		t.Errorf("draft sender/base = %s/%d, want ann/4", d.By, d.BaseVersion)
	}

	// Bob may not type in the same field, and learns who holds it.
	err := bob.publish(item, wire.DraftMessage{Type: wire.TypeDraft, Field: "description", Text: "Bye"})
	if errCode(err) != wire.CodeLocked {
		t.Errorf("bob's draft on a locked field: %v, want code %d", err, wire.CodeLocked)
	}
	var lr wire.LockReply
	if err := bob.call(wire.MethodLock, wire.LockRequest{Channel: item, Field: "description"}, &lr); err != nil {
		t.Fatal(err)
	}
	if lr.Granted || lr.Holder == nil || lr.Holder.By != "ann" {
		t.Errorf("bob's lock request = %+v, want refused with ann as holder", lr)
	}
	// A late joiner sees the lock and the text so far.
	var ls wire.LocksReply
	if err := bob.call(wire.MethodLocks, wire.LocksRequest{Channel: item}, &ls); err != nil {
		t.Fatal(err)
	}
	if len(ls.Locks) != 1 || ls.Locks[0].Text != "Hello" || !ls.Locks[0].HasDraft {
		t.Errorf("locks = %+v, want ann's with text Hello", ls.Locks)
	}
	// Another field is free for bob.
	if err := bob.publish(item, wire.DraftMessage{Type: wire.TypeDraft, Field: "title", Text: "T"}); err != nil {
		t.Errorf("bob's draft on a free field: %v", err)
	}
	// An observer may not type at all.
	if err := olga.publish(item, wire.DraftMessage{Type: wire.TypeDraft, Field: "notes", Text: "x"}); errCode(err) != wire.CodeForbidden {
		t.Errorf("observer's draft: %v, want code %d", err, wire.CodeForbidden)
	}
	// Bad drafts are refused with a clear code.
	for _, m := range []wire.DraftMessage{
		{Type: wire.TypeDraft, Field: "", Text: "x"},
		{Type: wire.TypeDraft, Field: "Description!", Text: "x"},
		{Type: wire.TypeDraft, Field: "notes", Text: strings.Repeat("a", wire.MaxTextBytes+1)},
	} {
		if err := ann.publish(item, m); errCode(err) != wire.CodeInvalid {
			t.Errorf("draft on field %q with %d bytes: %v, want code %d", m.Field, len(m.Text), err, wire.CodeInvalid)
		}
	}

	// Ann releases it; bob takes it, then disconnects while holding it:
	// released at once.
	if err := ann.call(wire.MethodUnlock, wire.LockRequest{Channel: item, Field: "description"}, &lr); err != nil {
		t.Fatal(err)
	}
	if err := bob.call(wire.MethodLock, wire.LockRequest{Channel: item, Field: "description"}, &lr); err != nil || !lr.Granted {
		t.Fatalf("bob's lock after ann released it = %+v, %v; want granted", lr, err)
	}
	bob.c.Close()
	eventually(t, "release on disconnect", func() bool {
		for _, u := range of[wire.UnlockEvent](annSub) {
			if u.By == "bob" && u.Field == "description" && u.Reason == wire.ReasonDisconnect {
				return true
			}
		}
		return false
	})
	if err := ann.call(wire.MethodLock, wire.LockRequest{Channel: item, Field: "description"}, &lr); err != nil || !lr.Granted {
		t.Errorf("ann's lock after bob left = %+v, %v; want granted", lr, err)
	}
	eventually(t, "the explicit release seen by others", func() bool {
		for _, u := range of[wire.UnlockEvent](bobSub) {
			if u.By == "ann" && u.Reason == wire.ReasonReleased {
				return true
			}
		}
		return false
	})
}

func TestIdleLockIsReleased(t *testing.T) {
	a := newAuthz()
	cfg := testConfig(a)
	cfg.LockIdle = 200 * time.Millisecond
	n := startNode(t, cfg)
	a.join(teamA, "ann", team.RoleMember)
	a.join(teamA, "bob", team.RoleMember)
	item := wire.Item(teamA, "item-1")
	ann := dial(t, n.url, a.account("ann"))
	bob := dial(t, n.url, a.account("bob"))
	ann.subscribe(item)
	bobSub := bob.subscribe(item)
	if err := ann.publish(item, wire.DraftMessage{Type: wire.TypeDraft, Field: "description", Text: "H"}); err != nil {
		t.Fatal(err)
	}
	// Ann stops typing: the lock is released and everyone is told.
	eventually(t, "the idle release of ann's lock", func() bool {
		for _, u := range of[wire.UnlockEvent](bobSub) {
			if u.By == "ann" && u.Field == "description" && u.Reason == wire.ReasonIdle {
				return true
			}
		}
		return false
	})
	var lr wire.LockReply
	if err := bob.call(wire.MethodLock, wire.LockRequest{Channel: item, Field: "description"}, &lr); err != nil || !lr.Granted {
		t.Fatalf("bob's lock after ann went idle = %+v, %v; want granted", lr, err)
	}
}

func TestFollowAndSignalsReachTheRoom(t *testing.T) {
	a := newAuthz()
	n := startNode(t, testConfig(a))
	a.join(teamA, "ann", team.RoleMember)
	a.join(teamA, "bob", team.RoleMember)
	a.join(teamA, "olga", team.RoleObserver)
	room := wire.Room(teamA, "room-1")
	ann := dial(t, n.url, a.account("ann"))
	bob := dial(t, n.url, a.account("bob"))
	olga := dial(t, n.url, a.account("olga"))
	ann.subscribe(room)
	bobSub := bob.subscribe(room)
	olgaSub := olga.subscribe(room)

	err := ann.publish(room, wire.FollowMessage{Type: wire.TypeFollow, Screen: "create-subtask", Params: []byte(`{"item":"item-1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*sub{bobSub, olgaSub} {
		eventually(t, "the follow message", func() bool { return len(of[wire.FollowEvent](s)) == 1 })
		f := of[wire.FollowEvent](s)[0]
		if f.By != "ann" || f.Screen != "create-subtask" || string(f.Params) != `{"item":"item-1"}` {
			t.Errorf("follow = %+v", f)
		}
	}
	if err := ann.publish(room, wire.SignalMessage{Type: wire.TypeSignal, Name: "vote", Data: []byte(`{"card":"5"}`)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the vote", func() bool { return len(of[wire.SignalEvent](bobSub)) == 1 })
	// Observers watch but do not steer.
	if err := olga.publish(room, wire.FollowMessage{Type: wire.TypeFollow, Screen: "board"}); errCode(err) != wire.CodeForbidden {
		t.Errorf("observer's follow: %v, want code %d", err, wire.CodeForbidden)
	}
	// Entities cannot be forged from a client, and drafts do not belong in rooms.
	for _, v := range []any{
		wire.EntityEvent{Type: wire.TypeEntity, Entry: activity.Entry{EntityType: "item"}},
		wire.DraftMessage{Type: wire.TypeDraft, Field: "description", Text: "x"},
	} {
		if err := ann.publish(room, v); errCode(err) != 103 {
			t.Errorf("publishing %T into a room: %v, want permission denied", v, err)
		}
	}
	// Too many follow messages at once are refused.
	codes := make(chan uint32, 50)
	for i := range 50 {
		go func() {
			codes <- errCode(ann.publish(room, wire.FollowMessage{Type: wire.TypeFollow, Screen: fmt.Sprintf("s%d", i)}))
		}()
	}
	limited := 0
	for range 50 {
		if <-codes == 111 {
			limited++
		}
	}
	if limited == 0 {
		t.Error("50 follow messages at once were all accepted")
	}
}

func TestReadOnlyTokensWatchButDoNotType(t *testing.T) {
	a := newAuthz()
	n := startNode(t, testConfig(a))
	a.join(teamA, "ann", team.RoleMember)
	ro := dial(t, n.url, a.readOnly("ann"))
	item := wire.Item(teamA, "item-1")
	if s := ro.subscribe(item); !s.ok() {
		t.Fatal("a read-only token could not subscribe")
	}
	if err := ro.publish(item, wire.DraftMessage{Type: wire.TypeDraft, Field: "description", Text: "x"}); errCode(err) != wire.CodeForbidden {
		t.Errorf("read-only draft: %v, want code %d", err, wire.CodeForbidden)
	}
}

func TestDraftsAreCoalescedNotLost(t *testing.T) {
	a := newAuthz()
	n := startNode(t, testConfig(a))
	a.join(teamA, "ann", team.RoleMember)
	a.join(teamA, "bob", team.RoleMember)
	item := wire.Item(teamA, "item-1")
	ann := dial(t, n.url, a.account("ann"))
	bob := dial(t, n.url, a.account("bob"))
	ann.subscribe(item)
	bobSub := bob.subscribe(item)

	const sent = 60
	for i := 1; i <= sent; i++ {
		if err := ann.publish(item, wire.DraftMessage{Type: wire.TypeDraft, Field: "description", Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the last draft", func() bool {
		ds := of[wire.DraftEvent](bobSub)
		return len(ds) > 0 && ds[len(ds)-1].Text == fmt.Sprint(sent)
	})
	var seen []int
	for _, d := range of[wire.DraftEvent](bobSub) {
		var v int
		fmt.Sscan(d.Text, &v)
		seen = append(seen, v)
	}
	if len(seen) > sent {
		t.Errorf("bob received %d drafts for %d sent", len(seen), sent)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("drafts out of order: %v", seen)
		}
	}
}

func TestArchivedTeamCutsEveryoneOff(t *testing.T) {
	a := newAuthz()
	n := startNode(t, testConfig(a))
	a.join(teamA, "ann", team.RoleOwner)
	a.join(teamB, "ann", team.RoleOwner)
	ann := dial(t, n.url, a.account("ann"))
	inA, inB := ann.subscribe(wire.Room(teamA, "room-1")), ann.subscribe(wire.Team(teamB))
	// The space becomes unreachable (archived), which the platform record says.
	a.leave(teamA, "ann")
	e := entry("", 1, EntityTeam, teamA, ActionStateChanged, 3)
	n.hub.OnCommit("", []activity.Entry{e})
	eventually(t, "ann cut off the archived team", func() bool {
		u, ok := inA.lastUnsubscribe()
		return ok && u.Code == wire.UnsubscribeRevoked
	})
	if !inB.ok() {
		t.Error("ann lost her subscription to another team")
	}
}

func TestRevokedCredentialsEndTheConnection(t *testing.T) {
	a := newAuthz()
	cfg := testConfig(a)
	cfg.RecheckAuth = time.Second
	n := startNode(t, cfg)
	a.join(teamA, "ann", team.RoleMember)
	tok := a.account("ann")
	ann := dial(t, n.url, tok)
	s := ann.subscribe(wire.Team(teamA))
	if !s.ok() {
		t.Fatal("setup: subscription refused")
	}
	codes := make(chan uint32, 10)
	ann.c.OnDisconnected(func(e centrifugeclient.DisconnectedEvent) { codes <- e.Code })
	// The token is revoked (or the session signed out): at the next check
	// the connection ends, and it cannot come back.
	a.mu.Lock()
	delete(a.tokens, tok)
	a.mu.Unlock()
	select {
	case code := <-codes:
		if code != 3500 {
			t.Errorf("disconnect code %d, want 3500 once the credentials are checked again", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the connection outlived its revoked token")
	}
	if ann.c.State() == centrifugeclient.StateConnected {
		t.Error("still connected after revocation")
	}
}

// cleanOutbox records whether the hub said it stopped with everything published.
type cleanOutbox struct {
	*memOutbox
	cleaned bool
}

func (o *cleanOutbox) OutboxClean(context.Context) error { o.cleaned = true; return nil }

func TestCleanStopIsRecorded(t *testing.T) {
	a := newAuthz()
	out := &cleanOutbox{memOutbox: newMemOutbox()}
	cfg := testConfig(a)
	cfg.Outbox = out
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.OnCommit(teamA, []activity.Entry{entry(teamA, 1, EntityItem, "item-1", "updated", 2)})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if !out.isPublished(1) || !out.cleaned {
		t.Errorf("after Close: entry published %v, clean stop recorded %v; want both", out.isPublished(1), out.cleaned)
	}
}
