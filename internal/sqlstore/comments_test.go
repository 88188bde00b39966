package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/comment"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/notification"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
)

// people is a team whose members have real accounts (mention handles come
// from their addresses), and one account that is not a member.
type people struct {
	*fixture
	ann, bob, cy, out string
	comments          *comment.Service
	inbox             *notification.Service
}

func newPeople(t *testing.T, s *sqlstore.Store) *people {
	t.Helper()
	ctx := context.Background()
	id := func(email string) string {
		a, err := s.CreateAccount(ctx, identity.Account{Email: email, DisplayName: email})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	p := &people{ann: id("ann@example.com"), bob: id("bob@example.com"), cy: id("cy@example.com"), out: id("out@example.com")}
	team := s.NewTeamForTest(t, p.ann, p.bob, p.cy)
	p.fixture = &fixture{s: s, svc: backlog.NewService(s, nil), team: team,
		product: s.NewProductForTest(t, team, "PAMA"), ctx: activity.WithActor(ctx, p.ann)}
	p.comments = comment.NewService(s, nil)
	p.inbox = notification.NewService(s, nil)
	return p
}

func (p *people) as(account string) context.Context {
	return activity.WithActor(context.Background(), account)
}

func (p *people) unread(t *testing.T, account string) []notification.Notification {
	t.Helper()
	in, err := p.inbox.List(p.ctx, p.team, notification.Query{AccountID: account, UnreadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if in.Unread != len(in.Notifications) {
		t.Errorf("unread count %d, listed %d", in.Unread, len(in.Notifications))
	}
	return in.Notifications
}

func (p *people) search(t *testing.T, text string) []string {
	t.Helper()
	page, err := p.svc.Search(p.ctx, p.team, backlog.Query{ProductID: p.product, Filter: backlog.Filter{Text: text}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

func TestCommentsMentionsAndSearch(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		p := newPeople(t, s)
		it := p.create(t, backlog.NewItem{Title: "Payment page"})
		c, err := p.comments.Create(p.ctx, p.team, it.ID, p.ann, "The zebra copy is wrong, @bob. cc @out @ann")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.Mentions, []string{p.bob, p.ann}) || c.BodyHTML == "" || c.TeamID != p.team {
			t.Errorf("created %+v", c)
		}
		if got := p.unread(t, p.bob); len(got) != 1 || got[0].CommentID != c.ID || got[0].ItemKey != it.Key || got[0].ActorID != p.ann {
			t.Errorf("bob's inbox = %+v", got)
		}
		for _, who := range []string{p.ann, p.out, p.cy} {
			if got := p.unread(t, who); len(got) != 0 {
				t.Errorf("%s notified: %+v", who, got)
			}
		}
		// The store itself refuses notices for non-members and the actor.
		if _, err := s.CreateComment(p.ctx, p.team, comment.Comment{ItemID: it.ID, AuthorID: p.ann, Body: "direct"},
			[]notification.Notice{{AccountID: p.out, Kind: notification.KindMention, ItemID: it.ID},
				{AccountID: p.ann, Kind: notification.KindMention, ItemID: it.ID},
				{AccountID: p.cy, Kind: notification.KindMention, ItemID: it.ID},
				{AccountID: p.cy, Kind: notification.KindMention, ItemID: it.ID}}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.UnreadCount(p.ctx, p.team, p.out); n != 0 {
			t.Errorf("non-member got %d notifications", n)
		}
		if got := p.unread(t, p.cy); len(got) != 1 || got[0].CommentID == "" {
			t.Errorf("cy (noticed twice) = %+v", got)
		}

		if got := p.search(t, "zebr"); !slices.Equal(got, []string{it.ID}) {
			t.Errorf("search by a comment's word = %v", got)
		}
		// Edit: only new mentions notify; search follows the text.
		if _, err := p.comments.Edit(p.as(p.bob), p.team, c.ID, comment.Actor{AccountID: p.bob}, 1, "mine now"); !errors.Is(err, comment.ErrNotAuthor) {
			t.Errorf("edit by another: %v", err)
		}
		_, err = p.comments.Edit(p.ctx, p.team, c.ID, comment.Actor{AccountID: p.ann}, 0, "stale")
		var vc *errkind.VersionConflict
		if !errors.As(err, &vc) || vc.Version != 1 || vc.Current.(comment.Comment).BodyHTML == "" {
			t.Errorf("stale edit: %v", err)
		}
		ed, err := p.comments.Edit(p.ctx, p.team, c.ID, comment.Actor{AccountID: p.ann}, 1, "The okapi copy, @bob and @cy")
		if err != nil {
			t.Fatal(err)
		}
		if ed.Version != 2 || ed.EditedAt.IsZero() || !slices.Equal(ed.Mentions, []string{p.bob, p.cy}) {
			t.Errorf("edited %+v", ed)
		}
		if got := p.unread(t, p.bob); len(got) != 1 {
			t.Errorf("bob notified again: %+v", got)
		}
		if got := p.unread(t, p.cy); len(got) != 2 {
			t.Errorf("cy, newly mentioned by the edit: %+v", got)
		}
		if got := p.search(t, "zebra"); len(got) != 0 {
			t.Errorf("search finds an edited-away word: %v", got)
		}
		if got := p.search(t, "okapi"); !slices.Equal(got, []string{it.ID}) {
			t.Errorf("search for the new word = %v", got)
		}
		// The same text again writes nothing.
		same, err := p.comments.Edit(p.ctx, p.team, c.ID, comment.Actor{AccountID: p.ann}, 2, "The okapi copy, @bob and @cy")
		if err != nil || same.Version != 2 {
			t.Errorf("unchanged edit = %d, %v", same.Version, err)
		}

		// Delete: a moderator may; the text leaves search, stays in history.
		if err := p.comments.Delete(p.as(p.bob), p.team, c.ID, comment.Actor{AccountID: p.bob}, 2); !errors.Is(err, comment.ErrNotAllowed) {
			t.Errorf("delete by a non-moderator: %v", err)
		}
		if err := p.comments.Delete(p.as(p.bob), p.team, c.ID, comment.Actor{AccountID: p.bob, Moderator: true}, 2); err != nil {
			t.Fatal(err)
		}
		got, err := p.comments.Get(p.ctx, p.team, c.ID)
		if err != nil || !got.Deleted || got.Body != "" || got.DeletedBy != p.bob || got.DeletedAt.IsZero() || got.Version != 3 {
			t.Errorf("deleted = %+v, %v", got, err)
		}
		if got := p.search(t, "okapi"); len(got) != 0 {
			t.Errorf("search finds a deleted comment: %v", got)
		}
		hist, err := s.EntityHistory(p.ctx, p.team, "comment", c.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range hist {
			actions = append(actions, e.Action)
		}
		if !slices.Equal(actions, []string{"created", "updated", "deleted"}) || hist[2].ActorID != p.bob {
			t.Errorf("history = %+v", hist)
		}
		for _, e := range hist {
			if !names(e, "item_id", it.ID) {
				t.Errorf("comment %s entry does not name its item, so cannot reach the item's channel: %+v", e.Action, e.Changes)
			}
		}
		if err := p.comments.Delete(p.ctx, p.team, c.ID, comment.Actor{AccountID: p.ann}, 3); !errors.Is(err, comment.ErrDeleted) {
			t.Errorf("deleting twice: %v", err)
		}
		if _, err := p.comments.Create(p.ctx, p.team, "no-such-item", p.ann, "x"); !errors.Is(err, backlog.ErrItemNotFound) {
			t.Errorf("comment on a missing item: %v", err)
		}
		if _, err := p.comments.Create(p.ctx, p.team, it.ID, p.ann, " \n "); !errors.Is(err, errkind.Invalid) {
			t.Errorf("blank comment: %v", err)
		}
	})
}

func TestAssignmentNotifies(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		p := newPeople(t, s)
		it := p.create(t, backlog.NewItem{Title: "Assigned", Assignees: []string{p.ann, p.bob}})
		if got := p.unread(t, p.bob); len(got) != 1 || got[0].Kind != notification.KindAssigned || got[0].ItemID != it.ID {
			t.Errorf("bob = %+v", got)
		}
		if got := p.unread(t, p.ann); len(got) != 0 {
			t.Errorf("ann assigned herself and was notified: %+v", got)
		}
		if _, err := p.svc.BulkEdit(p.ctx, p.team, backlog.Bulk{ProductID: p.product, ItemIDs: []string{it.ID}, AddAssignees: []string{p.cy}}); err != nil {
			t.Fatal(err)
		}
		if got := p.unread(t, p.cy); len(got) != 1 {
			t.Errorf("cy after bulk assign = %+v", got)
		}
		cur, _ := p.svc.Item(p.ctx, p.team, it.ID)
		as := []string{p.bob}
		if _, err := p.svc.UpdateItem(p.as(p.cy), p.team, it.ID, cur.Version, backlog.Patch{Assignees: &as}); err != nil {
			t.Fatal(err)
		}
		if got := p.unread(t, p.bob); len(got) != 1 {
			t.Errorf("bob, still assigned, notified again: %+v", got)
		}
		cur, _ = p.svc.Item(p.ctx, p.team, it.ID)
		as = []string{p.bob, p.ann}
		if _, err := p.svc.UpdateItem(p.as(p.cy), p.team, it.ID, cur.Version, backlog.Patch{Assignees: &as}); err != nil {
			t.Fatal(err)
		}
		got := p.unread(t, p.ann)
		if len(got) != 1 || got[0].ActorID != p.cy {
			t.Fatalf("ann assigned by cy = %+v", got)
		}
		// Read state.
		n, err := p.inbox.SetRead(p.ctx, p.team, p.ann, got[0].ID, true)
		if err != nil || !n.Read || n.ReadAt.IsZero() || n.Version != 2 {
			t.Errorf("read = %+v, %v", n, err)
		}
		if _, err := p.inbox.SetRead(p.ctx, p.team, p.bob, got[0].ID, true); !errors.Is(err, notification.ErrNotFound) {
			t.Errorf("marking another's: %v", err)
		}
		counts, err := p.inbox.UnreadCounts(p.ctx, p.bob, []string{p.team})
		if err != nil || counts[p.team] != 1 {
			t.Errorf("bob's counts = %v, %v", counts, err)
		}
		if n, err := p.inbox.MarkAllRead(p.ctx, p.team, p.bob); n != 1 || err != nil {
			t.Errorf("mark all = %d, %v", n, err)
		}
		feed, _ := s.ActivityFeed(p.ctx, p.team, 0, 200)
		for _, e := range feed {
			if e.EntityType == "notification" {
				t.Fatalf("the team feed shows %+v", e)
			}
		}
		hist, _ := s.EntityHistory(p.ctx, p.team, "notification", got[0].ID, 0, 10)
		if len(hist) != 2 || hist[1].Action != "read" {
			t.Errorf("notification record = %+v", hist)
		}
		for _, e := range hist {
			if !names(e, "account_id", p.ann) {
				t.Errorf("notification %s entry does not name its member: %+v", e.Action, e.Changes)
			}
		}
	})
}

// names reports whether an entry's changes name field as value (after, or
// before for a deletion): what the real-time layer routes by.
func names(e activity.Entry, field, value string) bool {
	want := `"` + value + `"`
	for _, c := range e.Changes {
		if c.Field == field && (string(c.After) == want || len(c.After) == 0 && string(c.Before) == want) {
			return true
		}
	}
	return false
}
