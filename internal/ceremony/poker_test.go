package ceremony_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/ceremony"
	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/team"
)

// pokerRoom is an estimation room's view.
type pokerRoom struct {
	room
	Poker *struct {
		Deck         string   `json:"deck"`
		Cards        []string `json:"cards"`
		AsyncMinutes int      `json:"async_minutes"`
		Reference    *struct {
			ItemID string `json:"item_id"`
		} `json:"reference"`
		Round   *pokerRoundView  `json:"round"`
		History []pokerRoundView `json:"history"`
	} `json:"poker"`
}

type pokerRoundView struct {
	Number   int      `json:"number"`
	ItemID   string   `json:"item_id"`
	Attempt  int      `json:"attempt"`
	Deadline string   `json:"deadline"`
	Voted    []string `json:"voted"`
	Waiting  []string `json:"waiting"`
	MyVote   string   `json:"my_vote"`
	Revealed bool     `json:"revealed"`
	Reason   string   `json:"reason"`
	Votes    []struct {
		AccountID string `json:"account_id"`
		Card      string `json:"card"`
	} `json:"votes"`
	Stats *struct {
		Median     *float64 `json:"median"`
		MedianCard string   `json:"median_card"`
		Consensus  bool     `json:"consensus"`
		Outliers   []string `json:"outliers"`
		Unsure     int      `json:"unsure"`
		Passed     int      `json:"passed"`
	} `json:"stats"`
	Final  string   `json:"final"`
	Points *float64 `json:"points"`
}

// cards returns the revealed votes as account → card.
func (rv *pokerRoundView) cards() map[string]string {
	out := map[string]string{}
	for _, v := range rv.Votes {
		out[v.AccountID] = v.Card
	}
	return out
}

// pokerView reads the room as c sees it.
func (s *squad) pokerView(t *testing.T, c *apptest.Client, id string) pokerRoom {
	t.Helper()
	var v pokerRoom
	s.view(t, c, id, &v)
	if v.Poker == nil || v.Poker.Round == nil {
		t.Fatalf("no poker round in %+v", v)
	}
	return v
}

// pokerHidden fails unless c's view of the current round shows who voted but no
// one's card but c's own.
func (s *squad) pokerHidden(t *testing.T, c *apptest.Client, id string, voted []string, mine string) {
	t.Helper()
	v := s.pokerView(t, c, id)
	rd := v.Poker.Round
	if rd.Revealed || len(rd.Votes) != 0 || rd.Stats != nil {
		t.Fatalf("%s sees the cards before the reveal: %+v", c.Account.Email, rd)
	}
	if !cmp.Equal(pokerSorted(rd.Voted), pokerSorted(voted)) {
		t.Errorf("%s sees voted = %v, want %v", c.Account.Email, rd.Voted, voted)
	}
	if rd.MyVote != mine {
		t.Errorf("%s sees their own vote %q, want %q", c.Account.Email, rd.MyVote, mine)
	}
}

