package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/team"
)

// nullable is a JSON field that may be absent (leave as is), null (remove)
// or a value (set).
type nullable[T any] struct {
	Sent  bool
	Null  bool
	Value T
}

func (o *nullable[T]) UnmarshalJSON(b []byte) error {
	o.Sent = true
	if bytes.Equal(b, []byte("null")) {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// Schema describes the field as its value type, nullable.
func (o nullable[T]) Schema(r huma.Registry) *huma.Schema {
	s := r.Schema(reflect.TypeOf(o.Value), true, "")
	s.Nullable = true
	return s
}

const itemBodyLimit = 256 << 10 // item descriptions may be long

type ItemPath struct {
	TeamPath
	Item string `path:"item" maxLength:"64" doc:"Item id, or its key such as PAMA-42"`
}

type itemFields struct {
	Kind        backlog.Kind        `json:"kind" enum:"epic,story,task,bug,subtask"`
	ParentID    string              `json:"parent_id,omitempty" maxLength:"64" doc:"The parent: an epic for stories, tasks and bugs; a story, task or bug for subtasks"`
	Title       string              `json:"title" minLength:"1" maxLength:"200" example:"Sign in with an emailed code"`
	Description string              `json:"description,omitempty" maxLength:"20000" doc:"Markdown"`
	Criteria    []backlog.Criterion `json:"criteria,omitempty" maxItems:"50" doc:"Acceptance criteria"`
	Points      *float64            `json:"points,omitempty" minimum:"0" maximum:"1000" example:"3"`
	Assignees   []string            `json:"assignees,omitempty" maxItems:"10" doc:"Account ids of members"`
	Labels      []string            `json:"labels,omitempty" maxItems:"20"`
	Priority    backlog.Priority    `json:"priority,omitempty" enum:"lowest,low,medium,high,highest" doc:"Default medium"`
	DueDate     string              `json:"due_date,omitempty" maxLength:"10" example:"2026-03-31" doc:"YYYY-MM-DD"`
	Origin      *backlog.Origin     `json:"origin,omitempty"`
	StatusID    string              `json:"status_id,omitempty" maxLength:"64" doc:"Default: the first status in the to-do category"`
	SprintID    string              `json:"sprint_id,omitempty" maxLength:"64" doc:"Default: the product backlog (no sprint)"`
	Position    backlog.Position    `json:"position,omitzero" doc:"Where in the backlog; default the bottom"`
}

type createItemRequest struct {
	ProductPath
	Body itemFields
}

type itemResponse struct {
	Body backlog.Item
}

type itemPatchBody struct {
	Version     int64               `json:"version" minimum:"1" doc:"The version the change is based on"`
	Title       *string             `json:"title,omitempty" minLength:"1" maxLength:"200"`
	Description *string             `json:"description,omitempty" maxLength:"20000"`
	Criteria    []backlog.Criterion `json:"criteria,omitempty" maxItems:"50" doc:"Replaces the list"`
	Points      nullable[float64]   `json:"points,omitzero" minimum:"0" maximum:"1000" doc:"null removes the estimate"`
	Assignees   []string            `json:"assignees,omitempty" maxItems:"10" doc:"Replaces the list"`
	Labels      []string            `json:"labels,omitempty" maxItems:"20" doc:"Replaces the list"`
	Priority    *backlog.Priority   `json:"priority,omitempty" enum:"lowest,low,medium,high,highest"`
	DueDate     *string             `json:"due_date,omitempty" maxLength:"10" doc:"YYYY-MM-DD; empty removes it"`
	Kind        *backlog.Kind       `json:"kind,omitempty" enum:"epic,story,task,bug,subtask"`
	ParentID    *string             `json:"parent_id,omitempty" maxLength:"64" doc:"Empty removes the parent"`
	StatusID    *string             `json:"status_id,omitempty" maxLength:"64"`
	SprintID    *string             `json:"sprint_id,omitempty" maxLength:"64" doc:"Empty puts the item back in the product backlog"`
}

type updateItemRequest struct {
	ItemPath
	Body itemPatchBody
}

type VersionQuery struct {
	Version int64 `query:"version" minimum:"0" doc:"The version the deletion is based on (required: a missing or stale one gets 409 with the current entity)"`
}

type deleteItemRequest struct {
	ItemPath
	VersionQuery
}

type moveItemRequest struct {
	ItemPath
	Body struct {
		Version  int64            `json:"version" minimum:"1"`
		StatusID string           `json:"status_id,omitempty" maxLength:"64" doc:"The new status (board column); empty keeps it"`
		Position backlog.Position `json:"position,omitzero" doc:"The new place in the order; empty keeps it"`
	}
}

type moveItemResponse struct {
	Body backlog.MoveResult
}

type listItemsRequest struct {
	ProductPath
	Kind     []string `query:"kind" maxItems:"5" doc:"Any of these kinds" example:"story"`
	Status   []string `query:"status" maxItems:"50" doc:"Any of these status ids"`
	Category []string `query:"category" maxItems:"3" doc:"Any of these status categories: todo, in_progress, done"`
	Assignee []string `query:"assignee" maxItems:"50" doc:"Assigned to any of these accounts"`
	Label    []string `query:"label" maxItems:"50" doc:"Carrying any of these labels"`
	Sprint   string   `query:"sprint" maxLength:"64" doc:"A sprint id, or none for items in no sprint"`
	Parent   string   `query:"parent" maxLength:"64" doc:"Children of this item"`
	Text     string   `query:"text" maxLength:"200" doc:"Words to find in titles, descriptions and comments (prefixes match), or an item key"`
	Page
}

type itemPageResponse struct {
	Body backlog.Page
}

type previewRequest struct {
	TeamPath
	Body struct {
		Markdown string `json:"markdown" maxLength:"20000" doc:"Markdown as an editor holds it" example:"**Fast** checkout"`
	}
}

type previewResponse struct {
	Body struct {
		HTML string `json:"html" doc:"The Markdown rendered to sanitised HTML, as item descriptions are shown"`
	}
}

type bulkRequest struct {
	ProductPath
	Body struct {
		ItemIDs         []string         `json:"item_ids" maxItems:"200" doc:"The items to change (1 to 200)"`
		SprintID        *string          `json:"sprint_id,omitempty" maxLength:"64" doc:"Move them to this sprint; empty for the product backlog"`
		StatusID        *string          `json:"status_id,omitempty" maxLength:"64"`
		AddLabels       []string         `json:"add_labels,omitempty" maxItems:"20"`
		RemoveLabels    []string         `json:"remove_labels,omitempty" maxItems:"20"`
		AddAssignees    []string         `json:"add_assignees,omitempty" maxItems:"10"`
		RemoveAssignees []string         `json:"remove_assignees,omitempty" maxItems:"10"`
		Position        backlog.Position `json:"position,omitzero" doc:"Place them together here, in their present order"`
	}
}

type bulkResponse struct {
	Body struct {
		Items []backlog.Item `json:"items"`
	}
}

type itemHistoryRequest struct {
	ItemPath
	Page
}

type StatusPath struct {
	TeamPath
	Status string `path:"status" maxLength:"64"`
}

type statusesResponse struct {
	Body struct {
		Statuses []backlog.Status `json:"statuses"`
	}
}

type createStatusRequest struct {
	TeamPath
	Body struct {
		Name     string           `json:"name" minLength:"1" maxLength:"40" example:"In review"`
		Category backlog.Category `json:"category" enum:"todo,in_progress,done"`
		WIPLimit int              `json:"wip_limit,omitempty" minimum:"0" maximum:"1000"`
		Position *int             `json:"position,omitempty" minimum:"0" maximum:"29" doc:"Default: last"`
	}
}

type statusResponse struct {
	Body backlog.Status
}

type updateStatusRequest struct {
	StatusPath
	Body struct {
		Version  int64             `json:"version" minimum:"1"`
		Name     *string           `json:"name,omitempty" minLength:"1" maxLength:"40"`
		Category *backlog.Category `json:"category,omitempty" enum:"todo,in_progress,done"`
		WIPLimit *int              `json:"wip_limit,omitempty" minimum:"0" maximum:"1000"`
		Position *int              `json:"position,omitempty" minimum:"0" maximum:"29"`
	}
}

type deleteStatusRequest struct {
	StatusPath
	VersionQuery
	MoveTo string `query:"move_to" maxLength:"64" doc:"The status its items move to; needed when it has any"`
}

type backlogSettingsResponse struct {
	Body backlog.Settings
}

type updateBacklogSettingsRequest struct {
	TeamPath
	Body struct {
		Version         int64 `json:"version" minimum:"0" doc:"The version the change is based on (0 before the first change)"`
		ParallelSprints bool  `json:"parallel_sprints"`
	}
}

type boardRequest struct {
	ProductPath
	Sprint string `query:"sprint" maxLength:"64" doc:"A sprint id, or none for the items in no sprint; default the active sprint (or none when no sprint is active)"`
}

type boardResponse struct {
	Body backlog.Board
}

type FilterPath struct {
	TeamPath
	Filter string `path:"filter" maxLength:"64"`
}

type filtersResponse struct {
	Body struct {
		Filters []backlog.SavedFilter `json:"filters"`
	}
}

type createFilterRequest struct {
	TeamPath
	Body struct {
		ProductID string         `json:"product_id" maxLength:"64"`
		Name      string         `json:"name" minLength:"1" maxLength:"80" example:"My open bugs"`
		Filter    backlog.Filter `json:"filter"`
	}
}

type filterResponse struct {
	Body backlog.SavedFilter
}

type updateFilterRequest struct {
	FilterPath
	Body struct {
		Version int64           `json:"version" minimum:"1"`
		Name    *string         `json:"name,omitempty" minLength:"1" maxLength:"80"`
		Filter  *backlog.Filter `json:"filter,omitempty"`
	}
}

type deleteFilterRequest struct {
	FilterPath
	VersionQuery
}

func kinds(in []string) []backlog.Kind {
	out := make([]backlog.Kind, len(in))
	for i, k := range in {
		out[i] = backlog.Kind(k)
	}
	return out
}

func categories(in []string) []backlog.Category {
	out := make([]backlog.Category, len(in))
	for i, c := range in {
		out[i] = backlog.Category(c)
	}
	return out
}

// ptrIfSet returns &s when the list was sent (even empty), nil when absent.
func ptrIfSet[T any](s []T) *[]T {
	if s == nil {
		return nil
	}
	return &s
}

func (s *Server) backlogRoutes() {
	tags := []string{"Backlog"}
	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "create-item", Method: http.MethodPost, Path: "/api/v1/teams/{team}/products/{product}/items",
		Summary: "Create a backlog item", Tags: tags, DefaultStatus: http.StatusCreated, MaxBodyBytes: itemBodyLimit,
		Description: "Adds an epic, story, task, bug or subtask to the product's backlog, at the bottom unless a position is given. " +
			"The item gets the product's next number and a key such as PAMA-42.",
	}, func(ctx context.Context, in *createItemRequest) (*itemResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		b := in.Body
		it, err := s.deps.Backlog.CreateItem(ctx, teamAccess(ctx).Team.ID, backlog.NewItem{
			ProductID: pid, Kind: b.Kind, ParentID: b.ParentID, Title: b.Title, Description: b.Description,
			Criteria: b.Criteria, Points: b.Points, Assignees: b.Assignees, Labels: b.Labels, Priority: b.Priority,
			DueDate: b.DueDate, Origin: b.Origin, StatusID: b.StatusID, SprintID: b.SprintID, Position: b.Position,
		})
		if err != nil {
			return nil, err
		}
		return &itemResponse{Body: it}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-items", Method: http.MethodGet, Path: "/api/v1/teams/{team}/products/{product}/items",
		Summary: "List and search backlog items", Tags: tags,
		Description: "The product's items in backlog order, filtered. Filters combine (all must hold); values of one filter are alternatives. " +
			"`text` searches titles, descriptions and comments.",
	}, func(ctx context.Context, in *listItemsRequest) (*itemPageResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		p, err := s.deps.Backlog.Search(ctx, teamAccess(ctx).Team.ID, backlog.Query{
			ProductID: pid, Cursor: in.Cursor, Limit: in.Limit,
			Filter: backlog.Filter{Kinds: kinds(in.Kind), StatusIDs: in.Status, Categories: categories(in.Category),
				Assignees: in.Assignee, Labels: in.Label, SprintID: in.Sprint, ParentID: in.Parent, Text: in.Text},
		})
		if err != nil {
			return nil, queryFields(err)
		}
		return &itemPageResponse{Body: p}, nil
	})

	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "bulk-edit-items", Method: http.MethodPost, Path: "/api/v1/teams/{team}/products/{product}/items/bulk",
		Summary: "Change several items at once", Tags: tags,
		Description: "Moves, labels, assigns or re-statuses up to 200 items in one transaction: all change or none.",
	}, func(ctx context.Context, in *bulkRequest) (*bulkResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		b := in.Body
		items, err := s.deps.Backlog.BulkEdit(ctx, teamAccess(ctx).Team.ID, backlog.Bulk{
			ProductID: pid, ItemIDs: b.ItemIDs, SprintID: b.SprintID, StatusID: b.StatusID,
			AddLabels: b.AddLabels, RemoveLabels: b.RemoveLabels, AddAssignees: b.AddAssignees,
			RemoveAssignees: b.RemoveAssignees, Position: b.Position,
		})
		if err != nil {
			return nil, err
		}
		out := &bulkResponse{}
		out.Body.Items = nonNil(items)
		return out, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-item", Method: http.MethodGet, Path: "/api/v1/teams/{team}/items/{item}",
		Summary: "Get a backlog item", Tags: tags,
		Description: "By id or by key (PAMA-42). The description comes as written (Markdown) and as sanitised HTML.",
	}, func(ctx context.Context, in *ItemPath) (*itemResponse, error) {
		it, err := s.deps.Backlog.Item(ctx, teamAccess(ctx).Team.ID, in.Item)
		if err != nil {
			return nil, err
		}
		return &itemResponse{Body: it}, nil
	})

	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "update-item", Method: http.MethodPatch, Path: "/api/v1/teams/{team}/items/{item}",
		Summary: "Change a backlog item", Tags: tags, MaxBodyBytes: itemBodyLimit,
		Description: "Changes the fields sent; others stay. A stale version gets 409 with the current item.",
	}, func(ctx context.Context, in *updateItemRequest) (*itemResponse, error) {
		b := in.Body
		p := backlog.Patch{Title: b.Title, Description: b.Description, Criteria: ptrIfSet(b.Criteria),
			Assignees: ptrIfSet(b.Assignees), Labels: ptrIfSet(b.Labels), Priority: b.Priority, DueDate: b.DueDate,
			Kind: b.Kind, ParentID: b.ParentID, StatusID: b.StatusID, SprintID: b.SprintID}
		if b.Points.Sent {
			if b.Points.Null {
				p.ClearPoints = true
			} else {
				p.Points = &b.Points.Value
			}
		}
		id, err := s.itemID(ctx, in.Item)
		if err != nil {
			return nil, err
		}
		it, err := s.deps.Backlog.UpdateItem(ctx, teamAccess(ctx).Team.ID, id, b.Version, p)
		if err != nil {
			return nil, err
		}
		return &itemResponse{Body: it}, nil
	})

	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "move-item", Method: http.MethodPost, Path: "/api/v1/teams/{team}/items/{item}/move",
		Summary: "Move an item on the backlog or the board", Tags: tags,
		Description: "A drag: a new status (board column), a new place in the order, or both, in one write. " +
			"Exceeding a WIP limit succeeds with a warning.",
	}, func(ctx context.Context, in *moveItemRequest) (*moveItemResponse, error) {
		id, err := s.itemID(ctx, in.Item)
		if err != nil {
			return nil, err
		}
		res, err := s.deps.Backlog.MoveItem(ctx, teamAccess(ctx).Team.ID, id, backlog.Move{
			Version: in.Body.Version, StatusID: in.Body.StatusID, Position: in.Body.Position})
		if err != nil {
			return nil, err
		}
		return &moveItemResponse{Body: res}, nil
	})

	register(s, in(team.PermEditBacklog), huma.Operation{
		OperationID: "delete-item", Method: http.MethodDelete, Path: "/api/v1/teams/{team}/items/{item}",
		Summary: "Delete a backlog item", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Deletes an item without children (delete or move those first), with its comments and files.",
	}, func(ctx context.Context, in *deleteItemRequest) (*struct{}, error) {
		id, err := s.itemID(ctx, in.Item)
		if err != nil {
			return nil, err
		}
		tm := teamAccess(ctx).Team.ID
		if err := s.deps.Backlog.DeleteItem(ctx, tm, id, in.Version); err != nil {
			return nil, err
		}
		s.deps.Files.Sweep(ctx, tm) // the item's files went to the trash
		return nil, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "item-history", Method: http.MethodGet, Path: "/api/v1/teams/{team}/items/{item}/history",
		Summary: "History of a backlog item", Tags: tags,
		Description: "Who changed what and when, oldest first, with each field's value before and after. Status changes have action `moved`.",
	}, func(ctx context.Context, in *itemHistoryRequest) (*activityPage, error) {
		var after int64
		if err := decodeCursor(in.Cursor, &after); err != nil {
			return nil, err
		}
		id, err := s.itemID(ctx, in.Item)
		if err != nil {
			return nil, err
		}
		list, err := s.deps.Backlog.History(ctx, teamAccess(ctx).Team.ID, id, after, in.Limit+1)
		if err != nil {
			return nil, err
		}
		return activityPageOf(list, in.Limit), nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-board", Method: http.MethodGet, Path: "/api/v1/teams/{team}/products/{product}/board",
		Summary: "The board of a sprint", Tags: tags,
		Description: "Columns are the workflow's statuses, with counts and WIP limits; lanes separate items born in ceremonies.",
	}, func(ctx context.Context, in *boardRequest) (*boardResponse, error) {
		pid, err := s.productID(ctx, in.Product)
		if err != nil {
			return nil, err
		}
		tm := teamAccess(ctx).Team.ID
		sprintID := in.Sprint
		if sprintID == "" {
			active, err := s.deps.Sprints.List(ctx, tm, pid, "active")
			if err != nil {
				return nil, err
			}
			sprintID = backlog.SprintNone
			if len(active) > 0 {
				sprintID = active[0].ID
			}
		}
		b, err := s.deps.Backlog.Board(ctx, tm, pid, sprintID)
		if err != nil {
			return nil, err
		}
		return &boardResponse{Body: b}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "preview-markdown", Method: http.MethodPost, Path: "/api/v1/teams/{team}/markdown/preview",
		Summary: "Preview Markdown", Tags: tags, MaxBodyBytes: itemBodyLimit,
		Description: "Renders Markdown to sanitised HTML exactly as item descriptions are rendered, without saving anything, " +
			"so an editor can show the text as it will look.",
	}, func(ctx context.Context, in *previewRequest) (*previewResponse, error) {
		out := &previewResponse{}
		out.Body.HTML = s.deps.Backlog.Preview(in.Body.Markdown)
		return out, nil
	})

	s.workflowRoutes()
	s.filterRoutes()
}

