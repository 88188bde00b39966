package backlog

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pamateam/pama/internal/errkind"
)

// SprintNone in a Filter's SprintID selects items in no sprint: the product
// backlog proper.
const SprintNone = "none"

// Filter selects items of a product. Empty fields do not filter; lists are
// alternatives (any of), and the fields combine (all of).
type Filter struct {
	Kinds      []Kind     `json:"kinds,omitempty" doc:"Any of these kinds"`
	StatusIDs  []string   `json:"status_ids,omitempty" doc:"Any of these statuses"`
	Categories []Category `json:"categories,omitempty" doc:"Any of these status categories"`
	Assignees  []string   `json:"assignees,omitempty" doc:"Assigned to any of these accounts"`
	Labels     []string   `json:"labels,omitempty" doc:"Carrying any of these labels"`
	SprintID   string     `json:"sprint_id,omitempty" doc:"In this sprint, or \"none\" for items in no sprint"`
	ParentID   string     `json:"parent_id,omitempty" doc:"Children of this item"`
	Text       string     `json:"text,omitempty" doc:"Words that must all appear in the title, description or comments (prefixes match)"`
}

// Query is a Filter on one product with a page of results.
type Query struct {
	ProductID string
	Filter
	Cursor string // from Page.NextCursor; "" for the first page
	Limit  int    // 1..MaxPage; 0: DefaultPage
}

// Page is one page of items in backlog order.
type Page struct {
	Items      []Item `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor for the next page; absent on the last"`
}

// Normalize checks q and fills defaults.
func (q *Query) Normalize() error {
	if q.Limit == 0 {
		q.Limit = DefaultPage
	}
	if q.Limit < 1 || q.Limit > MaxPage {
		return errkind.Field("limit", fmt.Sprintf("must be 1 to %d", MaxPage))
	}
	if q.Cursor != "" && !ValidRank(q.Cursor) {
		return errkind.Field("cursor", "is not a cursor this API gave out")
	}
	return q.Filter.normalize()
}

func (f *Filter) normalize() error {
	var errs errkind.FieldErrors
	for _, k := range f.Kinds {
		if !k.Valid() {
			errs = append(errs, errkind.Field("kinds", "must be epic, story, task, bug or subtask"))
			break
		}
	}
	for _, c := range f.Categories {
		if !c.Valid() {
			errs = append(errs, errkind.Field("categories", "must be todo, in_progress or done"))
			break
		}
	}
	f.StatusIDs = nilIfEmpty(dedupe(f.StatusIDs, false))
	f.Assignees = nilIfEmpty(dedupe(f.Assignees, false))
	f.Labels = nilIfEmpty(dedupe(f.Labels, false))
	for name, l := range map[string][]string{"kinds": kindsStrings(f.Kinds), "status_ids": f.StatusIDs,
		"assignees": f.Assignees, "labels": f.Labels} {
		if len(l) > 50 {
			errs = append(errs, errkind.Field(name, "must have at most 50 entries"))
		}
	}
	f.Text = strings.TrimSpace(f.Text)
	if utf8.RuneCountInString(f.Text) > MaxSearchText {
		errs = append(errs, errkind.Field("text", fmt.Sprintf("must be at most %d characters", MaxSearchText)))
	}
	return errs.Err()
}

// nilIfEmpty makes an empty filter list nil, as it reads back from JSON.
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func kindsStrings(ks []Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// SearchWords splits text into the words a full-text search looks for:
// runs of letters and digits, lower-cased, at most 12 of them. Everything
// else (quotes, operators) is a separator, so user text can never be read as
// query syntax by either engine.
func SearchWords(text string) []string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) > 12 {
		words = words[:12]
	}
	return words
}

// SavedFilter is a filter a member saved under a name.
type SavedFilter struct {
	ID        string    `json:"id"`
	TeamID    string    `json:"team_id"`
	AccountID string    `json:"account_id" doc:"The member who owns it"`
	ProductID string    `json:"product_id"`
	Name      string    `json:"name" example:"My open bugs"`
	Filter    Filter    `json:"filter"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// FilterPatch changes a saved filter. Nil fields stay as they are.
type FilterPatch struct {
	Name   *string
	Filter *Filter
}

func checkFilterName(name *string) error {
	*name = strings.TrimSpace(*name)
	if n := utf8.RuneCountInString(*name); n < 1 || n > MaxFilterName {
		return errkind.Field("name", fmt.Sprintf("must be 1 to %d characters", MaxFilterName))
	}
	return nil
}
