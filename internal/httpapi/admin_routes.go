package httpapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/errkind"
	ops "github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/team"
)

// The operator console's API: every team space with its state, usage,
// quotas and health; lifecycle actions; export and import; mass operations
// as jobs; the audit log. Everything here is operator-only, and every
// action is recorded in the audit log with the calling account.

// SpacePath names a team space by id or address.
type SpacePath struct {
	Space string `path:"space" maxLength:"64" example:"blue-whales" doc:"Team space id or address"`
}

// JobPath names a job.
type JobPath struct {
	Job string `path:"job" maxLength:"36" example:"0f8fad5b-d9cb-469f-a165-70867728950e" doc:"Job id"`
}

type spaceListRequest struct {
	Search string   `query:"search" maxLength:"100" doc:"Part of the name or address, any case"`
	State  []string `query:"state" maxItems:"5" doc:"Any of these states (default: every state but deleted)" example:"active"`
	Health []string `query:"health" maxItems:"4" doc:"Any of these health states: unknown, ok, failing, alert"`
	Sort   string   `query:"sort" enum:"name,created,last_activity,items,storage" default:"name" doc:"Sort order"`
	Order  string   `query:"order" enum:"asc,desc" default:"asc"`
	Limit  int      `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Cursor string   `query:"cursor" maxLength:"500" doc:"next_cursor of the previous page"`
}

type spaceList struct {
	Body struct {
		Spaces     []ops.Space `json:"spaces"`
		NextCursor string      `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last"`
	}
}

type summaryResponse struct {
	Body ops.Summary
}

type spaceResponse struct {
	Body ops.Space
}

type reasonBody struct {
	Reason string `json:"reason,omitempty" maxLength:"500" doc:"Why; kept in the audit log"`
}

type suspendRequest struct {
	SpacePath
	Body struct {
		Mode   ops.SuspendMode `json:"mode,omitempty" enum:"read_only,closed" default:"read_only" doc:"read_only: members can read but not change; closed: members cannot reach the space"`
		Reason string          `json:"reason,omitempty" maxLength:"500" doc:"Why; kept in the audit log"`
	}
}

type lifecycleRequest struct {
	SpacePath
	Body *reasonBody `required:"false"`
}

func (r *lifecycleRequest) reason() string {
	if r.Body == nil {
		return ""
	}
	return r.Body.Reason
}

type deleteSpaceRequest struct {
	SpacePath
	Reason string `query:"reason" maxLength:"500" doc:"Why; kept in the audit log"`
}

type quotaRequest struct {
	SpacePath
	Body ops.QuotaOverride
}

type healthHistoryRequest struct {
	SpacePath
	Before int64 `query:"before" minimum:"0" doc:"List checks older than this seq (0: from the newest)"`
	Limit  int   `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

type healthHistory struct {
	Body struct {
		Checks []ops.HealthCheck `json:"checks"`
	}
}

type checkResponse struct {
	Body ops.HealthCheck
}

type importRequest struct {
	KeepID  bool   `query:"keep_id" doc:"Keep the archive's space id if no space here uses it"`
	Slug    string `query:"slug" maxLength:"30" doc:"Address of the new space; default the archive's, with a number added when taken"`
	RawBody []byte `contentType:"application/gzip" doc:"The archive (tar.gz) made by export"`
}

type importResponse struct {
	Status int
	Body   ops.ImportResult
}

type createJobRequest struct {
	Body struct {
		Kind   ops.JobKind     `json:"kind" enum:"suspend,resume,archive,migrate,export,notify"`
		Filter ops.SpaceFilter `json:"filter" doc:"Which spaces: fixed when the job is made"`
		Params ops.JobParams   `json:"params,omitempty"`
	}
}

type jobResponse struct {
	Status int
	Body   ops.Job
}

type jobListRequest struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Cursor string `query:"cursor" maxLength:"500"`
}

type jobList struct {
	Body struct {
		Jobs       []ops.Job `json:"jobs"`
		NextCursor string    `json:"next_cursor,omitempty"`
	}
}

type jobItemsRequest struct {
	JobPath
	After int `query:"after" minimum:"0" doc:"List items after this position"`
	Limit int `query:"limit" minimum:"1" maximum:"200" default:"100"`
}

type jobItems struct {
	Body struct {
		Items []ops.JobItem `json:"items"`
	}
}

type auditRequest struct {
	Actor  string `query:"actor" maxLength:"100" doc:"Only this actor (an account id, cli, system or job:<id>)"`
	Action string `query:"action" maxLength:"100" doc:"Only this action, or a prefix ending in * (ops.job_*)" example:"ops.suspend"`
	Target string `query:"target" maxLength:"100" doc:"Only actions on this space or job id"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Cursor string `query:"cursor" maxLength:"40"`
}

