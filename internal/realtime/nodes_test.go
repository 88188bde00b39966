package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	centrifugeclient "github.com/centrifugal/centrifuge-go"

	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

// A real `pama serve` process.
type serveNode struct {
	name string
	addr string
	data string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

func (n *serveNode) url() string { return "http://" + n.addr }

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServe(t *testing.T, bin, name string, env []string) *serveNode {
	t.Helper()
	n := &serveNode{name: name, addr: freeAddr(t), data: t.TempDir(), log: &bytes.Buffer{}}
	n.cmd = exec.Command(bin, "serve", "--addr", n.addr, "--data", n.data)
	n.cmd.Env = append(os.Environ(), env...)
	n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.cmd.Process.Signal(syscall.SIGTERM)
		n.cmd.Wait()
		if t.Failed() {
			t.Logf("log of node %s:\n%s", n.name, n.log)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := http.Get(n.url() + "/readyz")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return n
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s did not get ready:\n%s", name, n.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// person is a browser: a cookie jar valid on every node (sessions live in PostgreSQL).
type person struct {
	email, id string
	http      *http.Client
}

func (p *person) do(t *testing.T, method, target string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, target, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, target, err, raw)
		}
	}
	if resp.StatusCode/100 != 2 {
		t.Logf("%s %s: %d %s", method, target, resp.StatusCode, raw)
	}
	return resp.StatusCode
}

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

func signInAt(t *testing.T, n *serveNode, email string) *person {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	p := &person{email: email, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	if st := p.do(t, "POST", n.url()+"/api/v1/auth/code", map[string]string{"email": email}, nil); st != http.StatusAccepted {
		t.Fatalf("ask for a code: %d", st)
	}
	files, _ := filepath.Glob(filepath.Join(n.data, "outbox", "*.eml"))
	sort.Strings(files)
	var code string
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		if strings.Contains(string(raw), "To: "+email) {
			if m := sixDigits.FindStringSubmatch(string(raw)); m != nil {
				code = m[1]
			}
		}
	}
	var out struct {
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
	}
	if st := p.do(t, "POST", n.url()+"/api/v1/auth/sign-in", map[string]string{"email": email, "code": code}, &out); st != http.StatusOK {
		t.Fatalf("sign in %s: %d", email, st)
	}
	p.id = out.Account.ID
	return p
}

// live is a real-time connection that fails over to whichever node target names.
type live struct {
	c  *centrifugeclient.Client
	mu sync.Mutex
	ev map[string][]wire.EntityEvent
	un map[string]uint32
}

func liveConn(t *testing.T, p *person, base string, target func() string) *live {
	t.Helper()
	var cookies []string
	for _, ck := range p.http.Jar.Cookies(mustURL(base)) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	l := &live{ev: map[string][]wire.EntityEvent{}, un: map[string]uint32{}}
	l.c = centrifugeclient.NewJsonClient("ws"+strings.TrimPrefix(base, "http")+wire.Path, centrifugeclient.Config{
		Header:            http.Header{"Cookie": {strings.Join(cookies, "; ")}},
		MinReconnectDelay: 50 * time.Millisecond,
		MaxReconnectDelay: 500 * time.Millisecond,
		NetDialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, target())
		},
	})
	t.Cleanup(l.c.Close)
	if err := l.c.Connect(); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *live) sub(t *testing.T, ch string) {
	t.Helper()
	s, err := l.c.NewSubscription(ch, centrifugeclient.SubscriptionConfig{Recoverable: true})
	if err != nil {
		t.Fatal(err)
	}
	ok := make(chan bool, 1)
	s.OnSubscribed(func(centrifugeclient.SubscribedEvent) {
		select {
		case ok <- true:
		default:
		}
	})
	s.OnUnsubscribed(func(e centrifugeclient.UnsubscribedEvent) {
		l.mu.Lock()
		l.un[ch] = e.Code
		l.mu.Unlock()
		select {
		case ok <- false:
		default:
		}
	})
	s.OnPublication(func(e centrifugeclient.PublicationEvent) {
		if ev, err := wire.Decode(e.Data); err == nil {
			if ee, isEntity := ev.(*wire.EntityEvent); isEntity {
				l.mu.Lock()
				l.ev[ch] = append(l.ev[ch], *ee)
				l.mu.Unlock()
			}
		}
	})
	if err := s.Subscribe(); err != nil {
		t.Fatal(err)
	}
	select {
	case good := <-ok:
		if !good {
			t.Fatalf("subscribing to %s refused", ch)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("no answer subscribing to %s", ch)
	}
}

// versions returns the distinct versions of entity id seen on ch, in arrival order.
func (l *live) versions(ch, id string) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int64
	seen := map[int64]bool{}
	for _, e := range l.ev[ch] {
		if e.Entry.EntityID == id && !seen[e.Entry.Version] {
			seen[e.Entry.Version] = true
			out = append(out, e.Entry.Version)
		}
	}
	return out
}

