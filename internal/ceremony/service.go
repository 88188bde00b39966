package ceremony

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/sprint"
	"github.com/pamateam/pama/internal/team"
)

// Start asks for a new room. Kinds read the fields they use and ignore the rest.
type Start struct {
	Kind      Kind
	Title     string // "": the kind's name
	ProductID string
	SprintID  string
	ItemID    string        // poker: the item to estimate; refinement: the first item
	Deck      string        // poker: a deck name; "": the team's deck
	Cards     []string      // poker: the cards of a custom deck for this room
	Async     time.Duration // poker: collect votes over this long, then reveal
	Template  string        // retro: ten_steps (default), start_stop_continue, four_ls, sailboat
	Anonymous bool          // retro: notes show no author
	Timebox   time.Duration // daily: each speaker's timebox; 0: none
	Invite    bool          // notify the rest of the team that the room waits for them
}

// Action is one thing a participant does in a room. Type names it; the kind
// reads the fields its type uses (see docs/ceremonies.md).
type Action struct {
	Type      string   `json:"type" minLength:"1" maxLength:"40" example:"vote" doc:"What to do; the generic types are join, leave, facilitate, timer, invite and finish, the rest belong to the room's kind"`
	ItemID    string   `json:"item_id,omitempty" maxLength:"64" doc:"An item: the one to estimate, refine, accept or pull"`
	Value     string   `json:"value,omitempty" maxLength:"40" doc:"A card, an estimate or a choice"`
	Text      string   `json:"text,omitempty" maxLength:"2000" doc:"A note, a blocker, a goal or a solution"`
	TargetID  string   `json:"target_id,omitempty" maxLength:"64" doc:"The note, blocker or group the action is about"`
	AccountID string   `json:"account_id,omitempty" maxLength:"64" doc:"A member: a performer, a speaker"`
	IDs       []string `json:"ids,omitempty" maxItems:"200" doc:"Several notes or items"`
	Seconds   int      `json:"seconds,omitempty" minimum:"0" maximum:"86400" doc:"A timer's length; 0 stops it"`
	Points    *float64 `json:"points,omitempty" minimum:"0" maximum:"1000" doc:"A number of story points"`
}

// The generic action types, which every room understands.
const (
	ActJoin       = "join"
	ActLeave      = "leave"
	ActFacilitate = "facilitate" // become the facilitator
	ActTimer      = "timer"      // start (seconds > 0) or stop the step's timer
	ActInvite     = "invite"     // notify the team that the room waits for them
	ActFinish     = "finish"
)

// Apply changes a room inside the transaction that saves it. It gets the room
// as stored now, which may have moved on since the action was checked.
type Apply func(r *Room) (Change, error)

// Rules are one kind of ceremony.
type Rules interface {
	// Start sets up a new room's state. It may call services through env.
	Start(ctx context.Context, env *Env, r *Room, s Start) error
	// Act checks a against snap, the room as read before the transaction,
	// performs what it changes outside the room (through env) and returns
	// the change of the room. An action type it does not know is an
	// errkind.FieldError on "type".
	Act(ctx context.Context, env *Env, snap Room, a Action) (Apply, error)
	// Expire is called inside a transaction once the room's deadline has
	// passed; it moves the room on (reveals, next speaker) or reports that
	// nothing changed.
	Expire(r *Room, now time.Time) (Change, bool, error)
	// View fills the kind's part of v for v.Me, hiding what is hidden.
	View(ctx context.Context, env *Env, r *Room, v *View) error
}

// Finisher is implemented by rules that do more than close the room on finish
// (close a sprint, mark a refinement request done).
type Finisher interface {
	Finish(ctx context.Context, env *Env, snap Room) (Apply, error)
}

// Anonymizer is implemented by rules some of whose actions must leave no
// author in the activity record (notes of an anonymous retrospective).
type Anonymizer interface {
	Anonymous(snap Room, a Action) bool
}

