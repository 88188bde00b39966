package ceremony

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// Estimation (planning poker). A room holds rounds: each round estimates one
// item (or nothing, in free mode); everyone picks a card, the cards stay
// hidden until every voter has voted or the facilitator reveals them, and
// then the round shows everyone's card and the statistics. A re-vote opens a
// new round of the same item; earlier rounds stay in the history. Any
// participant accepts the value the team agreed on, which is written to the
// item's points.
//
// Refinement rooms embed the same rounds (refinement.go) for the item being
// refined, so everything below works on a pokerState wherever it lives.

// The cards every deck has besides its own.
const (
	CardUnsure = "?"
	CardPass   = "pass"
)

// Steps of an estimation room.
const (
	pokerStepVoting   = "voting"
	pokerStepRevealed = "revealed"
)

// Why a round was revealed.
const (
	revealAllVoted    = "all_voted"
	revealFacilitator = "facilitator"
	revealDeadline    = "deadline"
)

// The actions of an estimation room (refinement rooms use the voting ones too).
const (
	actPokerEstimate = "estimate"
	actPokerVote     = "vote"
	actPokerUnvote   = "unvote"
	actPokerReveal   = "reveal"
	actPokerRevote   = "revote"
	actPokerAccept   = "accept"
)

// tshirtPoints are the story points a t-shirt size stands for: an accepted
// size is written to the item as these points, and the statistics of a
// t-shirt round count sizes as them.
var tshirtPoints = map[string]float64{"XS": 1, "S": 2, "M": 3, "L": 5, "XL": 8, "XXL": 13}

// pokerState is the rounds of a room and the deck they use.
type pokerState struct {
	Deck  team.Deck `json:"deck"`
	Cards []string  `json:"cards"` // the deck's cards, without ? and pass
	// Async is how long an asynchronous round collects votes; 0: live.
	Async time.Duration `json:"async,omitempty"`
	// Expected are the members an asynchronous round waits for besides
	// the active participants: everyone who may participate when the room
	// started.
	Expected []string     `json:"expected,omitempty"`
	Rounds   []pokerRound `json:"rounds"` // oldest first; the last is the current one
}

// pokerRound is one round of voting.
type pokerRound struct {
	Number     int         `json:"number"`
	ItemID     string      `json:"item_id,omitempty"`
	ItemKey    string      `json:"item_key,omitempty"`
	ItemTitle  string      `json:"item_title,omitempty"`
	Attempt    int         `json:"attempt"`
	OpenedAt   time.Time   `json:"opened_at"`
	Deadline   time.Time   `json:"deadline,omitzero"`
	Votes      []pokerVote `json:"votes"`
	Revealed   bool        `json:"revealed"`
	RevealedAt time.Time   `json:"revealed_at,omitzero"`
	RevealedBy string      `json:"revealed_by,omitempty"`
	Reason     string      `json:"reason,omitempty"`
	Final      string      `json:"final,omitempty"`
	Points     *float64    `json:"points,omitempty"`
	AcceptedBy string      `json:"accepted_by,omitempty"`
	AcceptedAt time.Time   `json:"accepted_at,omitzero"`
}

type pokerVote struct {
	AccountID string    `json:"account_id"`
	Card      string    `json:"card"`
	At        time.Time `json:"at"`
}

// PokerView is an estimation room (or a refinement room's estimation) as
// one participant sees it.
type PokerView struct {
	Deck         string      `json:"deck" enum:"fibonacci,modified_fibonacci,tshirt,powers_of_two,custom"`
	Cards        []string    `json:"cards" doc:"The cards to pick from, in order, ending with ? and pass"`
	AsyncMinutes int         `json:"async_minutes,omitempty" doc:"Asynchronous mode: each round collects votes this long"`
	Reference    *Reference  `json:"reference,omitempty" doc:"The team's reference item for one point"`
	Round        *RoundView  `json:"round,omitempty" doc:"The current round"`
	History      []RoundView `json:"history" doc:"Earlier rounds, oldest first"`
}

