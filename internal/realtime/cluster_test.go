package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/team"
)

// RedisURLEnv names the Redis the scale-out tests use, for example
// redis://127.0.0.1:6379/15. Without it they skip, unless
// PAMA_TEST_REQUIRE_SERVICES is set, when they fail.
const RedisURLEnv = "PAMA_TEST_REDIS_URL"

func testRedisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(RedisURLEnv)
	if u == "" {
		if os.Getenv("PAMA_TEST_REQUIRE_SERVICES") != "" {
			t.Fatalf("%s is not set; PAMA_TEST_REQUIRE_SERVICES demands the Redis tests", RedisURLEnv)
		}
		t.Skipf("%s not set; skipping the scale-out tests", RedisURLEnv)
	}
	return u
}

// clusterConfig returns hub configs for nodes sharing one Redis under a
// prefix of their own, so tests do not see each other.
func clusterConfig(t *testing.T, a *authz) Config {
	var b [6]byte
	rand.Read(b[:])
	cfg := testConfig(a)
	cfg.RedisURL = testRedisURL(t)
	cfg.RedisPrefix = "pamatest-" + hex.EncodeToString(b[:])
	return cfg
}

func TestTwoNodesShareChannelsPresenceLocksAndRevocations(t *testing.T) {
	a := newAuthz()
	cfg := clusterConfig(t, a)
	nodeA, nodeB := startNode(t, cfg), startNode(t, cfg)
	a.join(teamA, "ann", team.RoleMember)
	a.join(teamA, "bob", team.RoleMember)
	item, room := wire.Item(teamA, "item-1"), wire.Room(teamA, "room-1")
	ann := dial(t, nodeA.url, a.account("ann"))
	bob := dial(t, nodeB.url, a.account("bob"))
	annItem, annRoom := ann.subscribe(item), ann.subscribe(room)
	bobItem, bobRoom := bob.subscribe(item), bob.subscribe(room)
	for _, s := range []*sub{annItem, annRoom, bobItem, bobRoom} {
		if !s.ok() {
			t.Fatal("setup: subscription refused")
		}
	}

	// An edit committed through node B reaches a client on node A.
	nodeB.hub.OnCommit(teamA, []activity.Entry{entry(teamA, 1, EntityItem, "item-1", "updated", 2)})
	eventually(t, "ann on A sees the edit made on B", func() bool { return len(annItem.entities()) == 1 })

	// Presence is the same from both nodes.
	for _, n := range []*node{nodeA, nodeB} {
		eventually(t, "presence of both members", func() bool {
			p, err := n.hub.Node().Presence(room)
			if err != nil {
				return false
			}
			users := map[string]bool{}
			for _, ci := range p.Presence {
				users[ci.UserID] = true
			}
			return len(users) == 2 && users["ann"] && users["bob"]
		})
	}

	// A lock taken on A holds on B.
	if err := ann.publish(item, wire.DraftMessage{Type: wire.TypeDraft, Field: "description", Text: "Hi"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob sees ann's draft", func() bool { return len(of[wire.DraftEvent](bobItem)) == 1 })
	if err := bob.publish(item, wire.DraftMessage{Type: wire.TypeDraft, Field: "description", Text: "Yo"}); errCode(err) != wire.CodeLocked {
		t.Errorf("bob's draft on ann's field through another node: %v, want code %d", err, wire.CodeLocked)
	}

	// Removing ann through node B cuts her off on node A.
	a.leave(teamA, "ann")
	nodeB.hub.OnCommit(teamA, []activity.Entry{entry(teamA, 2, EntityMember, "ann", ActionRemoved, 3)})
	for _, s := range []*sub{annItem, annRoom} {
		eventually(t, "ann unsubscribed on node A", func() bool {
			u, ok := s.lastUnsubscribe()
			return ok && u.Code == wire.UnsubscribeRevoked
		})
	}
}

func TestClientsOfAStoppedNodeResumeOnAnother(t *testing.T) {
	a := newAuthz()
	cfg := clusterConfig(t, a)
	nodeA, nodeB := startNode(t, cfg), startNode(t, cfg)
	a.join(teamA, "carl", team.RoleMember)
	hostOf := func(n *node) string { u, _ := url.Parse(n.srv.URL); return u.Host }
	var mu sync.Mutex
	current := hostOf(nodeA)
	target := func() string { mu.Lock(); defer mu.Unlock(); return current }
	carl := dial(t, nodeA.url, a.account("carl"), clientOpts{target: target})
	s := carl.subscribe(wire.Item(teamA, "item-1"))

	// Edits come through node A, then node A dies mid-stream (its listener
	// and connections go, its hub says no goodbye) and edits go on through
	// node B. The client finds node B and resumes from Redis history.
	const total = 300
	for i := int64(1); i <= total; i++ {
		publisher := nodeA
		if i > total/3 {
			publisher = nodeB
		}
		if i == total/3+1 {
			eventually(t, "node A to publish its edits", func() bool {
				res, err := nodeB.hub.Node().History(wire.Item(teamA, "item-1"))
				return err == nil && res.Offset == uint64(total/3)
			})
			mu.Lock()
			current = hostOf(nodeB)
			mu.Unlock()
			nodeA.srv.CloseClientConnections()
			nodeA.srv.Close()
		}
		publisher.hub.OnCommit(teamA, []activity.Entry{entry(teamA, i, EntityItem, "item-1", "updated", i)})
	}
	eventually(t, "every entry on node B after the failover", func() bool { return len(dedupe(s.entities())) == total })
	if !isSorted(versions(dedupe(s.entities()))) {
		t.Error("entries out of order across the failover")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	nodeA.hub.Close(ctx)
}
