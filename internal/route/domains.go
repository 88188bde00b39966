package route

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/errkind"
)

// Domain is a custom domain of a team space.
type Domain struct {
	Name       string    `json:"domain" example:"board.example.org"`
	TeamID     string    `json:"team_id"`
	Token      string    `json:"token" doc:"The verification token: Pama answers it at http://<domain>/.well-known/pama-domain/<token>"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	VerifiedAt time.Time `json:"verified_at,omitzero" doc:"When the domain was verified; empty while pending"`
	CheckedAt  time.Time `json:"checked_at,omitzero" doc:"When verification was last tried"`
	LastError  string    `json:"last_error,omitempty" doc:"Why the last verification failed"`
}

// Verified reports whether the domain serves its space.
func (d Domain) Verified() bool { return !d.VerifiedAt.IsZero() }

// ProofPath is where Pama answers a domain's verification token.
const ProofPath = "/.well-known/pama-domain/"

// Limits.
const (
	MaxDomainsPerTeam = 5
	// StaleClaim is how long a pending domain holds its name against
	// other teams.
	StaleClaim = 7 * 24 * time.Hour
)

// Errors.
var (
	ErrDomainNotFound = fmt.Errorf("route: custom domain %w", errkind.NotFound)
	ErrDomainTaken    = &errkind.FieldConflict{Field: "domain", Message: "belongs to another team space"}
	ErrTooManyDomains = errkind.New(errkind.Quota, "route: a team space may have at most 5 custom domains")
)

// ValidateDomain checks a custom domain name: a lower-case DNS name of at
// least two labels (letters, digits and inner hyphens, 1 to 63 each, 253 in
// all), not an IP address. It names the field "domain".
func ValidateDomain(name string) error {
	bad := func(msg string) error { return &errkind.FieldError{Field: "domain", Message: msg, Value: name} }
	if len(name) < 4 || len(name) > 253 {
		return bad("must be a domain name like board.example.org")
	}
	if net.ParseIP(name) != nil {
		return bad("must be a domain name, not an IP address")
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return bad("must have at least two parts, like board.example.org")
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return bad("must be a domain name like board.example.org")
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return bad("may contain only letters a-z, digits, hyphens and dots (write other scripts in punycode, xn--...)")
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return bad("must end in a top-level domain like .org")
	}
	return nil
}

// NormalizeDomain returns what people most likely meant: trimmed,
// lower-cased, without a scheme, path or trailing dot.
func NormalizeDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, ".")
}

// AddDomain claims name for teamID, pending verification. Names of this
// install (its hosts and anything under its base domain) are refused.
func (t *Table) AddDomain(ctx context.Context, teamID, accountID, name string) (Domain, error) {
	name = NormalizeDomain(name)
	if err := ValidateDomain(name); err != nil {
		return Domain{}, err
	}
	if t.main[name] || (t.cfg.BaseDomain != "" && strings.HasSuffix(name, "."+t.cfg.BaseDomain)) {
		return Domain{}, &errkind.FieldError{Field: "domain", Message: "is this install's own address; spaces have theirs already", Value: name}
	}
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Domain{}, fmt.Errorf("route: random: %w", err)
	}
	d, err := t.store.CreateDomain(ctx, Domain{Name: name, TeamID: teamID, CreatedBy: accountID,
		Token: base64.RawURLEncoding.EncodeToString(b[:]), CreatedAt: t.now().UTC()}, MaxDomainsPerTeam, StaleClaim)
	if err != nil {
		return Domain{}, err
	}
	t.ForgetDomain(name)
	return d, nil
}

// AddVerifiedDomain gives name to teamID as verified, without a check: for
// operators, who vouch for the domain.
func (t *Table) AddVerifiedDomain(ctx context.Context, teamID, accountID, name string) (Domain, error) {
	d, err := t.AddDomain(ctx, teamID, accountID, name)
	if err != nil {
		return Domain{}, err
	}
	now := t.now().UTC()
	d, err = t.store.SetDomainCheck(ctx, d.Name, now, now, "")
	t.ForgetDomain(d.Name)
	return d, err
}

// Domains lists a team's custom domains (every team's when teamID is "").
func (t *Table) Domains(ctx context.Context, teamID string) ([]Domain, error) {
	return t.store.Domains(ctx, teamID)
}

// RemoveDomain removes a team's domain (any team's when teamID is ""). It
// stops serving the space at once on this node.
func (t *Table) RemoveDomain(ctx context.Context, teamID, name string) error {
	name = NormalizeDomain(name)
	if err := t.store.DeleteDomain(ctx, teamID, name); err != nil {
		return err
	}
	t.ForgetDomain(name)
	return nil
}

// Proof answers a verification request that reached this install at host
// for token: the token itself, if a domain host of some space waits for
// that token.
func (t *Table) Proof(ctx context.Context, host, token string) (string, bool) {
	h := Hostname(host)
	if ValidateDomain(h) != nil || token == "" || len(token) > 64 {
		return "", false
	}
	d, err := t.store.Domain(ctx, h)
	if err != nil || d.Token != token {
		return "", false
	}
	return d.Token, true
}

// VerifyDomain checks that the team's domain reaches this install: it asks
// http://<domain>/.well-known/pama-domain/<token> and expects the token
// back. The outcome is recorded; a failure is returned as a field error
// saying what went wrong.
func (t *Table) VerifyDomain(ctx context.Context, teamID, name string) (Domain, error) {
	name = NormalizeDomain(name)
	d, err := t.store.Domain(ctx, name)
	if err != nil {
		return Domain{}, err
	}
	if d.TeamID != teamID {
		return Domain{}, ErrDomainNotFound
	}
	now := t.now().UTC()
	problem := t.check(ctx, d)
	verified := d.VerifiedAt
	if problem == "" && verified.IsZero() {
		verified = now
	}
	d, err = t.store.SetDomainCheck(ctx, d.Name, verified, now, problem)
	if err != nil {
		return Domain{}, err
	}
	t.ForgetDomain(d.Name)
	if problem != "" {
		return d, &errkind.FieldError{Field: "domain", Message: "could not be verified: " + problem, Value: d.Name}
	}
	return d, nil
}

// check fetches the proof and returns "" or what went wrong.
func (t *Table) check(ctx context.Context, d Domain) string {
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true, ResponseHeaderTimeout: 5 * time.Second}
	if t.cfg.Dial != nil {
		tr.DialContext = t.cfg.Dial
	} else {
		tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second}).DialContext
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer tr.CloseIdleConnections()
	u := "http://" + net.JoinHostPort(d.Name, t.cfg.VerifyPort) + ProofPath + d.Token
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "the address is not usable"
	}
	req.Host = d.Name
	res, err := client.Do(req)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			return "the name does not resolve; add a DNS record pointing at this install"
		}
		return "it does not answer on port " + t.cfg.VerifyPort + " (" + shortErr(err) + ")"
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 256))
	if res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != d.Token {
		return fmt.Sprintf("it answers, but not as this install (HTTP %d); point its DNS at this install", res.StatusCode)
	}
	return ""
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}
