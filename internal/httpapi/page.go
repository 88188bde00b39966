package httpapi

import (
	"encoding/base64"
	"encoding/json"

	"github.com/pamateam/pama/internal/errkind"
)

// Page is the query of a list operation: how many, and where to go on from.
type Page struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"How many to return (1 to 200)"`
	Cursor string `query:"cursor" maxLength:"512" doc:"The next_cursor of the previous page; empty for the first"`
}

// encodeCursor makes an opaque cursor of v.
func encodeCursor(v any) string {
	raw, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeCursor reads a cursor made by encodeCursor into v. An empty cursor
// leaves v as it is.
func decodeCursor(s string, v any) error {
	if s == "" {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(raw, v) != nil {
		return errkind.Field("query.cursor", "is not a cursor this API gave out")
	}
	return nil
}