func pokerSorted(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func TestPokerRound(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member", "member", "observer")
		ana, li, bo, ob := s.members[0], s.members[1], s.members[2], s.members[3]
		story := s.item(t, "Sign in")
		must(t, li.Do(t, "PUT", "/api/v1/teams/"+s.team+"/estimation-reference", map[string]any{"item_id": story}), http.StatusOK, "reference")

		var v pokerRoom
		s.start(t, ana, map[string]any{"kind": "poker", "product_id": s.product, "item_id": story}, &v)
		if v.Poker == nil || v.Poker.Deck != "fibonacci" || v.Poker.Round == nil || v.Poker.Round.ItemID != story || v.Step != "voting" {
			t.Fatalf("new room = %+v", v)
		}
		if !slices.Contains(v.Poker.Cards, "?") || !slices.Contains(v.Poker.Cards, "pass") || !slices.Contains(v.Poker.Cards, "13") {
			t.Errorf("cards = %v", v.Poker.Cards)
		}
		if v.Poker.Reference == nil || v.Poker.Reference.ItemID != story {
			t.Errorf("the reference item is not shown: %+v", v.Poker.Reference)
		}
		id := v.ID
		s.do(t, li, id, map[string]any{"type": "join"}, nil)
		s.do(t, bo, id, map[string]any{"type": "join"}, nil)
		live := env.Live(t, ob)
		if !live.Subscribe(wire.Room(s.team, id)) {
			t.Fatal("the observer cannot subscribe to the room channel")
		}

		// Ana votes, then changes her mind; nobody else sees her card.
		s.do(t, ana, id, map[string]any{"type": "vote", "value": "21"}, nil)
		s.do(t, ana, id, map[string]any{"type": "vote", "value": "34"}, nil)
		s.pokerHidden(t, ana, id, []string{ana.Account.ID}, "34")
		s.pokerHidden(t, li, id, []string{ana.Account.ID}, "")
		s.pokerHidden(t, ob, id, []string{ana.Account.ID}, "")
		if w := s.pokerView(t, li, id).Poker.Round.Waiting; !cmp.Equal(pokerSorted(w), pokerSorted([]string{li.Account.ID, bo.Account.ID})) {
			t.Errorf("waiting = %v", w)
		}
		// An observer does not vote; a card not in the deck names the field.
		if r := s.act(t, ob, id, map[string]any{"type": "vote", "value": "5"}); r.Status != http.StatusForbidden {
			t.Errorf("observer vote = %d", r.Status)
		}
		if r := s.act(t, li, id, map[string]any{"type": "vote", "value": "4"}); r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.value") {
			t.Errorf("vote 4 in a Fibonacci deck = %d %s", r.Status, r.Body)
		}
		// Only who votes is recorded: neither an accept nor a reveal before everyone is in.
		if r := s.act(t, li, id, map[string]any{"type": "accept", "value": "5"}); r.Status != http.StatusConflict {
			t.Errorf("accept before the reveal = %d", r.Status)
		}

		// The observer heard of both votes, and of no card.
		noCardsOnChannel(t, live, wire.Room(s.team, id), id, 2, "21", "34")

		// A restart mid-round loses nothing.
		env.Restart(t)
		live2 := env.Live(t, ob)
		if !live2.Subscribe(wire.Room(s.team, id)) {
			t.Fatal("the observer cannot subscribe to the room channel after the restart")
		}
		s.pokerHidden(t, li, id, []string{ana.Account.ID}, "")
		s.pokerHidden(t, ana, id, []string{ana.Account.ID}, "34")

		// Li and Bo vote at once: the last vote reveals, and both votes count.
		var wg sync.WaitGroup
		res := make([]*apptest.Response, 2)
		for i, c := range []*apptest.Client{li, bo} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = c.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms/"+id+"/actions", map[string]any{"type": "vote", "value": []string{"55", "?"}[i]})
			}()
		}
		wg.Wait()
		for _, r := range res {
			must(t, r, http.StatusOK, "simultaneous vote")
		}
		v = s.pokerView(t, ob, id)
		rd := v.Poker.Round
		want := map[string]string{ana.Account.ID: "34", li.Account.ID: "55", bo.Account.ID: "?"}
		if !rd.Revealed || rd.Reason != "all_voted" || !cmp.Equal(rd.cards(), want) || v.Step != "revealed" {
			t.Fatalf("after everyone voted: step %s, %+v", v.Step, rd)
		}
		if rd.Stats == nil || rd.Stats.Median == nil || *rd.Stats.Median != 44.5 || rd.Stats.Unsure != 1 || rd.Stats.Consensus {
			t.Errorf("stats = %+v", rd.Stats)
		}
		if r := s.act(t, li, id, map[string]any{"type": "vote", "value": "5"}); r.Status != http.StatusConflict {
			t.Errorf("vote after the reveal = %d", r.Status)
		}

		// The room channel told the observer of every vote, and never a card.
		noCardsOnChannel(t, live2, wire.Room(s.team, id), id, 2, "21", "34", "55", "?")

		// Re-vote: the first round stays in the history; leaving and coming
		// back keeps a vote.
		s.do(t, ana, id, map[string]any{"type": "revote"}, nil)
		s.do(t, bo, id, map[string]any{"type": "vote", "value": "13"}, nil)
		s.do(t, bo, id, map[string]any{"type": "leave"}, nil)
		s.do(t, ana, id, map[string]any{"type": "vote", "value": "8"}, nil)
		s.pokerHidden(t, li, id, []string{bo.Account.ID, ana.Account.ID}, "")
		s.do(t, bo, id, map[string]any{"type": "join"}, nil)
		s.pokerHidden(t, bo, id, []string{bo.Account.ID, ana.Account.ID}, "13")
		s.do(t, li, id, map[string]any{"type": "vote", "value": "8"}, nil)
		v = s.pokerView(t, li, id)
		rd = v.Poker.Round
		if !rd.Revealed || rd.Number != 2 || rd.Attempt != 2 || !cmp.Equal(rd.cards(), map[string]string{ana.Account.ID: "8", li.Account.ID: "8", bo.Account.ID: "13"}) {
			t.Fatalf("second round = %+v", rd)
		}
		if rd.Stats.Consensus || rd.Stats.MedianCard != "8" || len(rd.Stats.Outliers) != 0 {
			t.Errorf("second round's stats = %+v", rd.Stats)
		}
		if len(v.Poker.History) != 1 || !cmp.Equal(v.Poker.History[0].cards(), want) {
			t.Errorf("history = %+v", v.Poker.History)
		}

		// Any participant accepts what the team agreed: the item gets the points.
		s.do(t, bo, id, map[string]any{"type": "accept", "value": "8"}, nil)
		var it struct {
			Points *float64 `json:"points"`
		}
		ana.Do(t, "GET", "/api/v1/teams/"+s.team+"/items/"+story, nil).JSON(t, &it)
		if it.Points == nil || *it.Points != 8 {
			t.Fatalf("item points after accept = %v", it.Points)
		}
		v = s.pokerView(t, ob, id)
		if rd := v.Poker.Round; rd.Final != "8" || rd.Points == nil || *rd.Points != 8 {
			t.Errorf("the round does not record the estimate: %+v", rd)
		}
		if r := s.act(t, li, id, map[string]any{"type": "accept", "value": "?"}); r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.value") {
			t.Errorf("accept ? = %d %s", r.Status, r.Body)
		}

		// A round that waits only for one who leaves reveals when they go.
		s.do(t, ana, id, map[string]any{"type": "estimate"}, nil) // free mode
		s.do(t, ana, id, map[string]any{"type": "vote", "value": "1"}, nil)
		s.do(t, li, id, map[string]any{"type": "vote", "value": "2"}, nil)
		s.pokerHidden(t, bo, id, []string{ana.Account.ID, li.Account.ID}, "")
		s.do(t, bo, id, map[string]any{"type": "leave"}, nil)
		v = s.pokerView(t, li, id)
		if rd := v.Poker.Round; !rd.Revealed || rd.ItemID != "" || len(rd.Votes) != 2 {
			t.Errorf("free round after the last voter left = %+v", rd)
		}

		// Three vote at the same moment: no vote is lost, the last one reveals.
		s.do(t, bo, id, map[string]any{"type": "join"}, nil)
		s.do(t, ana, id, map[string]any{"type": "revote"}, nil)
		all := []*apptest.Client{ana, li, bo}
		res = make([]*apptest.Response, len(all))
		for i, c := range all {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = c.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms/"+id+"/actions", map[string]any{"type": "vote", "value": []string{"1", "2", "3"}[i]})
			}()
		}
		wg.Wait()
		for _, r := range res {
			must(t, r, http.StatusOK, "simultaneous vote")
		}
		v = s.pokerView(t, li, id)
		if rd := v.Poker.Round; !rd.Revealed || rd.Reason != "all_voted" || !cmp.Equal(rd.cards(), map[string]string{ana.Account.ID: "1", li.Account.ID: "2", bo.Account.ID: "3"}) {
			t.Errorf("three simultaneous votes = %+v", rd)
		}

		// Unknown items and action types name their field.
		if r := s.act(t, ana, id, map[string]any{"type": "estimate", "item_id": "0190c0de-0000-7000-8000-000000000000"}); r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.item_id") {
			t.Errorf("estimate an unknown item = %d %s", r.Status, r.Body)
		}
		if r := s.act(t, ana, id, map[string]any{"type": "shuffle"}); r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.type") {
			t.Errorf("unknown action = %d", r.Status)
		}
	})
}

