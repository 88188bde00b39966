package backlog

import (
	"context"
	"fmt"
)

// The board's lanes.
const (
	LaneWork       = "work"
	LaneCeremonies = "ceremonies"
)

// MaxBoardItems is the most items a board shows; a larger sprint is cut
// short and the board says so.
const MaxBoardItems = 2000

// Board is a sprint's items by status (columns) and by where they were born
// (lanes: items born in ceremonies, such as retrospective actions, have their
// own lane).
type Board struct {
	ProductID string   `json:"product_id"`
	SprintID  string   `json:"sprint_id,omitempty" doc:"The sprint shown; absent for the items in no sprint"`
	Columns   []Column `json:"columns"`
	Lanes     []Lane   `json:"lanes"`
	Truncated bool     `json:"truncated,omitempty" doc:"Set when the sprint has more items than a board shows"`
}

// Column is one status on the board.
type Column struct {
	Status    Status `json:"status"`
	Count     int    `json:"count" doc:"Items in this status"`
	OverLimit bool   `json:"over_limit" doc:"The count exceeds the status's WIP limit"`
}

// Lane is one row of the board: its items per column, in rank order.
type Lane struct {
	ID    string   `json:"id" enum:"work,ceremonies"`
	Name  string   `json:"name"`
	Cells [][]Item `json:"cells" doc:"Items per column, in the order of columns"`
}

// Board returns the board of a product's sprint (SprintNone for the items in
// no sprint).
func (s *Service) Board(ctx context.Context, team, productID, sprintID string) (Board, error) {
	statuses, err := s.store.Statuses(ctx, team)
	if err != nil {
		return Board{}, err
	}
	b := Board{ProductID: productID, Columns: make([]Column, len(statuses))}
	if sprintID != SprintNone {
		b.SprintID = sprintID
	}
	col := make(map[string]int, len(statuses))
	for i, st := range statuses {
		b.Columns[i] = Column{Status: st}
		col[st.ID] = i
	}
	lanes := []Lane{{ID: LaneWork, Name: "Work"}, {ID: LaneCeremonies, Name: "Born in ceremonies"}}
	for i := range lanes {
		lanes[i].Cells = make([][]Item, len(statuses))
		for j := range lanes[i].Cells {
			lanes[i].Cells[j] = []Item{}
		}
	}
	q := Query{ProductID: productID, Filter: Filter{SprintID: sprintID}, Limit: MaxPage}
	seen := 0
	for {
		p, err := s.store.ListItems(ctx, team, q)
		if err != nil {
			return Board{}, err
		}
		for _, it := range p.Items {
			c, ok := col[it.StatusID]
			if !ok {
				return Board{}, fmt.Errorf("backlog: item %s has unknown status %s", it.ID, it.StatusID)
			}
			lane := 0
			if it.Origin != nil {
				lane = 1
			}
			lanes[lane].Cells[c] = append(lanes[lane].Cells[c], s.render(it))
			b.Columns[c].Count++
			seen++
		}
		if p.NextCursor == "" {
			break
		}
		if seen >= MaxBoardItems {
			b.Truncated = true
			break
		}
		q.Cursor = p.NextCursor
	}
	for i := range b.Columns {
		lim := b.Columns[i].Status.WIPLimit
		b.Columns[i].OverLimit = lim > 0 && b.Columns[i].Count > lim
	}
	b.Lanes = lanes
	return b, nil
}
