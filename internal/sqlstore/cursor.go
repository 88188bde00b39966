package sqlstore

import (
	"encoding/base64"
	"encoding/json"

	"github.com/pamateam/pama/internal/errkind"
)

// Cursors are opaque to clients: the sort key of the last entry of a page,
// as base64url JSON. decodeCursor refuses anything it did not make.

func encodeCursor(parts ...string) string {
	b, _ := json.Marshal(parts)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadCursor = &errkind.FieldError{Field: "query.cursor", Message: "is not a cursor from this list; start again without one"}

// decodeCursor returns the n parts of c, or (nil, nil) for an empty cursor.
func decodeCursor(c string, n int) ([]string, error) {
	if c == "" {
		return nil, nil
	}
	if len(c) > 1024 {
		return nil, errBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, errBadCursor
	}
	var parts []string
	if json.Unmarshal(b, &parts) != nil || len(parts) != n {
		return nil, errBadCursor
	}
	return parts, nil
}
