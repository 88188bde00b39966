package route

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/team"
)

// fakeStore is a registry of teams and domains in memory, counting lookups.
type fakeStore struct {
	teams   map[string]team.Team // by slug and by id
	domains map[string]Domain
	lookups int
}

func (f *fakeStore) TeamByRef(_ context.Context, ref string) (team.Team, error) {
	f.lookups++
	if t, ok := f.teams[ref]; ok {
		return t, nil
	}
	return team.Team{}, team.ErrNotFound
}

func (f *fakeStore) Domain(_ context.Context, name string) (Domain, error) {
	f.lookups++
	if d, ok := f.domains[name]; ok {
		return d, nil
	}
	return Domain{}, ErrDomainNotFound
}

func (f *fakeStore) CreateDomain(context.Context, Domain, int, time.Duration) (Domain, error) {
	return Domain{}, errors.New("not here")
}
func (f *fakeStore) Domains(context.Context, string) ([]Domain, error) { return nil, nil }
func (f *fakeStore) SetDomainCheck(context.Context, string, time.Time, time.Time, string) (Domain, error) {
	return Domain{}, errors.New("not here")
}
func (f *fakeStore) DeleteDomain(context.Context, string, string) error { return nil }

func (f *fakeStore) add(t team.Team) {
	f.teams[t.Slug], f.teams[t.ID] = t, t
}

func newFake() *fakeStore {
	f := &fakeStore{teams: map[string]team.Team{}, domains: map[string]Domain{}}
	f.add(team.Team{ID: "t1", Slug: "blue-whales", State: team.StateActive})
	f.add(team.Team{ID: "t2", Slug: "gone-team", State: team.StateArchived})
	f.domains["board.example.org"] = Domain{Name: "board.example.org", TeamID: "t1", VerifiedAt: time.Unix(1, 0)}
	f.domains["pending.example.org"] = Domain{Name: "pending.example.org", TeamID: "t1"}
	f.domains["old.example.org"] = Domain{Name: "old.example.org", TeamID: "t2", VerifiedAt: time.Unix(1, 0)}
	return f
}

func TestResolve(t *testing.T) {
	withBase := New(newFake(), Config{PublicURL: "https://pama.example.com", BaseDomain: "Pama.Example.com."})
	single := New(newFake(), Config{PublicURL: "https://pama.example.com"})
	tests := []struct {
		name string
		tab  *Table
		host string
		want Target
	}{
		{"main host", withBase, "pama.example.com", Target{Kind: Main}},
		{"main host with port", withBase, "PAMA.example.com:8443", Target{Kind: Main}},
		{"www", withBase, "www.pama.example.com", Target{Kind: Main}},
		{"ip", withBase, "192.0.2.7:80", Target{Kind: Main}},
		{"ipv6", withBase, "[2001:db8::1]:443", Target{Kind: Main}},
		{"space", withBase, "blue-whales.pama.example.com", Target{Kind: Team, TeamID: "t1", Slug: "blue-whales"}},
		{"space, trailing dot", withBase, "blue-whales.pama.example.com.", Target{Kind: Team, TeamID: "t1", Slug: "blue-whales"}},
		{"unknown space", withBase, "nobody.pama.example.com", Target{Kind: Unknown}},
		{"archived space", withBase, "gone-team.pama.example.com", Target{Kind: Unknown}},
		{"two labels deep", withBase, "a.blue-whales.pama.example.com", Target{Kind: Unknown}},
		{"reserved address", withBase, "admin.pama.example.com", Target{Kind: Unknown}},
		{"verified domain", withBase, "board.example.org", Target{Kind: Team, TeamID: "t1", Slug: "blue-whales"}},
		{"pending domain", withBase, "pending.example.org", Target{Kind: Unknown}},
		{"domain of an archived space", withBase, "old.example.org", Target{Kind: Unknown}},
		{"unknown host", withBase, "elsewhere.example.net", Target{Kind: Unknown}},
		{"single domain: any host is main", single, "elsewhere.example.net", Target{Kind: Main}},
		{"single domain: verified domain", single, "board.example.org", Target{Kind: Team, TeamID: "t1", Slug: "blue-whales"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.tab.Resolve(context.Background(), tt.host)
			if err != nil || got != tt.want {
				t.Errorf("Resolve(%q) = %+v, %v; want %+v", tt.host, got, err, tt.want)
			}
		})
	}
}

