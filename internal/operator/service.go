package operator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// Config tunes the service. Zero values take the defaults.
type Config struct {
	// Defaults are the quotas of spaces without overrides (0: no limit).
	Defaults SpaceQuota
	// DeleteGrace is how long a deleted space can be restored before it is
	// erased. Default 7 days.
	DeleteGrace time.Duration
	// AlertAfter failed health checks in a row put a space in alert. Default 3.
	AlertAfter int
	// HealthEvery is how often each reachable space gets a deep check.
	// Default 15 minutes.
	HealthEvery time.Duration
	// HealthRate bounds the periodic checker: checks a second. Default 5.
	HealthRate float64
	// ErrorWindow is the window of the error rate. Default 15 minutes.
	ErrorWindow time.Duration
	// MaxErrorRate fails a check when more than this share of the space's
	// store operations failed in the window (and at least MinOps ran).
	// Defaults 0.05 and 20.
	MaxErrorRate float64
	MinOps       int
	// JobWorkers is how many jobs run at once on this node (1 or 2). Default 1.
	JobWorkers int
	// JobPace is a pause between the items of a job, to bound its load.
	JobPace time.Duration
	// JobLease is how long a node holds a job without checkpointing before
	// another node may take it over. Default 30 seconds.
	JobLease time.Duration
	// JobPoll is how often an idle runner looks for jobs. Default 2 seconds.
	JobPoll time.Duration
	// ExportDir receives the archives of export jobs, in a directory per job.
	ExportDir string
	// NodeID names this node in job leases. Default: a random id.
	NodeID string
}

// Deps are what the service works with. Blobs, Mailer, Accounts,
// RoundTrip and Connections may be nil.
type Deps struct {
	Store       Store
	Blobs       Blobs
	Mailer      Mailer
	Accounts    Accounts
	RoundTrip   RoundTrip
	Connections Connections
	Logger      *slog.Logger
}

// Service is the operator side of team spaces.
type Service struct {
	store Store
	deps  Deps
	cfg   Config
	log   *slog.Logger
	now   func() time.Time

	mu   sync.Mutex
	busy map[string]bool // spaces with a lifecycle action under way on this node
	wake chan struct{}   // nudges the job runners

	// afterItem, when set, is called after each checkpointed job item (tests).
	afterItem func(j Job)
}

// New returns a Service.
func New(d Deps, cfg Config) *Service {
	if cfg.DeleteGrace <= 0 {
		cfg.DeleteGrace = 7 * 24 * time.Hour
	}
	if cfg.AlertAfter <= 0 {
		cfg.AlertAfter = 3
	}
	if cfg.HealthEvery <= 0 {
		cfg.HealthEvery = 15 * time.Minute
	}
	if cfg.HealthRate <= 0 {
		cfg.HealthRate = 5
	}
	if cfg.ErrorWindow <= 0 {
		cfg.ErrorWindow = 15 * time.Minute
	}
	if cfg.MaxErrorRate <= 0 {
		cfg.MaxErrorRate = 0.05
	}
	if cfg.MinOps <= 0 {
		cfg.MinOps = 20
	}
	cfg.JobWorkers = min(max(cfg.JobWorkers, 1), 2)
	if cfg.JobLease <= 0 {
		cfg.JobLease = 30 * time.Second
	}
	if cfg.JobPoll <= 0 {
		cfg.JobPoll = 2 * time.Second
	}
	if cfg.NodeID == "" {
		cfg.NodeID = randomID()
	}
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: d.Store, deps: d, cfg: cfg, log: log, now: time.Now,
		busy: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// SetClock replaces the service's clock (tests move time forward with it).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetAfterItem installs a function called after each checkpointed job item.
// Tests use it to stop a node in the middle of a job.
func (s *Service) SetAfterItem(fn func(j Job)) { s.afterItem = fn }

// Config returns the effective configuration.
func (s *Service) Config() Config { return s.cfg }

// actor is who acts: the account in ctx, else "cli".
func actor(ctx context.Context) string {
	if a := activity.Actor(ctx); a != "" {
		return a
	}
	return "cli"
}

func (s *Service) audit(ctx context.Context, action, target, id string, details map[string]any) AuditEntry {
	return AuditEntry{At: s.now(), ActorID: actor(ctx), Action: "operator." + action, Target: target, ID: id, Details: details}
}

// List returns one page of spaces.
func (s *Service) List(ctx context.Context, q ListQuery) ([]Space, string, error) {
	if err := q.Filter.Check(); err != nil {
		return nil, "", err
	}
	switch q.Sort {
	case "":
		q.Sort = SortName
	case SortName, SortCreated, SortLastActivity, SortItems, SortStorage:
	default:
		return nil, "", &errkind.FieldError{Field: "sort", Message: "must be name, created, last_activity, items or storage", Value: string(q.Sort)}
	}
	q.Limit = team.Page{Limit: q.Limit}.Clamp().Limit
	list, next, err := s.store.Spaces(ctx, q, s.cfg.Defaults)
	if err != nil {
		return nil, "", err
	}
	for i := range list {
		list[i].Connections = s.connections(list[i].ID)
	}
	return list, next, nil
}

func (s *Service) connections(id string) int {
	if s.deps.Connections == nil {
		return -1
	}
	return s.deps.Connections(id)
}

// Summary returns the install at a glance.
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	return s.store.Summary(ctx)
}

