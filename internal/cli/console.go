package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/app"
	"github.com/pamateam/pama/internal/config"
	"github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/team"
)

// The operator console on the command line. These commands work on storage
// directly through the app composition, with the same settings as `pama
// serve` (flags or PAMA_* variables): no running server is needed, and the
// same rules, quotas and audit log apply. Actions are audited with the
// actor "cli". On SQLite, archive, restore, import and erase move team
// files: run them while no server serves the same data directory, or use
// the admin API of the running server instead.

// consoleCommand is a console subcommand.
type consoleCommand interface {
	run(ctx context.Context, o *operator.Service, w io.Writer) error
	settings() config.Config
}

// consoleFlags are the settings of a console command: those of `pama serve`.
type consoleFlags struct {
	config.Config `embed:""`
	JSON          bool `name:"json" help:"Print JSON."`
}

func (f consoleFlags) settings() config.Config { return f.Config }

// runConsole opens the app on the configured storage and runs c.
func runConsole(ctx context.Context, c consoleCommand, stdout, stderr io.Writer) error {
	cfg := c.settings()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	a, err := app.New(ctx, cfg, newLogger(stderr, "error", "text"))
	if err != nil {
		return err
	}
	defer a.Close()
	return c.run(activity.WithActor(ctx, "cli"), a.Operator, stdout)
}

type spacesCmd struct {
	List     spacesListCmd    `cmd:"" help:"List team spaces with state, usage, health and last activity."`
	Show     spacesShowCmd    `cmd:"" help:"Show one space (usage counted afresh)."`
	Suspend  spacesSuspendCmd `cmd:"" help:"Suspend a space: read-only (default) or closed to its members."`
	Resume   spacesActCmd     `cmd:"" help:"Make a suspended space active again."`
	Archive  spacesActCmd     `cmd:"" help:"Archive a space (closed; on SQLite its file is compressed)."`
	Restore  spacesActCmd     `cmd:"" help:"Restore an archived space, or a deleted one within its grace period."`
	Delete   spacesActCmd     `cmd:"" help:"Delete a space; it is erased for good after --delete-grace."`
	Export   spacesExportCmd  `cmd:"" help:"Write a space's archive (tar.gz: data and files) to a file."`
	Import   spacesImportCmd  `cmd:"" help:"Make a new space from an archive."`
	Quota    spacesQuotaCmd   `cmd:"" help:"Show or set a space's quotas."`
	Health   spacesHealthCmd  `cmd:"" help:"Run a deep health check now, or show the history."`
	PurgeDue spacesPurgeCmd   `cmd:"" name:"purge-due" help:"Erase every deleted space whose grace period is over (the janitor, now)."`
}

type spacesListCmd struct {
	consoleFlags
	Search string   `name:"search" help:"Part of the name or address."`
	State  []string `name:"state" help:"Only these states (default: all but deleted)."`
	Health []string `name:"health" help:"Only these health states: unknown, ok, failing, alert."`
	Sort   string   `name:"sort" default:"name" enum:"name,created,last_activity,items,storage" help:"Sort order."`
	Desc   bool     `name:"desc" help:"Sort descending."`
	Limit  int      `name:"limit" default:"0" help:"Show at most this many (0: all)."`
}

func (c *spacesListCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	q := operator.ListQuery{Filter: operator.SpaceFilter{Search: c.Search}, Sort: operator.Sort(c.Sort), Descending: c.Desc, Limit: team.MaxPageLimit}
	for _, s := range c.State {
		q.Filter.States = append(q.Filter.States, team.State(s))
	}
	for _, h := range c.Health {
		q.Filter.Health = append(q.Filter.Health, operator.Health(h))
	}
	var all []operator.Space
	for {
		list, next, err := o.List(ctx, q)
		if err != nil {
			return err
		}
		all = append(all, list...)
		if next == "" || (c.Limit > 0 && len(all) >= c.Limit) {
			break
		}
		q.Cursor = next
	}
	if c.Limit > 0 && len(all) > c.Limit {
		all = all[:c.Limit]
	}
	if c.JSON {
		return json.NewEncoder(w).Encode(all)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tADDRESS\tSTATE\tHEALTH\tMEMBERS\tITEMS\tSTORAGE\tLAST ACTIVITY\tNAME")
	for _, s := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", s.ID, s.Slug, stateWord(s), s.Health, s.Usage.Members,
			s.Usage.Items, bytesWord(s.Usage.StorageBytes+s.Usage.DatabaseBytes), timeWord(s.Usage.LastActivityAt), s.Name)
	}
	return tw.Flush()
}

func stateWord(s operator.Space) string {
	if s.State == team.StateSuspended && s.Closed {
		return "suspended (closed)"
	}
	return string(s.State)
}