// productID turns a product reference (id or key) into the id of a product
// of the caller's team, or not found.
func (s *Server) productID(ctx context.Context, ref string) (string, error) {
	p, err := s.deps.Products.Get(ctx, teamAccess(ctx).Team.ID, ref)
	if err != nil {
		return "", err
	}
	return p.ID, nil
}

// itemID turns an item reference (id or key) into its id.
func (s *Server) itemID(ctx context.Context, ref string) (string, error) {
	if len(ref) == 36 {
		return ref, nil
	}
	it, err := s.deps.Backlog.Item(ctx, teamAccess(ctx).Team.ID, ref)
	if err != nil {
		return "", err
	}
	return it.ID, nil
}

func (s *Server) workflowRoutes() {
	tags := []string{"Workflow"}
	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-statuses", Method: http.MethodGet, Path: "/api/v1/teams/{team}/statuses",
		Summary: "The team's workflow", Tags: tags,
		Description: "The statuses items move through, in order, each in a category (todo, in_progress, done).",
	}, func(ctx context.Context, in *TeamPath) (*statusesResponse, error) {
		list, err := s.deps.Backlog.Statuses(ctx, teamAccess(ctx).Team.ID)
		if err != nil {
			return nil, err
		}
		out := &statusesResponse{}
		out.Body.Statuses = list
		return out, nil
	})

	register(s, in(team.PermManageTeam), huma.Operation{
		OperationID: "create-status", Method: http.MethodPost, Path: "/api/v1/teams/{team}/statuses",
		Summary: "Add a status to the workflow", Tags: tags, DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *createStatusRequest) (*statusResponse, error) {
		st, err := s.deps.Backlog.CreateStatus(ctx, teamAccess(ctx).Team.ID, backlog.NewStatus{
			Name: in.Body.Name, Category: in.Body.Category, WIPLimit: in.Body.WIPLimit, Position: in.Body.Position})
		if err != nil {
			return nil, err
		}
		return &statusResponse{Body: st}, nil
	})

	register(s, in(team.PermManageTeam), huma.Operation{
		OperationID: "update-status", Method: http.MethodPatch, Path: "/api/v1/teams/{team}/statuses/{status}",
		Summary: "Rename, recategorise, reorder or limit a status", Tags: tags,
	}, func(ctx context.Context, in *updateStatusRequest) (*statusResponse, error) {
		b := in.Body
		st, err := s.deps.Backlog.UpdateStatus(ctx, teamAccess(ctx).Team.ID, in.Status, b.Version, backlog.StatusPatch{
			Name: b.Name, Category: b.Category, WIPLimit: b.WIPLimit, Position: b.Position})
		if err != nil {
			return nil, err
		}
		return &statusResponse{Body: st}, nil
	})

	register(s, in(team.PermManageTeam), huma.Operation{
		OperationID: "delete-status", Method: http.MethodDelete, Path: "/api/v1/teams/{team}/statuses/{status}",
		Summary: "Remove a status from the workflow", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Its items move to `move_to`. Each category keeps at least one status.",
	}, func(ctx context.Context, in *deleteStatusRequest) (*struct{}, error) {
		return nil, s.deps.Backlog.DeleteStatus(ctx, teamAccess(ctx).Team.ID, in.Status, in.Version, in.MoveTo)
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-backlog-settings", Method: http.MethodGet, Path: "/api/v1/teams/{team}/backlog-settings",
		Summary: "The team's backlog settings", Tags: tags,
	}, func(ctx context.Context, in *TeamPath) (*backlogSettingsResponse, error) {
		st, err := s.deps.Backlog.Settings(ctx, teamAccess(ctx).Team.ID)
		if err != nil {
			return nil, err
		}
		return &backlogSettingsResponse{Body: st}, nil
	})

	register(s, in(team.PermManageTeam), huma.Operation{
		OperationID: "update-backlog-settings", Method: http.MethodPut, Path: "/api/v1/teams/{team}/backlog-settings",
		Summary: "Change the team's backlog settings", Tags: tags,
	}, func(ctx context.Context, in *updateBacklogSettingsRequest) (*backlogSettingsResponse, error) {
		st, err := s.deps.Backlog.UpdateSettings(ctx, teamAccess(ctx).Team.ID, in.Body.Version, in.Body.ParallelSprints)
		if err != nil {
			return nil, err
		}
		return &backlogSettingsResponse{Body: st}, nil
	})
}