// RoundView is one round as a participant sees it: before the reveal only
// who has voted, and the viewer's own card.
type RoundView struct {
	Number     int         `json:"number"`
	ItemID     string      `json:"item_id,omitempty" doc:"Empty in free mode"`
	ItemKey    string      `json:"item_key,omitempty"`
	ItemTitle  string      `json:"item_title,omitempty"`
	Attempt    int         `json:"attempt" doc:"1 for an item's first round, 2 for its first re-vote…"`
	OpenedAt   time.Time   `json:"opened_at"`
	Deadline   time.Time   `json:"deadline,omitzero" doc:"Asynchronous mode: when the round reveals at the latest"`
	Voted      []string    `json:"voted" doc:"Who has voted, in the order they first voted"`
	Waiting    []string    `json:"waiting" doc:"Who the reveal still waits for (open rounds)"`
	MyVote     string      `json:"my_vote,omitempty" doc:"Your own card"`
	Revealed   bool        `json:"revealed"`
	RevealedAt time.Time   `json:"revealed_at,omitzero"`
	RevealedBy string      `json:"revealed_by,omitempty" doc:"Who revealed; empty when the round revealed itself"`
	Reason     string      `json:"reason,omitempty" enum:"all_voted,facilitator,deadline"`
	Votes      []CardVote  `json:"votes,omitempty" doc:"Everyone's card, once revealed"`
	Stats      *RoundStats `json:"stats,omitempty" doc:"Once revealed"`
	Final      string      `json:"final,omitempty" doc:"The accepted estimate"`
	Points     *float64    `json:"points,omitempty" doc:"The points written to the item on accept"`
	AcceptedBy string      `json:"accepted_by,omitempty"`
	AcceptedAt time.Time   `json:"accepted_at,omitzero"`
}

// CardVote is one participant's card.
type CardVote struct {
	AccountID string `json:"account_id"`
	Card      string `json:"card"`
}

// CardCount is how many chose a card.
type CardCount struct {
	Card  string `json:"card"`
	Count int    `json:"count"`
}

// RoundStats are a revealed round's statistics. Median, spread and outliers use
// the numeric cards only (t-shirt sizes count as their points).
type RoundStats struct {
	Votes      int         `json:"votes"`
	Numeric    int         `json:"numeric" doc:"Votes with a number"`
	Median     *float64    `json:"median,omitempty"`
	MedianCard string      `json:"median_card,omitempty" doc:"The deck's card nearest the median (the higher one on a tie): a suggestion to accept"`
	Min        *float64    `json:"min,omitempty"`
	Max        *float64    `json:"max,omitempty"`
	Spread     *float64    `json:"spread,omitempty" doc:"max - min"`
	Outliers   []string    `json:"outliers" doc:"Voters whose card is more than one card away from the median in the deck's order"`
	Consensus  bool        `json:"consensus" doc:"Every vote other than ? and pass is the same card"`
	Unsure     int         `json:"unsure" doc:"? cards"`
	Passed     int         `json:"passed" doc:"pass cards"`
	Counts     []CardCount `json:"counts" doc:"How many chose each card, in the deck's order; cards nobody chose are left out"`
}