func timeWord(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func bytesWord(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

type spacesShowCmd struct {
	consoleFlags
	Space string `arg:"" help:"Space id or address."`
}

func (c *spacesShowCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	sp, err := o.Show(ctx, c.Space)
	if err != nil {
		return err
	}
	return printSpace(w, sp, c.JSON)
}

func printSpace(w io.Writer, sp operator.Space, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(sp)
	}
	limit := func(n int64) string {
		if n == 0 {
			return "no limit"
		}
		return strconv.FormatInt(n, 10)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "id\t%s\naddress\t%s\nname\t%s\nstate\t%s\n", sp.ID, sp.Slug, sp.Name, stateWord(sp))
	if sp.PurgeAt != nil {
		fmt.Fprintf(tw, "erased after\t%s\n", sp.PurgeAt.UTC().Format(time.RFC3339))
	}
	if sp.Archive != "" {
		fmt.Fprintf(tw, "archive\t%s\n", sp.Archive)
	}
	fmt.Fprintf(tw, "created\t%s\nhealth\t%s (%d failed in a row) %s\n", sp.CreatedAt.UTC().Format(time.RFC3339), sp.Health, sp.HealthFails, sp.HealthDetail)
	fmt.Fprintf(tw, "members\t%d of %s\nitems\t%d of %s\nfiles\t%s of %s\ndatabase\t%s\nlast activity\t%s\ncounted\t%s\n",
		sp.Usage.Members, limit(sp.Quota.Members), sp.Usage.Items, limit(sp.Quota.Items),
		bytesWord(sp.Usage.StorageBytes), limit(sp.Quota.StorageBytes), bytesWord(sp.Usage.DatabaseBytes),
		timeWord(sp.Usage.LastActivityAt), timeWord(sp.Usage.CountedAt))
	return tw.Flush()
}

type spacesSuspendCmd struct {
	consoleFlags
	Space  string `arg:"" help:"Space id or address."`
	Mode   string `name:"mode" default:"read_only" enum:"read_only,closed" help:"read_only: members can read; closed: members cannot reach it."`
	Reason string `name:"reason" help:"Why (kept in the audit log)."`
}

func (c *spacesSuspendCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	sp, err := o.Suspend(ctx, c.Space, operator.SuspendMode(c.Mode), c.Reason)
	if err != nil {
		return err
	}
	return printSpace(w, sp, c.JSON)
}

// spacesActCmd is resume, archive, restore and delete; act is set by the dispatcher.
type spacesActCmd struct {
	consoleFlags
	Space  string `arg:"" help:"Space id or address."`
	Reason string `name:"reason" help:"Why (kept in the audit log)."`
	act    func(o *operator.Service, ctx context.Context, ref, reason string) (operator.Space, error)
}

func (c *spacesActCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	sp, err := c.act(o, ctx, c.Space, c.Reason)
	if err != nil {
		return err
	}
	return printSpace(w, sp, c.JSON)
}

type spacesExportCmd struct {
	consoleFlags
	Space string `arg:"" help:"Space id or address."`
	Out   string `name:"out" short:"o" required:"" help:"File to write (tar.gz); - for standard output."`
}

func (c *spacesExportCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	if c.Out == "-" {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := o.Export(ctx, c.Space, bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	if err := o.ExportToFile(ctx, c.Space, c.Out); err != nil {
		return err
	}
	st, err := os.Stat(c.Out)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s (%s)\n", c.Out, bytesWord(st.Size()))
	return nil
}

type spacesImportCmd struct {
	consoleFlags
	File   string `arg:"" type:"existingfile" help:"Archive made by export."`
	KeepID bool   `name:"keep-id" help:"Keep the archive's space id if it is free here (moving a space between installs)."`
	Slug   string `name:"slug" help:"Address of the new space (default: the archive's, numbered when taken)."`
}

func (c *spacesImportCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	res, err := o.ImportFile(ctx, c.File, operator.ImportOptions{KeepID: c.KeepID, Slug: c.Slug})
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(w).Encode(res)
	}
	fmt.Fprintf(w, "imported %s as %s (%s): %d files, %d accounts created\n", c.File, res.Space.Slug, res.Space.ID, res.Files, res.AccountsCreated)
	if len(res.AccountConflicts) > 0 {
		fmt.Fprintf(w, "accounts whose email belongs to another account here (not linked): %s\n", strings.Join(res.AccountConflicts, ", "))
	}
	return nil
}

type spacesQuotaCmd struct {
	consoleFlags
	Space   string `arg:"" help:"Space id or address."`
	Members string `name:"members" help:"Most members: a number, 0 for no limit, or default."`
	Items   string `name:"items" help:"Most backlog items: a number, 0 for no limit, or default."`
	Storage string `name:"storage" help:"Most bytes of files: a number, 0 for no limit, or default."`
}

func (c *spacesQuotaCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	if c.Members == "" && c.Items == "" && c.Storage == "" {
		sp, err := o.Show(ctx, c.Space)
		if err != nil {
			return err
		}
		return printSpace(w, sp, c.JSON)
	}
	sp, err := o.Show(ctx, c.Space)
	if err != nil {
		return err
	}
	cur, err := o.QuotaOverride(ctx, sp.ID)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name, v string
		dst     **int64
	}{{"--members", c.Members, &cur.Members}, {"--items", c.Items, &cur.Items}, {"--storage", c.Storage, &cur.StorageBytes}} {
		switch f.v {
		case "":
		case "default":
			*f.dst = nil
		default:
			n, err := strconv.ParseInt(f.v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s: %q is not a number or default", f.name, f.v)
			}
			*f.dst = &n
		}
	}
	if sp, err = o.SetQuota(ctx, sp.ID, cur); err != nil {
		return err
	}
	return printSpace(w, sp, c.JSON)
}

type spacesHealthCmd struct {
	consoleFlags
	Space   string `arg:"" help:"Space id or address."`
	History bool   `name:"history" help:"Show the recorded checks instead of running one."`
}

func (c *spacesHealthCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	var checks []operator.HealthCheck
	if c.History {
		var err error
		if checks, err = o.HealthHistory(ctx, c.Space, 0, team.MaxPageLimit); err != nil {
			return err
		}
	} else {
		ch, err := o.CheckHealth(ctx, c.Space)
		if err != nil {
			return err
		}
		checks = []operator.HealthCheck{ch}
	}
	if c.JSON {
		return json.NewEncoder(w).Encode(checks)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tOK\tDATABASE\tERRORS\tREAL TIME\tDETAIL")
	for _, ch := range checks {
		fmt.Fprintf(tw, "%s\t%v\t%v (%d ms)\t%d of %d\t%s\t%s\n", ch.At.UTC().Format(time.RFC3339), ch.OK, ch.DatabaseOK,
			ch.DatabaseMS, ch.Errors, ch.Ops, ch.Realtime, ch.Detail)
	}
	return tw.Flush()
}

type spacesPurgeCmd struct{ consoleFlags }

func (c *spacesPurgeCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	n, err := o.PurgeDue(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "erased %d spaces\n", n)
	return nil
}

type jobsCmd struct {
	List   jobsListCmd   `cmd:"" help:"List mass operations, newest first."`
	Show   jobsShowCmd   `cmd:"" help:"Show a job and its spaces."`
	Create jobsCreateCmd `cmd:"" help:"Queue a mass operation over the spaces a filter selects now."`
	Pause  jobsActCmd    `cmd:"" help:"Pause a job after the space in progress."`
	Resume jobsActCmd    `cmd:"" help:"Queue a paused job again."`
	Cancel jobsActCmd    `cmd:"" help:"Cancel a job."`
	Run    jobsRunCmd    `cmd:"" help:"Run queued jobs here until none is left (without a running server)."`
}

type jobsListCmd struct{ consoleFlags }

func (c *jobsListCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	list, _, err := o.Jobs(ctx, "", team.MaxPageLimit)
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(w).Encode(list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSTATE\tDONE\tFAILED\tCREATED\tBY")
	for _, j := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%d\t%s\t%s\n", j.ID, j.Kind, j.State, j.Done, j.Total, j.Failed,
			j.CreatedAt.UTC().Format("2006-01-02 15:04"), j.CreatedBy)
	}
	return tw.Flush()
}

type jobsShowCmd struct {
	consoleFlags
	Job string `arg:"" help:"Job id."`
}

func (c *jobsShowCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	j, err := o.Job(ctx, c.Job)
	if err != nil {
		return err
	}
	var items []operator.JobItem
	for after := 0; ; {
		page, err := o.JobItems(ctx, c.Job, after, team.MaxPageLimit)
		if err != nil {
			return err
		}
		items = append(items, page...)
		if len(page) < team.MaxPageLimit {
			break
		}
		after = page[len(page)-1].Position
	}
	if c.JSON {
		return json.NewEncoder(w).Encode(map[string]any{"job": j, "items": items})
	}
	printJob(w, j)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, it := range items {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", it.Position, it.TeamID, it.State, it.Result)
	}
	return tw.Flush()
}

func printJob(w io.Writer, j operator.Job) {
	fmt.Fprintf(w, "job %s: %s, %s, %d of %d done, %d failed", j.ID, j.Kind, j.State, j.Done, j.Total, j.Failed)
	if j.Error != "" {
		fmt.Fprintf(w, " (%s)", j.Error)
	}
	fmt.Fprintln(w)
}

type jobsCreateCmd struct {
	consoleFlags
	Kind    string   `arg:"" enum:"suspend,resume,archive,migrate,export,notify" help:"suspend, resume, archive, migrate, export or notify."`
	Search  string   `name:"search" help:"Spaces whose name or address contains this."`
	State   []string `name:"state" help:"Spaces in these states (default: all but deleted)."`
	Health  []string `name:"health" help:"Spaces in these health states."`
	IDs     []string `name:"space" help:"Only these spaces (ids); repeat."`
	Mode    string   `name:"mode" help:"suspend: read_only or closed."`
	Subject string   `name:"subject" help:"notify: the subject."`
	Body    string   `name:"body" help:"notify: the text; @file reads it from a file."`
	Reason  string   `name:"reason" help:"Why (kept in the audit log of each space)."`
}

func (c *jobsCreateCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	f := operator.SpaceFilter{Search: c.Search, IDs: c.IDs}
	for _, s := range c.State {
		f.States = append(f.States, team.State(s))
	}
	for _, h := range c.Health {
		f.Health = append(f.Health, operator.Health(h))
	}
	body := c.Body
	if name, ok := strings.CutPrefix(body, "@"); ok {
		raw, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		body = string(raw)
	}
	j, err := o.CreateJob(ctx, operator.JobKind(c.Kind), f, operator.JobParams{Mode: operator.SuspendMode(c.Mode),
		Subject: c.Subject, Body: body, Reason: c.Reason})
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(w).Encode(j)
	}
	printJob(w, j)
	return nil
}

