package comment

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/notification"
)

// Store is the persistence comments need; sqlstore.Store implements it.
// Every change writes its activity record, keeps the item's search document
// up to date and writes its notices, all in one transaction.
type Store interface {
	// CreateComment saves c (ItemID, AuthorID, Body, Mentions) as a new
	// comment of its item and writes notices (those without a CommentID
	// get the new comment's). An unknown item is
	// backlog.ErrItemNotFound; an item with MaxPerItem comments, ErrTooMany.
	CreateComment(ctx context.Context, team string, c Comment, notices []notification.Notice) (Comment, error)
	Comment(ctx context.Context, team, id string) (Comment, error)
	// Comments returns a page of an item's comments, oldest first, and the
	// cursor of the next page ("" on the last).
	Comments(ctx context.Context, team, itemID, cursor string, limit int) ([]Comment, string, error)
	// UpdateComment loads a comment, lets fn change it (Body, Mentions,
	// Deleted) and saves it with the next version, writing the notices fn
	// returns. If fn fails nothing is written. Deleting a comment also
	// deletes its attachments.
	UpdateComment(ctx context.Context, team, id string, fn func(c *Comment) ([]notification.Notice, error)) (Comment, error)
	// People returns the team's members with their account details.
	People(ctx context.Context, team string) ([]Person, error)
}

// Service is the comments' use cases.
type Service struct {
	store Store
	log   *slog.Logger
	md    *backlog.Renderer
}

// NewService returns a Service on store.
func NewService(store Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, log: log, md: backlog.NewRenderer()}
}

func (s *Service) render(c Comment) Comment {
	c.BodyHTML = s.md.HTML(c.Body)
	if c.Mentions == nil {
		c.Mentions = []string{}
	}
	return c
}

// renderConflict renders the comment inside a version conflict.
func (s *Service) renderConflict(err error) error {
	if vc, ok := err.(*errkind.VersionConflict); ok {
		if cur, ok := vc.Current.(Comment); ok {
			vc.Current = s.render(cur)
		}
	}
	return err
}

// mentions returns the account ids of the members body mentions.
func (s *Service) mentions(ctx context.Context, team, body string) ([]string, error) {
	handles := Mentioned(s.md.Prose(body))
	if len(handles) == 0 {
		return []string{}, nil
	}
	people, err := s.store.People(ctx, team)
	if err != nil {
		return nil, fmt.Errorf("comment: look up members: %w", err)
	}
	byHandle := map[string]string{}
	for id, h := range Handles(people) {
		byHandle[h] = id
	}
	ids := resolve(handles, byHandle)
	if len(ids) > MaxMentions {
		return nil, errManyMention
	}
	return ids, nil
}

// notices returns a mention notice for each account in ids but the author.
func notices(ids []string, author, itemID, commentID string) []notification.Notice {
	var out []notification.Notice
	for _, id := range ids {
		if id != author {
			out = append(out, notification.Notice{AccountID: id, Kind: notification.KindMention, ItemID: itemID, CommentID: commentID})
		}
	}
	return out
}

// Create adds a comment by author to an item. Members it mentions are
// notified.
func (s *Service) Create(ctx context.Context, team, itemID, author, body string) (Comment, error) {
	if err := checkBody(body); err != nil {
		return Comment{}, err
	}
	ids, err := s.mentions(ctx, team, body)
	if err != nil {
		return Comment{}, err
	}
	c := Comment{ItemID: itemID, AuthorID: author, Body: body, Mentions: ids}
	// The store fills in the comment id of the notices.
	c, err = s.store.CreateComment(ctx, team, c, notices(ids, author, itemID, ""))
	if err != nil {
		return Comment{}, err
	}
	return s.render(c), nil
}

// Get returns one comment.
func (s *Service) Get(ctx context.Context, team, id string) (Comment, error) {
	c, err := s.store.Comment(ctx, team, id)
	if err != nil {
		return Comment{}, err
	}
	return s.render(c), nil
}

// List returns a page of an item's comments, oldest first, deleted ones
// included (as "comment deleted").
func (s *Service) List(ctx context.Context, team, itemID, cursor string, limit int) ([]Comment, string, error) {
	if limit <= 0 {
		limit = DefaultPage
	}
	if limit > MaxPage {
		return nil, "", errkind.Field("query.limit", fmt.Sprintf("must be 1 to %d", MaxPage))
	}
	list, next, err := s.store.Comments(ctx, team, itemID, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]Comment, len(list))
	for i, c := range list {
		out[i] = s.render(c)
	}
	return out, next, nil
}

// Edit replaces the body of a comment still at version. Only the author may
// edit, and a deleted comment cannot be. Members the new body mentions that
// the old one did not are notified; no one else is.
func (s *Service) Edit(ctx context.Context, team, id string, actor Actor, version int64, body string) (Comment, error) {
	if err := checkBody(body); err != nil {
		return Comment{}, err
	}
	ids, err := s.mentions(ctx, team, body)
	if err != nil {
		return Comment{}, err
	}
	c, err := s.store.UpdateComment(ctx, team, id, func(c *Comment) ([]notification.Notice, error) {
		if c.Deleted {
			return nil, ErrDeleted
		}
		if c.AuthorID != actor.AccountID {
			return nil, ErrNotAuthor
		}
		if c.Version != version {
			return nil, &errkind.VersionConflict{Entity: "comment", Version: c.Version, Current: *c}
		}
		var added []string
		for _, m := range ids {
			if !slices.Contains(c.Mentions, m) {
				added = append(added, m)
			}
		}
		c.Body, c.Mentions = body, ids
		return notices(added, c.AuthorID, c.ItemID, c.ID), nil
	})
	if err != nil {
		return Comment{}, s.renderConflict(err)
	}
	return s.render(c), nil
}

// Delete deletes a comment still at version, leaving "comment deleted" in
// its place; its text stays in the activity record. The author may delete
// their comment, and a team admin or owner anyone's. The comment's
// attachments are deleted with it.
func (s *Service) Delete(ctx context.Context, team, id string, actor Actor, version int64) error {
	_, err := s.store.UpdateComment(ctx, team, id, func(c *Comment) ([]notification.Notice, error) {
		if c.AuthorID != actor.AccountID && !actor.Moderator {
			return nil, ErrNotAllowed
		}
		if c.Deleted {
			return nil, ErrDeleted
		}
		if c.Version != version {
			return nil, &errkind.VersionConflict{Entity: "comment", Version: c.Version, Current: *c}
		}
		c.Deleted, c.DeletedBy = true, actor.AccountID
		c.Body, c.Mentions = "", []string{}
		return nil, nil
	})
	return s.renderConflict(err)
}

// Suggest returns up to limit members to offer after "@" + prefix: those
// whose handle or a word of whose display name starts with prefix.
func (s *Service) Suggest(ctx context.Context, team, prefix string, limit int) ([]MemberHandle, error) {
	if limit <= 0 || limit > MaxSuggestions {
		limit = MaxSuggestions
	}
	people, err := s.store.People(ctx, team)
	if err != nil {
		return nil, err
	}
	return suggest(people, Handles(people), prefix, limit), nil
}
