package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/operator"
)

// Jobs
//
// A job's spaces are fixed when it is made (job_items, in order). A runner
// holds a job through a lease (lease_owner, lease_until): ClaimJob takes a
// runnable job whose lease has expired in one UPDATE, so on PostgreSQL with
// several nodes exactly one of them gets it; every checkpoint extends the
// lease. An item is checkpointed (state, result, the job's counters and the
// lease) in one transaction, so a node that stops resumes at the first
// pending item, neither repeating nor skipping one.

const jobColumns = `id, kind, filter, params, state, total, done, failed, error, created_by, created_at, updated_at,
	started_at, finished_at, lease_owner, lease_until, version`

func scanJob(row interface{ Scan(...any) error }, now time.Time) (operator.Job, error) {
	var j operator.Job
	var kind, filter, params, state, owner string
	var created, updated, started, finished, until int64
	err := row.Scan(&j.ID, &kind, &filter, &params, &state, &j.Total, &j.Done, &j.Failed, &j.Error, &j.CreatedBy,
		&created, &updated, &started, &finished, &owner, &until, &j.Version)
	if err != nil {
		return j, err
	}
	j.Kind, j.State = operator.JobKind(kind), operator.JobState(state)
	j.CreatedAt, j.UpdatedAt = fromMS(created), fromMS(updated)
	j.StartedAt, j.FinishedAt = optTime(started), optTime(finished)
	if owner != "" && until > ms(now) {
		j.Node = owner
	}
	if err := json.Unmarshal([]byte(filter), &j.Filter); err != nil {
		return j, fmt.Errorf("sqlstore: job filter: %w", err)
	}
	if err := json.Unmarshal([]byte(params), &j.Params); err != nil {
		return j, fmt.Errorf("sqlstore: job params: %w", err)
	}
	return j, nil
}

func getJob(ctx context.Context, q queryer, id string, now time.Time) (operator.Job, error) {
	j, err := scanJob(q.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id), now)
	if errors.Is(err, sql.ErrNoRows) {
		return j, operator.ErrJobNotFound
	}
	if err != nil {
		return j, fmt.Errorf("sqlstore: job: %w", err)
	}
	return j, nil
}