// Show returns one space by id or slug. For a reachable space it counts
// usage afresh and stores the counters.
func (s *Service) Show(ctx context.Context, ref string) (Space, error) {
	sp, err := s.space(ctx, ref)
	if err != nil {
		return Space{}, err
	}
	if sp.State == team.StateActive || sp.State == team.StateSuspended {
		if _, err := s.refreshUsage(ctx, sp.ID); err != nil {
			s.log.WarnContext(ctx, "count space usage", "team", sp.ID, "err", err)
		} else if sp, err = s.space(ctx, sp.ID); err != nil {
			return Space{}, err
		}
	}
	return sp, nil
}

func (s *Service) space(ctx context.Context, ref string) (Space, error) {
	ref = strings.ToLower(strings.TrimSpace(ref))
	if ref == "" || len(ref) > 64 {
		return Space{}, ErrNotFound
	}
	sp, err := s.store.Space(ctx, ref, s.cfg.Defaults)
	if err != nil {
		return Space{}, err
	}
	sp.Connections = s.connections(sp.ID)
	return sp, nil
}

// refreshUsage counts a space's usage and stores it.
func (s *Service) refreshUsage(ctx context.Context, id string) (Measure, error) {
	m, err := s.store.MeasureSpace(ctx, id)
	if err != nil {
		return m, err
	}
	u := SpaceUsage{Members: m.Members, Items: m.Items, StorageBytes: m.FileBytes, DatabaseBytes: m.DatabaseBytes}
	if !m.LastActivityAt.IsZero() {
		t := m.LastActivityAt
		u.LastActivityAt = &t
	}
	return m, s.store.SaveUsage(ctx, id, u)
}

// BlobPrefix is where a space's files live in the blob store.
func BlobPrefix(id string) string { return "teams/" + id + "/" }

// claim marks a space busy on this node for one lifecycle action.
func (s *Service) claim(id string) (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[id] {
		return nil, ErrBusy
	}
	s.busy[id] = true
	return func() {
		s.mu.Lock()
		delete(s.busy, id)
		s.mu.Unlock()
	}, nil
}

// Suspend makes a space read-only (ReadOnly) or closes it to its members
// (Closed). reason is kept in the audit log.
func (s *Service) Suspend(ctx context.Context, ref string, mode SuspendMode, reason string) (Space, error) {
	return s.lifecycle(ctx, ref, ActSuspend, mode, reason)
}

// Resume makes a suspended space active again.
func (s *Service) Resume(ctx context.Context, ref, reason string) (Space, error) {
	return s.lifecycle(ctx, ref, ActResume, "", reason)
}

// Archive closes a space and, on SQLite, compresses its file.
func (s *Service) Archive(ctx context.Context, ref, reason string) (Space, error) {
	return s.lifecycle(ctx, ref, ActArchive, "", reason)
}

// Restore brings back an archived space, or a deleted one within its grace period.
func (s *Service) Restore(ctx context.Context, ref, reason string) (Space, error) {
	return s.lifecycle(ctx, ref, ActRestore, "", reason)
}

// Delete marks a space deleted; it is erased for good after the grace
// period (Config.DeleteGrace) unless restored before.
func (s *Service) Delete(ctx context.Context, ref, reason string) (Space, error) {
	return s.lifecycle(ctx, ref, ActDelete, "", reason)
}

// MaxReasonLen bounds the reason an operator gives.
const MaxReasonLen = 500

func (s *Service) lifecycle(ctx context.Context, ref string, act Action, mode SuspendMode, reason string) (Space, error) {
	if len(reason) > MaxReasonLen {
		return Space{}, errkind.Field("reason", fmt.Sprintf("must be at most %d characters", MaxReasonLen))
	}
	sp, err := s.space(ctx, ref)
	if err != nil {
		return Space{}, err
	}
	var purgeAt time.Time
	if sp.PurgeAt != nil {
		purgeAt = *sp.PurgeAt
	}
	prior, err := s.priorState(ctx, sp)
	if err != nil {
		return Space{}, err
	}
	c, err := Plan(act, sp.State, prior, mode, purgeAt, s.now(), s.cfg.DeleteGrace)
	if err != nil {
		return Space{}, err
	}
	done, err := s.claim(sp.ID)
	if err != nil {
		return Space{}, err
	}
	defer done()
	details := map[string]any{"from": string(c.From), "to": string(c.To)}
	if reason != "" {
		details["reason"] = reason
	}
	if act == ActSuspend {
		details["mode"] = string(ReadOnly)
		if c.Closed {
			details["mode"] = string(Closed)
		}
	}
	if !c.PurgeAfter.IsZero() {
		details["purge_after"] = c.PurgeAfter.UTC().Format(time.RFC3339)
	}
	a := s.audit(ctx, string(act), "space", sp.ID, details)
	switch {
	case act == ActArchive:
		err = s.archive(ctx, sp.ID, c, a)
	case act == ActRestore && c.From == team.StateArchived:
		err = s.restoreArchive(ctx, sp.ID, sp.Archive, c, a)
	case act == ActRestore && c.To == team.StateArchived:
		err = s.store.ApplyChange(ctx, sp.ID, c, sp.Archive, a)
	default:
		err = s.store.ApplyChange(ctx, sp.ID, c, "", a)
	}
	if err != nil {
		return Space{}, err
	}
	s.log.InfoContext(ctx, "space "+pastTense[act], "team", sp.ID, "slug", sp.Slug, "actor", a.ActorID)
	return s.space(ctx, sp.ID)
}