// cardNumber is the number a card stands for: its value, ½ as 0.5, or a
// t-shirt size's points.
func cardNumber(deck team.Deck, card string) (float64, bool) {
	if deck == team.DeckTShirt {
		p, ok := tshirtPoints[card]
		return p, ok
	}
	if card == "½" {
		return 0.5, true
	}
	if card == "" || strings.ContainsFunc(card, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') }) {
		return 0, false
	}
	v, err := strconv.ParseFloat(card, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > backlog.MaxPoints {
		return 0, false
	}
	return v, true
}

// RoundStatistics computes a revealed round's statistics from the deck and the
// votes.
func RoundStatistics(deck team.Deck, cards []string, votes []CardVote) RoundStats {
	st := RoundStats{Votes: len(votes), Outliers: []string{}, Counts: []CardCount{}}
	count := map[string]int{}
	var values, steps []float64
	type numeric struct {
		account string
		step    int
	}
	var nums []numeric
	first, same := "", true
	for _, v := range votes {
		count[v.Card]++
		switch v.Card {
		case CardUnsure:
			st.Unsure++
			continue
		case CardPass:
			st.Passed++
			continue
		}
		if first == "" {
			first = v.Card
		} else if v.Card != first {
			same = false
		}
		n, ok := cardNumber(deck, v.Card)
		if !ok {
			continue
		}
		step := slices.Index(cards, v.Card)
		values = append(values, n)
		steps = append(steps, float64(step))
		nums = append(nums, numeric{v.AccountID, step})
	}
	for _, c := range append(slices.Clone(cards), CardUnsure, CardPass) {
		if count[c] > 0 {
			st.Counts = append(st.Counts, CardCount{Card: c, Count: count[c]})
		}
	}
	st.Consensus = first != "" && same
	st.Numeric = len(values)
	if len(values) == 0 {
		return st
	}
	med := pokerMedian(values)
	lo, hi := slices.Min(values), slices.Max(values)
	spread := hi - lo
	st.Median, st.Min, st.Max, st.Spread = &med, &lo, &hi, &spread
	best := math.Inf(1)
	for _, c := range cards {
		if n, ok := cardNumber(deck, c); ok {
			if d := math.Abs(n - med); d <= best {
				best, st.MedianCard = d, c
			}
		}
	}
	medStep := pokerMedian(steps)
	for _, n := range nums {
		if math.Abs(float64(n.step)-medStep) > 1 {
			st.Outliers = append(st.Outliers, n.account)
		}
	}
	return st
}

func pokerMedian(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// deckOf resolves the deck a new room uses: s.Deck and s.Cards, or the
// team's settings.
func deckOf(ctx context.Context, env *Env, s Start) (team.Deck, []string, error) {
	deck, cards := team.Deck(s.Deck), s.Cards
	if deck == "" || (deck == team.DeckCustom && len(cards) == 0) {
		set, err := env.Teams.Settings(ctx, env.Access)
		if err != nil {
			return "", nil, err
		}
		if deck == "" {
			deck = set.Deck
		}
		if deck == team.DeckCustom && len(cards) == 0 {
			cards = set.CustomDeck
		}
	}
	if !deck.Valid() {
		return "", nil, &errkind.FieldError{Field: "deck", Message: "must be one of fibonacci, modified_fibonacci, tshirt, powers_of_two, custom", Value: string(deck)}
	}
	if deck != team.DeckCustom {
		if len(s.Cards) > 0 {
			return "", nil, errkind.Field("cards", "only a custom deck takes cards")
		}
		return deck, deck.Cards(nil), nil
	}
	cards, err := customCards(cards)
	return deck, cards, err
}

// customCards checks the cards of a custom deck.
func customCards(in []string) ([]string, error) {
	if len(in) < 2 || len(in) > team.MaxCustomCards {
		return nil, errkind.Field("cards", fmt.Sprintf("a custom deck needs 2 to %d cards (in the request or the team's settings)", team.MaxCustomCards))
	}
	out := make([]string, 0, len(in))
	for _, c := range in {
		c = strings.TrimSpace(c)
		switch {
		case c == "" || utf8.RuneCountInString(c) > team.MaxCardLen || !utf8.ValidString(c) || strings.IndexFunc(c, unicode.IsControl) >= 0:
			return nil, &errkind.FieldError{Field: "cards", Message: fmt.Sprintf("cards must be 1 to %d printable characters", team.MaxCardLen), Value: c}
		case c == CardUnsure || c == CardPass:
			return nil, &errkind.FieldError{Field: "cards", Message: "? and pass are always there; leave them out", Value: c}
		case slices.Contains(out, c):
			return nil, &errkind.FieldError{Field: "cards", Message: "has the same card twice", Value: c}
		}
		out = append(out, c)
	}
	return out, nil
}

// roundItem is the item a round estimates; zero in free mode.
type roundItem struct {
	ID    string `json:"id,omitempty"`
	Key   string `json:"key,omitempty"`
	Title string `json:"title,omitempty"`
}

// teamItem finds an item of the team for a round or a refinement.
func teamItem(ctx context.Context, env *Env, id string) (roundItem, backlog.Item, error) {
	it, err := env.Items.Item(ctx, env.Team(), id)
	if errors.Is(err, errkind.NotFound) {
		return roundItem{}, it, &errkind.FieldError{Field: "item_id", Message: "is not an item of this team", Value: id}
	}
	if err != nil {
		return roundItem{}, it, err
	}
	return roundItem{it.ID, it.Key, it.Title}, it, nil
}

// current is the current round, nil before the first.
func (ps *pokerState) current() *pokerRound {
	if len(ps.Rounds) == 0 {
		return nil
	}
	return &ps.Rounds[len(ps.Rounds)-1]
}

// round finds a round by number.
func (ps *pokerState) round(n int) *pokerRound {
	for i := range ps.Rounds {
		if ps.Rounds[i].Number == n {
			return &ps.Rounds[i]
		}
	}
	return nil
}

// open starts a new round of item for everyone; an asynchronous room sets
// the room's deadline to the round's.
func (ps *pokerState) open(r *Room, it roundItem, now time.Time) *pokerRound {
	attempt := 1
	for _, old := range ps.Rounds {
		if old.ItemID == it.ID {
			attempt++
		}
	}
	rd := pokerRound{Number: len(ps.Rounds) + 1, ItemID: it.ID, ItemKey: it.Key, ItemTitle: it.Title,
		Attempt: attempt, OpenedAt: now, Votes: []pokerVote{}}
	if ps.Async > 0 {
		rd.Deadline = now.Add(ps.Async)
		r.Deadline = rd.Deadline
	}
	ps.Rounds = append(ps.Rounds, rd)
	return ps.current()
}

// voters are who an open round waits for: the active participants and,
// in asynchronous mode, everyone expected.
func (ps *pokerState) voters(r *Room) []string {
	out := r.Active()
	for _, id := range ps.Expected {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (rd *pokerRound) vote(account string) int {
	return slices.IndexFunc(rd.Votes, func(v pokerVote) bool { return v.AccountID == account })
}

// reveal shows the current round's cards; by is who revealed ("" for the
// room itself). It stops the room's timer.
func (ps *pokerState) reveal(r *Room, now time.Time, by, reason string) {
	rd := ps.current()
	rd.Revealed, rd.RevealedAt, rd.RevealedBy, rd.Reason = true, now, by, reason
	r.Deadline = time.Time{}
}

// settle reveals the current round when every voter has voted.
func (ps *pokerState) settle(r *Room, now time.Time) bool {
	rd := ps.current()
	if rd == nil || rd.Revealed || len(rd.Votes) == 0 {
		return false
	}
	for _, id := range ps.voters(r) {
		if rd.vote(id) < 0 {
			return false
		}
	}
	ps.reveal(r, now, "", revealAllVoted)
	return true
}

// cardsWithExtras are the cards a voter may pick.
func (ps *pokerState) cardsWithExtras() []string {
	return append(slices.Clone(ps.Cards), CardUnsure, CardPass)
}

// Errors of rounds.
var (
	ErrNoRound          = errkind.New(errkind.Conflict, "ceremony: no round is open; pick an item to estimate first")
	ErrRoundRevealed    = errkind.New(errkind.Conflict, "ceremony: the cards are revealed; start a new round to vote again")
	ErrRoundNotRevealed = errkind.New(errkind.Conflict, "ceremony: reveal the cards before accepting an estimate")
	ErrRoundMoved       = errkind.New(errkind.Conflict, "ceremony: a new round has started meanwhile")
)

// roundHolder gets at the rounds inside a kind's state S, and checks that the
// room is in a step where rounds can be played.
type roundHolder[S any] struct {
	rounds func(s *S) *pokerState
	ready  func(r *Room, s *S) error
	// stepped sets the room's step after the rounds changed.
	stepped func(r *Room, ps *pokerState)
}

// update loads S from r, calls fn with its rounds and saves it.
func (h roundHolder[S]) update(r *Room, fn func(ps *pokerState) (Change, error)) (Change, error) {
	var s S
	if err := r.Load(&s); err != nil {
		return Change{}, err
	}
	if h.ready != nil {
		if err := h.ready(r, &s); err != nil {
			return Change{}, err
		}
	}
	ps := h.rounds(&s)
	c, err := fn(ps)
	if err != nil {
		return c, err
	}
	if h.stepped != nil {
		h.stepped(r, ps)
	}
	return c, r.Save(s)
}

// roundAct handles the voting actions rooms share (vote, unvote, reveal,
// revote, accept); it reports false for any other action type.
func roundAct[S any](ctx context.Context, env *Env, snap Room, a Action, h roundHolder[S]) (Apply, bool, error) {
	switch a.Type {
	case actPokerVote:
		if err := env.Participate(&snap); err != nil {
			return nil, true, err
		}
		card := strings.TrimSpace(a.Value)
		return func(r *Room) (Change, error) {
			return h.update(r, func(ps *pokerState) (Change, error) {
				rd := ps.current()
				if rd == nil {
					return Change{}, ErrNoRound
				}
				if !slices.Contains(ps.cardsWithExtras(), card) {
					return Change{}, &errkind.FieldError{Field: "value",
						Message: "must be one of the room's cards: " + strings.Join(ps.cardsWithExtras(), ", "), Value: card}
				}
				if rd.Revealed {
					return Change{}, ErrRoundRevealed
				}
				if i := rd.vote(env.Actor()); i >= 0 {
					if rd.Votes[i].Card == card {
						return Change{}, errUnchanged
					}
					rd.Votes[i].Card, rd.Votes[i].At = card, env.Now
				} else {
					rd.Votes = append(rd.Votes, pokerVote{AccountID: env.Actor(), Card: card, At: env.Now})
				}
				// The change names the voter, never the card.
				c := Note("voted", "round", rd.Number, "account_id", env.Actor())
				if ps.settle(r, env.Now) {
					c.Changes = append(c.Changes, Note("", "revealed", revealAllVoted).Changes...)
				}
				return c, nil
			})
		}, true, nil
	case actPokerUnvote:
		if err := env.Participate(&snap); err != nil {
			return nil, true, err
		}
		return func(r *Room) (Change, error) {
			return h.update(r, func(ps *pokerState) (Change, error) {
				rd := ps.current()
				if rd == nil {
					return Change{}, ErrNoRound
				}
				if rd.Revealed {
					return Change{}, ErrRoundRevealed
				}
				i := rd.vote(env.Actor())
				if i < 0 {
					return Change{}, errUnchanged
				}
				rd.Votes = slices.Delete(rd.Votes, i, i+1)
				return Note("unvoted", "round", rd.Number, "account_id", env.Actor()), nil
			})
		}, true, nil
	case actPokerReveal:
		if err := env.Steer(&snap); err != nil {
			return nil, true, err
		}
		return func(r *Room) (Change, error) {
			return h.update(r, func(ps *pokerState) (Change, error) {
				rd := ps.current()
				if rd == nil {
					return Change{}, ErrNoRound
				}
				if rd.Revealed {
					return Change{}, errUnchanged
				}
				ps.reveal(r, env.Now, env.Actor(), revealFacilitator)
				return Note("revealed", "round", rd.Number, "reason", revealFacilitator), nil
			})
		}, true, nil
	case actPokerRevote:
		if err := env.Steer(&snap); err != nil {
			return nil, true, err
		}
		return func(r *Room) (Change, error) {
			return h.update(r, func(ps *pokerState) (Change, error) {
				old := ps.current()
				if old == nil {
					return Change{}, ErrNoRound
				}
				rd := ps.open(r, roundItem{old.ItemID, old.ItemKey, old.ItemTitle}, env.Now)
				return Note("round_opened", "round", rd.Number, "item_id", rd.ItemID, "attempt", rd.Attempt), nil
			})
		}, true, nil
	case actPokerAccept:
		ap, err := acceptRound(ctx, env, snap, a, h)
		return ap, true, err
	}
	return nil, false, nil
}

// acceptRound writes the agreed estimate of the current round to its item,
// then records it in the round.
func acceptRound[S any](ctx context.Context, env *Env, snap Room, a Action, h roundHolder[S]) (Apply, error) {
	if err := env.Participate(&snap); err != nil {
		return nil, err
	}
	var s S
	if err := snap.Load(&s); err != nil {
		return nil, err
	}
	if h.ready != nil {
		if err := h.ready(&snap, &s); err != nil {
			return nil, err
		}
	}
	ps := h.rounds(&s)
	rd := ps.current()
	if rd == nil {
		return nil, ErrNoRound
	}
	if !rd.Revealed {
		return nil, ErrRoundNotRevealed
	}
	card := strings.TrimSpace(a.Value)
	if card == "" || !slices.Contains(ps.Cards, card) {
		return nil, &errkind.FieldError{Field: "value", Message: "must be one of the deck's cards: " + strings.Join(ps.Cards, ", "), Value: card}
	}
	var points *float64
	if a.Points != nil {
		p := *a.Points
		if math.IsNaN(p) || p < 0 || p > backlog.MaxPoints {
			return nil, errkind.Field("points", fmt.Sprintf("must be between 0 and %d", backlog.MaxPoints))
		}
		points = &p
	} else if n, ok := cardNumber(ps.Deck, card); ok {
		points = &n
	}
	number, itemID := rd.Number, rd.ItemID
	if itemID != "" && points != nil {
		if err := writePoints(ctx, env, itemID, *points); err != nil {
			return nil, err
		}
	}
	return func(r *Room) (Change, error) {
		return h.update(r, func(ps *pokerState) (Change, error) {
			rd := ps.round(number)
			if rd == nil {
				return Change{}, ErrRoundMoved
			}
			rd.Final, rd.Points, rd.AcceptedBy, rd.AcceptedAt = card, points, env.Actor(), env.Now
			return Note("accepted", "round", rd.Number, "item_id", rd.ItemID, "final", card, "points", points), nil
		})
	}, nil
}

// writePoints sets an item's estimate, retrying when someone else changed
// the item meanwhile.
func writePoints(ctx context.Context, env *Env, itemID string, points float64) error {
	for attempt := 0; ; attempt++ {
		it, err := env.Items.Item(ctx, env.Team(), itemID)
		if err != nil {
			return err
		}
		if it.Points != nil && *it.Points == points {
			return nil
		}
		_, err = env.Items.UpdateItem(ctx, env.Team(), it.ID, it.Version, backlog.Patch{Points: &points})
		var vc *errkind.VersionConflict
		if errors.As(err, &vc) && attempt < 3 {
			continue
		}
		return err
	}
}

// view shows the rounds to me.
func (ps *pokerState) view(r *Room, me string, ref *Reference) *PokerView {
	v := &PokerView{Deck: string(ps.Deck), Cards: ps.cardsWithExtras(), AsyncMinutes: int(ps.Async / time.Minute),
		Reference: ref, History: []RoundView{}}
	for i := range ps.Rounds {
		rv := ps.roundView(r, &ps.Rounds[i], me, i == len(ps.Rounds)-1)
		if i == len(ps.Rounds)-1 {
			v.Round = &rv
		} else {
			v.History = append(v.History, rv)
		}
	}
	return v
}

func (ps *pokerState) roundView(r *Room, rd *pokerRound, me string, current bool) RoundView {
	rv := RoundView{Number: rd.Number, ItemID: rd.ItemID, ItemKey: rd.ItemKey, ItemTitle: rd.ItemTitle, Attempt: rd.Attempt,
		OpenedAt: rd.OpenedAt, Deadline: rd.Deadline, Voted: []string{}, Waiting: []string{}, Revealed: rd.Revealed,
		RevealedAt: rd.RevealedAt, RevealedBy: rd.RevealedBy, Reason: rd.Reason, Final: rd.Final, Points: rd.Points,
		AcceptedBy: rd.AcceptedBy, AcceptedAt: rd.AcceptedAt}
	for _, vt := range rd.Votes {
		rv.Voted = append(rv.Voted, vt.AccountID)
		if vt.AccountID == me {
			rv.MyVote = vt.Card
		}
	}
	if current && !rd.Revealed {
		for _, id := range ps.voters(r) {
			if rd.vote(id) < 0 {
				rv.Waiting = append(rv.Waiting, id)
			}
		}
	}
	if rd.Revealed {
		rv.Votes = make([]CardVote, 0, len(rd.Votes))
		for _, vt := range rd.Votes {
			rv.Votes = append(rv.Votes, CardVote{AccountID: vt.AccountID, Card: vt.Card})
		}
		st := RoundStatistics(ps.Deck, ps.Cards, rv.Votes)
		rv.Stats = &st
	}
	return rv
}

// Estimation rooms.

type pokerRules struct{}

// pokerHolder: an estimation room's state is its rounds.
var pokerHolder = roundHolder[pokerState]{
	rounds: func(s *pokerState) *pokerState { return s },
	stepped: func(r *Room, ps *pokerState) {
		if rd := ps.current(); rd != nil && rd.Revealed {
			r.Step = pokerStepRevealed
		} else {
			r.Step = pokerStepVoting
		}
	},
}

func (pokerRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	deck, cards, err := deckOf(ctx, env, s)
	if err != nil {
		return err
	}
	ps := pokerState{Deck: deck, Cards: cards, Rounds: []pokerRound{}}
	if s.Async < 0 || s.Async > MaxAsync {
		return errkind.Field("async_minutes", fmt.Sprintf("must be 0 (live) to %d", int(MaxAsync/time.Minute)))
	}
	if s.Async > 0 {
		ps.Async = s.Async
		if ps.Expected, err = asyncVoters(ctx, env); err != nil {
			return err
		}
	}
	var it roundItem
	if s.ItemID != "" {
		var item backlog.Item
		if it, item, err = teamItem(ctx, env, s.ItemID); err != nil {
			return err
		}
		if r.ProductID == "" {
			r.ProductID = item.ProductID
		}
	}
	ps.open(r, it, env.Now)
	r.Step = pokerStepVoting
	return r.Save(ps)
}

// asyncVoters are the members who may participate in the team's rooms.
func asyncVoters(ctx context.Context, env *Env) ([]string, error) {
	var out []string
	page := team.Page{Limit: 200}
	for {
		ms, next, err := env.Teams.Members(ctx, env.Access, page)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if team.Allowed(m.Role, env.Access.Facilitation, team.PermParticipate) {
				out = append(out, m.AccountID)
			}
		}
		if next == "" || len(out) >= MaxParticipants {
			return out, nil
		}
		page.Cursor = next
	}
}

func (pokerRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	if ap, ok, err := roundAct(ctx, env, snap, a, pokerHolder); ok {
		return ap, err
	}
	if a.Type != actPokerEstimate {
		return nil, unknown(KindPoker, a.Type, actPokerEstimate, actPokerVote, actPokerUnvote, actPokerReveal, actPokerRevote, actPokerAccept)
	}
	if err := env.Steer(&snap); err != nil {
		return nil, err
	}
	var it roundItem
	if a.ItemID != "" {
		var err error
		if it, _, err = teamItem(ctx, env, a.ItemID); err != nil {
			return nil, err
		}
	}
	return func(r *Room) (Change, error) {
		return pokerHolder.update(r, func(ps *pokerState) (Change, error) {
			rd := ps.open(r, it, env.Now)
			return Note("round_opened", "round", rd.Number, "item_id", rd.ItemID, "attempt", rd.Attempt), nil
		})
	}, nil
}

// Expire reveals an open round when its deadline (the asynchronous window
// or the facilitator's timer) has passed.
func (pokerRules) Expire(r *Room, now time.Time) (Change, bool, error) {
	var ps pokerState
	if err := r.Load(&ps); err != nil {
		return Change{}, false, err
	}
	rd := ps.current()
	if rd == nil || rd.Revealed {
		return Change{}, false, nil
	}
	ps.reveal(r, now, "", revealDeadline)
	r.Step = pokerStepRevealed
	if err := r.Save(ps); err != nil {
		return Change{}, false, err
	}
	return Note("revealed", "round", rd.Number, "reason", revealDeadline), true, nil
}

// Left reveals the round when it waited only for the one who left.
func (pokerRules) Left(r *Room, now time.Time) (Change, bool, error) {
	var ps pokerState
	if err := r.Load(&ps); err != nil {
		return Change{}, false, err
	}
	if !ps.settle(r, now) {
		return Change{}, false, nil
	}
	r.Step = pokerStepRevealed
	if err := r.Save(ps); err != nil {
		return Change{}, false, err
	}
	return Note("revealed", "round", ps.current().Number, "reason", revealAllVoted), true, nil
}

func (pokerRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	var ps pokerState
	if err := r.Load(&ps); err != nil {
		return err
	}
	ref, err := env.estimationReference(ctx)
	if err != nil {
		return err
	}
	v.Poker = ps.view(r, v.Me, ref)
	return nil
}

// estimationReference is the team's reference item, nil when it has none.
func (e *Env) estimationReference(ctx context.Context) (*Reference, error) {
	if e.svc == nil {
		return nil, nil
	}
	ref, err := e.svc.store.Reference(ctx, e.Team())
	if err != nil || ref.ItemID == "" {
		return nil, err
	}
	return &ref, nil
}