type auditList struct {
	Body struct {
		Entries    []ops.AuditEntry `json:"entries"`
		NextCursor string           `json:"next_cursor,omitempty"`
	}
}

// maxImportBytes bounds an archive uploaded through the API; larger ones go
// through `pama admin spaces import`.
const maxImportBytes = 512 << 20

// maxImportUnpacked bounds what an uploaded archive may unpack to.
const maxImportUnpacked = 4 << 30

var errNoOperator = errkind.New(errkind.Unavailable, "httpapi: the operator console is not configured")

// adminSpaceRoutes registers the operator console's API.
func (s *Server) adminSpaceRoutes() {
	op := func() (*ops.Service, error) {
		if s.deps.Operator == nil {
			return nil, errNoOperator
		}
		return s.deps.Operator, nil
	}
	tags := []string{"Operator console"}
	jobTags := []string{"Operator jobs"}

	register(s, operator, huma.Operation{
		OperationID: "list-spaces", Method: http.MethodGet, Path: "/api/v1/admin/spaces",
		Summary: "Team spaces", Tags: tags,
		Description: "Every team space with its state, usage, quota, health and open connections, filtered, sorted " +
			"and paged. Usage counters come from the platform database (see usage.counted_at for their age): the " +
			"list never opens the spaces themselves, so it stays fast with many thousands of them.",
	}, func(ctx context.Context, in *spaceListRequest) (*spaceList, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		q := ops.ListQuery{Filter: ops.SpaceFilter{Search: in.Search}, Sort: ops.Sort(in.Sort),
			Descending: in.Order == "desc", Cursor: in.Cursor, Limit: in.Limit}
		for _, st := range in.State {
			q.Filter.States = append(q.Filter.States, team.State(st))
		}
		for _, h := range in.Health {
			q.Filter.Health = append(q.Filter.Health, ops.Health(h))
		}
		list, next, err := o.List(ctx, q)
		if err != nil {
			return nil, err
		}
		out := &spaceList{}
		out.Body.Spaces, out.Body.NextCursor = list, next
		if out.Body.Spaces == nil {
			out.Body.Spaces = []ops.Space{}
		}
		return out, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "get-console-summary", Method: http.MethodGet, Path: "/api/v1/admin/summary",
		Summary: "The install at a glance", Tags: tags,
		Description: "Spaces per state, reachable spaces per health state, jobs per state, and the team files open " +
			"on the node that answered. The platform's own metrics are at /metrics (Prometheus).",
	}, func(ctx context.Context, _ *struct{}) (*summaryResponse, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		sum, err := o.Summary(ctx)
		if err != nil {
			return nil, err
		}
		return &summaryResponse{Body: sum}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "get-space", Method: http.MethodGet, Path: "/api/v1/admin/spaces/{space}",
		Summary: "A team space", Tags: tags, Errors: []int{http.StatusNotFound},
		Description: "One space in any state. For an active or suspended space the usage is counted afresh.",
	}, func(ctx context.Context, in *SpacePath) (*spaceResponse, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		sp, err := o.Show(ctx, in.Space)
		if err != nil {
			return nil, err
		}
		return &spaceResponse{Body: sp}, nil
	})

	lifecycle := []struct {
		id, path, summary, desc string
		fn                      func(*ops.Service, context.Context, string, string) (ops.Space, error)
	}{
		{"resume-space", "resume", "Resume a suspended space", "Makes a suspended space active again.", (*ops.Service).Resume},
		{"archive-space", "archive", "Archive a space",
			"Closes an active or suspended space to its members. On SQLite its file is closed and compressed; on " +
				"PostgreSQL the state changes (export it first to keep a copy outside the database).", (*ops.Service).Archive},
		{"restore-space", "restore", "Restore a space",
			"Brings back an archived space (decompressing its file), or a deleted one within its grace period " +
				"(to the state it had).", (*ops.Service).Restore},
	}
	register(s, operator, huma.Operation{
		OperationID: "suspend-space", Method: http.MethodPost, Path: "/api/v1/admin/spaces/{space}/suspend",
		Summary: "Suspend a space", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Description: "Read-only: members can read but every change gets 403. Closed: members cannot reach the " +
			"space at all (404). Suspending a suspended space changes its mode.",
	}, func(ctx context.Context, in *suspendRequest) (*spaceResponse, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		sp, err := o.Suspend(ctx, in.Space, in.Body.Mode, in.Body.Reason)
		if err != nil {
			return nil, err
		}
		return &spaceResponse{Body: sp}, nil
	})
	for _, l := range lifecycle {
		register(s, operator, huma.Operation{
			OperationID: l.id, Method: http.MethodPost, Path: "/api/v1/admin/spaces/{space}/" + l.path,
			Summary: l.summary, Description: l.desc, Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
		}, func(ctx context.Context, in *lifecycleRequest) (*spaceResponse, error) {
			o, err := op()
			if err != nil {
				return nil, err
			}
			sp, err := l.fn(o, ctx, in.Space, in.reason())
			if err != nil {
				return nil, err
			}
			return &spaceResponse{Body: sp}, nil
		})
	}
	register(s, operator, huma.Operation{
		OperationID: "delete-space", Method: http.MethodDelete, Path: "/api/v1/admin/spaces/{space}",
		Summary: "Delete a space", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Description: "Marks the space deleted: nobody reaches it, and after the grace period (--delete-grace, " +
			"default 7 days; see purge_at) it is erased for good, files included. Restore brings it back before then.",
	}, func(ctx context.Context, in *deleteSpaceRequest) (*spaceResponse, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		sp, err := o.Delete(ctx, in.Space, in.Reason)
		if err != nil {
			return nil, err
		}
		return &spaceResponse{Body: sp}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "set-space-quota", Method: http.MethodPut, Path: "/api/v1/admin/spaces/{space}/quota",
		Summary: "Set a space's quotas", Tags: tags, Errors: []int{http.StatusNotFound},
		Description: "Replaces the space's quota overrides. A field left out (or null) goes back to the configured " +
			"default; 0 means no limit. Quotas are enforced when members join, items are made and files are stored: " +
			"past one, the request gets 507 with the quota and its limit.",
	}, func(ctx context.Context, in *quotaRequest) (*spaceResponse, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		sp, err := o.SetQuota(ctx, in.Space, in.Body)
		if err != nil {
			return nil, err
		}
		return &spaceResponse{Body: sp}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "check-space-health", Method: http.MethodPost, Path: "/api/v1/admin/spaces/{space}/health",
		Summary: "Check a space's health now", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Description: "A deep check: the space's database opens and passes a quick integrity check, its recent " +
			"error rate is low, and a real-time round trip succeeds (when real time reports it). The result is " +
			"recorded; alert_after failed checks in a row put the space in alert.",
	}, func(ctx context.Context, in *SpacePath) (*checkResponse, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		c, err := o.CheckHealth(ctx, in.Space)
		if err != nil {
			return nil, err
		}
		return &checkResponse{Body: c}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "list-space-health", Method: http.MethodGet, Path: "/api/v1/admin/spaces/{space}/health",
		Summary: "A space's health history", Tags: tags, Errors: []int{http.StatusNotFound},
		Description: "The space's deep checks, newest first (the last 500 are kept).",
	}, func(ctx context.Context, in *healthHistoryRequest) (*healthHistory, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		list, err := o.HealthHistory(ctx, in.Space, in.Before, in.Limit)
		if err != nil {
			return nil, err
		}
		out := &healthHistory{}
		out.Body.Checks = list
		if out.Body.Checks == nil {
			out.Body.Checks = []ops.HealthCheck{}
		}
		return out, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "export-space", Method: http.MethodGet, Path: "/api/v1/admin/spaces/{space}/export",
		Summary: "Export a space", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Description: "The whole space as one tar.gz archive: manifest.json (format, engine, schema version, row " +
			"counts, checksums), data/<table>.jsonl with every row, files/ with its files. Import it into this or " +
			"another install, on SQLite or PostgreSQL. An archived SQLite space must be restored first.",
		Responses: map[string]*huma.Response{"200": {Description: "The archive", Content: map[string]*huma.MediaType{
			"application/gzip": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}},
	}, func(ctx context.Context, in *SpacePath) (*huma.StreamResponse, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		// Build the archive before the response starts, so a failure is a problem, not half a file.
		f, err := os.CreateTemp("", "pama-export-*.tar.gz")
		if err != nil {
			return nil, err
		}
		name := f.Name()
		f.Close()
		if err := o.ExportToFile(ctx, in.Space, name); err != nil {
			os.Remove(name)
			return nil, err
		}
		slug := in.Space
		if sp, err := o.Show(ctx, in.Space); err == nil {
			slug = sp.Slug
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			defer os.Remove(name)
			f, err := os.Open(name)
			if err != nil {
				hctx.SetStatus(http.StatusInternalServerError)
				return
			}
			defer f.Close()
			hctx.SetHeader("Content-Type", "application/gzip")
			hctx.SetHeader("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(slug, `"`, "")+`.tar.gz"`)
			hctx.SetStatus(http.StatusOK)
			_, _ = io.Copy(hctx.BodyWriter(), f)
		}}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "import-space", Method: http.MethodPost, Path: "/api/v1/admin/spaces/import",
		Summary: "Import a space", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: maxImportBytes,
		Errors: []int{http.StatusConflict, http.StatusRequestEntityTooLarge},
		Description: "Makes a new space from an export, all or nothing: checksums and row counts are verified " +
			"before anything is written. Member accounts missing here are created with the same id (an email " +
			"that belongs to another account here is reported in account_conflicts). Archives above 512 MiB go " +
			"through `pama admin spaces import`.",
	}, func(ctx context.Context, in *importRequest) (*importResponse, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		res, err := o.Import(ctx, bytes.NewReader(in.RawBody), ops.ImportOptions{KeepID: in.KeepID, Slug: in.Slug,
			MaxBytes: maxImportUnpacked})
		if err != nil {
			return nil, err
		}
		return &importResponse{Status: http.StatusCreated, Body: res}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "list-audit", Method: http.MethodGet, Path: "/api/v1/admin/audit",
		Summary: "Operator audit log", Tags: tags,
		Description: "Every operator action (API, command line, jobs and the janitor), newest first: actor, " +
			"action, target and details.",
	}, func(ctx context.Context, in *auditRequest) (*auditList, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		list, next, err := o.AuditLog(ctx, ops.AuditQuery{Actor: in.Actor, Action: in.Action, Target: in.Target,
			Cursor: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		out := &auditList{}
		out.Body.Entries, out.Body.NextCursor = list, next
		if out.Body.Entries == nil {
			out.Body.Entries = []ops.AuditEntry{}
		}
		return out, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "create-job", Method: http.MethodPost, Path: "/api/v1/admin/jobs",
		Summary: "Start a mass operation", Tags: jobTags, DefaultStatus: http.StatusCreated,
		Description: "Queues a job of kind over the spaces the filter selects now (the set is fixed). Kinds: " +
			"suspend (params.mode), resume, archive, migrate (bring each space to the latest schema, one at a " +
			"time: the rolling upgrade), export (archives into the export directory, one per space), notify " +
			"(mail every member: params.subject, params.body). One node runs a job at a time, one space at a time, " +
			"checkpointing each; a job survives restarts and continues where it stopped.",
	}, func(ctx context.Context, in *createJobRequest) (*jobResponse, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		j, err := o.CreateJob(ctx, in.Body.Kind, in.Body.Filter, in.Body.Params)
		if err != nil {
			return nil, err
		}
		return &jobResponse{Status: http.StatusCreated, Body: j}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "list-jobs", Method: http.MethodGet, Path: "/api/v1/admin/jobs",
		Summary: "Mass operations", Tags: jobTags, Description: "Jobs, newest first, with their progress.",
	}, func(ctx context.Context, in *jobListRequest) (*jobList, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		list, next, err := o.Jobs(ctx, in.Cursor, in.Limit)
		if err != nil {
			return nil, err
		}
		out := &jobList{}
		out.Body.Jobs, out.Body.NextCursor = list, next
		if out.Body.Jobs == nil {
			out.Body.Jobs = []ops.Job{}
		}
		return out, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "get-job", Method: http.MethodGet, Path: "/api/v1/admin/jobs/{job}",
		Summary: "A mass operation", Tags: jobTags, Errors: []int{http.StatusNotFound},
		Description: "A job's state and progress (done of total, failed).",
	}, func(ctx context.Context, in *JobPath) (*jobResponse, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		j, err := o.Job(ctx, in.Job)
		if err != nil {
			return nil, err
		}
		return &jobResponse{Status: http.StatusOK, Body: j}, nil
	})

	register(s, operator, huma.Operation{
		OperationID: "list-job-items", Method: http.MethodGet, Path: "/api/v1/admin/jobs/{job}/items",
		Summary: "A mass operation's spaces", Tags: jobTags, Errors: []int{http.StatusNotFound},
		Description: "The job's spaces in order, each pending, done or failed, with what its step did.",
	}, func(ctx context.Context, in *jobItemsRequest) (*jobItems, error) {
		o, err := op()
		if err != nil {
			return nil, err
		}
		list, err := o.JobItems(ctx, in.Job, in.After, in.Limit)
		if err != nil {
			return nil, err
		}
		out := &jobItems{}
		out.Body.Items = list
		if out.Body.Items == nil {
			out.Body.Items = []ops.JobItem{}
		}
		return out, nil
	})

	for _, a := range []struct {
		verb, summary, desc string
		fn                  func(*ops.Service, context.Context, string) (ops.Job, error)
	}{
		{"pause", "Pause a mass operation", "Stops a queued or running job after the space in progress; it keeps its place.", (*ops.Service).PauseJob},
		{"resume", "Resume a mass operation", "Queues a paused job again; it continues where it stopped.", (*ops.Service).ResumeJob},
		{"cancel", "Cancel a mass operation", "Ends a job that is not finished; spaces already done stay as they are.", (*ops.Service).CancelJob},
	} {
		register(s, operator, huma.Operation{
			OperationID: a.verb + "-job", Method: http.MethodPost, Path: "/api/v1/admin/jobs/{job}/" + a.verb,
			Summary: a.summary, Description: a.desc, Tags: jobTags, Errors: []int{http.StatusNotFound, http.StatusConflict},
		}, func(ctx context.Context, in *JobPath) (*jobResponse, error) {
			o, err := op()
			if err != nil {
				return nil, err
			}
			j, err := a.fn(o, ctx, in.Job)
			if err != nil {
				return nil, err
			}
			return &jobResponse{Status: http.StatusOK, Body: j}, nil
		})
	}
}
