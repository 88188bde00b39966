package ceremony

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/team"
)

// A retrospective (see docs/ceremonies.md, "Retrospective"): the team writes
// notes, hidden from one another until everyone is done or the facilitator
// moves on, votes on the problems (three votes each, hidden until the
// results), and agrees on solutions, each with a performer; a solution becomes
// an item of the next sprint in the board's ceremonies lane, and the next
// retrospective of the product opens by reviewing them.

// Limits of a retrospective.
const (
	MaxRetroNote     = 500 // characters of a note or a group's title
	MaxRetroNotesPer = 50  // notes of one member in one room
)

// The retrospective's action types.
const (
	actNext       = "next"
	actNote       = "note"
	actEditNote   = "edit_note"
	actDeleteNote = "delete_note"
	actDone       = "done"
	actGroup      = "group"
	actUngroup    = "ungroup"
	actVote       = "vote"
	actUnvote     = "unvote"
	actPick       = "pick"
	actSolution   = "solution"
	actReviewed   = "reviewed"
)

var retroActions = []string{actNext, actNote, actEditNote, actDeleteNote, actDone, actGroup, actUngroup,
	actVote, actUnvote, actPick, actSolution, actReviewed}

// Review marks.
const (
	ReviewedDone    = "done"
	ReviewedNotDone = "not_done"
)

// retroState is a retrospective's stored state. Authors of notes are kept
// to show each member their own notes; views of anonymous rooms never carry
// them.
type retroState struct {
	Template  string              `json:"template"`
	Anonymous bool                `json:"anonymous,omitempty"`
	Steps     []string            `json:"steps"`
	Revealed  []string            `json:"revealed,omitempty"` // columns everyone sees
	Done      []string            `json:"done,omitempty"`     // who is done in the current writing step
	Notes     []retroNote         `json:"notes,omitempty"`
	Groups    []retroGroup        `json:"groups,omitempty"`
	Votes     map[string][]string `json:"votes,omitempty"` // account → one target per vote
	Picked    string              `json:"picked,omitempty"`
	Solutions []retroSolution     `json:"solutions,omitempty"`
	ReviewOf  string              `json:"review_of,omitempty"` // the earlier room whose solutions are reviewed
	Review    []retroReview       `json:"review,omitempty"`
}

type retroNote struct {
	ID     string `json:"id"`
	Column string `json:"column"`
	Text   string `json:"text"`
	Author string `json:"author"`
	Group  string `json:"group,omitempty"`
}

type retroGroup struct {
	ID     string `json:"id"`
	Column string `json:"column"`
	Title  string `json:"title"`
}

type retroSolution struct {
	ID          string `json:"id"`
	ProblemID   string `json:"problem_id"`
	Problem     string `json:"problem"`
	Text        string `json:"text"`
	PerformerID string `json:"performer_id"`
	ItemID      string `json:"item_id"`
	ItemKey     string `json:"item_key"`
	SprintID    string `json:"sprint_id,omitempty"`
}

type retroReview struct {
	retroSolution
	Reviewed   string `json:"reviewed,omitempty"`
	ReviewedBy string `json:"reviewed_by,omitempty"`
}

func (st *retroState) template() retroTemplate { return retroTemplates[st.Template] }

// step returns the definition of step id.
func (st *retroState) step(id string) RetroStep {
	for _, s := range st.template().steps {
		if s.ID == id {
			return s
		}
	}
	return retroSteps[id]
}

func (st *retroState) index(step string) int { return slices.Index(st.Steps, step) }

// reached reports whether the room is at step or past it.
func (st *retroState) reached(cur, step string) bool {
	i := st.index(step)
	return i >= 0 && st.index(cur) >= i
}

func (st *retroState) revealed(column string) bool { return slices.Contains(st.Revealed, column) }

func (st *retroState) note(id string) int {
	return slices.IndexFunc(st.Notes, func(n retroNote) bool { return n.ID == id })
}

func (st *retroState) group(id string) int {
	return slices.IndexFunc(st.Groups, func(g retroGroup) bool { return g.ID == id })
}

// target describes a note or group that takes votes, picks and solutions: a
// shown note outside any group, or a group, of a votable column.
func (st *retroState) target(id string) (text string, ok bool) {
	t := st.template()
	if i := st.note(id); i >= 0 {
		n := st.Notes[i]
		c, _ := t.column(n.Column)
		return n.Text, c.Votable && st.revealed(n.Column) && n.Group == ""
	}
	if i := st.group(id); i >= 0 {
		c, _ := t.column(st.Groups[i].Column)
		return st.Groups[i].Title, c.Votable
	}
	return "", false
}

