package ceremony

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/team"
)

// An asynchronous round reveals at its deadline with the votes it has: the
// service calls Expire once the room's deadline has passed, which a test
// cannot wait for, so this drives the rules directly.
func TestPokerAsyncDeadline(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	acting := func(id string, now time.Time) *Env {
		return &Env{Access: team.Access{Member: team.Member{AccountID: id, Role: team.RoleMember}}, Now: now}
	}
	r := Room{ID: "room", Kind: KindPoker, Status: StatusActive, Participants: []Participant{
		{AccountID: "ana", JoinedAt: start, Active: true}, {AccountID: "li", JoinedAt: start, Active: true}}}
	ps := pokerState{Deck: team.DeckFibonacci, Cards: team.DeckFibonacci.Cards(nil), Async: time.Hour,
		Expected: []string{"ana", "li", "bo"}, Rounds: []pokerRound{}}
	ps.open(&r, roundItem{}, start)
	r.Step = pokerStepVoting
	if err := r.Save(ps); err != nil {
		t.Fatal(err)
	}
	if !r.Deadline.Equal(start.Add(time.Hour)) {
		t.Fatalf("deadline = %v, want an hour after the start", r.Deadline)
	}

	for _, v := range []struct{ who, card string }{{"ana", "5"}, {"li", "8"}} {
		apply, err := pokerRules{}.Act(ctx, acting(v.who, start.Add(time.Minute)), r, Action{Type: actPokerVote, Value: v.card})
		if err != nil {
			t.Fatal(err)
		}
		c, err := apply(&r)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range c.Changes {
			if strings.Contains(string(ch.After), v.card) {
				t.Errorf("the vote's change carries its card: %s=%s", ch.Field, ch.After)
			}
		}
	}
	// Bo, expected, has not voted: the round still waits.
	view := View{Me: "li"}
	if err := (pokerRules{}).View(ctx, acting("li", start), &r, &view); err != nil {
		t.Fatal(err)
	}
	if rd := view.Poker.Round; rd.Revealed || len(rd.Votes) != 0 || rd.MyVote != "8" || len(rd.Waiting) != 1 || rd.Waiting[0] != "bo" {
		t.Fatalf("before the deadline li sees %+v", rd)
	}

	c, moved, err := pokerRules{}.Expire(&r, start.Add(time.Hour+time.Second))
	if err != nil || !moved || c.Action != "revealed" {
		t.Fatalf("expire = %+v, %v, %v", c, moved, err)
	}
	if !r.Deadline.IsZero() || r.Step != pokerStepRevealed {
		t.Errorf("after the deadline: deadline %v, step %s", r.Deadline, r.Step)
	}
	view = View{Me: "bo"}
	if err := (pokerRules{}).View(ctx, acting("bo", start), &r, &view); err != nil {
		t.Fatal(err)
	}
	rd := view.Poker.Round
	if !rd.Revealed || rd.Reason != revealDeadline || len(rd.Votes) != 2 || rd.Stats == nil || *rd.Stats.Median != 6.5 {
		t.Fatalf("after the deadline bo sees %+v", rd)
	}
	// A revealed round has nothing left to expire.
	if _, moved, err := (pokerRules{}).Expire(&r, start.Add(2*time.Hour)); err != nil || moved {
		t.Errorf("expiring a revealed round: moved %v, %v", moved, err)
	}
	// A new round of an asynchronous room gets its own window.
	apply, err := pokerRules{}.Act(ctx, acting("ana", start.Add(3*time.Hour)), r, Action{Type: actPokerRevote})
	if err == nil {
		_, err = apply(&r)
	}
	if err != nil || !r.Deadline.Equal(start.Add(4*time.Hour)) {
		t.Errorf("revote: deadline %v, %v", r.Deadline, err)
	}
}
