package operator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// JobKind is what a mass operation does to each space.
type JobKind string

// The job kinds.
const (
	JobSuspend JobKind = "suspend"
	JobResume  JobKind = "resume"
	JobArchive JobKind = "archive"
	// JobMigrate brings each space's storage to the latest schema, one space
	// at a time while the others keep serving: the rolling upgrade.
	JobMigrate JobKind = "migrate"
	// JobExport writes each space's archive to Config.ExportDir/<job id>/.
	JobExport JobKind = "export"
	// JobNotify emails every member of each space.
	JobNotify JobKind = "notify"
)

// JobState is where a job is.
type JobState string

// The job states. Queued and running jobs are runnable; a paused job keeps
// its place until resumed; cancelled, done and failed are final.
const (
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobPaused    JobState = "paused"
	JobCancelled JobState = "cancelled"
	JobDone      JobState = "done"
	JobFailed    JobState = "failed"
)

// JobParams are a job's settings beyond its kind and filter.
type JobParams struct {
	// Mode of a suspend job.
	Mode SuspendMode `json:"mode,omitempty" enum:"read_only,closed" doc:"suspend: read_only (default) or closed"`
	// Subject and Body of a notify job.
	Subject string `json:"subject,omitempty" maxLength:"200" doc:"notify: the mail's subject"`
	Body    string `json:"body,omitempty" maxLength:"20000" doc:"notify: the mail's plain-text body"`
	// Reason is kept in the audit log of each space's change.
	Reason string `json:"reason,omitempty" maxLength:"500"`
}