// advance moves the room to the step after the current one: a writing step
// shows its notes first; the pick and solution steps lead to close.
func (st *retroState) advance(r *Room) {
	cur := st.step(r.Step)
	if cur.Writing() {
		for _, c := range cur.Columns {
			if !st.revealed(c) {
				st.Revealed = append(st.Revealed, c)
			}
		}
	}
	next := stepClose
	if r.Step != stepPick && r.Step != stepSolution {
		if i := st.index(r.Step); i >= 0 && i+1 < len(st.Steps) {
			next = st.Steps[i+1]
		}
	}
	r.Step, r.Deadline, st.Done, st.Picked = next, time.Time{}, nil, ""
}

// allDone reports whether every active participant is done writing.
func (st *retroState) allDone(r *Room) bool {
	active := r.Active()
	if len(active) == 0 {
		return false
	}
	for _, a := range active {
		if !slices.Contains(st.Done, a) {
			return false
		}
	}
	return true
}

func loadRetro(r *Room) (retroState, error) {
	var st retroState
	if err := r.Load(&st); err != nil {
		return st, err
	}
	if _, ok := retroTemplates[st.Template]; !ok {
		st.Template = RetroTenSteps
	}
	return st, nil
}

// randomID is an id that says nothing of when or by whom a thing was made,
// so the order of ids cannot betray an anonymous note's author.
func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type retroRules struct{}

func (retroRules) Start(ctx context.Context, env *Env, r *Room, s Start) error {
	st := retroState{Template: s.Template, Anonymous: s.Anonymous}
	if st.Template == "" {
		st.Template = RetroTenSteps
	}
	t, ok := retroTemplates[st.Template]
	if !ok {
		return errkind.Field("template", "must be one of "+strings.Join(RetroTemplates, ", "))
	}
	if err := st.loadReview(ctx, env, r); err != nil {
		return err
	}
	if len(st.Review) > 0 {
		st.Steps = append(st.Steps, stepReview)
	}
	for _, s := range t.steps {
		st.Steps = append(st.Steps, s.ID)
	}
	r.Step = st.Steps[0]
	return r.Save(st)
}

// loadReview finds the latest finished retrospective of the room's product
// that agreed on solutions and copies them for review.
func (st *retroState) loadReview(ctx context.Context, env *Env, r *Room) error {
	if env.svc == nil {
		return nil
	}
	rooms, err := env.svc.store.Rooms(ctx, env.Team(), Filter{Kind: KindRetro, Status: StatusFinished, ProductID: r.ProductID, Limit: 50})
	if err != nil {
		return err
	}
	for _, prev := range rooms {
		if prev.ProductID != r.ProductID {
			continue
		}
		ps, err := loadRetro(&prev)
		if err != nil {
			return err
		}
		if len(ps.Solutions) == 0 {
			continue
		}
		st.ReviewOf = prev.ID
		for _, s := range ps.Solutions {
			st.Review = append(st.Review, retroReview{retroSolution: s})
		}
		return nil
	}
	return nil
}

// Anonymous reports whether a leaves no author in the activity record: the
// note actions of an anonymous room.
func (retroRules) Anonymous(snap Room, a Action) bool {
	switch a.Type {
	case actNote, actEditNote, actDeleteNote:
		st, err := loadRetro(&snap)
		return err == nil && st.Anonymous
	}
	return false
}

