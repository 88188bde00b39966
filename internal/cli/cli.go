// Package cli is the pama command line: serve, migrate, seed, version. Each
// subcommand reads the one Config (flags, PAMA_* environment, optional JSON
// file) and hands it to the app package.
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/pamateam/pama/internal/app"
	"github.com/pamateam/pama/internal/config"
	"github.com/pamateam/pama/internal/httpapi"
	"github.com/pamateam/pama/internal/sqlstore"
)

// Version is set at build time with -ldflags "-X github.com/pamateam/pama/internal/cli.Version=...".
var Version = "dev"

type root struct {
	ConfigFile kong.ConfigFlag `name:"config" env:"PAMA_CONFIG" help:"JSON file with settings (keys are the flag names, e.g. {\"addr\": \":9090\"})." type:"existingfile"`

	Serve   serveCmd   `cmd:"" default:"withargs" help:"Run Pama: API, real time and web app (the default)."`
	Migrate migrateCmd `cmd:"" help:"Apply database migrations to the platform and every team space, then exit."`
	Version versionCmd `cmd:"" help:"Print the version."`
	OpenAPI openAPICmd `cmd:"" name:"openapi" help:"Print the OpenAPI 3.1 document of the REST API (JSON)."`
	Admin   adminCmd   `cmd:"" help:"Operator tasks on storage: team spaces, jobs, audit log, Pama ID clients and signing keys."`
	Seed    seedCmd    `cmd:"" help:"Create demo data: pama seed --demo."`
}

type openAPICmd struct{}

type serveCmd struct {
	config.Config `embed:""`
}

type migrateCmd struct {
	Data        string `name:"data" env:"PAMA_DATA" default:"./pama-data" help:"Data directory."`
	DatabaseURL string `name:"database-url" env:"PAMA_DATABASE_URL" help:"PostgreSQL URL; empty for SQLite in the data directory."`
}

type versionCmd struct{}

// Main runs the command line with args (without the program name) and returns
// the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	var r root
	exited, exitCode := false, 0
	parser, err := kong.New(&r,
		kong.Name("pama"),
		kong.Description("Pama: the backlog and every Scrum ceremony, live, for many teams."),
		kong.UsageOnError(),
		kong.Configuration(kong.JSON),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exited, exitCode = true, code }),
	)
	if err != nil {
		fmt.Fprintln(stderr, "pama:", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exited {
		return exitCode // --help was printed
	}
	if err != nil {
		fmt.Fprintln(stderr, "pama:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var runErr error
	switch {
	case strings.HasPrefix(kctx.Command(), "serve"):
		runErr = r.Serve.run(ctx, stderr)
	case kctx.Command() == "migrate":
		runErr = r.Migrate.run(ctx, stdout, stderr)
	case kctx.Command() == "seed":
		runErr = r.Seed.run(ctx, stdout, stderr)
	case kctx.Command() == "openapi":
		runErr = printOpenAPI(stdout)
	case kctx.Command() == "admin oidc-client create":
		runErr = r.Admin.OIDCClient.Create.run(ctx, stdout)
	case kctx.Command() == "admin oidc-client list":
		runErr = r.Admin.OIDCClient.List.run(ctx, stdout)
	case strings.HasPrefix(kctx.Command(), "admin oidc-client delete"):
		runErr = r.Admin.OIDCClient.Delete.run(ctx, stdout)
	case kctx.Command() == "admin oidc-keys list":
		runErr = r.Admin.OIDCKeys.List.run(ctx, stdout)
	case kctx.Command() == "admin oidc-keys rotate":
		runErr = r.Admin.OIDCKeys.Rotate.run(ctx, stdout)
	case strings.HasPrefix(kctx.Command(), "admin spaces"), strings.HasPrefix(kctx.Command(), "admin jobs"),
		strings.HasPrefix(kctx.Command(), "admin audit"):
		c, ok := r.Admin.consoleCommandFor(kctx.Command())
		if !ok {
			runErr = fmt.Errorf("unknown command %q", kctx.Command())
			break
		}
		runErr = runConsole(ctx, c, stdout, stderr)
	case kctx.Command() == "version":
		fmt.Fprintln(stdout, "pama", buildVersion())
	default:
		runErr = fmt.Errorf("unknown command %q", kctx.Command())
	}
	if runErr != nil {
		fmt.Fprintln(stderr, "pama:", runErr)
		return 1
	}
	return 0
}

// printOpenAPI writes the API description; it needs no storage.
func printOpenAPI(w io.Writer) error {
	doc, err := json.MarshalIndent(httpapi.New(httpapi.Deps{}).OpenAPI(), "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", doc)
	return err
}

func buildVersion() string {
	v := Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		v += " " + bi.GoVersion
	}
	return v
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (c *serveCmd) run(ctx context.Context, stderr io.Writer) error {
	start := time.Now()
	cfg := c.Config
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	a.Start(ctx)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	engine := "sqlite (" + cfg.Data + ")"
	if cfg.DatabaseURL != "" {
		engine = "postgres"
	}
	log.Info("pama is ready", "url", cfg.PublicURL(), "listen", ln.Addr().String(), "storage", engine,
		"version", Version, "startup_ms", time.Since(start).Milliseconds())
	return a.Serve(ctx, ln)
}

func (c *migrateCmd) run(ctx context.Context, stdout, stderr io.Writer) error {
	log := newLogger(stderr, "info", "text")
	s, err := sqlstore.Open(ctx, sqlstore.Options{DataDir: c.Data, PostgresURL: c.DatabaseURL, Logger: log, SkipMigrate: true})
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.MigrateAll(ctx)
	if err != nil {
		return err
	}
	if rep.Engine == sqlstore.Postgres {
		fmt.Fprintln(stdout, "postgres: schema up to date")
	} else {
		fmt.Fprintf(stdout, "sqlite: platform up to date; %d team spaces checked, %d migrated\n", rep.Teams, rep.TeamsChanged)
	}
	return nil
}