// Job is a mass operation over a fixed set of spaces.
type Job struct {
	ID         string      `json:"id"`
	Kind       JobKind     `json:"kind" enum:"suspend,resume,archive,migrate,export,notify"`
	Filter     SpaceFilter `json:"filter" doc:"The filter that chose the spaces when the job was made"`
	Params     JobParams   `json:"params"`
	State      JobState    `json:"state" enum:"queued,running,paused,cancelled,done,failed"`
	Total      int         `json:"total" doc:"Spaces the job covers"`
	Done       int         `json:"done" doc:"Spaces finished, successfully or not"`
	Failed     int         `json:"failed" doc:"Spaces whose step failed (see the items)"`
	Error      string      `json:"error,omitempty"`
	CreatedBy  string      `json:"created_by"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	StartedAt  *time.Time  `json:"started_at,omitempty"`
	FinishedAt *time.Time  `json:"finished_at,omitempty"`
	// Node holds the job's lease while it runs.
	Node    string `json:"node,omitempty" doc:"The node running the job"`
	Version int64  `json:"version"`
}

// JobItem is one space of a job.
type JobItem struct {
	Position int        `json:"position"`
	TeamID   string     `json:"team_id"`
	State    string     `json:"state" enum:"pending,done,failed"`
	Result   string     `json:"result,omitempty" doc:"What the step did, or why it failed"`
	At       *time.Time `json:"at,omitempty"`
}

// ErrLeaseLost reports that another node took over a job.
var ErrLeaseLost = errkind.New(errkind.Conflict, "operator: this node no longer holds the job")

// CreateJob makes a queued job of kind over the spaces f selects now. The
// set is fixed at creation: spaces made later are not included.
func (s *Service) CreateJob(ctx context.Context, kind JobKind, f SpaceFilter, p JobParams) (Job, error) {
	var errs errkind.FieldErrors
	switch kind {
	case JobSuspend:
		if p.Mode != "" && p.Mode != ReadOnly && p.Mode != Closed {
			errs = append(errs, &errkind.FieldError{Field: "params.mode", Message: "must be read_only or closed", Value: string(p.Mode)})
		}
	case JobResume, JobArchive, JobMigrate:
	case JobExport:
		if s.cfg.ExportDir == "" {
			errs = append(errs, errkind.Field("kind", "export jobs need an export directory (--export-dir)"))
		}
	case JobNotify:
		if strings.TrimSpace(p.Subject) == "" || len(p.Subject) > 200 || strings.ContainsAny(p.Subject, "\r\n") {
			errs = append(errs, errkind.Field("params.subject", "must be one line of 1 to 200 characters"))
		}
		if strings.TrimSpace(p.Body) == "" || len(p.Body) > 20000 {
			errs = append(errs, errkind.Field("params.body", "must be 1 to 20000 characters"))
		}
		if s.deps.Mailer == nil || s.deps.Accounts == nil {
			errs = append(errs, errkind.Field("kind", "notify jobs need mail"))
		}
	default:
		errs = append(errs, &errkind.FieldError{Field: "kind", Message: "must be suspend, resume, archive, migrate, export or notify", Value: string(kind)})
	}
	if len(p.Reason) > MaxReasonLen {
		errs = append(errs, errkind.Field("params.reason", fmt.Sprintf("must be at most %d characters", MaxReasonLen)))
	}
	if err := f.Check(); err != nil {
		var fes errkind.FieldErrors
		if errors.As(err, &fes) {
			for _, fe := range fes {
				fe.Field = "filter." + fe.Field
			}
			errs = append(errs, fes...)
		}
	}
	if err := errs.Err(); err != nil {
		return Job{}, err
	}
	ids, err := s.store.SpaceIDs(ctx, f)
	if err != nil {
		return Job{}, err
	}
	if len(ids) == 0 {
		return Job{}, errkind.Field("filter", "matches no space")
	}
	j := Job{ID: randomUUID(), Kind: kind, Filter: f, Params: p, State: JobQueued, Total: len(ids),
		CreatedBy: actor(ctx), CreatedAt: s.now(), UpdatedAt: s.now(), Version: 1}
	j, err = s.store.CreateJob(ctx, j, ids, s.audit(ctx, "job_create", "job", j.ID,
		map[string]any{"kind": string(kind), "total": len(ids), "filter": f}))
	if err != nil {
		return Job{}, err
	}
	s.nudge()
	return j, nil
}

func (s *Service) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Job returns one job.
func (s *Service) Job(ctx context.Context, id string) (Job, error) {
	if !isUUID(id) {
		return Job{}, ErrJobNotFound
	}
	return s.store.Job(ctx, id)
}

// Jobs lists jobs, newest first.
func (s *Service) Jobs(ctx context.Context, cursor string, limit int) ([]Job, string, error) {
	return s.store.Jobs(ctx, cursor, team.Page{Limit: limit}.Clamp().Limit)
}

// JobItems lists a job's items after position, in order.
func (s *Service) JobItems(ctx context.Context, id string, after, limit int) ([]JobItem, error) {
	if _, err := s.Job(ctx, id); err != nil {
		return nil, err
	}
	return s.store.JobItems(ctx, id, after, team.Page{Limit: limit}.Clamp().Limit)
}

// PauseJob stops a queued or running job after its current item; it keeps
// its place until ResumeJob.
func (s *Service) PauseJob(ctx context.Context, id string) (Job, error) {
	return s.jobState(ctx, id, "job_pause", []JobState{JobQueued, JobRunning}, JobPaused)
}

// ResumeJob queues a paused job again; it continues where it stopped.
func (s *Service) ResumeJob(ctx context.Context, id string) (Job, error) {
	j, err := s.jobState(ctx, id, "job_resume", []JobState{JobPaused}, JobQueued)
	if err == nil {
		s.nudge()
	}
	return j, err
}

// CancelJob ends a job that is not finished; items already done stay done.
func (s *Service) CancelJob(ctx context.Context, id string) (Job, error) {
	return s.jobState(ctx, id, "job_cancel", []JobState{JobQueued, JobRunning, JobPaused}, JobCancelled)
}

func (s *Service) jobState(ctx context.Context, id, action string, from []JobState, to JobState) (Job, error) {
	if !isUUID(id) {
		return Job{}, ErrJobNotFound
	}
	return s.store.SetJobState(ctx, id, from, to, s.audit(ctx, action, "job", id, map[string]any{"to": string(to)}))
}

// RunJobs runs queued jobs on this node until ctx ends, with
// Config.JobWorkers workers. Each worker takes a job's lease, runs its
// items one at a time and checkpoints each; a job whose node stops is taken
// up again where it stopped, by this node after a restart or by another
// node when the lease expires.
func (s *Service) RunJobs(ctx context.Context) {
	var wg sync.WaitGroup
	for range s.cfg.JobWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.jobWorker(ctx)
		}()
	}
	wg.Wait()
}

// RunQueuedJobs runs jobs until none is runnable, then returns (`pama admin
// jobs run`).
func (s *Service) RunQueuedJobs(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		ran, err := s.runOne(ctx)
		if err != nil {
			return n, err
		}
		if !ran {
			return n, nil
		}
		n++
	}
	return n, ctx.Err()
}