// noCardsOnChannel waits for n vote events on the room channel ch and fails if any
// publication on it carries one of the cards.
func noCardsOnChannel(t *testing.T, live *apptest.Live, ch, id string, n int, cards ...string) {
	t.Helper()
	apptest.Eventually(t, "vote events on the room channel", func() bool {
		got := 0
		for _, e := range live.Entities(ch, "room", id) {
			if e.Entry.Action == "voted" {
				got++
			}
		}
		return got >= n
	})
	for _, e := range live.Raw(ch) {
		raw, _ := json.Marshal(e)
		for _, card := range cards {
			if strings.Contains(string(raw), `"`+card+`"`) {
				t.Errorf("card %s leaked on the room channel: %s", card, raw)
			}
		}
	}
}

func TestPokerFacilitatorReveals(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member", "scrum_master")
		member, sm := s.members[1], s.members[2]
		var set struct {
			Version int64 `json:"version"`
		}
		s.owner.Do(t, "GET", "/api/v1/teams/"+s.team+"/settings", nil).JSON(t, &set)
		must(t, s.owner.Do(t, "PATCH", "/api/v1/teams/"+s.team+"/settings", map[string]any{"version": set.Version, "facilitation": "scrum_master", "deck": "tshirt"}),
			http.StatusOK, "facilitation: scrum_master")
		story := s.item(t, "Export")
		var v pokerRoom
		s.start(t, sm, map[string]any{"kind": "poker", "item_id": story}, &v)
		id := v.ID
		if v.Poker.Deck != "tshirt" {
			t.Fatalf("deck = %s, want the team's tshirt", v.Poker.Deck)
		}
		s.do(t, member, id, map[string]any{"type": "join"}, nil)
		s.do(t, member, id, map[string]any{"type": "vote", "value": "M"}, nil)
		for _, typ := range []string{"reveal", "revote", "estimate"} {
			if r := s.act(t, member, id, map[string]any{"type": typ}); r.Status != http.StatusForbidden {
				t.Errorf("member %s = %d", typ, r.Status)
			}
		}
		s.pokerHidden(t, sm, id, []string{member.Account.ID}, "")
		s.do(t, sm, id, map[string]any{"type": "reveal"}, nil)
		v = s.pokerView(t, member, id)
		if rd := v.Poker.Round; !rd.Revealed || rd.Reason != "facilitator" || rd.cards()[member.Account.ID] != "M" {
			t.Fatalf("after the reveal: %+v", rd)
		}
		// A member may accept; a t-shirt size is written as its points.
		s.do(t, member, id, map[string]any{"type": "accept", "value": "L"}, nil)
		var it struct {
			Points *float64 `json:"points"`
		}
		sm.Do(t, "GET", "/api/v1/teams/"+s.team+"/items/"+story, nil).JSON(t, &it)
		if it.Points == nil || *it.Points != 5 {
			t.Errorf("points after accepting L = %v, want 5", it.Points)
		}
		// Points given with the accept win over the size's.
		s.do(t, member, id, map[string]any{"type": "accept", "value": "L", "points": 4}, nil)
		sm.Do(t, "GET", "/api/v1/teams/"+s.team+"/items/"+story, nil).JSON(t, &it)
		if it.Points == nil || *it.Points != 4 {
			t.Errorf("points after accepting L with 4 points = %v", it.Points)
		}
	})
}

