package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/notification"
	"github.com/pamateam/pama/internal/team"
)

type NotificationPath struct {
	TeamPath
	Notification string `path:"notification" maxLength:"64" doc:"Notification id"`
}

type listNotificationsRequest struct {
	TeamPath
	Unread bool `query:"unread" doc:"Only unread notifications"`
	Page
}

type notificationPage struct {
	Body notification.Inbox
}

type updateNotificationRequest struct {
	NotificationPath
	Body struct {
		Read bool `json:"read" doc:"true marks it read, false unread"`
	}
}

type notificationResponse struct {
	Body notification.Notification
}

type markAllReadResponse struct {
	Body struct {
		Marked int `json:"marked" doc:"How many notifications were unread"`
	}
}

type TeamUnread struct {
	TeamID string `json:"team_id"`
	Slug   string `json:"slug"`
	Name   string `json:"name"`
	Unread int    `json:"unread"`
}

type notificationSummaryResponse struct {
	Body struct {
		Unread int          `json:"unread" doc:"Unread notifications in all your teams"`
		Teams  []TeamUnread `json:"teams" doc:"Your teams with their unread counts, by name"`
	}
}

func (s *Server) notificationRoutes() {
	tags := []string{"Notifications"}
	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-notifications", Method: http.MethodGet, Path: "/api/v1/teams/{team}/notifications",
		Summary: "Your notifications in a team", Tags: tags,
		Description: "Your inbox in this team space, newest first, with how many are unread: mentions in comments and items you were assigned. " +
			"New ones are also published on your real-time channel `member:<account>`.",
	}, func(ctx context.Context, in *listNotificationsRequest) (*notificationPage, error) {
		p, err := s.deps.Notifications.List(ctx, teamAccess(ctx).Team.ID, notification.Query{
			AccountID: accountID(ctx), UnreadOnly: in.Unread, Cursor: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		return &notificationPage{Body: p}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "update-notification", Method: http.MethodPatch, Path: "/api/v1/teams/{team}/notifications/{notification}",
		Summary: "Mark a notification read or unread", Tags: tags,
		Description: "Only your own notifications: anyone else's is not found.",
	}, func(ctx context.Context, in *updateNotificationRequest) (*notificationResponse, error) {
		n, err := s.deps.Notifications.SetRead(ctx, teamAccess(ctx).Team.ID, accountID(ctx), in.Notification, in.Body.Read)
		if err != nil {
			return nil, err
		}
		return &notificationResponse{Body: n}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "mark-all-notifications-read", Method: http.MethodPost, Path: "/api/v1/teams/{team}/notifications/read-all",
		Summary: "Mark all your notifications in a team read", Tags: tags,
	}, func(ctx context.Context, in *TeamPath) (*markAllReadResponse, error) {
		n, err := s.deps.Notifications.MarkAllRead(ctx, teamAccess(ctx).Team.ID, accountID(ctx))
		if err != nil {
			return nil, err
		}
		out := &markAllReadResponse{}
		out.Body.Marked = n
		return out, nil
	})

	register(s, signedIn, huma.Operation{
		OperationID: "notification-summary", Method: http.MethodGet, Path: "/api/v1/me/notifications",
		Summary: "Unread notifications in all your teams", Tags: tags,
		Description: "Notifications live in the team space of their item; this sums up your unread ones in each of your teams " +
			"(up to 200 teams). List them per team with `GET /api/v1/teams/{team}/notifications`.",
	}, func(ctx context.Context, _ *struct{}) (*notificationSummaryResponse, error) {
		me := accountID(ctx)
		teams, _, err := s.deps.Teams.MyTeams(ctx, me, team.Page{Limit: notification.MaxTeams})
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(teams))
		for i, t := range teams {
			ids[i] = t.ID
		}
		counts, err := s.deps.Notifications.UnreadCounts(ctx, me, ids)
		if err != nil {
			return nil, err
		}
		out := &notificationSummaryResponse{}
		out.Body.Teams = []TeamUnread{}
		for _, t := range teams {
			n, ok := counts[t.ID]
			if !ok {
				continue
			}
			out.Body.Teams = append(out.Body.Teams, TeamUnread{TeamID: t.ID, Slug: t.Slug, Name: t.Name, Unread: n})
			out.Body.Unread += n
		}
		return out, nil
	})
}