// Leaver is implemented by rules that move a room on when a participant
// leaves (the last writer leaving ends a writing step). Left runs inside the
// transaction, after the participant is marked out; ok reports a change.
type Leaver interface {
	Left(r *Room, now time.Time) (c Change, ok bool, err error)
}

// View is a room as one participant sees it: the room, and the part of its
// kind.
type View struct {
	Room
	Me       string `json:"me" doc:"The viewer's account id"`
	CanSteer bool   `json:"can_steer" doc:"Whether the viewer may steer the room (reveal, move to the next step, finish)"`
	// Exactly one of these is set, by the room's kind.
	Refinement *RefinementView `json:"refinement,omitempty"`
	Poker      *PokerView      `json:"poker,omitempty"`
	Daily      *DailyView      `json:"daily,omitempty"`
	Retro      *RetroView      `json:"retro,omitempty"`
	Planning   *PlanningView   `json:"planning,omitempty"`
	Review     *ReviewView     `json:"review,omitempty"`
}

// Items is what rooms use of the backlog; *backlog.Service implements it.
type Items interface {
	Item(ctx context.Context, team, ref string) (backlog.Item, error)
	CreateItem(ctx context.Context, team string, n backlog.NewItem) (backlog.Item, error)
	DeleteItem(ctx context.Context, team, id string, version int64) error
	UpdateItem(ctx context.Context, team, id string, version int64, p backlog.Patch) (backlog.Item, error)
	Search(ctx context.Context, team string, q backlog.Query) (backlog.Page, error)
	Statuses(ctx context.Context, team string) ([]backlog.Status, error)
}

// Sprints is what rooms use of sprints; *sprint.Service implements it.
type Sprints interface {
	Sprint(ctx context.Context, team, id string) (sprint.Sprint, error)
	List(ctx context.Context, team, productID string, state sprint.State) ([]sprint.Sprint, error)
	Create(ctx context.Context, team string, n sprint.NewSprint) (sprint.Sprint, error)
	Start(ctx context.Context, team, id string, st sprint.Start) (sprint.Sprint, error)
	Update(ctx context.Context, team, id string, version int64, p sprint.Patch) (sprint.Sprint, error)
	Complete(ctx context.Context, team, id string, version int64, to sprint.CarryTo) (sprint.Completion, error)
	Capacity(ctx context.Context, team, sprintID string) ([]sprint.Capacity, error)
}

// Teams is what rooms use of team spaces; *team.Service implements it.
type Teams interface {
	Settings(ctx context.Context, acc team.Access) (team.Settings, error)
	Members(ctx context.Context, acc team.Access, p team.Page) ([]team.MemberInfo, string, error)
}

// Mailer sends the email invitations of members who are not online.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Env is what rules may use while handling one request.
type Env struct {
	Access  team.Access // the acting member
	Now     time.Time
	Items   Items
	Sprints Sprints
	Teams   Teams
	svc     *Service
	// made are the items this request created before changing the room;
	// they are deleted again when the room does not take the change.
	made []backlog.Item
}

// CreateItem creates an item for the room's change. Rules create items
// before the room's transaction (another service's); when that transaction
// then fails — someone else made the blocker an item first, the room
// finished meanwhile — Act deletes the item again, so no orphan remains.
func (e *Env) CreateItem(ctx context.Context, n backlog.NewItem) (backlog.Item, error) {
	it, err := e.Items.CreateItem(ctx, e.Team(), n)
	if err == nil {
		e.made = append(e.made, it)
	}
	return it, err
}

// undo deletes the items made for a change the room did not take.
func (e *Env) undo(ctx context.Context) {
	for _, it := range e.made {
		if err := e.Items.DeleteItem(context.WithoutCancel(ctx), e.Team(), it.ID, it.Version); err != nil {
			e.svc.log.Warn("ceremony: delete the item of a change the room did not take", "team", e.Team(), "item", it.ID, "err", err)
		}
	}
	e.made = nil
}

// Team is the id of the room's team.
func (e *Env) Team() string { return e.Access.Team.ID }