func TestPokerDecksAndAsync(t *testing.T) {
	engines(t, func(t *testing.T, env *apptest.Env) {
		s := newSquad(t, env, "member", "observer")
		ana, li := s.members[0], s.members[1]

		// A custom deck for one room; its cards only, and ? and pass.
		var v pokerRoom
		s.start(t, ana, map[string]any{"kind": "poker", "deck": "custom", "cards": []string{"1", "2", "☕"}}, &v)
		if !cmp.Equal(v.Poker.Cards, []string{"1", "2", "☕", "?", "pass"}) || v.Poker.Round.ItemID != "" {
			t.Fatalf("custom room = %+v", v.Poker)
		}
		if r := s.act(t, ana, v.ID, map[string]any{"type": "vote", "value": "3"}); r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.value") {
			t.Errorf("vote 3 in a custom deck = %d %s", r.Status, r.Body)
		}
		s.do(t, ana, v.ID, map[string]any{"type": "vote", "value": "☕"}, nil)
		v = s.pokerView(t, ana, v.ID)
		if rd := v.Poker.Round; !rd.Revealed || rd.cards()[ana.Account.ID] != "☕" {
			t.Errorf("the only participant's vote did not reveal: %+v", rd)
		}
		for _, bad := range []map[string]any{
			{"kind": "poker", "deck": "custom", "cards": []string{"1"}},
			{"kind": "poker", "deck": "custom", "cards": []string{"1", "1"}},
			{"kind": "poker", "deck": "custom", "cards": []string{"1", "?"}},
			{"kind": "poker", "deck": "fibonacci", "cards": []string{"1", "2"}},
		} {
			if r := ana.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms", bad); r.Status != http.StatusUnprocessableEntity || !r.Problem(t).Has("body.cards") {
				t.Errorf("start %v = %d %s", bad, r.Status, r.Body)
			}
		}
		// The team has no custom cards yet: a custom room needs them.
		if r := ana.Do(t, "POST", "/api/v1/teams/"+s.team+"/rooms", map[string]any{"kind": "poker", "deck": "custom"}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("custom deck without cards = %d %s", r.Status, r.Body)
		}

		// Asynchronous: the round waits for everyone who may participate
		// (not the observer), also those not in the room yet, until the deadline.
		v = pokerRoom{}
		s.start(t, ana, map[string]any{"kind": "poker", "async_minutes": 600}, &v)
		if v.Poker.AsyncMinutes != 600 || v.Poker.Round.Deadline == "" || v.Deadline == "" {
			t.Fatalf("async room = %+v %+v", v.room, v.Poker.Round)
		}
		s.do(t, ana, v.ID, map[string]any{"type": "vote", "value": "3"}, nil)
		v = s.pokerView(t, ana, v.ID)
		if rd := v.Poker.Round; rd.Revealed || !cmp.Equal(rd.Waiting, []string{li.Account.ID}) {
			t.Fatalf("async round after one vote = %+v", rd)
		}
		s.do(t, li, v.ID, map[string]any{"type": "join"}, nil)
		s.do(t, li, v.ID, map[string]any{"type": "vote", "value": "5"}, nil)
		s.do(t, li, v.ID, map[string]any{"type": "leave"}, nil)
		v = s.pokerView(t, ana, v.ID)
		if rd := v.Poker.Round; !rd.Revealed || rd.Reason != "all_voted" || v.Deadline != "" {
			t.Errorf("async round with everyone in = %+v (deadline %q)", rd, v.Deadline)
		}
	})
}

