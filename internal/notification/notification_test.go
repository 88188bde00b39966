package notification_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/notification"
)

// counts is a Store whose unread counts come from a map; a team missing from
// it fails, as a team space whose database is down does.
type counts struct {
	notification.Store
	unread map[string]int
}

func (c counts) UnreadCount(_ context.Context, team, _ string) (int, error) {
	n, ok := c.unread[team]
	if !ok {
		return 0, errors.New("team space unavailable")
	}
	return n, nil
}

func TestUnreadCountsSkipTeamsInTrouble(t *testing.T) {
	svc := notification.NewService(counts{unread: map[string]int{"a": 2, "b": 0}}, nil)
	got, err := svc.UnreadCounts(context.Background(), "me", []string{"a", "down", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"a": 2, "b": 0}, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := svc.UnreadCounts(ctx, "me", []string{"down"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestListRefusesHugePages(t *testing.T) {
	svc := notification.NewService(counts{}, nil)
	_, err := svc.List(context.Background(), "t", notification.Query{AccountID: "me", Limit: notification.MaxPage + 1})
	var fe *errkind.FieldError
	if !errors.As(err, &fe) || fe.Field != "query.limit" {
		t.Errorf("List with limit %d: %v", notification.MaxPage+1, err)
	}
}
