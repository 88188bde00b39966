package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/team"
)

type SprintPath struct {
	TeamPath
	Sprint string `path:"sprint" maxLength:"64" doc:"Sprint id"`
}

type sprintResponse struct {
	Body sprint.Sprint
}

type listSprintsRequest struct {
	ProductPath
	State string `query:"state" enum:"planned,active,completed" doc:"Only sprints in this state"`
}

type sprintsResponse struct {
	Body struct {
		Sprints []sprint.Sprint `json:"sprints"`
	}
}

type createSprintRequest struct {
	ProductPath
	Body struct {
		Name      string `json:"name,omitempty" maxLength:"80" doc:"Default: Sprint N"`
		Goal      string `json:"goal,omitempty" maxLength:"1000"`
		StartDate string `json:"start_date,omitempty" maxLength:"10" example:"2026-03-02" doc:"YYYY-MM-DD"`
		EndDate   string `json:"end_date,omitempty" maxLength:"10" example:"2026-03-13" doc:"YYYY-MM-DD"`
	}
}

type updateSprintRequest struct {
	SprintPath
	Body struct {
		Version   int64   `json:"version" minimum:"1"`
		Name      *string `json:"name,omitempty" minLength:"1" maxLength:"80"`
		Goal      *string `json:"goal,omitempty" maxLength:"1000"`
		StartDate *string `json:"start_date,omitempty" maxLength:"10"`
		EndDate   *string `json:"end_date,omitempty" maxLength:"10"`
	}
}

type deleteSprintRequest struct {
	SprintPath
	VersionQuery
}

type startSprintRequest struct {
	SprintPath
	Body struct {
		Version   int64  `json:"version" minimum:"1"`
		Goal      string `json:"goal,omitempty" maxLength:"1000" doc:"The sprint goal; empty keeps the planned one"`
		StartDate string `json:"start_date,omitempty" maxLength:"10" doc:"YYYY-MM-DD; empty keeps the planned one"`
		EndDate   string `json:"end_date,omitempty" maxLength:"10" doc:"YYYY-MM-DD; empty keeps the planned one"`
	}
}

type completeSprintRequest struct {
	SprintPath
	Body struct {
		Version   int64  `json:"version" minimum:"1"`
		CarryOver string `json:"carry_over" minLength:"1" maxLength:"64" example:"next" doc:"Where unfinished items go: backlog, next (the next planned sprint, made if there is none) or a planned sprint's id"`
	}
}

type completionResponse struct {
	Body sprint.Completion
}

type capacityResponse struct {
	Body struct {
		Capacity []sprint.Capacity `json:"capacity"`
	}
}

type setCapacityRequest struct {
	SprintPath
	Body struct {
		Capacity []sprint.Capacity `json:"capacity" maxItems:"100" doc:"Every member's capacity; members left out have none"`
	}
}