func (s *Server) filterRoutes() {
	tags := []string{"Search"}
	register(s, in(team.PermView), huma.Operation{
		OperationID: "list-saved-filters", Method: http.MethodGet, Path: "/api/v1/teams/{team}/filters",
		Summary: "Your saved filters", Tags: tags,
	}, func(ctx context.Context, in *TeamPath) (*filtersResponse, error) {
		list, err := s.deps.Backlog.SavedFilters(ctx, teamAccess(ctx).Team.ID, accountID(ctx))
		if err != nil {
			return nil, err
		}
		out := &filtersResponse{}
		out.Body.Filters = list
		return out, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "create-saved-filter", Method: http.MethodPost, Path: "/api/v1/teams/{team}/filters",
		Summary: "Save a filter", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Saved filters belong to the member who saves them; nobody else sees them.",
	}, func(ctx context.Context, in *createFilterRequest) (*filterResponse, error) {
		f, err := s.deps.Backlog.SaveFilter(ctx, teamAccess(ctx).Team.ID, accountID(ctx), in.Body.ProductID, in.Body.Name, in.Body.Filter)
		if err != nil {
			return nil, err
		}
		return &filterResponse{Body: f}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "get-saved-filter", Method: http.MethodGet, Path: "/api/v1/teams/{team}/filters/{filter}",
		Summary: "One of your saved filters", Tags: tags,
	}, func(ctx context.Context, in *FilterPath) (*filterResponse, error) {
		f, err := s.deps.Backlog.SavedFilter(ctx, teamAccess(ctx).Team.ID, accountID(ctx), in.Filter)
		if err != nil {
			return nil, err
		}
		return &filterResponse{Body: f}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "update-saved-filter", Method: http.MethodPatch, Path: "/api/v1/teams/{team}/filters/{filter}",
		Summary: "Rename or change a saved filter", Tags: tags,
	}, func(ctx context.Context, in *updateFilterRequest) (*filterResponse, error) {
		f, err := s.deps.Backlog.UpdateFilter(ctx, teamAccess(ctx).Team.ID, accountID(ctx), in.Filter, in.Body.Version,
			backlog.FilterPatch{Name: in.Body.Name, Filter: in.Body.Filter})
		if err != nil {
			return nil, err
		}
		return &filterResponse{Body: f}, nil
	})

	register(s, in(team.PermView), huma.Operation{
		OperationID: "delete-saved-filter", Method: http.MethodDelete, Path: "/api/v1/teams/{team}/filters/{filter}",
		Summary: "Delete a saved filter", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *deleteFilterRequest) (*struct{}, error) {
		return nil, s.deps.Backlog.DeleteFilter(ctx, teamAccess(ctx).Team.ID, accountID(ctx), in.Filter, in.Version)
	})
}

// queryFields points the field errors of list-items at its query parameters.
func queryFields(err error) error {
	names := map[string]string{"kinds": "kind", "status_ids": "status", "categories": "category",
		"assignees": "assignee", "labels": "label", "limit": "limit", "cursor": "cursor", "text": "text"}
	rename := func(fe *errkind.FieldError) *errkind.FieldError {
		if q, ok := names[fe.Field]; ok {
			c := *fe
			c.Field = "query." + q
			return &c
		}
		return fe
	}
	var fe *errkind.FieldError
	var fes errkind.FieldErrors
	switch {
	case errors.As(err, &fes):
		out := make(errkind.FieldErrors, len(fes))
		for i, f := range fes {
			out[i] = rename(f)
		}
		return out
	case errors.As(err, &fe):
		return rename(fe)
	}
	return err
}