func TestTwoServeNodesWithPostgresAndRedis(t *testing.T) {
	redisURL := os.Getenv("PAMA_TEST_REDIS_URL")
	if redisURL == "" {
		if os.Getenv("PAMA_TEST_REQUIRE_SERVICES") != "" {
			t.Fatal("PAMA_TEST_REDIS_URL is not set; PAMA_TEST_REQUIRE_SERVICES demands the two-node test")
		}
		t.Skip("PAMA_TEST_REDIS_URL not set; skipping the two-node test")
	}
	pg := sqlstoretest.PostgresURL(t)
	bin := filepath.Join(t.TempDir(), "pama")
	build := exec.Command("go", "build", "-o", bin, "github.com/pamateam/pama/cmd/pama")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build pama: %v\n%s", err, out)
	}
	env := []string{"PAMA_DATABASE_URL=" + pg, "PAMA_REDIS_URL=" + redisURL, "PAMA_LOG_LEVEL=warn",
		"PAMA_RATE_IP=10000", "PAMA_RATE_ACCOUNT=10000", "PAMA_RATE_TEAM=10000"}
	nodeA := startServe(t, bin, "A", env)
	nodeB := startServe(t, bin, "B", env)

	ann := signInAt(t, nodeA, "ann@example.com")
	bob := signInAt(t, nodeA, "bob@example.com")
	carl := signInAt(t, nodeB, "carl@example.com")
	var created struct {
		Team struct {
			ID string `json:"id"`
		} `json:"team"`
		FirstProduct struct {
			ID string `json:"id"`
		} `json:"first_product"`
	}
	if st := ann.do(t, "POST", nodeA.url()+"/api/v1/teams", map[string]any{"name": "Two nodes", "slug": "two-nodes",
		"first_product": map[string]string{"key": "TN", "name": "Product"}}, &created); st != http.StatusCreated {
		t.Fatalf("create team: %d", st)
	}
	teamID, productID := created.Team.ID, created.FirstProduct.ID
	for _, p := range []*person{bob, carl} {
		ann.do(t, "POST", nodeB.url()+"/api/v1/teams/"+teamID+"/invitations", map[string]string{"email": p.email, "role": "member"}, nil)
		var pending struct {
			Invitations []struct {
				ID string `json:"id"`
			} `json:"invitations"`
		}
		p.do(t, "GET", nodeA.url()+"/api/v1/invitations", nil, &pending)
		if len(pending.Invitations) != 1 {
			t.Fatalf("%s has %d invitations, want 1", p.email, len(pending.Invitations))
		}
		p.do(t, "POST", nodeB.url()+"/api/v1/invitations/accept", map[string]string{"team_id": teamID, "invitation_id": pending.Invitations[0].ID}, nil)
	}

	var mu sync.Mutex
	bobAt := nodeA.addr
	bobRT := liveConn(t, bob, nodeA.url(), func() string { mu.Lock(); defer mu.Unlock(); return bobAt })
	carlRT := liveConn(t, carl, nodeA.url(), func() string { return nodeA.addr })
	annRT := liveConn(t, ann, nodeB.url(), func() string { return nodeB.addr })
	backlog, teamCh, room := wire.Backlog(teamID, productID), wire.Team(teamID), wire.Room(teamID, "daily")
	bobRT.sub(t, backlog)
	bobRT.sub(t, room)
	annRT.sub(t, room)
	carlRT.sub(t, teamCh)
	// devices returns, as seen from ann's node, each person's connections in the room.
	devices := func() map[string]map[string]bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p, err := annRT.c.Presence(ctx, room)
		if err != nil {
			return nil
		}
		m := map[string]map[string]bool{}
		for _, ci := range p.Clients {
			if m[ci.User] == nil {
				m[ci.User] = map[string]bool{}
			}
			m[ci.User][ci.Client] = true
		}
		return m
	}
	waitFor(t, "presence across nodes", func() bool {
		d := devices()
		return len(d) == 2 && len(d[ann.id]) == 1 && len(d[bob.id]) == 1
	})
	var bobBefore string
	for c := range devices()[bob.id] {
		bobBefore = c
	}

	product := nodeB.url() + "/api/v1/teams/" + teamID + "/products/" + productID
	edit := func(version int64) {
		t.Helper()
		if st := ann.do(t, "PATCH", product, map[string]any{"version": version, "description": fmt.Sprintf("edit %d", version)}, nil); st != http.StatusOK {
			t.Fatalf("edit from version %d through node B: %d", version, st)
		}
	}
	// An edit through node B reaches bob on node A.
	edit(1)
	waitFor(t, "bob on A sees the edit made through B", func() bool { return len(bobRT.versions(backlog, productID)) == 1 })

	// Removing carl through node B cuts him off on node A.
	if st := ann.do(t, "DELETE", nodeB.url()+"/api/v1/teams/"+teamID+"/members/"+carl.id, nil, nil); st/100 != 2 {
		t.Fatalf("remove carl: %d", st)
	}
	waitFor(t, "carl cut off on node A", func() bool {
		carlRT.mu.Lock()
		defer carlRT.mu.Unlock()
		return carlRT.un[teamCh] == wire.UnsubscribeRevoked
	})

	// Node A dies mid-stream; bob's client finds node B and resumes without loss.
	edit(2)
	if err := nodeA.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	nodeA.cmd.Wait()
	mu.Lock()
	bobAt = nodeB.addr
	mu.Unlock()
	for v := int64(3); v <= 8; v++ {
		edit(v)
	}
	want := []int64{2, 3, 4, 5, 6, 7, 8, 9}
	waitFor(t, "every edit after the failover", func() bool { return len(bobRT.versions(backlog, productID)) == len(want) })
	got := bobRT.versions(backlog, productID)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("versions seen by bob = %v, want %v", got, want)
		}
	}
	// Presence heals: bob's connection on the dead node expires, his new one
	// on node B is there, each person once.
	waitFor(t, "presence after the failover", func() bool {
		d := devices()
		return len(d) == 2 && len(d[ann.id]) == 1 && len(d[bob.id]) == 1 && !d[bob.id][bobBefore]
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