func (retroRules) Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	if !slices.Contains(retroActions, a.Type) {
		return nil, unknown(KindRetro, a.Type, retroActions...)
	}
	if err := env.Participate(&snap); err != nil {
		return nil, err
	}
	me := env.Actor()
	switch a.Type {
	case actNext:
		if err := env.Steer(&snap); err != nil {
			return nil, err
		}
		if snap.Step == stepClose {
			return nil, errkind.New(errkind.Conflict, "ceremony: this is the last step; finish the retrospective")
		}
		from := snap.Step
		return retroApply(func(r *Room, st *retroState) (Change, error) {
			if r.Step != from {
				return Change{}, errUnchanged // someone moved on already
			}
			st.advance(r)
			return Note("step_changed", "step", r.Step), nil
		}), nil

	case actNote:
		text, err := noteText(a.Text, "text")
		if err != nil {
			return nil, err
		}
		return retroApply(func(r *Room, st *retroState) (Change, error) {
			step := st.step(r.Step)
			if !step.Writing() {
				return Change{}, errkind.New(errkind.Conflict, "ceremony: notes are written in a writing step only")
			}
			col := a.Value
			if col == "" && len(step.Columns) == 1 {
				col = step.Columns[0]
			}
			if !slices.Contains(step.Columns, col) {
				return Change{}, errkind.Field("value", "must be a column of this step: "+strings.Join(step.Columns, ", "))
			}
			mine := 0
			for _, n := range st.Notes {
				if n.Author == me {
					mine++
				}
			}
			if mine >= MaxRetroNotesPer {
				return Change{}, errkind.New(errkind.Conflict, fmt.Sprintf("ceremony: a member may write at most %d notes in a retrospective", MaxRetroNotesPer))
			}
			st.Notes = append(st.Notes, retroNote{ID: randomID(), Column: col, Text: text, Author: me})
			return Note("note_added", "notes", len(st.Notes)), nil
		}), nil

	case actEditNote, actDeleteNote:
		var text string
		if a.Type == actEditNote {
			var err error
			if text, err = noteText(a.Text, "text"); err != nil {
				return nil, err
			}
		}
		return retroApply(func(r *Room, st *retroState) (Change, error) {
			i := st.note(a.TargetID)
			if i < 0 || st.Notes[i].Author != me {
				return Change{}, errkind.Field("target_id", "is not one of your notes")
			}
			if st.revealed(st.Notes[i].Column) || !slices.Contains(st.step(r.Step).Columns, st.Notes[i].Column) {
				return Change{}, errkind.New(errkind.Conflict, "ceremony: a note can change only while its writing step lasts")
			}
			if a.Type == actEditNote {
				st.Notes[i].Text = text
				return Note("note_edited"), nil
			}
			st.Notes = slices.Delete(st.Notes, i, i+1)
			return Note("note_deleted", "notes", len(st.Notes)), nil
		}), nil

	case actDone:
		return retroApply(func(r *Room, st *retroState) (Change, error) {
			if !st.step(r.Step).Writing() {
				return Change{}, errkind.New(errkind.Conflict, "ceremony: there is nothing to be done with; this is not a writing step")
			}
			if slices.Contains(st.Done, me) {
				return Change{}, errUnchanged
			}
			st.Done = append(st.Done, me)
			c := Note("done", "account_id", me)
			if st.allDone(r) {
				st.advance(r)
				c = Note("done", "account_id", me, "step", r.Step)
			}
			return c, nil
		}), nil

	case actGroup:
		title, err := noteText(a.Text, "text")
		if err != nil {
			return nil, err
		}
		if len(a.IDs) < 2 {
			return nil, errkind.Field("ids", "must name at least two notes")
		}
		return retroApply(func(r *Room, st *retroState) (Change, error) {
			if r.Step != stepList && r.Step != stepVote {
				return Change{}, errkind.New(errkind.Conflict, "ceremony: notes are grouped while the list is read or during the vote")
			}
			col := ""
			for _, id := range a.IDs {
				i := st.note(id)
				if i < 0 || !st.revealed(st.Notes[i].Column) {
					return Change{}, errkind.Field("ids", "must name notes shown to everyone")
				}
				if st.Notes[i].Group != "" {
					return Change{}, errkind.Field("ids", "must name notes that are in no group yet")
				}
				if col != "" && st.Notes[i].Column != col {
					return Change{}, errkind.Field("ids", "must name notes of one column")
				}
				col = st.Notes[i].Column
			}
			g := retroGroup{ID: randomID(), Column: col, Title: title}
			st.Groups = append(st.Groups, g)
			for _, id := range a.IDs {
				st.Notes[st.note(id)].Group = g.ID
			}
			// Votes on the grouped notes go to the group.
			for who, vs := range st.Votes {
				for k, v := range vs {
					if slices.Contains(a.IDs, v) {
						vs[k] = g.ID
					}
				}
				st.Votes[who] = vs
			}
			return Note("grouped", "group_id", g.ID, "ids", a.IDs, "title", title), nil
		}), nil

	case actUngroup:
		return retroApply(func(r *Room, st *retroState) (Change, error) {
			if r.Step != stepList && r.Step != stepVote {
				return Change{}, errkind.New(errkind.Conflict, "ceremony: notes are ungrouped while the list is read or during the vote")
			}
			gi := st.group(a.TargetID)
			if gi < 0 {
				return Change{}, errkind.Field("target_id", "is not a group of this room")
			}
			st.Groups = slices.Delete(st.Groups, gi, gi+1)
			for i := range st.Notes {
				if st.Notes[i].Group == a.TargetID {
					st.Notes[i].Group = ""
				}
			}
			// Votes on the group go back to their voters.
			for who, vs := range st.Votes {
				st.Votes[who] = slices.DeleteFunc(vs, func(v string) bool { return v == a.TargetID })
			}
			return Note("ungrouped", "group_id", a.TargetID), nil
		}), nil

	case actVote, actUnvote:
		return retroApply(func(r *Room, st *retroState) (Change, error) {
			if r.Step != stepVote {
				return Change{}, errkind.New(errkind.Conflict, "ceremony: votes are cast in the vote step only")
			}
			mine := st.Votes[me]
			if a.Type == actUnvote {
				k := slices.Index(mine, a.TargetID)
				if k < 0 {
					return Change{}, errkind.Field("target_id", "carries none of your votes")
				}
				st.Votes[me] = slices.Delete(mine, k, k+1)
				return Note("unvoted"), nil
			}
			if _, ok := st.target(a.TargetID); !ok {
				return Change{}, errkind.Field("target_id", "must be a note or group that takes votes")
			}
			if len(mine) >= retroVotesPerMember {
				return Change{}, errkind.Field("target_id", fmt.Sprintf("you have cast all %d votes; take one back first", retroVotesPerMember))
			}
			if st.Votes == nil {
				st.Votes = map[string][]string{}
			}
			st.Votes[me] = append(mine, a.TargetID)
			// Who voted, never on what: votes stay hidden until the results.
			return Note("voted", "account_id", me), nil
		}), nil

	case actPick:
		if err := env.Steer(&snap); err != nil {
			return nil, err
		}
		return retroApply(func(r *Room, st *retroState) (Change, error) {
			if r.Step != stepPick && r.Step != stepSolution {
				return Change{}, errkind.New(errkind.Conflict, "ceremony: a problem is picked after the results")
			}
			if _, ok := st.target(a.TargetID); !ok {
				return Change{}, errkind.Field("target_id", "must be a note or group that takes votes")
			}
			st.Picked, r.Step, r.Deadline = a.TargetID, stepSolution, time.Time{}
			return Note("picked", "target_id", a.TargetID, "step", r.Step), nil
		}), nil

	case actSolution:
		return solution(ctx, env, snap, a)

	case actReviewed:
		if a.Value != ReviewedDone && a.Value != ReviewedNotDone {
			return nil, errkind.Field("value", "must be done or not_done")
		}
		return retroApply(func(r *Room, st *retroState) (Change, error) {
			i := slices.IndexFunc(st.Review, func(rv retroReview) bool { return rv.ID == a.TargetID })
			if i < 0 {
				return Change{}, errkind.Field("target_id", "is not a solution under review")
			}
			st.Review[i].Reviewed, st.Review[i].ReviewedBy = a.Value, me
			return Note("reviewed", "solution_id", a.TargetID, "reviewed", a.Value), nil
		}), nil
	}
	return nil, unknown(KindRetro, a.Type, retroActions...)
}