func (s *Server) sprintRoutes() {
	tags := []string{"Sprints"}
	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-sprints", Method: http.MethodGet, Path: "/api/v1/teams/{team}/products/{product}/sprints",
		Summary: "A product's sprints", Tags: tags, Description: "By number, oldest first.",
	}, func(ctx context.Context, in *listSprintsRequest) (*sprintsResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		list, err := s.deps.Sprints.List(ctx, teamAccess(ctx).Team.ID, pid, sprint.State(in.State))
		if err != nil {
			return nil, err
		}
		out := &sprintsResponse{}
		out.Body.Sprints = nonNil(list)
		return out, nil
	})

	register(s, in(team.PermManageSprints), huma.Operation{
		OperationID: "create-sprint", Method: http.MethodPost, Path: "/api/v1/teams/{team}/products/{product}/sprints",
		Summary: "Plan a sprint", Tags: tags, DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *createSprintRequest) (*sprintResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		b := in.Body
		sp, err := s.deps.Sprints.Create(ctx, teamAccess(ctx).Team.ID, sprint.NewSprint{
			ProductID: pid, Name: b.Name, Goal: b.Goal, StartDate: b.StartDate, EndDate: b.EndDate})
		if err != nil {
			return nil, err
		}
		return &sprintResponse{Body: sp}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-sprint", Method: http.MethodGet, Path: "/api/v1/teams/{team}/sprints/{sprint}",
		Summary: "Get a sprint", Tags: tags,
	}, func(ctx context.Context, in *SprintPath) (*sprintResponse, error) {
		sp, err := s.deps.Sprints.Sprint(ctx, teamAccess(ctx).Team.ID, in.Sprint)
		if err != nil {
			return nil, err
		}
		return &sprintResponse{Body: sp}, nil
	})

	register(s, in(team.PermManageSprints), huma.Operation{
		OperationID: "update-sprint", Method: http.MethodPatch, Path: "/api/v1/teams/{team}/sprints/{sprint}",
		Summary: "Change a sprint's name, goal or dates", Tags: tags,
	}, func(ctx context.Context, in *updateSprintRequest) (*sprintResponse, error) {
		b := in.Body
		sp, err := s.deps.Sprints.Update(ctx, teamAccess(ctx).Team.ID, in.Sprint, b.Version, sprint.Patch{
			Name: b.Name, Goal: b.Goal, StartDate: b.StartDate, EndDate: b.EndDate})
		if err != nil {
			return nil, err
		}
		return &sprintResponse{Body: sp}, nil
	})

	register(s, in(team.PermManageSprints), huma.Operation{
		OperationID: "delete-sprint", Method: http.MethodDelete, Path: "/api/v1/teams/{team}/sprints/{sprint}",
		Summary: "Delete a planned sprint", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Its items go back to the product backlog.",
	}, func(ctx context.Context, in *deleteSprintRequest) (*struct{}, error) {
		return nil, s.deps.Sprints.Delete(ctx, teamAccess(ctx).Team.ID, in.Sprint, in.Version)
	})

	register(s, in(team.PermManageSprints), huma.Operation{
		OperationID: "start-sprint", Method: http.MethodPost, Path: "/api/v1/teams/{team}/sprints/{sprint}/start",
		Summary: "Start a sprint", Tags: tags,
		Description: "Sets the goal and dates and takes the commitment (items and points in the sprint now). " +
			"A product has one active sprint unless the team's backlog settings allow more.",
	}, func(ctx context.Context, in *startSprintRequest) (*sprintResponse, error) {
		b := in.Body
		sp, err := s.deps.Sprints.Start(ctx, teamAccess(ctx).Team.ID, in.Sprint, sprint.Start{
			Version: b.Version, Goal: b.Goal, StartDate: b.StartDate, EndDate: b.EndDate})
		if err != nil {
			return nil, err
		}
		return &sprintResponse{Body: sp}, nil
	})

	register(s, in(team.PermManageSprints), huma.Operation{
		OperationID: "complete-sprint", Method: http.MethodPost, Path: "/api/v1/teams/{team}/sprints/{sprint}/complete",
		Summary: "Complete the active sprint", Tags: tags,
		Description: "Items in a done status stay in the sprint; the others carry over to the backlog, the next sprint or a sprint you name.",
	}, func(ctx context.Context, in *completeSprintRequest) (*completionResponse, error) {
		c, err := s.deps.Sprints.Complete(ctx, teamAccess(ctx).Team.ID, in.Sprint, in.Body.Version, sprint.CarryTo(in.Body.CarryOver))
		if err != nil {
			return nil, err
		}
		return &completionResponse{Body: c}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-sprint-capacity", Method: http.MethodGet, Path: "/api/v1/teams/{team}/sprints/{sprint}/capacity",
		Summary: "Members' capacity in a sprint", Tags: tags,
	}, func(ctx context.Context, in *SprintPath) (*capacityResponse, error) {
		cs, err := s.deps.Sprints.Capacity(ctx, teamAccess(ctx).Team.ID, in.Sprint)
		if err != nil {
			return nil, err
		}
		out := &capacityResponse{}
		out.Body.Capacity = nonNil(cs)
		return out, nil
	})

	register(s, in(team.PermManageSprints), huma.Operation{
		OperationID: "set-sprint-capacity", Method: http.MethodPut, Path: "/api/v1/teams/{team}/sprints/{sprint}/capacity",
		Summary: "Set members' capacity in a sprint", Tags: tags,
	}, func(ctx context.Context, in *setCapacityRequest) (*capacityResponse, error) {
		cs, err := s.deps.Sprints.SetCapacity(ctx, teamAccess(ctx).Team.ID, in.Sprint, in.Body.Capacity)
		if err != nil {
			return nil, err
		}
		out := &capacityResponse{}
		out.Body.Capacity = nonNil(cs)
		return out, nil
	})
}