// CreateJob stores a queued job and its items.
func (s *Store) CreateJob(ctx context.Context, j operator.Job, teams []string, a operator.AuditEntry) (operator.Job, error) {
	filter, err := json.Marshal(j.Filter)
	if err != nil {
		return j, fmt.Errorf("sqlstore: job filter: %w", err)
	}
	params, err := json.Marshal(j.Params)
	if err != nil {
		return j, fmt.Errorf("sqlstore: job params: %w", err)
	}
	err = s.inPlatform(ctx, "operator.create_job", func(t *tx) error {
		if _, err := t.ExecContext(ctx, `INSERT INTO jobs (id, kind, filter, params, state, total, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, j.ID, string(j.Kind), string(filter), string(params), string(j.State),
			len(teams), j.CreatedBy, ms(t.now)); err != nil {
			return fmt.Errorf("sqlstore: create job: %w", err)
		}
		const batch = 200
		for start := 0; start < len(teams); start += batch {
			end := min(start+batch, len(teams))
			var vals []string
			var args []any
			for i := start; i < end; i++ {
				args = append(args, j.ID, i+1, teams[i])
				n := len(args)
				vals = append(vals, fmt.Sprintf("($%d, $%d, $%d)", n-2, n-1, n))
			}
			if _, err := t.ExecContext(ctx, `INSERT INTO job_items (job_id, position, team_id) VALUES `+strings.Join(vals, ", "), args...); err != nil {
				return fmt.Errorf("sqlstore: create job items: %w", err)
			}
		}
		return writeAudit(t, a)
	})
	if err != nil {
		return j, err
	}
	return s.Job(ctx, j.ID)
}

// Job returns one job.
func (s *Store) Job(ctx context.Context, id string) (operator.Job, error) {
	var j operator.Job
	err := s.readPlatform(ctx, "operator.job", func(q queryer) error {
		var err error
		j, err = getJob(ctx, q, id, s.now())
		return err
	})
	return j, err
}

// Jobs lists jobs, newest first. The cursor is the last job's creation time and id.
func (s *Store) Jobs(ctx context.Context, cursor string, limit int) ([]operator.Job, string, error) {
	after, err := decodeCursor(cursor, 2)
	if err != nil {
		return nil, "", err
	}
	created, id := int64(1<<62), ""
	if after != nil {
		if created, err = strconv.ParseInt(after[0], 10, 64); err != nil {
			return nil, "", errBadCursor
		}
		id = after[1]
	}
	var out []operator.Job
	err = s.readPlatform(ctx, "operator.jobs", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE (created_at, id) < ($1, $2)
			ORDER BY created_at DESC, id DESC LIMIT $3`, created, id, limit+1)
		if err != nil {
			return fmt.Errorf("sqlstore: jobs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows, s.now())
			if err != nil {
				return fmt.Errorf("sqlstore: jobs: %w", err)
			}
			out = append(out, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = encodeCursor(strconv.FormatInt(ms(last.CreatedAt), 10), last.ID)
	}
	return out, next, nil
}

// JobItems lists a job's items after position.
func (s *Store) JobItems(ctx context.Context, id string, after, limit int) ([]operator.JobItem, error) {
	var out []operator.JobItem
	err := s.readPlatform(ctx, "operator.job_items", func(q queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT position, team_id, state, result, at FROM job_items
			WHERE job_id = $1 AND position > $2 ORDER BY position LIMIT $3`, id, after, limit)
		if err != nil {
			return fmt.Errorf("sqlstore: job items: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var it operator.JobItem
			var at int64
			if err := rows.Scan(&it.Position, &it.TeamID, &it.State, &it.Result, &at); err != nil {
				return fmt.Errorf("sqlstore: job items: %w", err)
			}
			it.At = optTime(at)
			out = append(out, it)
		}
		return rows.Err()
	})
	return out, err
}

// SetJobState moves a job from one of from to to.
func (s *Store) SetJobState(ctx context.Context, id string, from []operator.JobState, to operator.JobState, a operator.AuditEntry) (operator.Job, error) {
	var j operator.Job
	err := s.inPlatform(ctx, "operator.set_job_state", func(t *tx) error {
		if _, err := getJob(ctx, t, id, t.now); err != nil {
			return err
		}
		args := []any{id, string(to), ms(t.now)}
		for _, f := range from {
			args = append(args, string(f))
		}
		finished := "finished_at"
		if to == operator.JobCancelled {
			finished = "$3"
		}
		res, err := t.ExecContext(ctx, `UPDATE jobs SET state = $2, updated_at = $3, finished_at = `+finished+`, version = version + 1
			WHERE id = $1 AND state IN (`+placeholders(4, len(from))+`)`, args...)
		if err != nil {
			return fmt.Errorf("sqlstore: set job state: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return operator.ErrJobState
		}
		if err := writeAudit(t, a); err != nil {
			return err
		}
		j, err = getJob(ctx, t, id, t.now)
		return err
	})
	return j, err
}

// ClaimJob takes the lease of the oldest runnable job whose lease expired.
// The UPDATE re-checks the lease, so two nodes never hold one job.
func (s *Store) ClaimJob(ctx context.Context, owner string, now, until time.Time) (operator.Job, bool, error) {
	var j operator.Job
	var ok bool
	err := s.inPlatform(ctx, "operator.claim_job", func(t *tx) error {
		var id string
		err := t.QueryRowContext(ctx, `SELECT id FROM jobs WHERE state IN ('queued', 'running') AND lease_until < $1
			ORDER BY created_at, id LIMIT 1`, ms(now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlstore: find job: %w", err)
		}
		res, err := t.ExecContext(ctx, `UPDATE jobs SET lease_owner = $2, lease_until = $3, state = 'running',
			started_at = CASE WHEN started_at = 0 THEN $4 ELSE started_at END, updated_at = $4, version = version + 1
			WHERE id = $1 AND state IN ('queued', 'running') AND lease_until < $4`, id, owner, ms(until), ms(now))
		if err != nil {
			return fmt.Errorf("sqlstore: claim job: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another node was quicker
		}
		j, err = getJob(ctx, t, id, now)
		ok = err == nil
		return err
	})
	return j, ok, err
}

// NextJobItem returns the first pending item of a job.
func (s *Store) NextJobItem(ctx context.Context, id string) (operator.JobItem, bool, error) {
	var it operator.JobItem
	var ok bool
	err := s.readPlatform(ctx, "operator.next_job_item", func(q queryer) error {
		err := q.QueryRowContext(ctx, `SELECT position, team_id, state FROM job_items WHERE job_id = $1 AND state = 'pending'
			ORDER BY position LIMIT 1`, id).Scan(&it.Position, &it.TeamID, &it.State)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sqlstore: next job item: %w", err)
		}
		ok = true
		return nil
	})
	return it, ok, err
}

// FinishJobItem checkpoints one item and extends the lease, if owner holds it.
func (s *Store) FinishJobItem(ctx context.Context, id string, position int, failed bool, result, owner string, until time.Time) (operator.Job, error) {
	var j operator.Job
	state, failedInc := "done", 0
	if failed {
		state, failedInc = "failed", 1
	}
	err := s.inPlatform(ctx, "operator.finish_job_item", func(t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE jobs SET done = done + 1, failed = failed + $3, lease_until = $4, updated_at = $5,
			version = version + 1 WHERE id = $1 AND lease_owner = $2`, id, owner, failedInc, ms(until), ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: checkpoint job: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return operator.ErrLeaseLost
		}
		res, err = t.ExecContext(ctx, `UPDATE job_items SET state = $3, result = $4, at = $5
			WHERE job_id = $1 AND position = $2 AND state = 'pending'`, id, position, state, result, ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: checkpoint job item: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return operator.ErrLeaseLost // someone else finished it
		}
		j, err = getJob(ctx, t, id, t.now)
		return err
	})
	return j, err
}

// RenewJobLease extends owner's lease on a job.
func (s *Store) RenewJobLease(ctx context.Context, id, owner string, until time.Time) error {
	return s.inPlatform(ctx, "operator.renew_job_lease", func(t *tx) error {
		res, err := t.ExecContext(ctx, `UPDATE jobs SET lease_until = $3 WHERE id = $1 AND lease_owner = $2`, id, owner, ms(until))
		if err != nil {
			return fmt.Errorf("sqlstore: renew job lease: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return operator.ErrLeaseLost
		}
		return nil
	})
}

// FinishJob ends a running job that owner holds: done, or failed with msg.
func (s *Store) FinishJob(ctx context.Context, id, owner string, failed bool, msg string) error {
	state := "done"
	if failed {
		state = "failed"
	}
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	return s.inPlatform(ctx, "operator.finish_job", func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE jobs SET state = $3, error = $4, finished_at = $5, updated_at = $5, lease_owner = '',
			lease_until = 0, version = version + 1 WHERE id = $1 AND lease_owner = $2 AND state = 'running'`, id, owner, state, msg, ms(t.now))
		if err != nil {
			return fmt.Errorf("sqlstore: finish job: %w", err)
		}
		return nil
	})
}

// ReleaseJob gives up owner's lease on a job.
func (s *Store) ReleaseJob(ctx context.Context, id, owner string) error {
	return s.inPlatform(ctx, "operator.release_job", func(t *tx) error {
		_, err := t.ExecContext(ctx, `UPDATE jobs SET lease_owner = '', lease_until = 0 WHERE id = $1 AND lease_owner = $2`, id, owner)
		if err != nil {
			return fmt.Errorf("sqlstore: release job: %w", err)
		}
		return nil
	})
}