// jobsActCmd is pause, resume and cancel; act is set by the dispatcher.
type jobsActCmd struct {
	consoleFlags
	Job string `arg:"" help:"Job id."`
	act func(o *operator.Service, ctx context.Context, id string) (operator.Job, error)
}

func (c *jobsActCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	j, err := c.act(o, ctx, c.Job)
	if err != nil {
		return err
	}
	printJob(w, j)
	return nil
}

type jobsRunCmd struct{ consoleFlags }

func (c *jobsRunCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	n, err := o.RunQueuedJobs(ctx)
	fmt.Fprintf(w, "ran %d jobs\n", n)
	return err
}

type auditCmd struct {
	consoleFlags
	Actor  string `name:"actor" help:"Only this actor (account id, cli, system, job:<id>)."`
	Action string `name:"action" help:"Only this action, or a prefix ending in *."`
	Target string `name:"target" help:"Only actions on this space or job id."`
	Limit  int    `name:"limit" default:"50" help:"How many, newest first (at most 200)."`
}

func (c *auditCmd) run(ctx context.Context, o *operator.Service, w io.Writer) error {
	list, _, err := o.AuditLog(ctx, operator.AuditQuery{Actor: c.Actor, Action: c.Action, Target: c.Target, Limit: c.Limit})
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(w).Encode(list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, a := range list {
		details, _ := json.Marshal(a.Details)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\n", a.At.UTC().Format(time.RFC3339), a.ActorID, a.Action, a.Target, a.ID, details)
	}
	return tw.Flush()
}

// consoleCommandFor returns the console command that kong selected, with
// the action of the shared command types set.
func (a *adminCmd) consoleCommandFor(command string) (consoleCommand, bool) {
	sp, jb := &a.Spaces, &a.Jobs
	acts := map[string]consoleCommand{
		"admin spaces list": &sp.List, "admin spaces show": &sp.Show, "admin spaces suspend": &sp.Suspend,
		"admin spaces export": &sp.Export, "admin spaces import": &sp.Import, "admin spaces quota": &sp.Quota,
		"admin spaces health": &sp.Health, "admin spaces purge-due": &sp.PurgeDue,
		"admin jobs list": &jb.List, "admin jobs show": &jb.Show, "admin jobs create": &jb.Create, "admin jobs run": &jb.Run,
		"admin audit": &a.Audit,
	}
	sp.Resume.act, sp.Archive.act = (*operator.Service).Resume, (*operator.Service).Archive
	sp.Restore.act, sp.Delete.act = (*operator.Service).Restore, (*operator.Service).Delete
	acts["admin spaces resume"], acts["admin spaces archive"] = &sp.Resume, &sp.Archive
	acts["admin spaces restore"], acts["admin spaces delete"] = &sp.Restore, &sp.Delete
	jb.Pause.act, jb.Resume.act, jb.Cancel.act = (*operator.Service).PauseJob, (*operator.Service).ResumeJob, (*operator.Service).CancelJob
	acts["admin jobs pause"], acts["admin jobs resume"], acts["admin jobs cancel"] = &jb.Pause, &jb.Resume, &jb.Cancel
	// Kong names commands with their arguments: "admin spaces show <space>".
	name := command
	if i := strings.Index(name, " <"); i >= 0 {
		name = name[:i]
	}
	c, ok := acts[name]
	return c, ok
}
