package oidc

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
)

// SecretPrefix starts every client secret, so leaked secrets are easy to spot.
const SecretPrefix = "pcs_"

// Limits of a client registration.
const (
	MaxRedirectURIs   = 10
	MaxRedirectURILen = 512
)

// NewClient describes a client to register.
type NewClient struct {
	Name         string
	RedirectURIs []string
	Public       bool
	Scopes       []string
}

// ClientPatch changes a client; nil fields stay as they are.
type ClientPatch struct {
	Name         *string
	RedirectURIs []string // nil: unchanged
	Scopes       []string // nil: unchanged
}

// CreateClient registers a client for operatorID. For a confidential client
// the returned secret is shown this once; only its hash is stored.
func (p *Provider) CreateClient(ctx context.Context, operatorID string, nc NewClient) (Client, string, error) {
	var errs errkind.FieldErrors
	name, ferr := cleanClientName(nc.Name)
	if ferr != nil {
		errs = append(errs, ferr)
	}
	uris, uerrs := cleanRedirectURIs(nc.RedirectURIs)
	errs = append(errs, uerrs...)
	scopes, ferr := cleanScopes(nc.Scopes)
	if ferr != nil {
		errs = append(errs, ferr)
	}
	if err := errs.Err(); err != nil {
		return Client{}, "", err
	}
	id, err := randomString(12)
	if err != nil {
		return Client{}, "", err
	}
	c := Client{ID: "c_" + id, Name: name, RedirectURIs: uris, Public: nc.Public, Scopes: scopes, CreatedBy: operatorID}
	var secret string
	if !nc.Public {
		if secret, err = newClientSecret(); err != nil {
			return Client{}, "", err
		}
		c.SecretHash = hashSecret(secret)
	}
	c, err = p.store.CreateClient(ctx, c)
	if err != nil {
		return Client{}, "", err
	}
	p.log.InfoContext(ctx, "client registered", "client", c.ID, "name", c.Name, "public", c.Public, "by", operatorID)
	return c, secret, nil
}

// Clients lists every registered client.
func (p *Provider) Clients(ctx context.Context) ([]Client, error) { return p.store.Clients(ctx) }

// Client returns one registered client.
func (p *Provider) Client(ctx context.Context, id string) (Client, error) {
	if len(id) > 64 {
		return Client{}, ErrClientNotFound
	}
	return p.store.Client(ctx, id)
}

// UpdateClient changes a client if version is current. Narrowing its scopes
// or redirect URIs does not revoke tokens already issued; delete the client
// or rotate its secret for that.
func (p *Provider) UpdateClient(ctx context.Context, id string, version int64, cp ClientPatch) (Client, error) {
	var errs errkind.FieldErrors
	var name string
	if cp.Name != nil {
		n, err := cleanClientName(*cp.Name)
		if err != nil {
			errs = append(errs, err)
		}
		name = n
	}
	var uris, scopes []string
	if cp.RedirectURIs != nil {
		var uerrs errkind.FieldErrors
		uris, uerrs = cleanRedirectURIs(cp.RedirectURIs)
		errs = append(errs, uerrs...)
	}
	if cp.Scopes != nil {
		s, err := cleanScopes(cp.Scopes)
		if err != nil {
			errs = append(errs, err)
		}
		scopes = s
	}
	if err := errs.Err(); err != nil {
		return Client{}, err
	}
	return p.store.UpdateClient(ctx, id, version, func(c *Client) error {
		if cp.Name != nil {
			c.Name = name
		}
		if cp.RedirectURIs != nil {
			c.RedirectURIs = uris
		}
		if cp.Scopes != nil {
			c.Scopes = scopes
		}
		return nil
	})
}

// RotateClientSecret gives a confidential client a new secret, shown this
// once. The old secret stops working at once.
func (p *Provider) RotateClientSecret(ctx context.Context, id string, version int64) (Client, string, error) {
	secret, err := newClientSecret()
	if err != nil {
		return Client{}, "", err
	}
	c, err := p.store.UpdateClient(ctx, id, version, func(c *Client) error {
		if c.Public {
			return errkind.New(errkind.Conflict, "oidc: a public client has no secret")
		}
		c.SecretHash = hashSecret(secret)
		return nil
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, secret, nil
}

// DeleteClient removes a client and everything issued to it.
func (p *Provider) DeleteClient(ctx context.Context, id string) error {
	if len(id) > 64 {
		return ErrClientNotFound
	}
	if err := p.store.DeleteClient(ctx, id); err != nil {
		return err
	}
	p.log.InfoContext(ctx, "client deleted", "client", id)
	return nil
}

func newClientSecret() (string, error) {
	s, err := randomString(32)
	if err != nil {
		return "", err
	}
	return SecretPrefix + s, nil
}

func cleanClientName(s string) (string, *errkind.FieldError) {
	name := strings.Join(strings.Fields(s), " ")
	if n := utf8.RuneCountInString(name); n < 1 || n > 80 {
		return "", errkind.Field("name", "must be 1 to 80 characters")
	}
	return name, nil
}

// cleanRedirectURIs checks redirect URIs: absolute, https (or http on a
// loopback host, for development and native apps), no fragment, no
// wildcards, at most MaxRedirectURIs.
func cleanRedirectURIs(in []string) ([]string, errkind.FieldErrors) {
	var errs errkind.FieldErrors
	if len(in) == 0 || len(in) > MaxRedirectURIs {
		return nil, errkind.FieldErrors{errkind.Field("redirect_uris", fmt.Sprintf("must list 1 to %d URIs", MaxRedirectURIs))}
	}
	var out []string
	for i, raw := range in {
		field := fmt.Sprintf("redirect_uris.%d", i)
		if err := checkRedirectURI(raw); err != "" {
			errs = append(errs, &errkind.FieldError{Field: field, Message: err, Value: truncate(raw, 100)})
			continue
		}
		if !slices.Contains(out, raw) {
			out = append(out, raw)
		}
	}
	return out, errs
}

func checkRedirectURI(raw string) string {
	if raw == "" || len(raw) > MaxRedirectURILen {
		return fmt.Sprintf("must be a URL of at most %d characters", MaxRedirectURILen)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil {
		return "must be an absolute https:// URL"
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return "must not have a fragment"
	}
	if strings.ContainsAny(raw, "* \t\r\n") {
		return "must not contain wildcards or spaces; redirect URIs match exactly"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if isLoopback(u.Hostname()) {
			return ""
		}
		return "must use https (http is allowed only for localhost)"
	default:
		return "must use https (http is allowed only for localhost)"
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func cleanScopes(in []string) ([]string, *errkind.FieldError) {
	if len(in) == 0 || len(in) > len(Scopes) {
		return nil, errkind.Field("scopes", "must list the scopes the client may ask for, including openid")
	}
	for _, s := range in {
		if !slices.Contains(Scopes, s) {
			return nil, &errkind.FieldError{Field: "scopes", Message: "must be some of " + strings.Join(Scopes, ", "), Value: truncate(s, 40)}
		}
	}
	if !slices.Contains(in, ScopeOpenID) {
		return nil, errkind.Field("scopes", "must include openid")
	}
	var out []string
	for _, s := range Scopes { // canonical order, no duplicates
		if slices.Contains(in, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
