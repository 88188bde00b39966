package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/report"
	"github.com/pamateam/pama/internal/team"
)

// DateRange is a range of days in the team's time zone.
type DateRange struct {
	From string `query:"from" maxLength:"10" example:"2026-03-01" doc:"First day, YYYY-MM-DD in the team's time zone; default: 29 days before to"`
	To   string `query:"to" maxLength:"10" example:"2026-03-30" doc:"Last day, YYYY-MM-DD in the team's time zone; default: today. At most 366 days from from"`
}

type velocityRequest struct {
	ProductPath
	Sprints int `query:"sprints" minimum:"1" maximum:"50" default:"10" doc:"How many of the last completed sprints to show"`
}

type velocityResponse struct {
	Body report.Velocity
}

type burndownResponse struct {
	Body report.Burndown
}

type rangeRequest struct {
	ProductPath
	DateRange
}

type pagedRangeRequest struct {
	ProductPath
	DateRange
	Page
}

type flowResponse struct {
	Body report.Flow
}

type cycleTimeResponse struct {
	Body struct {
		report.CycleTimes
		NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page of items; absent on the last"`
	}
}

type estimationResponse struct {
	Body struct {
		report.Estimation
		NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page of items; absent on the last"`
	}
}

type retroActionsResponse struct {
	Body struct {
		report.RetroActions
		NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page of items; absent on the last"`
	}
}

const reportsDoc = "Days are counted in the team's time zone (the time_zone setting). See docs/reports.md."

func (s *Server) reportRoutes() {
	tags := []string{"Reports"}
	register(s, in(team.PermView), huma.Operation{
		OperationID: "report-velocity", Method: http.MethodGet, Path: "/api/v1/teams/{team}/products/{product}/reports/velocity",
		Summary: "Velocity", Tags: tags,
		Description: "The product's last completed sprints, oldest first: points and items committed when each started " +
			"and completed when it ended, with the average.",
	}, func(ctx context.Context, in *velocityRequest) (*velocityResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		v, err := s.deps.Reports.Velocity(ctx, teamAccess(ctx).Team.ID, pid, in.Sprints)
		if err != nil {
			return nil, err
		}
		return &velocityResponse{Body: v}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "report-burndown", Method: http.MethodGet, Path: "/api/v1/teams/{team}/sprints/{sprint}/reports/burndown",
		Summary: "Burndown and burnup of a sprint", Tags: tags,
		Description: "One entry per day from the sprint's start date to its end date (or to the day it completed, or " +
			"today, when later): the points and items remaining (burndown), completed and in scope (burnup), and the " +
			"ideal line. Replayed from the activity record. " + reportsDoc,
	}, func(ctx context.Context, in *SprintPath) (*burndownResponse, error) {
		b, err := s.deps.Reports.Burndown(ctx, teamAccess(ctx).Team.ID, in.Sprint)
		if err != nil {
			return nil, err
		}
		return &burndownResponse{Body: b}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "report-cumulative-flow", Method: http.MethodGet, Path: "/api/v1/teams/{team}/products/{product}/reports/cumulative-flow",
		Summary: "Cumulative flow", Tags: tags,
		Description: "For every day of the range up to today, how many of the product's items (epics aside) were in each " +
			"status category and each status at the end of the day. " + reportsDoc,
	}, func(ctx context.Context, in *rangeRequest) (*flowResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		f, err := s.deps.Reports.CumulativeFlow(ctx, teamAccess(ctx).Team.ID, pid, in.From, in.To)
		if err != nil {
			return nil, err
		}
		return &flowResponse{Body: f}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "report-cycle-time", Method: http.MethodGet, Path: "/api/v1/teams/{team}/products/{product}/reports/cycle-time",
		Summary: "Cycle time", Tags: tags,
		Description: "The product's items (epics aside) completed in the range, from the first time each entered a status " +
			"in progress to entering a done one, with the 50th, 85th and 95th percentiles over all of them. The items " +
			"come a page at a time; the counts and percentiles cover the whole range. " + reportsDoc,
	}, func(ctx context.Context, in *pagedRangeRequest) (*cycleTimeResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		ct, err := s.deps.Reports.CycleTime(ctx, teamAccess(ctx).Team.ID, pid, in.From, in.To)
		if err != nil {
			return nil, err
		}
		out := &cycleTimeResponse{}
		out.Body.CycleTimes = ct
		out.Body.Items, out.Body.NextCursor, err = pageSlice(ct.Items, in.Page)
		return out, err
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "report-estimation-accuracy", Method: http.MethodGet, Path: "/api/v1/teams/{team}/products/{product}/reports/estimation-accuracy",
		Summary: "Estimation accuracy", Tags: tags,
		Description: "Estimates against what happened: the cycle time of every item completed in the range with an " +
			"estimate, and per estimate the median (and more) of those cycle times, so bigger estimates can be seen to " +
			"take longer, or not. The items come a page at a time; the groups cover the whole range. " + reportsDoc,
	}, func(ctx context.Context, in *pagedRangeRequest) (*estimationResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		e, err := s.deps.Reports.EstimationAccuracy(ctx, teamAccess(ctx).Team.ID, pid, in.From, in.To)
		if err != nil {
			return nil, err
		}
		out := &estimationResponse{}
		out.Body.Estimation = e
		out.Body.Items, out.Body.NextCursor, err = pageSlice(e.Items, in.Page)
		return out, err
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "report-retro-actions", Method: http.MethodGet, Path: "/api/v1/teams/{team}/products/{product}/reports/retro-actions",
		Summary: "Retrospective actions followed through", Tags: tags,
		Description: "The product's items born in a retrospective in the range: how many are done, per sprint whose " +
			"retrospective decided them and week by week. The items come a page at a time; the counts cover the whole " +
			"range. " + reportsDoc,
	}, func(ctx context.Context, in *pagedRangeRequest) (*retroActionsResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		ra, err := s.deps.Reports.RetroActions(ctx, teamAccess(ctx).Team.ID, pid, in.From, in.To)
		if err != nil {
			return nil, err
		}
		out := &retroActionsResponse{}
		out.Body.RetroActions = ra
		out.Body.Items, out.Body.NextCursor, err = pageSlice(ra.Items, in.Page)
		return out, err
	})
}

// pageSlice returns the page of list that p asks for and the cursor of the
// next one ("" on the last). The cursor is an offset: lists of completed
// work grow at their end.
func pageSlice[T any](list []T, p Page) ([]T, string, error) {
	var off int
	if err := decodeCursor(p.Cursor, &off); err != nil {
		return nil, "", err
	}
	if off < 0 {
		return nil, "", errkind.Field("query.cursor", "is not a cursor this API gave out")
	}
	off = min(off, len(list))
	limit := p.Limit
	if limit <= 0 {
		limit = 50
	}
	end := min(off+limit, len(list))
	next := ""
	if end < len(list) {
		next = encodeCursor(end)
	}
	return nonNil(list[off:end]), next, nil
}