func TestRoundStatistics(t *testing.T) {
	fib := team.DeckFibonacci.Cards(nil)
	f := func(x float64) *float64 { return &x }
	votes := func(cards ...string) []ceremony.CardVote {
		var out []ceremony.CardVote
		for i, c := range cards {
			out = append(out, ceremony.CardVote{AccountID: string(rune('a' + i)), Card: c})
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		deck      team.Deck
		cards     []string
		votes     []ceremony.CardVote
		median    *float64
		card      string
		spread    *float64
		outliers  []string
		consensus bool
		unsure    int
		passed    int
	}{
		{name: "none", deck: team.DeckFibonacci, cards: fib, outliers: []string{}},
		{name: "consensus", deck: team.DeckFibonacci, cards: fib, votes: votes("5", "5", "5"), median: f(5), card: "5", spread: f(0), outliers: []string{}, consensus: true},
		{name: "one far", deck: team.DeckFibonacci, cards: fib, votes: votes("3", "5", "5", "21"), median: f(5), card: "5", spread: f(18), outliers: []string{"d"}},
		{name: "one step is no outlier", deck: team.DeckFibonacci, cards: fib, votes: votes("3", "5", "8"), median: f(5), card: "5", spread: f(5), outliers: []string{}},
		{name: "even count", deck: team.DeckFibonacci, cards: fib, votes: votes("3", "8"), median: f(5.5), card: "5", spread: f(5), outliers: []string{}},
		{name: "unsure and pass", deck: team.DeckFibonacci, cards: fib, votes: votes("?", "8", "pass", "8"), median: f(8), card: "8", spread: f(0), outliers: []string{}, consensus: true, unsure: 1, passed: 1},
		{name: "only unsure", deck: team.DeckFibonacci, cards: fib, votes: votes("?", "?"), outliers: []string{}, unsure: 2},
		{name: "half", deck: team.DeckModifiedFibonacci, cards: team.DeckModifiedFibonacci.Cards(nil), votes: votes("½", "1"), median: f(0.75), card: "1", spread: f(0.5), outliers: []string{}},
		{name: "tshirt as points", deck: team.DeckTShirt, cards: team.DeckTShirt.Cards(nil), votes: votes("S", "M", "XXL"), median: f(3), card: "M", spread: f(11), outliers: []string{"c"}},
		{name: "custom words", deck: team.DeckCustom, cards: []string{"1", "2", "☕"}, votes: votes("☕", "☕"), outliers: []string{}, consensus: true},
		{name: "custom mixed", deck: team.DeckCustom, cards: []string{"1", "2", "☕"}, votes: votes("2", "☕"), median: f(2), card: "2", spread: f(0), outliers: []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := ceremony.RoundStatistics(tc.deck, tc.cards, tc.votes)
			if !cmp.Equal(st.Median, tc.median) || st.MedianCard != tc.card || !cmp.Equal(st.Spread, tc.spread) {
				t.Errorf("median %v (%q), spread %v; want %v (%q), %v", pokerDeref(st.Median), st.MedianCard, pokerDeref(st.Spread), pokerDeref(tc.median), tc.card, pokerDeref(tc.spread))
			}
			if !cmp.Equal(st.Outliers, tc.outliers) || st.Consensus != tc.consensus || st.Unsure != tc.unsure || st.Passed != tc.passed {
				t.Errorf("outliers %v, consensus %v, unsure %d, passed %d", st.Outliers, st.Consensus, st.Unsure, st.Passed)
			}
			if st.Votes != len(tc.votes) {
				t.Errorf("votes = %d", st.Votes)
			}
		})
	}
}

func pokerDeref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