// Actor is the acting member's account id.
func (e *Env) Actor() string { return e.Access.Member.AccountID }

// CanSteer reports whether the actor may steer rooms: by the team's
// facilitation setting, any participant or only scrum masters and up.
func (e *Env) CanSteer() bool { return e.Access.Can(team.PermFacilitate) }

// Steer returns ErrNotFacilitator unless the actor may steer r.
func (e *Env) Steer(r *Room) error {
	if !e.CanSteer() {
		return ErrNotFacilitator
	}
	if !r.IsIn(e.Actor()) {
		return ErrNotParticipant
	}
	return nil
}

// Participate returns ErrNotParticipant unless the actor is in r.
func (e *Env) Participate(r *Room) error {
	if !r.IsIn(e.Actor()) {
		return ErrNotParticipant
	}
	return nil
}

// Config tunes the service.
type Config struct {
	// BaseURL is the public address, for links in invitation emails.
	BaseURL string
	// Online reports whether an account has a live connection to the team;
	// nil: nobody is, so every invitation is also emailed.
	Online func(team, account string) bool
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Service runs rooms over a Store.
type Service struct {
	store   Store
	items   Items
	sprints Sprints
	teams   Teams
	mailer  Mailer
	cfg     Config
	log     *slog.Logger
	rules   map[Kind]Rules
}

// NewService returns the ceremony service with every kind's rules.
func NewService(store Store, items Items, sprints Sprints, teams Teams, mailer Mailer, cfg Config, log *slog.Logger) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{store: store, items: items, sprints: sprints, teams: teams, mailer: mailer, cfg: cfg, log: log,
		rules: map[Kind]Rules{}}
	for k, r := range kindRules() {
		s.rules[k] = r
	}
	return s
}

func (s *Service) env(acc team.Access) *Env {
	return &Env{Access: acc, Now: s.cfg.Now().UTC(), Items: s.items, Sprints: s.sprints, Teams: s.teams, svc: s}
}

func actorCtx(ctx context.Context, acc team.Access) context.Context {
	return activity.WithActor(ctx, acc.Member.AccountID)
}

// Create opens a room with the actor as its first participant and
// facilitator, and invites the rest of the team when s.Invite is set.
func (s *Service) Create(ctx context.Context, acc team.Access, st Start) (View, error) {
	if err := acc.Check(team.PermFacilitate); err != nil {
		if errors.Is(err, team.ErrSuspended) {
			return View{}, err
		}
		return View{}, ErrNotFacilitator
	}
	if !st.Kind.Valid() {
		return View{}, errkind.Field("kind", "must be one of refinement, poker, daily, retro, planning, review")
	}
	st.Title = strings.TrimSpace(st.Title)
	if utf8.RuneCountInString(st.Title) > MaxTitle {
		return View{}, errkind.Field("title", fmt.Sprintf("must be at most %d characters", MaxTitle))
	}
	ctx = actorCtx(ctx, acc)
	env := s.env(acc)
	r := Room{TeamID: acc.Team.ID, Kind: st.Kind, Title: st.Title, ProductID: st.ProductID, SprintID: st.SprintID,
		Status: StatusActive, FacilitatorID: env.Actor(), CreatedBy: env.Actor(),
		Participants: []Participant{{AccountID: env.Actor(), JoinedAt: env.Now, Active: true}}}
	if r.Title == "" {
		r.Title = DefaultTitle(st.Kind)
	}
	if err := s.rules[st.Kind].Start(ctx, env, &r, st); err != nil {
		return View{}, err
	}
	r, err := s.store.CreateRoom(ctx, acc.Team.ID, r)
	if err != nil {
		return View{}, err
	}
	if st.Invite {
		if err := s.invite(ctx, acc, r); err != nil {
			s.log.Warn("invite to a new room", "team", acc.Team.ID, "room", r.ID, "err", err)
		}
	}
	return s.view(ctx, env, r)
}

