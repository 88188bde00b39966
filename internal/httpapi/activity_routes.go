package httpapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/team"
)

// ActivityReader reads the activity record; sqlstore.Store implements it.
type ActivityReader interface {
	ActivityFeed(ctx context.Context, team string, before int64, limit int, hide ...string) ([]activity.Entry, error)
	EntityHistory(ctx context.Context, team, entityType, entityID string, after int64, limit int) ([]activity.Entry, error)
}

type feedRequest struct {
	Team string `path:"team" maxLength:"64" doc:"Team space id or address"`
	Page
}

type historyRequest struct {
	Team       string `path:"team" maxLength:"64" doc:"Team space id or address"`
	EntityType string `path:"entity_type" maxLength:"40" pattern:"^[a-z_]+$" example:"product"`
	EntityID   string `path:"entity_id" maxLength:"64"`
	Page
}

type activityPage struct {
	Body struct {
		Entries    []activity.Entry `json:"entries"`
		NextCursor string           `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last"`
	}
}

func (s *Server) activityRoutes() {
	register(s, in(team.PermView), huma.Operation{
		OperationID: "team-activity", Method: http.MethodGet, Path: "/api/v1/teams/{team}/activity",
		Summary: "The team's activity feed", Tags: []string{"Activity"},
		Description: "Everything done in the team space, newest first: who did what to which entity, with the fields that changed.",
	}, func(ctx context.Context, in *feedRequest) (*activityPage, error) {
		var before int64
		if err := decodeCursor(in.Cursor, &before); err != nil {
			return nil, err
		}
		list, err := s.deps.Activity.ActivityFeed(ctx, teamAccess(ctx).Team.ID, before, in.Limit+1, hiddenFrom(teamAccess(ctx))...)
		if err != nil {
			return nil, err
		}
		return activityPageOf(list, in.Limit), nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "entity-history", Method: http.MethodGet, Path: "/api/v1/teams/{team}/history/{entity_type}/{entity_id}",
		Summary: "History of one entity", Tags: []string{"Activity"},
		Description: "Every recorded change to one entity (an item, a product, a member, ...), oldest first, with values before and after.",
	}, func(ctx context.Context, in *historyRequest) (*activityPage, error) {
		var after int64
		if err := decodeCursor(in.Cursor, &after); err != nil {
			return nil, err
		}
		if in.EntityType == "notification" {
			// Notifications are their member's own.
			return nil, newProblem(http.StatusNotFound, "Notifications have no shared history.")
		}
		if slices.Contains(hiddenFrom(teamAccess(ctx)), in.EntityType) {
			return nil, newProblem(http.StatusNotFound, "Nothing of that type and id was ever recorded in this team space.")
		}
		list, err := s.deps.Activity.EntityHistory(ctx, teamAccess(ctx).Team.ID, in.EntityType, in.EntityID, after, in.Limit+1)
		if err != nil {
			return nil, err
		}
		if in.Cursor == "" && len(list) == 0 {
			// Every entity's creation is recorded: no history means no such
			// entity in this team (perhaps one of another team).
			return nil, newProblem(http.StatusNotFound, "Nothing of that type and id was ever recorded in this team space.")
		}
		return activityPageOf(list, in.Limit), nil
	})
}

// activityPageOf makes a page of entries read with limit+1, so that an extra
// entry means there is more, from the last entry's position.
func activityPageOf(list []activity.Entry, limit int) *activityPage {
	out := &activityPage{}
	if len(list) > limit {
		list = list[:limit]
		out.Body.NextCursor = encodeCursor(list[len(list)-1].Seq)
	}
	out.Body.Entries = nonNil(list)
	return out
}

// hiddenFrom lists the entity types a member may not read in the activity
// record: invitations (they name the invited addresses) are for those who
// manage members, as their REST listing is.
func hiddenFrom(acc team.Access) []string {
	if acc.Can(team.PermManageMembers) {
		return nil
	}
	return []string{"invitation"}
}

// nonNil returns an empty slice for nil, so lists encode as [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