// solution records a solution of a problem as an item of the next sprint.
func solution(ctx context.Context, env *Env, snap Room, a Action) (Apply, error) {
	st, err := loadRetro(&snap)
	if err != nil {
		return nil, err
	}
	if snap.Step != stepSolution {
		return nil, errkind.New(errkind.Conflict, "ceremony: pick a problem first; solutions are agreed in the solution step")
	}
	var errs errkind.FieldErrors
	text := strings.TrimSpace(a.Text)
	if n := utf8.RuneCountInString(text); n < 1 || n > backlog.MaxTitle {
		errs = append(errs, errkind.Field("text", fmt.Sprintf("must be 1 to %d characters", backlog.MaxTitle)))
	}
	target := a.TargetID
	if target == "" {
		target = st.Picked
	}
	problem, ok := st.target(target)
	if !ok {
		errs = append(errs, errkind.Field("target_id", "must be a note or group that takes votes"))
	}
	if a.AccountID == "" {
		errs = append(errs, errkind.Field("account_id", "must name the member who carries the solution out"))
	} else if member, err := isMember(ctx, env, a.AccountID); err != nil {
		return nil, err
	} else if !member {
		errs = append(errs, errkind.Field("account_id", "must be a member of the team"))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if snap.ProductID == "" {
		return nil, errkind.New(errkind.Conflict, "ceremony: the retrospective has no product to put solutions in; start it with a product")
	}
	sprintID, err := nextSprint(ctx, env, snap.ProductID)
	if err != nil {
		return nil, err
	}
	it, err := env.CreateItem(ctx, backlog.NewItem{
		ProductID: snap.ProductID, Kind: backlog.KindTask, Title: text,
		Description: "Agreed in the retrospective “" + snap.Title + "” to solve: " + problem,
		Assignees:   []string{a.AccountID}, SprintID: sprintID,
		Origin: &backlog.Origin{Ceremony: backlog.CeremonyRetrospective, SessionID: snap.ID},
	})
	if err != nil {
		return nil, err
	}
	s := retroSolution{ID: randomID(), ProblemID: target, Problem: problem, Text: text, PerformerID: a.AccountID,
		ItemID: it.ID, ItemKey: it.Key, SprintID: sprintID}
	// The item exists now: the room records it whatever step it moved to.
	return retroApply(func(r *Room, st *retroState) (Change, error) {
		st.Solutions = append(st.Solutions, s)
		if r.Step == stepSolution {
			r.Step, r.Deadline, st.Picked = stepPick, time.Time{}, ""
		}
		return Note("solution_added", "solution_id", s.ID, "problem_id", s.ProblemID, "text", s.Text,
			"performer_id", s.PerformerID, "item_id", s.ItemID, "step", r.Step), nil
	}), nil
}

// nextSprint is where a solution's item goes: the product's first planned
// sprint, else its active sprint, else the product backlog ("").
func nextSprint(ctx context.Context, env *Env, productID string) (string, error) {
	for _, state := range []sprint.State{sprint.StatePlanned, sprint.StateActive} {
		list, err := env.Sprints.List(ctx, env.Team(), productID, state)
		if err != nil {
			return "", err
		}
		if len(list) > 0 {
			return list[0].ID, nil
		}
	}
	return "", nil
}

// isMember reports whether account is a member of the actor's team.
func isMember(ctx context.Context, env *Env, account string) (bool, error) {
	page := team.Page{Limit: 200}
	for {
		ms, next, err := env.Teams.Members(ctx, env.Access, page)
		if err != nil {
			return false, err
		}
		for _, m := range ms {
			if m.AccountID == account {
				return true, nil
			}
		}
		if next == "" {
			return false, nil
		}
		page.Cursor = next
	}
}

// noteText trims a note's text and checks its length.
func noteText(s, field string) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n < 1 || n > MaxRetroNote || !utf8.ValidString(s) {
		return "", errkind.Field(field, fmt.Sprintf("must be 1 to %d characters", MaxRetroNote))
	}
	return s, nil
}

