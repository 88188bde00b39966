package backlog

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/errkind"
)

func TestCheckParent(t *testing.T) {
	tests := []struct {
		child, parent Kind
		ok            bool
	}{
		{KindEpic, "", true},
		{KindEpic, KindEpic, false},
		{KindStory, "", true},
		{KindStory, KindEpic, true},
		{KindStory, KindStory, false},
		{KindTask, KindEpic, true},
		{KindBug, KindEpic, true},
		{KindBug, KindSubtask, false},
		{KindSubtask, "", false},
		{KindSubtask, KindStory, true},
		{KindSubtask, KindTask, true},
		{KindSubtask, KindBug, true},
		{KindSubtask, KindEpic, false},
		{KindSubtask, KindSubtask, false},
	}
	for _, tc := range tests {
		err := CheckParent(tc.child, tc.parent)
		if (err == nil) != tc.ok {
			t.Errorf("CheckParent(%s, %q) = %v, want ok=%v", tc.child, tc.parent, err, tc.ok)
		}
		var fe *errkind.FieldError
		if err != nil && (!errors.As(err, &fe) || fe.Field != "parent_id") {
			t.Errorf("CheckParent(%s, %q) error %v does not name parent_id", tc.child, tc.parent, err)
		}
	}
	if err := CheckChildren(KindSubtask, []Kind{KindSubtask}); err == nil {
		t.Error("a story with subtasks became a subtask")
	}
	if err := CheckChildren(KindTask, []Kind{KindSubtask}); err != nil {
		t.Errorf("a story with subtasks may become a task: %v", err)
	}
}

func TestNewItemNormalize(t *testing.T) {
	pts := -1.0
	n := NewItem{Kind: "feature", Title: "  ", Labels: []string{"ui", "UI", " ", "a,b"}, Assignees: []string{"x", "x"},
		Criteria: []Criterion{{Text: ""}}, Points: &pts, DueDate: "31/12/2026", Priority: "urgent",
		Position: Position{Top: true, Bottom: true}}
	err := n.normalize()
	var fes errkind.FieldErrors
	if !errors.As(err, &fes) {
		t.Fatalf("normalize() = %v, want field errors", err)
	}
	var got []string
	for _, fe := range fes {
		got = append(got, fe.Field)
	}
	want := []string{"kind", "title", "criteria.0.text", "points", "labels.1", "priority", "due_date", "position"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ui", "a,b"}, n.Labels); diff != "" {
		t.Errorf("labels not deduplicated case-insensitively (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"x"}, n.Assignees); diff != "" {
		t.Errorf("assignees (-want +got):\n%s", diff)
	}

	ok := NewItem{Kind: KindStory, Title: "  Sign in  ", Description: strings.Repeat("x", MaxDescription)}
	if err := ok.normalize(); err != nil {
		t.Fatal(err)
	}
	if ok.Title != "Sign in" || ok.Priority != PriorityMedium || ok.Labels == nil || ok.Criteria == nil {
		t.Errorf("normalized = %+v", ok)
	}
	ok.Description += "x"
	if err := ok.normalize(); err == nil {
		t.Error("a description over the limit was accepted")
	}
}

func TestMarkdownIsRenderedAndSanitised(t *testing.T) {
	r := NewRenderer()
	tests := []struct {
		src          string
		want, reject []string
	}{
		{"**bold** and `code`", []string{"<strong>bold</strong>", "<code>code</code>"}, nil},
		{"<script>alert(1)</script>hi", nil, []string{"<script", "alert(1)</script>"}},
		{"[x](javascript:alert(1))", nil, []string{"javascript:"}},
		{"<img src=x onerror=alert(1)>", nil, []string{"onerror"}},
		{"[site](https://example.org)", []string{`href="https://example.org"`, `rel="nofollow noopener"`}, nil},
		{"- [x] done\n- [ ] open", []string{`type="checkbox"`, "checked"}, nil},
		{"| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
	}
	for _, tc := range tests {
		got := r.HTML(tc.src)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("HTML(%q) = %q, want it to contain %q", tc.src, got, w)
			}
		}
		for _, bad := range tc.reject {
			if strings.Contains(got, bad) {
				t.Errorf("HTML(%q) = %q, contains %q", tc.src, got, bad)
			}
		}
	}
	if r.HTML("") != "" {
		t.Error("empty description rendered to something")
	}
}

func TestSearchWordsStripSyntax(t *testing.T) {
	got := SearchWords(`Sign-in "OR" NEAR(x) café* 42`)
	want := []string{"sign", "in", "or", "near", "x", "café", "42"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SearchWords (-want +got):\n%s", diff)
	}
}