// DefaultTitle is a room's title when none is given.
func DefaultTitle(k Kind) string {
	switch k {
	case KindRefinement:
		return "Backlog refinement"
	case KindPoker:
		return "Estimation"
	case KindDaily:
		return "Daily"
	case KindRetro:
		return "Retrospective"
	case KindPlanning:
		return "Sprint planning"
	case KindReview:
		return "Sprint review"
	}
	return string(k)
}

// Get returns the room as the actor sees it. A room whose deadline has
// passed moves on first (the timer's effect is applied when someone looks,
// and every participant's client looks when its countdown ends).
func (s *Service) Get(ctx context.Context, acc team.Access, id string) (View, error) {
	if err := acc.Check(team.PermView); err != nil {
		return View{}, err
	}
	r, err := s.store.Room(ctx, acc.Team.ID, id)
	if err != nil {
		return View{}, err
	}
	env := s.env(acc)
	if r, err = s.expire(actorCtx(ctx, acc), env, r); err != nil {
		return View{}, err
	}
	return s.view(ctx, env, r)
}

// expire applies a passed deadline of an active room.
func (s *Service) expire(ctx context.Context, env *Env, r Room) (Room, error) {
	if r.Status != StatusActive || r.Deadline.IsZero() || r.Deadline.After(env.Now) {
		return r, nil
	}
	rules := s.rules[r.Kind]
	updated, err := s.store.UpdateRoom(ctx, env.Team(), r.ID, func(cur *Room) (Change, error) {
		if cur.Status != StatusActive || cur.Deadline.IsZero() || cur.Deadline.After(env.Now) {
			return Change{}, errUnchanged
		}
		c, ok, err := rules.Expire(cur, env.Now)
		if err != nil {
			return c, err
		}
		if !ok {
			cur.Deadline = time.Time{}
			return Note("timer_ended"), nil
		}
		return c, nil
	})
	if errors.Is(err, errUnchanged) {
		return s.store.Room(ctx, env.Team(), r.ID)
	}
	return updated, err
}

// errUnchanged tells UpdateRoom's caller that fn decided to change nothing;
// the store rolls back and returns it.
var errUnchanged = errors.New("ceremony: unchanged")