// retroApply wraps a change of the retrospective's state as an Apply.
func retroApply(fn func(r *Room, st *retroState) (Change, error)) Apply {
	return func(r *Room) (Change, error) {
		st, err := loadRetro(r)
		if err != nil {
			return Change{}, err
		}
		c, err := fn(r, &st)
		if err != nil {
			return c, err
		}
		return c, r.Save(st)
	}
}

// Expire ends a writing step when its timer runs out: the notes show and the
// room moves on. In other steps the timer only ends.
func (retroRules) Expire(r *Room, now time.Time) (Change, bool, error) {
	st, err := loadRetro(r)
	if err != nil {
		return Change{}, false, err
	}
	if !st.step(r.Step).Writing() {
		return Change{}, false, nil
	}
	st.advance(r)
	if err := r.Save(st); err != nil {
		return Change{}, false, err
	}
	return Note("step_changed", "step", r.Step, "reason", "timer"), true, nil
}

// Left ends a writing step when everyone still in the room is done.
func (retroRules) Left(r *Room, now time.Time) (Change, bool, error) {
	st, err := loadRetro(r)
	if err != nil {
		return Change{}, false, err
	}
	if !st.step(r.Step).Writing() || !st.allDone(r) {
		return Change{}, false, nil
	}
	st.advance(r)
	if err := r.Save(st); err != nil {
		return Change{}, false, err
	}
	return Note("step_changed", "step", r.Step), true, nil
}

