package team_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/team"
)

// accounts is an in-memory team.Accounts.
type accounts struct {
	mu sync.Mutex
	m  map[string]identity.Account
}

func (a *accounts) add(id, email, name string) identity.Account {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string]identity.Account{}
	}
	acc := identity.Account{ID: id, Email: email, DisplayName: name, Version: 1}
	a.m[id] = acc
	return acc
}

func (a *accounts) Account(ctx context.Context, id string) (identity.Account, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	acc, ok := a.m[id]
	if !ok {
		return acc, identity.ErrAccountNotFound
	}
	return acc, nil
}

func (a *accounts) Accounts(ctx context.Context, ids []string) (map[string]identity.Account, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string]identity.Account{}
	for _, id := range ids {
		if acc, ok := a.m[id]; ok {
			out[id] = acc
		}
	}
	return out, nil
}

// mailbox is a team.Mailer that keeps what it sends.
type mailbox struct {
	mu   sync.Mutex
	sent []sentMail
	fail error
}

type sentMail struct{ to, subject, body string }

func (m *mailbox) Send(ctx context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.sent = append(m.sent, sentMail{to, subject, body})
	return nil
}

var linkRE = regexp.MustCompile(`https://pama\.example/invite/(\S+)`)

// lastToken returns the invitation token in the newest mail to addr.
func (m *mailbox) lastToken(t *testing.T, addr string) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.sent) - 1; i >= 0; i-- {
		if strings.EqualFold(m.sent[i].to, addr) {
			match := linkRE.FindStringSubmatch(m.sent[i].body)
			if match == nil {
				t.Fatalf("no invitation link in mail to %s: %q", addr, m.sent[i].body)
			}
			return match[1]
		}
	}
	t.Fatalf("no mail to %s", addr)
	return ""
}

// fixture is a service on a real store with some accounts.
type fixture struct {
	store    *sqlstore.Store
	svc      *team.Service
	accounts *accounts
	mail     *mailbox
	clock    *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newFixture(t *testing.T, s *sqlstore.Store, cfg team.Config) *fixture {
	t.Helper()
	f := &fixture{store: s, accounts: &accounts{}, mail: &mailbox{}, clock: &clock{t: time.Now()}}
	cfg.BaseURL = "https://pama.example/"
	f.svc = team.NewService(s, f.accounts, f.mail, cfg, nil)
	f.svc.SetClock(f.clock.now)
	return f
}

var seq struct {
	mu sync.Mutex
	n  int
}

// person makes an account and returns its id and a context acting as it.
func (f *fixture) person(name string) (string, context.Context) {
	seq.mu.Lock()
	seq.n++
	id := fmt.Sprintf("acct-%s-%d", strings.ToLower(name), seq.n)
	seq.mu.Unlock()
	f.accounts.add(id, strings.ToLower(name)+"@example.com", name)
	return id, activity.WithActor(context.Background(), id)
}

// newTeam creates a team owned by owner with a unique slug.
func (f *fixture) newTeam(t *testing.T, ctx context.Context, owner, name string) team.Team {
	t.Helper()
	seq.mu.Lock()
	seq.n++
	slug := fmt.Sprintf("%s-%d", strings.ToLower(strings.ReplaceAll(name, " ", "-")), seq.n)
	seq.mu.Unlock()
	c, err := f.svc.Create(ctx, owner, team.CreateInput{Name: name, Slug: slug})
	if err != nil {
		t.Fatalf("create team %q: %v", name, err)
	}
	return c.Team
}

func (f *fixture) access(t *testing.T, ctx context.Context, ref, account string) team.Access {
	t.Helper()
	acc, err := f.svc.Access(ctx, ref, account)
	if err != nil {
		t.Fatalf("access of %s to %s: %v", account, ref, err)
	}
	return acc
}

// join invites account's address with role and accepts as account.
func (f *fixture) join(t *testing.T, inviter team.Access, account string, role team.Role) team.Member {
	t.Helper()
	a, _ := f.accounts.Account(context.Background(), account)
	ctx := activity.WithActor(context.Background(), inviter.Member.AccountID)
	if _, err := f.svc.Invite(ctx, inviter, a.Email, role); err != nil {
		t.Fatalf("invite %s as %s: %v", a.Email, role, err)
	}
	res, err := f.svc.AcceptInvitation(activity.WithActor(context.Background(), account), account, f.mail.lastToken(t, a.Email))
	if err != nil {
		t.Fatalf("accept as %s: %v", a.Email, err)
	}
	return res.Member
}
