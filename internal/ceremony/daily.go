package ceremony

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/team"
)

// The daily's steps.
const (
	DailyStepGathering = "gathering" // nobody has spoken yet
	DailyStepSpeaking  = "speaking"
	DailyStepSummary   = "summary" // everyone present has spoken
)

// Limits of a daily.
const (
	MaxTimebox  = time.Hour
	MaxBlockers = 200
	// maxSpeakerItems bounds the items shown for one speaker (each costs a
	// look-up of its subtasks).
	maxSpeakerItems = 30
)

// DailyView is a daily as one participant sees it.
type DailyView struct {
	Sprint         *RoomSprint    `json:"sprint,omitempty" doc:"The sprint: its goal and dates; absent when the product has no active sprint"`
	Progress       SprintProgress `json:"progress" doc:"Items and points of the sprint, done and in total"`
	TimeboxSeconds int            `json:"timebox_seconds" doc:"Each speaker's timebox; 0: none"`
	Speaker        string         `json:"speaker,omitempty" doc:"The account speaking now"`
	Overtime       bool           `json:"overtime" doc:"The speaker's timebox has run out"`
	SpeakerItems   []DailyItem    `json:"speaker_items" doc:"The sprint's items assigned to the speaker, with their subtasks"`
	Turns          []DailyTurn    `json:"turns" doc:"Who has had a turn (spoken or skipped), in order"`
	Waiting        []string       `json:"waiting" doc:"Participants in the room who have not had a turn"`
	Blockers       []DailyBlocker `json:"blockers"`
	Summary        *DailySummary  `json:"summary,omitempty" doc:"Once everyone has spoken"`
}

// RoomSprint is what rooms show of a sprint.
type RoomSprint struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Goal      string       `json:"goal"`
	State     sprint.State `json:"state" enum:"planned,active,completed"`
	StartDate string       `json:"start_date,omitempty"`
	EndDate   string       `json:"end_date,omitempty"`
}

func sprintInfo(sp sprint.Sprint) *RoomSprint {
	return &RoomSprint{ID: sp.ID, Name: sp.Name, Goal: sp.Goal, State: sp.State, StartDate: sp.StartDate, EndDate: sp.EndDate}
}

// SprintProgress is how far a sprint is: items and points done, and in total.
type SprintProgress struct {
	DoneItems   int     `json:"done_items"`
	TotalItems  int     `json:"total_items"`
	DonePoints  float64 `json:"done_points"`
	TotalPoints float64 `json:"total_points"`
}

// DailyItem is one of the speaker's items.
type DailyItem struct {
	ID             string           `json:"id"`
	Key            string           `json:"key"`
	Title          string           `json:"title"`
	Kind           backlog.Kind     `json:"kind"`
	StatusID       string           `json:"status_id"`
	StatusCategory backlog.Category `json:"status_category"`
	Points         *float64         `json:"points,omitempty"`
	Subtasks       []DailyItem      `json:"subtasks,omitempty"`
}

func dailyItem(it backlog.Item) DailyItem {
	return DailyItem{ID: it.ID, Key: it.Key, Title: it.Title, Kind: it.Kind, StatusID: it.StatusID,
		StatusCategory: it.StatusCategory, Points: it.Points}
}

