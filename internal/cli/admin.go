package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/pamateam/pama/internal/oidc"
	"github.com/pamateam/pama/internal/sqlstore"
)

// adminCmd holds operator tasks that work on storage directly.
type adminCmd struct {
	OIDCClient oidcClientCmd `cmd:"" name:"oidc-client" help:"Applications registered to sign in with Pama ID."`
	OIDCKeys   oidcKeysCmd   `cmd:"" name:"oidc-keys" help:"Pama ID token signing keys."`
	Spaces     spacesCmd     `cmd:"" help:"The operator console: team spaces, their lifecycle, quotas, health, export and import."`
	Jobs       jobsCmd       `cmd:"" help:"Mass operations over many team spaces (background jobs)."`
	Audit      auditCmd      `cmd:"" help:"The audit log of operator actions."`
}

// storeFlags locate the storage and the public address.
type storeFlags struct {
	Data          string `name:"data" env:"PAMA_DATA" default:"./pama-data" help:"Data directory."`
	DatabaseURL   string `name:"database-url" env:"PAMA_DATABASE_URL" help:"PostgreSQL URL; empty for SQLite in the data directory."`
	BaseURL       string `name:"base-url" env:"PAMA_BASE_URL" default:"http://localhost:8080" help:"Public URL of this install (the issuer)."`
	OIDCKeySecret string `name:"oidc-key-secret" env:"PAMA_OIDC_KEY_SECRET" help:"Secret that encrypts the stored signing keys."`
}

// provider opens storage and the provider on it; close the store when done.
func (f storeFlags) provider(ctx context.Context) (*sqlstore.Store, *oidc.Provider, error) {
	s, err := sqlstore.Open(ctx, sqlstore.Options{DataDir: f.Data, PostgresURL: f.DatabaseURL, Logger: newLogger(io.Discard, "error", "text")})
	if err != nil {
		return nil, nil, err
	}
	p, err := oidc.NewProvider(ctx, s, nil, nil, oidc.Config{Issuer: f.BaseURL, KeySecret: f.OIDCKeySecret, KeyRotateAfter: -1}, nil)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, p, nil
}

type oidcClientCmd struct {
	Create oidcClientCreateCmd `cmd:"" help:"Register an application; prints its client id and, for a confidential client, its secret (shown once)."`
	List   oidcClientListCmd   `cmd:"" help:"List registered applications."`
	Delete oidcClientDeleteCmd `cmd:"" help:"Remove an application and every token issued to it."`
}

type oidcClientCreateCmd struct {
	storeFlags
	Name     string   `name:"name" required:"" help:"Shown on the consent screen."`
	Redirect []string `name:"redirect-uri" required:"" help:"Exact redirect URI (https, or http on localhost); repeat for more."`
	Public   bool     `name:"public" help:"A public client (browser app, mobile, CLI): no secret, PKCE required."`
	Scopes   []string `name:"scopes" default:"openid,profile,email" help:"Scopes it may ask for: openid, profile, email, teams, offline_access."`
}

func (c *oidcClientCreateCmd) run(ctx context.Context, w io.Writer) error {
	s, p, err := c.provider(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	cl, secret, err := p.CreateClient(ctx, "cli", oidc.NewClient{Name: c.Name, RedirectURIs: c.Redirect, Public: c.Public, Scopes: c.Scopes})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "client_id: %s\n", cl.ID)
	if secret != "" {
		fmt.Fprintf(w, "client_secret: %s\n(the secret is shown only now)\n", secret)
	}
	return nil
}

type oidcClientListCmd struct {
	storeFlags
	JSON bool `name:"json" help:"Print JSON."`
}

func (c *oidcClientListCmd) run(ctx context.Context, w io.Writer) error {
	s, p, err := c.provider(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := p.Clients(ctx)
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(w).Encode(list)
	}
	for _, cl := range list {
		kind := "confidential"
		if cl.Public {
			kind = "public"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", cl.ID, cl.Name, kind, strings.Join(cl.Scopes, " "), strings.Join(cl.RedirectURIs, " "))
	}
	return nil
}

type oidcClientDeleteCmd struct {
	storeFlags
	ID string `arg:"" help:"The client id."`
}

func (c *oidcClientDeleteCmd) run(ctx context.Context, w io.Writer) error {
	s, p, err := c.provider(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := p.DeleteClient(ctx, c.ID); err != nil {
		return err
	}
	fmt.Fprintf(w, "deleted %s\n", c.ID)
	return nil
}

type oidcKeysCmd struct {
	List   oidcKeysListCmd   `cmd:"" help:"List the signing keys in the key set."`
	Rotate oidcKeysRotateCmd `cmd:"" help:"Add a new signing key (published now, signing after 24 hours)."`
}

type oidcKeysListCmd struct{ storeFlags }

func (c *oidcKeysListCmd) run(ctx context.Context, w io.Writer) error {
	s, p, err := c.provider(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	keys, err := p.Keys(ctx)
	if err != nil {
		return err
	}
	printKeys(w, keys)
	return nil
}

type oidcKeysRotateCmd struct {
	storeFlags
	Immediate bool `name:"immediate" help:"For a leaked key: the new key signs now and older keys are withdrawn now."`
}

func (c *oidcKeysRotateCmd) run(ctx context.Context, w io.Writer) error {
	s, p, err := c.provider(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	keys, err := p.RotateKeys(ctx, c.Immediate)
	if err != nil {
		return err
	}
	printKeys(w, keys)
	return nil
}

func printKeys(w io.Writer, keys []oidc.KeyInfo) {
	for _, k := range keys {
		exp := "-"
		if !k.ExpiresAt.IsZero() {
			exp = k.ExpiresAt.Format("2006-01-02T15:04:05Z")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\tactive %s\texpires %s\n", k.ID, k.Algorithm, k.State, k.ActiveAt.Format("2006-01-02T15:04:05Z"), exp)
	}
}