// List returns the team's rooms, newest first.
func (s *Service) List(ctx context.Context, acc team.Access, f Filter) ([]Room, error) {
	if err := acc.Check(team.PermView); err != nil {
		return nil, err
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, errkind.Field("kind", "must be one of refinement, poker, daily, retro, planning, review")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return s.store.Rooms(ctx, acc.Team.ID, f)
}

// Act performs one action in a room and returns the room as the actor sees
// it afterwards.
func (s *Service) Act(ctx context.Context, acc team.Access, id string, a Action) (View, error) {
	if err := acc.Check(team.PermParticipate); err != nil {
		return View{}, err
	}
	a.Type = strings.TrimSpace(a.Type)
	if utf8.RuneCountInString(a.Text) > MaxText {
		return View{}, errkind.Field("text", fmt.Sprintf("must be at most %d characters", MaxText))
	}
	ctx = actorCtx(ctx, acc)
	env := s.env(acc)
	snap, err := s.store.Room(ctx, acc.Team.ID, id)
	if err != nil {
		return View{}, err
	}
	if snap, err = s.expire(ctx, env, snap); err != nil {
		return View{}, err
	}
	if snap.Status != StatusActive {
		return View{}, ErrFinished
	}
	var apply Apply
	switch a.Type {
	case ActJoin:
		apply = join(env)
	case ActLeave:
		apply = func(r *Room) (Change, error) {
			for i, p := range r.Participants {
				if p.AccountID == env.Actor() && p.Active {
					r.Participants[i].Active = false
					c := Note("left", "account_id", env.Actor())
					if l, ok := s.rules[r.Kind].(Leaver); ok {
						more, changed, err := l.Left(r, env.Now)
						if err != nil {
							return c, err
						}
						if changed {
							c.Changes = append(c.Changes, more.Changes...)
						}
					}
					return c, nil
				}
			}
			return Change{}, errUnchanged
		}
	case ActFacilitate:
		if err := env.Steer(&snap); err != nil {
			return View{}, err
		}
		apply = func(r *Room) (Change, error) {
			if r.FacilitatorID == env.Actor() {
				return Change{}, errUnchanged
			}
			r.FacilitatorID = env.Actor()
			return Note("facilitator_changed", "facilitator_id", env.Actor()), nil
		}
	case ActTimer:
		if err := env.Steer(&snap); err != nil {
			return View{}, err
		}
		if a.Seconds < 0 || time.Duration(a.Seconds)*time.Second > MaxTimer {
			return View{}, errkind.Field("seconds", "must be 0 (stop) to 86400")
		}
		apply = func(r *Room) (Change, error) {
			if a.Seconds == 0 {
				r.Deadline = time.Time{}
				return Note("timer_stopped"), nil
			}
			r.Deadline = env.Now.Add(time.Duration(a.Seconds) * time.Second)
			return Note("timer_started", "deadline", r.Deadline, "step", r.Step), nil
		}
	case ActInvite:
		if err := env.Participate(&snap); err != nil {
			return View{}, err
		}
		if err := s.invite(ctx, acc, snap); err != nil {
			return View{}, err
		}
		return s.view(ctx, env, snap)
	case ActFinish:
		if err := env.Steer(&snap); err != nil {
			return View{}, err
		}
		if f, ok := s.rules[snap.Kind].(Finisher); ok {
			inner, err := f.Finish(ctx, env, snap)
			if err != nil {
				return View{}, err
			}
			apply = func(r *Room) (Change, error) {
				c, err := inner(r)
				if err != nil {
					return c, err
				}
				finish(r, env.Now)
				return c, nil
			}
		} else {
			apply = func(r *Room) (Change, error) {
				finish(r, env.Now)
				return Note("finished"), nil
			}
		}
	default:
		if apply, err = s.rules[snap.Kind].Act(ctx, env, snap, a); err != nil {
			return View{}, err
		}
	}
	uctx := ctx
	if an, ok := s.rules[snap.Kind].(Anonymizer); ok && an.Anonymous(snap, a) {
		uctx = activity.WithActor(ctx, "") // recorded as the system's
	}
	r, err := s.store.UpdateRoom(uctx, acc.Team.ID, id, func(r *Room) (Change, error) {
		if r.Status != StatusActive {
			return Change{}, ErrFinished
		}
		c, err := apply(r)
		if err == nil && r.Status == StatusFinished && c.Action != "finished" {
			// However a kind ends a room (a sprint started, a sprint
			// closed), its record says so, and reaches the team channel.
			c.Changes = append(c.Changes, Note("", "status", StatusFinished).Changes...)
		}
		return c, err
	})
	if err != nil {
		env.undo(ctx)
	}
	if errors.Is(err, errUnchanged) {
		r, err = s.store.Room(ctx, acc.Team.ID, id)
	}
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, env, r)
}

// join adds the actor to a room, or marks them back in.
func join(env *Env) Apply {
	return func(r *Room) (Change, error) {
		for i, p := range r.Participants {
			if p.AccountID == env.Actor() {
				if p.Active {
					return Change{}, errUnchanged
				}
				r.Participants[i].Active = true
				return Note("joined", "account_id", env.Actor()), nil
			}
		}
		if len(r.Participants) >= MaxParticipants {
			return Change{}, ErrRoomFull
		}
		r.Participants = append(r.Participants, Participant{AccountID: env.Actor(), JoinedAt: env.Now, Active: true})
		return Note("joined", "account_id", env.Actor()), nil
	}
}

func finish(r *Room, now time.Time) {
	r.Status, r.FinishedAt, r.Deadline = StatusFinished, now, time.Time{}
}

// view computes the room as env's actor sees it.
func (s *Service) view(ctx context.Context, env *Env, r Room) (View, error) {
	v := View{Room: r, Me: env.Actor(), CanSteer: env.CanSteer()}
	if v.Participants == nil {
		v.Participants = []Participant{}
	}
	if err := s.rules[r.Kind].View(ctx, env, &r, &v); err != nil {
		return View{}, err
	}
	return v, nil
}

