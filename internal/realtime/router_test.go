package realtime

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/realtime/wire"
)

func TestRouterChannels(t *testing.T) {
	lookups := 0
	r := NewRouter()
	r.SetItemProduct(func(_ context.Context, team, item string) (string, error) {
		lookups++
		if item == "gone" {
			return "", errors.New("no such item")
		}
		return "p-of-" + item, nil
	})
	r.Handle("retro_note", func(_ context.Context, e activity.Entry) []string {
		return []string{wire.Room(e.TeamID, "retro-1")}
	})
	r.Handle("quiet", func(context.Context, activity.Entry) []string { return nil })
	const tm = "t1"
	tests := []struct {
		name string
		e    activity.Entry
		want []string
	}{
		{"item created names its product", entry(tm, 1, EntityItem, "i1", "created", 1, change("product_id", "p1")),
			[]string{wire.Item(tm, "i1"), wire.Backlog(tm, "p1")}},
		{"item update found through the lookup", entry(tm, 2, EntityItem, "i2", "updated", 2, change("title", "x")),
			[]string{wire.Item(tm, "i2"), wire.Backlog(tm, "p-of-i2")}},
		{"item whose product is unknown", entry(tm, 3, EntityItem, "gone", "updated", 2),
			[]string{wire.Item(tm, "gone")}},
		{"comment names its item", entry(tm, 4, "comment", "c1", "created", 1, change("item_id", "i1")),
			[]string{wire.Item(tm, "i1")}},
		{"product", entry(tm, 5, EntityProduct, "p1", "updated", 3),
			[]string{wire.Backlog(tm, "p1"), wire.Team(tm)}},
		{"backlog re-ranked", entry(tm, 6, EntityBacklog, "p1", "rebalanced", 0),
			[]string{wire.Backlog(tm, "p1")}},
		{"member", entry(tm, 7, EntityMember, "acct", ActionRemoved, 4),
			[]string{wire.Team(tm), wire.Member("acct")}},
		{"room", entry(tm, 8, EntityRoom, "r1", "step", 5), []string{wire.Room(tm, "r1")}},
		{"registered route", entry(tm, 9, "retro_note", "n1", "created", 1), []string{wire.Room(tm, "retro-1")}},
		{"registered route without an answer falls back", entry(tm, 10, "quiet", "q1", "created", 1), []string{wire.Team(tm)}},
		{"unknown type", entry(tm, 11, "sprint", "s1", "started", 2), []string{wire.Team(tm)}},
		{"unusable id is skipped", entry(tm, 12, "comment", "c2", "created", 1, change("item_id", "not an id")), []string{wire.Team(tm)}},
		{"a notification reaches its member alone", entry(tm, 15, EntityNotification, "n1", "created", 1,
			change("account_id", "acct-7"), change("item_id", "i1"), change("kind", "mention")),
			[]string{wire.Member("acct-7")}},
		{"a notification read", entry(tm, 16, EntityNotification, "n1", "read", 2,
			activity.Change{Field: "account_id", Before: []byte(`"acct-7"`), After: []byte(`"acct-7"`)}, change("read", true)),
			[]string{wire.Member("acct-7")}},
		{"a saved filter is its owner's alone", entry(tm, 18, EntityFilter, "f1", "created", 1,
			change("account_id", "acct-8"), change("product_id", "p1")), []string{wire.Member("acct-8")}},
		{"a saved filter's update, by its owner", activity.Entry{TeamID: tm, ActorID: "acct-8", EntityType: EntityFilter,
			EntityID: "f1", Action: "updated", Version: 2, Changes: []activity.Change{change("name", "Mine")}}, []string{wire.Member("acct-8")}},
		{"a notification naming no member goes nowhere", entry(tm, 17, EntityNotification, "n2", "created", 1, change("item_id", "i1")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Channels(context.Background(), tt.e)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("channels (-want +got):\n%s", diff)
			}
		})
	}
	// i1's product came with its creation and i2's was looked up once:
	// neither is looked up again.
	before := lookups
	r.Channels(context.Background(), entry(tm, 13, EntityItem, "i1", "updated", 2))
	r.Channels(context.Background(), entry(tm, 14, EntityItem, "i2", "updated", 3))
	if lookups != before {
		t.Errorf("%d more lookups for items whose product is known", lookups-before)
	}
}

func TestInvitationsGoToTheirActorAlone(t *testing.T) {
	r := NewRouter()
	got := r.Channels(context.Background(), activity.Entry{TeamID: "t1", ActorID: "a1", EntityType: "invitation", EntityID: "i1", Action: "created"})
	if len(got) != 1 || got[0] != "member:a1" {
		t.Errorf("invitation channels = %v, want [member:a1]", got)
	}
}