func (s *Service) jobWorker(ctx context.Context) {
	for ctx.Err() == nil {
		ran, err := s.runOne(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "job runner", "err", err)
		}
		if ran {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(s.cfg.JobPoll):
		}
	}
}

// runOne claims one runnable job and runs it until it ends, is paused or
// cancelled, or ctx ends. It reports whether it claimed one.
func (s *Service) runOne(ctx context.Context) (bool, error) {
	owner := s.cfg.NodeID
	j, ok, err := s.store.ClaimJob(ctx, owner, s.now(), s.now().Add(s.cfg.JobLease))
	if err != nil || !ok {
		return false, err
	}
	s.log.InfoContext(ctx, "job running", "job", j.ID, "kind", string(j.Kind), "done", j.Done, "total", j.Total)
	err = s.runJob(ctx, j)
	if ctx.Err() != nil || errors.Is(err, errStopped) {
		// Stopping or paused/cancelled: let the next runner take over at once.
		if rerr := s.store.ReleaseJob(context.WithoutCancel(ctx), j.ID, owner); rerr != nil {
			s.log.WarnContext(ctx, "release job", "job", j.ID, "err", rerr)
		}
		return true, nil
	}
	if errors.Is(err, ErrLeaseLost) {
		s.log.WarnContext(ctx, "job taken over by another node", "job", j.ID)
		return true, nil
	}
	if err != nil {
		if ferr := s.store.FinishJob(context.WithoutCancel(ctx), j.ID, owner, true, err.Error()); ferr != nil {
			s.log.WarnContext(ctx, "mark job failed", "job", j.ID, "err", ferr)
		}
		return true, err
	}
	if err := s.store.FinishJob(ctx, j.ID, owner, false, ""); err != nil {
		return true, err
	}
	s.log.InfoContext(ctx, "job finished", "job", j.ID, "kind", string(j.Kind))
	return true, nil
}

var errStopped = errors.New("operator: job stopped")

func (s *Service) runJob(ctx context.Context, j Job) error {
	owner := s.cfg.NodeID
	actx := activity.WithActor(ctx, "job:"+j.ID)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		cur, err := s.store.Job(ctx, j.ID)
		if err != nil {
			return err
		}
		if cur.State != JobRunning || cur.Node != owner {
			return errStopped
		}
		it, ok, err := s.store.NextJobItem(ctx, j.ID)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		// An item that has started is finished even if the node is asked to
		// stop, so a restart neither repeats nor skips it.
		ictx := context.WithoutCancel(actx)
		stop := s.keepLease(ctx, j.ID)
		result, ierr := s.runItem(ictx, j, it)
		stop()
		failed := ierr != nil
		if failed {
			result = ierr.Error()
		}
		if len(result) > 1000 {
			result = result[:1000]
		}
		cur, err = s.store.FinishJobItem(context.WithoutCancel(ctx), j.ID, it.Position, failed, result, owner, s.now().Add(s.cfg.JobLease))
		if err != nil {
			return err
		}
		if s.afterItem != nil {
			s.afterItem(cur)
		}
		if s.cfg.JobPace > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(s.cfg.JobPace):
			}
		}
	}
}