// priorState is what a deleted space was before deletion.
func (s *Service) priorState(ctx context.Context, sp Space) (team.State, error) {
	if sp.State != team.StateDeleted {
		return "", nil
	}
	if sp.Archive != "" {
		return team.StateArchived, nil
	}
	return team.StateActive, nil
}

// archive seals the space, compresses it and records the state, undoing the
// compression if the state cannot be recorded.
func (s *Service) archive(ctx context.Context, id string, c Change, a AuditEntry) error {
	unseal, err := s.store.SealSpace(ctx, id)
	if err != nil {
		return err
	}
	defer unseal()
	how, err := s.store.CompressSpace(ctx, id)
	if err != nil {
		return err
	}
	a.Details["archive"] = how
	if err := s.store.ApplyChange(ctx, id, c, how, a); err != nil {
		if derr := s.store.DecompressSpace(context.WithoutCancel(ctx), id); derr != nil {
			s.log.ErrorContext(ctx, "undo archive compression", "team", id, "err", derr)
		}
		return err
	}
	return nil
}

func (s *Service) restoreArchive(ctx context.Context, id, how string, c Change, a AuditEntry) error {
	unseal, err := s.store.SealSpace(ctx, id)
	if err != nil {
		return err
	}
	defer unseal()
	if how == "gzip" {
		if err := s.store.DecompressSpace(ctx, id); err != nil {
			return err
		}
	}
	if err := s.store.ApplyChange(ctx, id, c, "", a); err != nil {
		if how == "gzip" {
			if _, cerr := s.store.CompressSpace(context.WithoutCancel(ctx), id); cerr != nil {
				s.log.ErrorContext(ctx, "undo archive restore", "team", id, "err", cerr)
			}
		}
		return err
	}
	return nil
}

// Purge erases a deleted space whose grace period is over: its database
// (file and WAL, or rows), registry and index rows, and its files.
func (s *Service) Purge(ctx context.Context, ref string) error {
	sp, err := s.space(ctx, ref)
	if err != nil {
		return err
	}
	var purgeAt time.Time
	if sp.PurgeAt != nil {
		purgeAt = *sp.PurgeAt
	}
	if _, err := Plan(ActPurge, sp.State, "", "", purgeAt, s.now(), s.cfg.DeleteGrace); err != nil {
		return err
	}
	done, err := s.claim(sp.ID)
	if err != nil {
		return err
	}
	defer done()
	if s.deps.Blobs != nil {
		if err := s.deps.Blobs.DeletePrefix(ctx, BlobPrefix(sp.ID)); err != nil {
			return fmt.Errorf("operator: erase files of %s: %w", sp.ID, err)
		}
	}
	if err := s.store.EraseSpace(ctx, sp.ID); err != nil {
		return err
	}
	if err := s.store.Audit(ctx, s.audit(ctx, "purge", "space", sp.ID, map[string]any{"slug": sp.Slug, "name": sp.Name})); err != nil {
		s.log.WarnContext(ctx, "audit purge", "team", sp.ID, "err", err)
	}
	s.log.InfoContext(ctx, "space erased", "team", sp.ID, "slug", sp.Slug)
	return nil
}

// PurgeDue erases every deleted space whose grace period is over and returns how many.
func (s *Service) PurgeDue(ctx context.Context) (int, error) {
	ids, err := s.store.DueForPurge(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if err := s.Purge(ctx, id); err != nil {
			if errors.Is(err, ErrBusy) {
				continue
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// RunJanitor erases due deleted spaces every interval until ctx ends.
func (s *Service) RunJanitor(ctx context.Context, every time.Duration) {
	ctx = activity.WithActor(ctx, "system")
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.PurgeDue(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "erase deleted spaces", "err", err)
		} else if n > 0 {
			s.log.InfoContext(ctx, "erased deleted spaces", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// AuditLog lists operator actions, newest first.
func (s *Service) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, string, error) {
	q.Limit = team.Page{Limit: q.Limit}.Clamp().Limit
	if len(q.Actor) > 100 || len(q.Action) > 100 || len(q.Target) > 100 {
		return nil, "", errkind.Field("query", "actor, action and target must be at most 100 characters")
	}
	return s.store.AuditLog(ctx, q)
}