// RetroView is a retrospective as one participant sees it.
type RetroView struct {
	Template       string          `json:"template" enum:"ten_steps,start_stop_continue,four_ls,sailboat"`
	Anonymous      bool            `json:"anonymous" doc:"Notes show no author, to anyone"`
	Steps          []RetroStep     `json:"steps" doc:"The room's steps in order; room.step is the current one"`
	Columns        []RetroColumn   `json:"columns"`
	Writing        bool            `json:"writing" doc:"The current step is a writing step"`
	Done           []string        `json:"done" doc:"Who is done writing in the current writing step"`
	Notes          []RetroNoteView `json:"notes" doc:"The notes the viewer may see: their own, and everyone's once shown"`
	HiddenNotes    int             `json:"hidden_notes" doc:"Notes of others not shown yet"`
	Writers        []RetroWriter   `json:"writers,omitempty" doc:"How many hidden notes each participant has written (not in anonymous rooms)"`
	Groups         []RetroGroup    `json:"groups"`
	VotesPerMember int             `json:"votes_per_member"`
	MyVotes        []string        `json:"my_votes" doc:"The viewer's votes, one target id per vote"`
	VotesLeft      int             `json:"votes_left"`
	VotesCast      int             `json:"votes_cast" doc:"Votes cast by everyone, without their targets"`
	Results        []RetroResult   `json:"results,omitempty" doc:"From the results step: the notes and groups that take votes, most votes first"`
	Picked         string          `json:"picked,omitempty" doc:"The problem being solved"`
	Solutions      []RetroSolution `json:"solutions"`
	ReviewOf       string          `json:"review_of,omitempty" doc:"The earlier retrospective whose solutions are reviewed"`
	Review         []RetroReview   `json:"review,omitempty"`
}

// RetroNoteView is one note.
type RetroNoteView struct {
	ID       string `json:"id"`
	Column   string `json:"column"`
	Text     string `json:"text"`
	AuthorID string `json:"author_id,omitempty" doc:"Absent in anonymous rooms"`
	Mine     bool   `json:"mine" doc:"The viewer wrote it"`
	Hidden   bool   `json:"hidden" doc:"Only the viewer sees it yet"`
	GroupID  string `json:"group_id,omitempty"`
}

// RetroWriter is how many hidden notes one participant has written.
type RetroWriter struct {
	AccountID string `json:"account_id"`
	Notes     int    `json:"notes"`
}

// RetroGroup is similar notes under one title.
type RetroGroup struct {
	ID      string   `json:"id"`
	Column  string   `json:"column"`
	Title   string   `json:"title"`
	NoteIDs []string `json:"note_ids"`
}

// RetroResult is a note or group with its votes.
type RetroResult struct {
	TargetID string `json:"target_id"`
	Kind     string `json:"kind" enum:"note,group"`
	Column   string `json:"column"`
	Text     string `json:"text"`
	Votes    int    `json:"votes"`
	Solved   bool   `json:"solved" doc:"A solution was agreed for it"`
}

// RetroSolution is an agreed solution and the item it became.
type RetroSolution struct {
	ID          string `json:"id"`
	ProblemID   string `json:"problem_id"`
	Problem     string `json:"problem"`
	Text        string `json:"text"`
	PerformerID string `json:"performer_id"`
	ItemID      string `json:"item_id"`
	ItemKey     string `json:"item_key"`
	SprintID    string `json:"sprint_id,omitempty" doc:"Absent when the item went to the product backlog"`
}

// RetroReview is a solution of the earlier retrospective, with its item's
// status now.
type RetroReview struct {
	RetroSolution
	Status     string `json:"status,omitempty" doc:"The item's status now; absent when the item was deleted"`
	ItemDone   bool   `json:"item_done" doc:"The item's status is in the done category"`
	Deleted    bool   `json:"deleted,omitempty" doc:"The item no longer exists"`
	Reviewed   string `json:"reviewed,omitempty" enum:"done,not_done" doc:"The team's verdict; absent until reviewed"`
	ReviewedBy string `json:"reviewed_by,omitempty"`
}