// keepLease renews this node's lease on a job while one long step runs.
func (s *Service) keepLease(ctx context.Context, id string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.cfg.JobLease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := s.store.RenewJobLease(context.WithoutCancel(ctx), id, s.cfg.NodeID, s.now().Add(s.cfg.JobLease)); err != nil {
					s.log.WarnContext(ctx, "renew job lease", "job", id, "err", err)
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// runItem does a job's step for one space.
func (s *Service) runItem(ctx context.Context, j Job, it JobItem) (string, error) {
	switch j.Kind {
	case JobSuspend:
		sp, err := s.Suspend(ctx, it.TeamID, j.Params.Mode, j.Params.Reason)
		return stateResult(sp, err)
	case JobResume:
		sp, err := s.Resume(ctx, it.TeamID, j.Params.Reason)
		return stateResult(sp, err)
	case JobArchive:
		sp, err := s.Archive(ctx, it.TeamID, j.Params.Reason)
		return stateResult(sp, err)
	case JobMigrate:
		from, to, err := s.store.MigrateSpace(ctx, it.TeamID)
		if err != nil {
			return "", err
		}
		if err := s.store.Audit(ctx, s.audit(ctx, "migrate", "space", it.TeamID, map[string]any{"from": from, "to": to})); err != nil {
			return "", err
		}
		if from == to {
			return fmt.Sprintf("already at schema %d", to), nil
		}
		return fmt.Sprintf("migrated from schema %d to %d", from, to), nil
	case JobExport:
		dir := filepath.Join(s.cfg.ExportDir, j.ID)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("operator: export dir: %w", err)
		}
		path := filepath.Join(dir, it.TeamID+".tar.gz")
		if err := s.ExportToFile(ctx, it.TeamID, path); err != nil {
			return "", err
		}
		return path, nil
	case JobNotify:
		n, err := s.notify(ctx, it.TeamID, j.Params.Subject, j.Params.Body)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("sent to %d members", n), nil
	}
	return "", fmt.Errorf("operator: unknown job kind %q", j.Kind)
}

func stateResult(sp Space, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return "now " + string(sp.State), nil
}

// notify mails every member of a space.
func (s *Service) notify(ctx context.Context, id, subject, body string) (int, error) {
	sp, err := s.space(ctx, id)
	if err != nil {
		return 0, err
	}
	ids, err := s.memberIDs(ctx, sp)
	if err != nil {
		return 0, err
	}
	emails, err := s.deps.Accounts.Emails(ctx, ids)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, acc := range ids {
		to, ok := emails[acc]
		if !ok {
			continue
		}
		if err := s.deps.Mailer.Send(ctx, to, subject, body+"\n\n-- \nSent by the operators of this Pama install to the members of "+sp.Name+" ("+sp.Slug+").\n"); err != nil {
			return n, fmt.Errorf("operator: mail %s: %w", to, err)
		}
		n++
	}
	if err := s.store.Audit(ctx, s.audit(ctx, "notify", "space", sp.ID, map[string]any{"subject": subject, "recipients": n})); err != nil {
		return n, err
	}
	return n, nil
}

// memberIDs lists a space's members.
func (s *Service) memberIDs(ctx context.Context, sp Space) ([]string, error) {
	if sp.State == team.StateArchived || sp.State == team.StateDeleted {
		return nil, errkind.New(errkind.Conflict, "operator: members of an archived or deleted space are not mailed")
	}
	return s.store.MemberIDs(ctx, sp.ID)
}

func randomID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// randomUUID returns a random (version 4) UUID.
func randomUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		default:
			return false
		}
	}
	return true
}
