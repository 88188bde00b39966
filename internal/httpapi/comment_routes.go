package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/comment"
	"github.com/pamateam/pama/internal/team"
)

// commentBodyLimit allows 20,000 characters of up to four bytes, escaped.
const commentBodyLimit = 256 << 10

type CommentPath struct {
	TeamPath
	Comment string `path:"comment" maxLength:"64" doc:"Comment id"`
}

type listCommentsRequest struct {
	ItemPath
	Page
}

type commentPage struct {
	Body struct {
		Comments   []comment.Comment `json:"comments"`
		NextCursor string            `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last"`
	}
}

type createCommentRequest struct {
	ItemPath
	Body struct {
		Body string `json:"body" minLength:"1" maxLength:"20000" example:"Looks good to me, @ada: can you check the copy?" doc:"Markdown; @handle mentions a member"`
	}
}

type commentResponse struct {
	Body comment.Comment
}

type updateCommentRequest struct {
	CommentPath
	Body struct {
		Version int64  `json:"version" minimum:"1" doc:"The version the change is based on"`
		Body    string `json:"body" minLength:"1" maxLength:"20000" doc:"The new Markdown"`
	}
}

type deleteCommentRequest struct {
	CommentPath
	VersionQuery
}

type commentHistoryRequest struct {
	CommentPath
	Page
}

type mentionsRequest struct {
	TeamPath
	Prefix string `query:"prefix" maxLength:"64" doc:"What follows the @ so far; empty lists everyone" example:"ad"`
	Limit  int    `query:"limit" minimum:"1" maximum:"20" default:"10"`
}

type mentionsResponse struct {
	Body struct {
		Members []comment.MemberHandle `json:"members"`
	}
}

// moderator reports whether the caller's role in the team lets them delete
// other people's comments and files: owners and admins.
func moderator(ctx context.Context) bool {
	r := teamAccess(ctx).Member.Role
	return r == team.RoleOwner || r == team.RoleAdmin
}

func (s *Server) commentRoutes() {
	tags := []string{"Comments"}
	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-comments", Method: http.MethodGet, Path: "/api/v1/teams/{team}/items/{item}/comments",
		Summary: "Comments on an item", Tags: tags,
		Description: "Oldest first. Deleted comments stay in the list with `deleted` set and an empty body: show them as \"comment deleted\".",
	}, func(ctx context.Context, in *listCommentsRequest) (*commentPage, error) {
		id, err := s.itemID(ctx, in.Item)
		if err != nil {
			return nil, err
		}
		list, next, err := s.deps.Comments.List(ctx, teamAccess(ctx).Team.ID, id, in.Cursor, in.Limit)
		if err != nil {
			return nil, err
		}
		out := &commentPage{}
		out.Body.Comments, out.Body.NextCursor = nonNil(list), next
		return out, nil
	})

	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "create-comment", Method: http.MethodPost, Path: "/api/v1/teams/{team}/items/{item}/comments",
		Summary: "Comment on an item", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: commentBodyLimit,
		Description: "Markdown, up to 20,000 characters. `@handle` mentions a member (handles come from `GET .../mentions`): " +
			"each member mentioned, other than you, gets a notification. Mentions of people who are not members do nothing.",
	}, func(ctx context.Context, in *createCommentRequest) (*commentResponse, error) {
		id, err := s.itemID(ctx, in.Item)
		if err != nil {
			return nil, err
		}
		c, err := s.deps.Comments.Create(ctx, teamAccess(ctx).Team.ID, id, accountID(ctx), in.Body.Body)
		if err != nil {
			return nil, err
		}
		return &commentResponse{Body: c}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-comment", Method: http.MethodGet, Path: "/api/v1/teams/{team}/comments/{comment}",
		Summary: "Get a comment", Tags: tags,
	}, func(ctx context.Context, in *CommentPath) (*commentResponse, error) {
		c, err := s.deps.Comments.Get(ctx, teamAccess(ctx).Team.ID, in.Comment)
		if err != nil {
			return nil, err
		}
		return &commentResponse{Body: c}, nil
	})

	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "update-comment", Method: http.MethodPatch, Path: "/api/v1/teams/{team}/comments/{comment}",
		Summary: "Edit your comment", Tags: tags, MaxBodyBytes: commentBodyLimit,
		Description: "Only the author may edit a comment. A stale version gets 409 with the current comment. " +
			"Members the new text mentions that the old one did not are notified; no one else is. " +
			"Earlier texts are in the comment's history.",
	}, func(ctx context.Context, in *updateCommentRequest) (*commentResponse, error) {
		c, err := s.deps.Comments.Edit(ctx, teamAccess(ctx).Team.ID, in.Comment,
			comment.Actor{AccountID: accountID(ctx), Moderator: moderator(ctx)}, in.Body.Version, in.Body.Body)
		if err != nil {
			return nil, err
		}
		return &commentResponse{Body: c}, nil
	})

	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "delete-comment", Method: http.MethodDelete, Path: "/api/v1/teams/{team}/comments/{comment}",
		Summary: "Delete a comment", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "The author may delete their comment, and a team admin or owner anyone's. The comment stays in the list as " +
			"\"comment deleted\"; what it said stays in its history. Its attachments are deleted.",
	}, func(ctx context.Context, in *deleteCommentRequest) (*struct{}, error) {
		tm := teamAccess(ctx).Team.ID
		err := s.deps.Comments.Delete(ctx, tm, in.Comment, comment.Actor{AccountID: accountID(ctx), Moderator: moderator(ctx)}, in.Version)
		if err != nil {
			return nil, err
		}
		s.deps.Files.Sweep(ctx, tm)
		return nil, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "comment-history", Method: http.MethodGet, Path: "/api/v1/teams/{team}/comments/{comment}/history",
		Summary: "History of a comment", Tags: tags,
		Description: "Every version of the comment, oldest first: its creation, each edit and its deletion, with the text before and after.",
	}, func(ctx context.Context, in *commentHistoryRequest) (*activityPage, error) {
		var after int64
		if err := decodeCursor(in.Cursor, &after); err != nil {
			return nil, err
		}
		tm := teamAccess(ctx).Team.ID
		if _, err := s.deps.Comments.Get(ctx, tm, in.Comment); err != nil {
			return nil, err
		}
		list, err := s.deps.Activity.EntityHistory(ctx, tm, "comment", in.Comment, after, in.Limit+1)
		if err != nil {
			return nil, err
		}
		return activityPageOf(list, in.Limit), nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "suggest-mentions", Method: http.MethodGet, Path: "/api/v1/teams/{team}/mentions",
		Summary: "Members to mention", Tags: tags,
		Description: "Members whose handle, or a word of whose name, starts with `prefix`, for completing `@` in a comment. " +
			"A member's handle is the part of their e-mail address before the @ (and before any +), lower-cased, " +
			"with -2, -3, ... added when two members would share one (the member who joined first keeps it).",
	}, func(ctx context.Context, in *mentionsRequest) (*mentionsResponse, error) {
		list, err := s.deps.Comments.Suggest(ctx, teamAccess(ctx).Team.ID, in.Prefix, in.Limit)
		if err != nil {
			return nil, err
		}
		out := &mentionsResponse{}
		out.Body.Members = nonNil(list)
		return out, nil
	})
}