func (retroRules) View(ctx context.Context, env *Env, r *Room, v *View) error {
	st, err := loadRetro(r)
	if err != nil {
		return err
	}
	me := v.Me
	t := st.template()
	rv := &RetroView{Template: st.Template, Anonymous: st.Anonymous, Columns: t.columns, Done: []string{},
		Notes: []RetroNoteView{}, Groups: []RetroGroup{}, VotesPerMember: retroVotesPerMember,
		MyVotes: []string{}, Solutions: []RetroSolution{}, Picked: st.Picked, ReviewOf: st.ReviewOf}
	for _, id := range st.Steps {
		rv.Steps = append(rv.Steps, st.step(id))
	}
	cur := st.step(r.Step)
	rv.Writing = cur.Writing()
	if rv.Writing {
		rv.Done = append(rv.Done, st.Done...)
	}

	notes := slices.Clone(st.Notes)
	if st.Anonymous {
		// Random ids: their order says nothing of who wrote when.
		slices.SortFunc(notes, func(a, b retroNote) int { return strings.Compare(a.ID, b.ID) })
	}
	hidden := map[string]int{}
	for _, n := range notes {
		shown := st.revealed(n.Column)
		if !shown && n.Author != me {
			rv.HiddenNotes++
			hidden[n.Author]++
			continue
		}
		nv := RetroNoteView{ID: n.ID, Column: n.Column, Text: n.Text, Mine: n.Author == me, Hidden: !shown, GroupID: n.Group}
		if !st.Anonymous {
			nv.AuthorID = n.Author
		}
		rv.Notes = append(rv.Notes, nv)
	}
	if !st.Anonymous {
		for _, p := range r.Participants {
			if c := hidden[p.AccountID]; c > 0 {
				rv.Writers = append(rv.Writers, RetroWriter{AccountID: p.AccountID, Notes: c})
			}
		}
	}
	for _, g := range st.Groups {
		gv := RetroGroup{ID: g.ID, Column: g.Column, Title: g.Title, NoteIDs: []string{}}
		for _, n := range notes {
			if n.Group == g.ID {
				gv.NoteIDs = append(gv.NoteIDs, n.ID)
			}
		}
		rv.Groups = append(rv.Groups, gv)
	}

	rv.MyVotes = append(rv.MyVotes, st.Votes[me]...)
	rv.VotesLeft = max(0, retroVotesPerMember-len(rv.MyVotes))
	for _, vs := range st.Votes {
		rv.VotesCast += len(vs)
	}
	solved := map[string]bool{}
	for _, s := range st.Solutions {
		solved[s.ProblemID] = true
		rv.Solutions = append(rv.Solutions, RetroSolution(s))
	}
	if st.reached(r.Step, stepResults) {
		rv.Results = st.results(solved)
	}

	if len(st.Review) > 0 {
		if err := st.review(ctx, env, rv); err != nil {
			return err
		}
	}
	v.Retro = rv
	return nil
}

// results lists the targets of votes, most votes first, ties in the order
// of the list.
func (st *retroState) results(solved map[string]bool) []RetroResult {
	count := map[string]int{}
	for _, vs := range st.Votes {
		for _, v := range vs {
			count[v]++
		}
	}
	out := []RetroResult{}
	for _, n := range st.Notes {
		if _, ok := st.target(n.ID); ok {
			out = append(out, RetroResult{TargetID: n.ID, Kind: "note", Column: n.Column, Text: n.Text, Votes: count[n.ID], Solved: solved[n.ID]})
		}
	}
	for _, g := range st.Groups {
		if _, ok := st.target(g.ID); ok {
			out = append(out, RetroResult{TargetID: g.ID, Kind: "group", Column: g.Column, Text: g.Title, Votes: count[g.ID], Solved: solved[g.ID]})
		}
	}
	slices.SortStableFunc(out, func(a, b RetroResult) int { return b.Votes - a.Votes })
	return out
}

// review fills the solutions under review with their items' status now.
func (st *retroState) review(ctx context.Context, env *Env, rv *RetroView) error {
	statuses, err := env.Items.Statuses(ctx, env.Team())
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, s := range statuses {
		names[s.ID] = s.Name
	}
	for _, p := range st.Review {
		out := RetroReview{RetroSolution: RetroSolution(p.retroSolution), Reviewed: p.Reviewed, ReviewedBy: p.ReviewedBy}
		it, err := env.Items.Item(ctx, env.Team(), p.ItemID)
		switch {
		case errors.Is(err, errkind.NotFound):
			out.Deleted = true
		case err != nil:
			return err
		default:
			out.Status, out.ItemDone = names[it.StatusID], it.StatusCategory == backlog.CategoryDone
		}
		rv.Review = append(rv.Review, out)
	}
	return nil
}