// invite notifies every member of the team who is not in the room that
// people wait for them there, and emails those who are not online.
func (s *Service) invite(ctx context.Context, acc team.Access, r Room) error {
	var all []team.MemberInfo
	page := team.Page{Limit: 200}
	for {
		ms, next, err := s.teams.Members(ctx, acc, page)
		if err != nil {
			return err
		}
		all = append(all, ms...)
		if next == "" {
			break
		}
		page.Cursor = next
	}
	names := map[string]string{}
	for _, m := range all {
		names[m.AccountID] = m.DisplayName
	}
	var waiting []string
	for _, id := range r.Active() {
		if n := names[id]; n != "" {
			waiting = append(waiting, n)
		}
	}
	var to []team.MemberInfo
	var ids []string
	for _, m := range all {
		if r.IsIn(m.AccountID) || m.AccountID == acc.Member.AccountID || !team.Allowed(m.Role, acc.Facilitation, team.PermParticipate) {
			continue
		}
		to = append(to, m)
		ids = append(ids, m.AccountID)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := s.store.InviteToRoom(ctx, acc.Team.ID, r.ID, ids); err != nil {
		return err
	}
	subject := Waiting(waiting, r.Kind)
	link := strings.TrimRight(s.cfg.BaseURL, "/") + "/t/" + acc.Team.Slug + "/ceremonies/" + r.ID
	for _, m := range to {
		if s.cfg.Online != nil && s.cfg.Online(acc.Team.ID, m.AccountID) {
			continue
		}
		body := fmt.Sprintf("%s in %s.\n\nJoin the room: %s\n", subject, acc.Team.Name, link)
		if err := s.mailer.Send(ctx, m.Email, subject, body); err != nil {
			s.log.Warn("ceremony invitation email", "team", acc.Team.ID, "room", r.ID, "err", err)
		}
	}
	return nil
}

// Waiting is the invitation's sentence: "Ana and Li are waiting for you in
// refinement".
func Waiting(names []string, k Kind) string {
	who := "Your team is"
	switch n := len(names); {
	case n == 1:
		who = names[0] + " is"
	case n == 2:
		who = names[0] + " and " + names[1] + " are"
	case n > 2:
		who = strings.Join(names[:n-1], ", ") + " and " + names[n-1] + " are"
	}
	return who + " waiting for you in " + strings.ToLower(DefaultTitle(k))
}

// Overview is the ceremonies screen: active rooms, recent ones and how many
// items wait for refinement.
type Overview struct {
	Active       []Room `json:"active"`
	Recent       []Room `json:"recent" doc:"Finished rooms, newest first"`
	OpenRequests int    `json:"open_requests" doc:"Items waiting for refinement"`
}

// Overview returns the ceremonies screen of the team (or one product).
func (s *Service) Overview(ctx context.Context, acc team.Access, productID string) (Overview, error) {
	if err := acc.Check(team.PermView); err != nil {
		return Overview{}, err
	}
	o := Overview{}
	var err error
	if o.Active, err = s.store.Rooms(ctx, acc.Team.ID, Filter{Status: StatusActive, ProductID: productID, Limit: 100}); err != nil {
		return o, err
	}
	if o.Recent, err = s.store.Rooms(ctx, acc.Team.ID, Filter{Status: StatusFinished, ProductID: productID, Limit: 10}); err != nil {
		return o, err
	}
	reqs, err := s.store.Requests(ctx, acc.Team.ID, productID)
	o.OpenRequests = len(reqs)
	return o, err
}

// unknown is the error for an action type a kind does not know.
func unknown(k Kind, t string, known ...string) error {
	slices.Sort(known)
	return &errkind.FieldError{Field: "type", Value: t,
		Message: fmt.Sprintf("is not an action of a %s room; use one of join, leave, facilitate, timer, invite, finish, %s", k, strings.Join(known, ", "))}
}
