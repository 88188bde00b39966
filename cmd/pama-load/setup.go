package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// api is a REST client for one account (a cookie jar, like a browser).
type api struct {
	base  string
	http  *http.Client
	email string
	id    string // account id, once signed in
}

func newAPI(base string, tr http.RoundTripper) *api {
	jar, _ := cookiejar.New(nil)
	return &api{base: strings.TrimRight(base, "/"), http: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second}}
}

// apiError is a non-2xx answer.
type apiError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, strings.TrimSpace(e.Body))
}

// do sends body as JSON and decodes a JSON answer into out (either may be nil).
func (a *api) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &apiError{Method: method, Path: path, Status: resp.StatusCode, Body: string(raw)}
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// cookieHeader returns the session cookie as a Cookie header value.
func (a *api) cookieHeader() string {
	req, _ := http.NewRequest(http.MethodGet, a.base+"/", nil)
	var parts []string
	for _, c := range a.http.Jar.Cookies(req.URL) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// teamSetup is one team as the load generator made it.
type teamSetup struct {
	id, slug, product string
	target            string // the id of the entity the typist edits and commits
	targetKind        string // "item", or "product" where the server has no items yet
	version           int64
	members           []*api // members[0] is the owner
	roomID            string // the ceremony room of a ceremony scenario
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// outboxCodes reads the newest sign-in code per address from the outbox.
func outboxCodes(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return nil, err
	}
	codes := map[string]string{}
	newest := map[string]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		head, body, _ := strings.Cut(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n\n")
		var to string
		for _, line := range strings.Split(head, "\n") {
			if v, ok := strings.CutPrefix(line, "To: "); ok {
				to = strings.ToLower(strings.TrimSpace(v))
			}
		}
		m := codeRE.FindStringSubmatch(body)
		if to == "" || m == nil {
			continue
		}
		name := filepath.Base(f)
		if name > newest[to] {
			newest[to] = name
			codes[to] = m[1]
		}
	}
	return codes, nil
}

// parallel runs fn for i in [0, n) on up to conc goroutines and returns the
// first error.
func parallel(n, conc int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, conc)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// setup signs in teams×members accounts through the emailed-code flow
// (reading the codes from the server's outbox directory), has the first
// member of each team create it with a first product, invite the others, who
// accept, and creates the item the scenario edits.
func setup(ctx context.Context, o options, tr http.RoundTripper) ([]*teamSetup, error) {
	teams := make([]*teamSetup, o.teams)
	var accounts []*api
	for t := range teams {
		ts := &teamSetup{slug: fmt.Sprintf("ld-%s-%d", o.run, t)}
		for m := range o.members {
			a := newAPI(o.url, tr)
			a.email = fmt.Sprintf("ld-%s-%d-%d@load.pama.test", o.run, t, m)
			ts.members = append(ts.members, a)
			accounts = append(accounts, a)
		}
		teams[t] = ts
	}
	logf("setup: asking for %d sign-in codes", len(accounts))
	if err := parallel(len(accounts), o.setupConc, func(i int) error {
		return accounts[i].do(ctx, http.MethodPost, "/api/v1/auth/code", map[string]string{"email": accounts[i].email}, nil)
	}); err != nil {
		return nil, fmt.Errorf("request codes: %w", err)
	}
	var codes map[string]string
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		if codes, err = outboxCodes(o.outbox); err != nil {
			return nil, fmt.Errorf("read outbox %s: %w", o.outbox, err)
		}
		missing := 0
		for _, a := range accounts {
			if codes[a.email] == "" {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no sign-in code in %s for %d accounts (is -outbox the server's <data>/outbox?)", o.outbox, missing)
		}
		time.Sleep(200 * time.Millisecond)
	}
	logf("setup: signing in")
	if err := parallel(len(accounts), o.setupConc, func(i int) error {
		a := accounts[i]
		var out struct {
			Account struct {
				ID string `json:"id"`
			} `json:"account"`
		}
		if err := a.do(ctx, http.MethodPost, "/api/v1/auth/sign-in", map[string]string{"email": a.email, "code": codes[a.email]}, &out); err != nil {
			return err
		}
		a.id = out.Account.ID
		return nil
	}); err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	logf("setup: creating %d teams", len(teams))
	if err := parallel(len(teams), o.setupConc, func(i int) error { return createTeam(ctx, teams[i]) }); err != nil {
		return nil, fmt.Errorf("create teams: %w", err)
	}
	return teams, nil
}

func createTeam(ctx context.Context, ts *teamSetup) error {
	owner := ts.members[0]
	var created struct {
		Team struct {
			ID string `json:"id"`
		} `json:"team"`
		FirstProduct *struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		} `json:"first_product"`
	}
	err := owner.do(ctx, http.MethodPost, "/api/v1/teams", map[string]any{
		"name": "Load " + ts.slug, "slug": ts.slug,
		"first_product": map[string]string{"key": "LD", "name": "Load product"},
	}, &created)
	if err != nil {
		return err
	}
	if created.FirstProduct == nil {
		return fmt.Errorf("team %s was created without its first product", ts.slug)
	}
	ts.id, ts.product = created.Team.ID, created.FirstProduct.ID
	for i, m := range ts.members[1:] {
		// The typist (the last member) refines as the product owner, who may
		// also edit the product where the server has no items yet.
		role := "member"
		if i == len(ts.members)-2 {
			role = "product_owner"
		}
		err := owner.do(ctx, http.MethodPost, "/api/v1/teams/"+ts.id+"/invitations", map[string]string{"email": m.email, "role": role}, nil)
		if err != nil {
			return err
		}
		var pending struct {
			Invitations []struct {
				ID     string `json:"id"`
				TeamID string `json:"team_id"`
			} `json:"invitations"`
		}
		if err := m.do(ctx, http.MethodGet, "/api/v1/invitations", nil, &pending); err != nil {
			return err
		}
		accepted := false
		for _, inv := range pending.Invitations {
			if inv.TeamID == ts.id {
				if err := m.do(ctx, http.MethodPost, "/api/v1/invitations/accept", map[string]string{"team_id": ts.id, "invitation_id": inv.ID}, nil); err != nil {
					return err
				}
				accepted = true
			}
		}
		if !accepted {
			return fmt.Errorf("%s found no invitation to team %s", m.email, ts.slug)
		}
	}
	var item struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	}
	err = owner.do(ctx, http.MethodPost, "/api/v1/teams/"+ts.id+"/products/"+ts.product+"/items",
		map[string]string{"kind": "story", "title": "Refine me"}, &item)
	var ae *apiError
	switch {
	case err == nil:
		ts.target, ts.targetKind, ts.version = item.ID, "item", item.Version
	case asAPIError(err, &ae) && ae.Status == http.StatusNotFound:
		// A server without the backlog API: the typist edits the product's
		// description instead, which is committed and published the same way.
		ts.target, ts.targetKind, ts.version = ts.product, "product", created.FirstProduct.Version
	default:
		return err
	}
	return nil
}

func asAPIError(err error, target **apiError) bool {
	e, ok := err.(*apiError)
	if ok {
		*target = e
	}
	return ok
}

// commitPath is where the typist commits the text.
func (ts *teamSetup) commitPath() string {
	if ts.targetKind == "item" {
		return "/api/v1/teams/" + ts.id + "/items/" + ts.target
	}
	return "/api/v1/teams/" + ts.id + "/products/" + ts.target
}
