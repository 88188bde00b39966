package activity_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/activity"
)

func TestWithContextNamesTheParentOnce(t *testing.T) {
	type c struct {
		ItemID string `json:"item_id"`
		Body   string `json:"body"`
		Zed    string `json:"zed,omitempty"`
	}
	edit := activity.Diff(c{ItemID: "i1", Body: "a"}, c{ItemID: "i1", Body: "b", Zed: "z"})
	got := activity.WithContext(edit, "item_id", "i1")
	want := []activity.Change{
		{Field: "body", Before: []byte(`"a"`), After: []byte(`"b"`)},
		{Field: "item_id", Before: []byte(`"i1"`), After: []byte(`"i1"`)},
		{Field: "zed", After: []byte(`"z"`)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("edit with context (-want +got):\n%s", diff)
	}
	// A change that already names the field is left alone.
	created := activity.Diff(nil, c{ItemID: "i1", Body: "a"})
	if got := activity.WithContext(created, "item_id", "other"); !cmp.Equal(got, created) {
		t.Errorf("creation with context = %+v", got)
	}
}