// DailyTurn is one member's turn.
type DailyTurn struct {
	AccountID string    `json:"account_id"`
	Skipped   bool      `json:"skipped,omitempty" doc:"Absent: marked skipped instead of speaking"`
	Overtime  bool      `json:"overtime,omitempty" doc:"Spoke past the timebox"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
}

// DailyBlocker is a blocker someone raised.
type DailyBlocker struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id" doc:"Whose work it blocks"`
	By        string    `json:"by" doc:"Who raised it"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
	ItemID    string    `json:"item_id,omitempty" doc:"The item made from it"`
	ItemKey   string    `json:"item_key,omitempty"`
	Resolved  bool      `json:"resolved,omitempty"`
}

// DailySummary is the end of a daily.
type DailySummary struct {
	Spoke        []string       `json:"spoke"`
	Skipped      []string       `json:"skipped"`
	Overtime     []string       `json:"overtime"`
	Blockers     []DailyBlocker `json:"blockers"`
	ItemsCreated []string       `json:"items_created" doc:"Ids of the items made from blockers"`
}

type dailyState struct {
	SprintID string         `json:"sprint_id,omitempty"`
	Timebox  int            `json:"timebox_seconds,omitempty"`
	Speaker  string         `json:"speaker,omitempty"`
	Turns    []DailyTurn    `json:"turns"`
	Blockers []DailyBlocker `json:"blockers"`
	Seq      int            `json:"seq"`
}

func (st *dailyState) hadTurn(id string) bool {
	return slices.ContainsFunc(st.Turns, func(t DailyTurn) bool { return t.AccountID == id })
}

func (st *dailyState) blocker(id string) int {
	return slices.IndexFunc(st.Blockers, func(b DailyBlocker) bool { return b.ID == id })
}

// endTurn closes the current speaker's turn.
func (st *dailyState) endTurn(now time.Time) {
	if st.Speaker == "" {
		return
	}
	for i := len(st.Turns) - 1; i >= 0; i-- {
		if st.Turns[i].AccountID == st.Speaker && st.Turns[i].EndedAt.IsZero() {
			st.Turns[i].EndedAt = now
			break
		}
	}
	st.Speaker = ""
}

// The daily's action types.
const (
	actDailyNext           = "next"
	actDailySkip           = "skip"
	actDailyBlocker        = "blocker"
	actDailyBlockerToItem  = "blocker_to_item"
	actDailyResolveBlocker = "resolve_blocker"
)

type dailyRules struct{}

func (dailyRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	if s.Timebox < 0 || s.Timebox > MaxTimebox {
		return errkind.Field("timebox_seconds", "must be 0 (none) to 3600")
	}
	if s.Timebox%time.Second != 0 {
		return errkind.Field("timebox_seconds", "must be whole seconds")
	}
	st := dailyState{Timebox: int(s.Timebox / time.Second), Turns: []DailyTurn{}, Blockers: []DailyBlocker{}}
	sp, err := roomSprint(ctx, env, r, s, sprint.StateActive, true)
	if err != nil {
		return err
	}
	st.SprintID = sp.ID
	r.Step = DailyStepGathering
	return r.Save(st)
}

func (dailyRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	var st dailyState
	if err := snap.Load(&st); err != nil {
		return nil, err
	}
	if err := env.Participate(&snap); err != nil {
		return nil, err
	}
	switch a.Type {
	case actDailyNext:
		// The speaker ends their own turn; the facilitator moves anyone on.
		if env.Actor() != st.Speaker && !env.CanSteer() {
			return nil, ErrNotFacilitator
		}
		ending := a.AccountID
		return func(r *Room) (Change, error) {
			var st dailyState
			if err := r.Load(&st); err != nil {
				return Change{}, err
			}
			// Someone else moved on already: this press is about a turn
			// that has ended, so it must not end the next one too.
			if ending != "" && ending != st.Speaker {
				return Change{}, errUnchanged
			}
			st.endTurn(env.Now)
			var left []string
			for _, id := range r.Active() {
				if !st.hadTurn(id) {
					left = append(left, id)
				}
			}
			r.Deadline = time.Time{}
			if len(left) == 0 {
				if r.Step == DailyStepSummary {
					return Change{}, errkind.New(errkind.Conflict, "ceremony: everyone has spoken")
				}
				r.Step = DailyStepSummary
				if err := r.Save(st); err != nil {
					return Change{}, err
				}
				return Note("summary"), nil
			}
			next := left[rand.IntN(len(left))]
			st.Speaker = next
			st.Turns = append(st.Turns, DailyTurn{AccountID: next, StartedAt: env.Now})
			r.Step = DailyStepSpeaking
			if st.Timebox > 0 {
				r.Deadline = env.Now.Add(time.Duration(st.Timebox) * time.Second)
			}
			if err := r.Save(st); err != nil {
				return Change{}, err
			}
			return Note("speaker", "account_id", next), nil
		}, nil

	case actDailySkip:
		if err := env.Steer(&snap); err != nil {
			return nil, err
		}
		who := strings.TrimSpace(a.AccountID)
		if who == "" {
			return nil, errkind.Field("account_id", "name the member to skip")
		}
		if !snap.IsIn(who) {
			ok, err := isMember(ctx, env, who)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, errkind.Field("account_id", "is not a member of the team")
			}
		}
		return func(r *Room) (Change, error) {
			var st dailyState
			if err := r.Load(&st); err != nil {
				return Change{}, err
			}
			if st.hadTurn(who) {
				return Change{}, &errkind.FieldConflict{Field: "account_id", Message: "has already had a turn"}
			}
			st.Turns = append(st.Turns, DailyTurn{AccountID: who, Skipped: true, StartedAt: env.Now, EndedAt: env.Now})
			if err := r.Save(st); err != nil {
				return Change{}, err
			}
			return Note("skipped", "account_id", who), nil
		}, nil

	case actDailyBlocker:
		text := strings.TrimSpace(a.Text)
		if text == "" || !utf8.ValidString(text) {
			return nil, errkind.Field("text", "say what blocks the work")
		}
		about := strings.TrimSpace(a.AccountID)
		if about != "" {
			if _, ok := snap.Participant(about); !ok && !st.hadTurn(about) {
				return nil, errkind.Field("account_id", "is not in this daily")
			}
		}
		return func(r *Room) (Change, error) {
			var st dailyState
			if err := r.Load(&st); err != nil {
				return Change{}, err
			}
			if len(st.Blockers) >= MaxBlockers {
				return Change{}, errkind.New(errkind.Conflict, fmt.Sprintf("ceremony: a daily holds at most %d blockers", MaxBlockers))
			}
			who := about
			if who == "" {
				who = st.Speaker
			}
			if who == "" {
				who = env.Actor()
			}
			st.Seq++
			b := DailyBlocker{ID: "b" + strconv.Itoa(st.Seq), AccountID: who, By: env.Actor(), Text: text, At: env.Now}
			st.Blockers = append(st.Blockers, b)
			if err := r.Save(st); err != nil {
				return Change{}, err
			}
			return Note("blocker", "blocker_id", b.ID, "account_id", who), nil
		}, nil

	case actDailyBlockerToItem:
		if !env.Access.Can(team.PermEditBacklog) {
			return nil, team.ErrForbidden
		}
		i := st.blocker(a.TargetID)
		if a.TargetID == "" || i < 0 {
			return nil, errkind.Field("target_id", "is not a blocker of this daily")
		}
		b := st.Blockers[i]
		if b.ItemID != "" {
			return nil, &errkind.FieldConflict{Field: "target_id", Message: "is already an item"}
		}
		title := "Blocker: " + b.Text
		if n := utf8.RuneCountInString(title); n > backlog.MaxTitle {
			title = string([]rune(title)[:backlog.MaxTitle-1]) + "…"
		}
		title = strings.Join(strings.Fields(title), " ")
		it, err := env.CreateItem(ctx, backlog.NewItem{
			ProductID: snap.ProductID, Kind: backlog.KindTask, Title: title, Description: b.Text,
			SprintID: st.SprintID, Priority: backlog.PriorityHigh,
			Origin: &backlog.Origin{Ceremony: backlog.CeremonyDaily, SessionID: snap.ID},
		})
		if err != nil {
			return nil, err
		}
		return func(r *Room) (Change, error) {
			var st dailyState
			if err := r.Load(&st); err != nil {
				return Change{}, err
			}
			i := st.blocker(b.ID)
			if i < 0 || st.Blockers[i].ItemID != "" {
				return Change{}, &errkind.FieldConflict{Field: "target_id", Message: "is already an item"}
			}
			st.Blockers[i].ItemID, st.Blockers[i].ItemKey = it.ID, it.Key
			if err := r.Save(st); err != nil {
				return Change{}, err
			}
			return Note("blocker_to_item", "blocker_id", b.ID, "item_id", it.ID), nil
		}, nil

	case actDailyResolveBlocker:
		if a.TargetID == "" || st.blocker(a.TargetID) < 0 {
			return nil, errkind.Field("target_id", "is not a blocker of this daily")
		}
		return func(r *Room) (Change, error) {
			var st dailyState
			if err := r.Load(&st); err != nil {
				return Change{}, err
			}
			i := st.blocker(a.TargetID)
			if i < 0 || st.Blockers[i].Resolved {
				return Change{}, errUnchanged
			}
			st.Blockers[i].Resolved = true
			if err := r.Save(st); err != nil {
				return Change{}, err
			}
			return Note("blocker_resolved", "blocker_id", a.TargetID), nil
		}, nil
	}
	return nil, unknown(KindDaily, a.Type, actDailyNext, actDailySkip, actDailyBlocker, actDailyBlockerToItem, actDailyResolveBlocker)
}

// Expire flags the speaker's overtime; the turn goes on until someone says
// next, since cutting a speaker off mid-sentence helps nobody.
func (dailyRules) Expire(r *Room, now time.Time) (Change, bool, error) {
	var st dailyState
	if err := r.Load(&st); err != nil {
		return Change{}, false, err
	}
	if r.Step != DailyStepSpeaking || st.Speaker == "" {
		return Change{}, false, nil
	}
	for i := len(st.Turns) - 1; i >= 0; i-- {
		if st.Turns[i].AccountID == st.Speaker {
			st.Turns[i].Overtime = true
			break
		}
	}
	r.Deadline = time.Time{}
	if err := r.Save(st); err != nil {
		return Change{}, false, err
	}
	return Note("overtime", "account_id", st.Speaker), true, nil
}

func (dailyRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	var st dailyState
	if err := r.Load(&st); err != nil {
		return err
	}
	dv := &DailyView{TimeboxSeconds: st.Timebox, Speaker: st.Speaker, Turns: st.Turns, Blockers: st.Blockers,
		SpeakerItems: []DailyItem{}, Waiting: []string{}}
	if dv.Turns == nil {
		dv.Turns = []DailyTurn{}
	}
	if dv.Blockers == nil {
		dv.Blockers = []DailyBlocker{}
	}
	for _, t := range st.Turns {
		if t.AccountID == st.Speaker && t.EndedAt.IsZero() {
			dv.Overtime = t.Overtime
		}
	}
	for _, id := range r.Active() {
		if !st.hadTurn(id) {
			dv.Waiting = append(dv.Waiting, id)
		}
	}
	if st.SprintID != "" {
		sp, err := env.Sprints.Sprint(ctx, env.Team(), st.SprintID)
		if err != nil && !errors.Is(err, errkind.NotFound) {
			return err
		}
		if err == nil {
			dv.Sprint = sprintInfo(sp)
			items, err := allItems(ctx, env, backlog.Query{ProductID: r.ProductID, Filter: backlog.Filter{SprintID: sp.ID}})
			if err != nil {
				return err
			}
			dv.Progress = progress(items)
			if st.Speaker != "" {
				if dv.SpeakerItems, err = speakerItems(ctx, env, r.ProductID, items, st.Speaker); err != nil {
					return err
				}
			}
		}
	}
	if r.Step == DailyStepSummary || r.Status == StatusFinished {
		s := &DailySummary{Spoke: []string{}, Skipped: []string{}, Overtime: []string{}, Blockers: dv.Blockers, ItemsCreated: []string{}}
		for _, t := range st.Turns {
			if t.Skipped {
				s.Skipped = append(s.Skipped, t.AccountID)
				continue
			}
			s.Spoke = append(s.Spoke, t.AccountID)
			if t.Overtime {
				s.Overtime = append(s.Overtime, t.AccountID)
			}
		}
		for _, b := range st.Blockers {
			if b.ItemID != "" {
				s.ItemsCreated = append(s.ItemsCreated, b.ItemID)
			}
		}
		dv.Summary = s
	}
	v.Daily = dv
	return nil
}

// progress counts items and points, done and in total.
func progress(items []backlog.Item) SprintProgress {
	var p SprintProgress
	for _, it := range items {
		pts := 0.0
		if it.Points != nil {
			pts = *it.Points
		}
		p.TotalItems++
		p.TotalPoints += pts
		if it.StatusCategory == backlog.CategoryDone {
			p.DoneItems++
			p.DonePoints += pts
		}
	}
	return p
}

// speakerItems returns the sprint's items assigned to the speaker with
// their subtasks; a subtask assigned to the speaker whose parent is not
// theirs shows on its own.
func speakerItems(ctx context.Context, env *Env, product string, sprintItems []backlog.Item, speaker string) ([]DailyItem, error) {
	out := []DailyItem{}
	shown := map[string]bool{}
	for _, it := range sprintItems {
		if it.Kind == backlog.KindSubtask || !slices.Contains(it.Assignees, speaker) || len(out) >= maxSpeakerItems {
			continue
		}
		di := dailyItem(it)
		subs, err := allItems(ctx, env, backlog.Query{ProductID: product, Filter: backlog.Filter{ParentID: it.ID, Kinds: []backlog.Kind{backlog.KindSubtask}}})
		if err != nil {
			return nil, err
		}
		for _, s := range subs {
			di.Subtasks = append(di.Subtasks, dailyItem(s))
			shown[s.ID] = true
		}
		out = append(out, di)
	}
	for _, it := range sprintItems {
		if it.Kind == backlog.KindSubtask && !shown[it.ID] && slices.Contains(it.Assignees, speaker) && len(out) < maxSpeakerItems {
			out = append(out, dailyItem(it))
		}
	}
	return out, nil
}

// maxRoomItems bounds the items a room reads for one view.
const maxRoomItems = 2000

// allItems returns the items matching q, page after page, up to
// maxRoomItems.
func allItems(ctx context.Context, env *Env, q backlog.Query) ([]backlog.Item, error) {
	q.Limit = backlog.MaxPage
	var out []backlog.Item
	for {
		p, err := env.Items.Search(ctx, env.Team(), q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" || len(out) >= maxRoomItems {
			return out, nil
		}
		q.Cursor = p.NextCursor
	}
}

// roomSprint finds a room's sprint: the one Start names, which must be in
// state want, or the product's first sprint in that state. It sets the
// room's product and sprint. With optional, a product without such a
// sprint gives a zero sprint rather than an error.
func roomSprint(ctx context.Context, env *Env, r *Room, s Start, want sprint.State, optional bool) (sprint.Sprint, error) {
	if s.SprintID != "" {
		sp, err := env.Sprints.Sprint(ctx, env.Team(), s.SprintID)
		if errors.Is(err, errkind.NotFound) {
			return sprint.Sprint{}, errkind.Field("sprint_id", "is not a sprint of this team")
		}
		if err != nil {
			return sprint.Sprint{}, err
		}
		if s.ProductID != "" && sp.ProductID != s.ProductID {
			return sprint.Sprint{}, errkind.Field("sprint_id", "is not a sprint of the product")
		}
		if sp.State != want {
			return sprint.Sprint{}, errkind.Field("sprint_id", fmt.Sprintf("must be a %s sprint", want))
		}
		r.ProductID, r.SprintID = sp.ProductID, sp.ID
		return sp, nil
	}
	if s.ProductID == "" {
		return sprint.Sprint{}, errkind.Field("product_id", "name the product (or the sprint)")
	}
	list, err := env.Sprints.List(ctx, env.Team(), s.ProductID, want)
	if err != nil {
		return sprint.Sprint{}, err
	}
	r.ProductID = s.ProductID
	if len(list) == 0 {
		if optional {
			return sprint.Sprint{}, nil
		}
		return sprint.Sprint{}, errkind.New(errkind.Conflict, fmt.Sprintf("ceremony: the product has no %s sprint", want))
	}
	r.SprintID = list[0].ID
	return list[0], nil
}