func TestCacheAndForget(t *testing.T) {
	f := newFake()
	tab := New(f, Config{PublicURL: "https://pama.example.com", BaseDomain: "pama.example.com"})
	now := time.Unix(1000, 0)
	tab.now = func() time.Time { return now }
	ctx := context.Background()

	got, _ := tab.Resolve(ctx, "late.pama.example.com")
	if got.Kind != Unknown {
		t.Fatalf("before: %+v", got)
	}
	f.add(team.Team{ID: "t3", Slug: "late", State: team.StateActive})
	if got, _ := tab.Resolve(ctx, "late.pama.example.com"); got.Kind != Unknown {
		t.Errorf("the miss is cached for a while: %+v", got)
	}
	tab.Forget("late")
	if got, _ := tab.Resolve(ctx, "late.pama.example.com"); got.Kind != Team {
		t.Errorf("after Forget: %+v", got)
	}
	n := f.lookups
	tab.Resolve(ctx, "late.pama.example.com")
	if f.lookups != n {
		t.Error("a found route is looked up again within its lifetime")
	}
	now = now.Add(11 * time.Second)
	tab.Resolve(ctx, "late.pama.example.com")
	if f.lookups == n {
		t.Error("a found route is never looked up again")
	}
	// A miss that nobody here forgets (the space was made on another node)
	// expires by itself.
	if got, _ := tab.Slug(ctx, "missing"); got.Kind != Unknown {
		t.Fatal("missing")
	}
	f.add(team.Team{ID: "t5", Slug: "missing", State: team.StateActive})
	now = now.Add(3 * time.Second)
	if got, _ := tab.Slug(ctx, "missing"); got.Kind != Team {
		t.Errorf("a miss outlived NegativeTTL: %+v", got)
	}
}

func TestHostPolicy(t *testing.T) {
	tab := New(newFake(), Config{PublicURL: "https://pama.example.com", BaseDomain: "pama.example.com"})
	for host, ok := range map[string]bool{
		"pama.example.com":             true,
		"blue-whales.pama.example.com": true,
		"board.example.org":            true,
		"pending.example.org":          false,
		"old.example.org":              false,
		"nobody.pama.example.com":      false,
		"gone-team.pama.example.com":   false,
		"elsewhere.example.net":        false,
		"localhost":                    false,
		"192.0.2.1":                    false,
	} {
		if err := tab.HostPolicy(context.Background(), host); (err == nil) != ok {
			t.Errorf("HostPolicy(%q) = %v, want allowed %v", host, err, ok)
		}
	}
}

func TestTeamURL(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{PublicURL: "https://pama.example.com", BaseDomain: "pama.example.com"}, "https://blue.pama.example.com"},
		{Config{PublicURL: "http://pama.localhost:8080", BaseDomain: "pama.localhost"}, "http://blue.pama.localhost:8080"},
		{Config{PublicURL: "https://pama.example.com/"}, "https://pama.example.com/t/blue"},
	} {
		if got := New(newFake(), tt.cfg).TeamURL("blue"); got != tt.want {
			t.Errorf("TeamURL with %+v = %q, want %q", tt.cfg, got, tt.want)
		}
	}
}

func TestValidateDomain(t *testing.T) {
	for name, ok := range map[string]bool{
		"board.example.org":       true,
		"a.b.c.example.co.uk":     true,
		"xn--80ak6aa92e.com":      true,
		"example":                 false,
		"localhost":               false,
		"192.0.2.1":               false,
		"bad_name.example.org":    false,
		"-bad.example.org":        false,
		"bad-.example.org":        false,
		"double..example.org":     false,
		"example.123":             false,
		"Upper.example.org":       false,
		"spa ce.example.org":      false,
		"":                        false,
		string(make([]byte, 300)): false,
	} {
		if err := ValidateDomain(name); (err == nil) != ok {
			t.Errorf("ValidateDomain(%q) = %v, want ok %v", name, err, ok)
		}
	}
	if got := NormalizeDomain(" HTTPS://Board.Example.org./path?x "); got != "board.example.org" {
		t.Errorf("NormalizeDomain = %q", got)
	}
}

func FuzzResolveHost(f *testing.F) {
	tab := New(newFake(), Config{PublicURL: "https://pama.example.com", BaseDomain: "pama.example.com"})
	for _, s := range []string{"pama.example.com", "blue-whales.pama.example.com:443", "[::1]", "a..b", "board.example.org"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		got, err := tab.Resolve(context.Background(), host)
		if err != nil {
			t.Fatalf("Resolve(%q): %v", host, err)
		}
		if got.Kind == Team && got.TeamID != "t1" {
			t.Fatalf("Resolve(%q) reached %+v", host, got)
		}
		_ = tab.HostPolicy(context.Background(), host)
		_ = ValidateDomain(host)
	})
}
