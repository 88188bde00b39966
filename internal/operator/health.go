package operator

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// HealthCheck is one deep health check of a space.
type HealthCheck struct {
	Seq    int64     `json:"seq"`
	TeamID string    `json:"team_id"`
	At     time.Time `json:"at"`
	OK     bool      `json:"ok"`
	// DatabaseOK: the database opened and passed a quick integrity check.
	DatabaseOK bool  `json:"database_ok"`
	DatabaseMS int64 `json:"database_ms" doc:"How long opening and checking the database took"`
	// Ops and Errors are the store operations on the space in the error
	// window and how many failed unexpectedly.
	Ops    int `json:"ops"`
	Errors int `json:"errors"`
	// Realtime is "ok", "failed" or "not_checked" (no real-time layer).
	Realtime string `json:"realtime" enum:"ok,failed,not_checked"`
	Detail   string `json:"detail,omitempty" doc:"What failed"`
	// Health is the space's health state after this check.
	Health Health `json:"health" enum:"unknown,ok,failing,alert"`
}

// CheckHealth runs a deep check of one space now and records it: its
// database opens and passes a quick integrity check, the recent error rate
// is below Config.MaxErrorRate, and a real-time round trip succeeds (when
// a real-time layer is configured). The space's usage counters are
// refreshed on the way.
func (s *Service) CheckHealth(ctx context.Context, ref string) (HealthCheck, error) {
	sp, err := s.space(ctx, ref)
	if err != nil {
		return HealthCheck{}, err
	}
	if sp.State != team.StateActive && sp.State != team.StateSuspended {
		return HealthCheck{}, errkind.New(errkind.Conflict, fmt.Sprintf("operator: a space that is %s is not checked", sp.State))
	}
	return s.check(ctx, sp.ID)
}

func (s *Service) check(ctx context.Context, id string) (HealthCheck, error) {
	c := HealthCheck{TeamID: id, At: s.now(), Realtime: "not_checked"}
	var problems []string
	m, err := s.refreshUsage(ctx, id)
	switch {
	case err != nil && ctx.Err() != nil:
		return HealthCheck{}, ctx.Err()
	case err != nil:
		problems = append(problems, "database: "+err.Error())
	case m.DBError != "":
		problems = append(problems, "database: "+m.DBError)
	default:
		c.DatabaseOK = true
	}
	c.DatabaseMS = m.DBTime.Milliseconds()
	c.Ops, c.Errors = s.store.TeamErrors(id, s.cfg.ErrorWindow)
	if c.Ops >= s.cfg.MinOps && float64(c.Errors) > s.cfg.MaxErrorRate*float64(c.Ops) {
		problems = append(problems, fmt.Sprintf("error rate: %d of %d operations failed in the last %s", c.Errors, c.Ops, s.cfg.ErrorWindow))
	}
	if s.deps.RoundTrip != nil {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := s.deps.RoundTrip(rctx, id)
		cancel()
		if err != nil {
			c.Realtime = "failed"
			problems = append(problems, "real time: "+err.Error())
		} else {
			c.Realtime = "ok"
		}
	}
	c.OK = len(problems) == 0
	c.Detail = strings.Join(problems, "; ")
	if len(c.Detail) > 1000 {
		c.Detail = c.Detail[:1000]
	}
	h, err := s.store.RecordHealth(ctx, c, s.cfg.AlertAfter)
	if err != nil {
		return HealthCheck{}, err
	}
	c.Health = h
	if h == HealthAlert {
		s.log.WarnContext(ctx, "space health alert", "team", id, "detail", c.Detail)
	}
	return c, nil
}

// HealthHistory lists a space's checks, newest first.
func (s *Service) HealthHistory(ctx context.Context, ref string, before int64, limit int) ([]HealthCheck, error) {
	sp, err := s.space(ctx, ref)
	if err != nil {
		return nil, err
	}
	limit = team.Page{Limit: limit}.Clamp().Limit
	return s.store.HealthHistory(ctx, sp.ID, before, limit)
}

// RunHealthChecker checks every reachable space about every
// Config.HealthEvery, oldest check first, at most Config.HealthRate checks a
// second, until ctx ends.
func (s *Service) RunHealthChecker(ctx context.Context) {
	ctx = activity.WithActor(ctx, "system")
	pace := time.NewTicker(time.Duration(float64(time.Second) / s.cfg.HealthRate))
	defer pace.Stop()
	idle := min(s.cfg.HealthEvery/10, 30*time.Second)
	for {
		ids, err := s.store.DueForHealth(ctx, s.now().Add(-s.cfg.HealthEvery), 100)
		if err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "find spaces due for a check", "err", err)
		}
		for _, id := range ids {
			select {
			case <-ctx.Done():
				return
			case <-pace.C:
			}
			if _, err := s.check(ctx, id); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "health check", "team", id, "err", err)
			}
		}
		if len(ids) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(idle):
			}
		}
	}
}
