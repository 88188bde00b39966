package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/app"
	"github.com/pamateam/pama/internal/config"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/product"
	"github.com/pamateam/pama/internal/team"
)

type seedCmd struct {
	Demo        bool   `name:"demo" required:"" help:"Create the demo team space: members, a product with about 60 items, three completed sprints and an active one."`
	Data        string `name:"data" env:"PAMA_DATA" default:"./pama-data" help:"Data directory."`
	DatabaseURL string `name:"database-url" env:"PAMA_DATABASE_URL" help:"PostgreSQL URL; empty for SQLite in the data directory."`
}

// The demo team space.
const (
	demoSlug = "demo-team"
	demoName = "Demo Team"
)

// demoPeople are the demo accounts, in the roles they have in the team.
var demoPeople = []struct {
	email, name string
	role        team.Role
}{
	{"olivia.owner@example.com", "Olivia (product owner)", team.RoleOwner},
	{"sam.scrum@example.com", "Sam (scrum master)", team.RoleScrumMaster},
	{"dana.dev@example.com", "Dana", team.RoleMember},
	{"theo.dev@example.com", "Theo", team.RoleMember},
	{"uma.dev@example.com", "Uma", team.RoleMember},
}

// errSeeded refuses a second seed of the same data.
var errSeeded = errkind.New(errkind.Conflict, "seed: the demo team space already exists here; sign in as one of its members, or use another data directory")

func (c *seedCmd) run(ctx context.Context, stdout, stderr io.Writer) error {
	log := newLogger(stderr, "warn", "text")
	cfg := config.Defaults()
	cfg.Data, cfg.DatabaseURL = c.Data, c.DatabaseURL
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := seedDemo(ctx, a, time.Now().UTC()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo team space %q created (address /%s).\n\nSign in with any of these addresses:\n\n", demoName, demoSlug)
	for _, p := range demoPeople {
		fmt.Fprintf(stdout, "  %-28s %s\n", p.email, p.role)
	}
	fmt.Fprintf(stdout, "\nStart Pama with `pama serve --data %s` (or `make run`). Without a mail server the sign-in\n"+
		"code is printed in the log and written to %s/outbox/.\n", c.Data, c.Data)
	return nil
}

// seedDemo creates the demo team space on a, with a history that ends at now.
// It refuses if the space exists.
func seedDemo(ctx context.Context, a *app.App, now time.Time) error {
	if ok, _, err := a.Teams.SlugAvailable(ctx, demoSlug); err != nil {
		return err
	} else if !ok {
		return errSeeded
	}
	d := &demoSeeder{backlog: a.Backlog, sprints: a.Sprints, setClock: a.Store.SetClock, rng: rand.New(rand.NewPCG(2026, 4))}
	defer a.Store.SetClock(time.Now)
	d.at(now.AddDate(0, 0, -70))

	var ids []string
	for _, p := range demoPeople {
		acc, err := a.Store.AccountByEmail(ctx, p.email)
		if errors.Is(err, errkind.NotFound) {
			acc, err = a.Store.CreateAccount(ctx, identity.Account{Email: p.email, DisplayName: p.name})
		}
		if err != nil {
			return fmt.Errorf("seed: account %s: %w", p.email, err)
		}
		ids = append(ids, acc.ID)
	}
	owner := activity.WithActor(ctx, ids[0])
	created, err := a.Teams.Create(owner, ids[0], team.CreateInput{Name: demoName, Slug: demoSlug,
		FirstProduct: &product.Draft{Key: "SHOP", Name: "Bookshop", Description: "Our online bookshop: catalogue, checkout and order tracking."}})
	if err != nil {
		return fmt.Errorf("seed: team space: %w", err)
	}
	acc, err := a.Teams.Access(owner, created.Team.ID, ids[0])
	if err != nil {
		return err
	}
	for i, p := range demoPeople[1:] {
		d.at(d.now.Add(time.Hour))
		inv, err := a.Teams.Invite(owner, acc, p.email, p.role)
		if err != nil {
			return fmt.Errorf("seed: invite %s: %w", p.email, err)
		}
		if _, err := a.Teams.AcceptInvitationByID(activity.WithActor(ctx, ids[i+1]), ids[i+1], created.Team.ID, inv.ID); err != nil {
			return fmt.Errorf("seed: join %s: %w", p.email, err)
		}
	}
	d.team, d.product, d.members = created.Team.ID, created.Product.ID, ids
	return d.run(now)
}
