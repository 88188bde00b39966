package comment_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/backlog"
	"github.com/pamateam/pama/internal/comment"
)

func at(min int) time.Time { return time.Date(2026, 1, 1, 0, min, 0, 0, time.UTC) }

func TestHandles(t *testing.T) {
	people := []comment.Person{
		{AccountID: "c", Email: "ada@two.example", JoinedAt: at(3)},
		{AccountID: "a", Email: "Ada@one.example", JoinedAt: at(1)},
		{AccountID: "b", Email: "ada+pama@three.example", JoinedAt: at(2)},
		{AccountID: "d", Email: "Ben.Smith-Jones@example.com", JoinedAt: at(4)},
		{AccountID: "e", Email: "анна@example.com", JoinedAt: at(5)},
		{AccountID: "f", Email: "_x_@example.com", JoinedAt: at(6)},
		{AccountID: "g", Email: "ada-2@example.com", JoinedAt: at(7)},
		{AccountID: "h", Email: "a-very-long-local-part-for-a-handle-indeed@example.com", JoinedAt: at(8)},
		{AccountID: "i", Email: "a-very-long-local-part-for-a-handle-indeed@other.example", JoinedAt: at(9)},
	}
	got := comment.Handles(people)
	want := map[string]string{
		"a": "ada", "b": "ada-2", "c": "ada-3", "d": "ben.smith-jones", "e": "member", "f": "x", "g": "ada-2-2",
		"h": "a-very-long-local-part-for-a-han", "i": "a-very-long-local-part-for-a-h-2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("handles (-want +got):\n%s", diff)
	}
	for id, h := range got {
		if len(h) > comment.MaxHandle {
			t.Errorf("%s: handle %q longer than %d", id, h, comment.MaxHandle)
		}
	}
	// Someone joining later never changes an earlier member's handle.
	more := append(people, comment.Person{AccountID: "z", Email: "ada@late.example", JoinedAt: at(10)})
	after := comment.Handles(more)
	for id, h := range got {
		if after[id] != h {
			t.Errorf("%s changed from %q to %q when someone joined", id, h, after[id])
		}
	}
	if after["z"] != "ada-4" {
		t.Errorf("late ada = %q", after["z"])
	}
}

func TestMentioned(t *testing.T) {
	tests := []struct {
		prose string
		want  []string
	}{
		{"@ada please look", []string{"ada"}},
		{"cc @Ada, @ben.smith and @ada again.", []string{"ada", "ben.smith"}},
		{"mail ada@example.com or see a/@b", nil},
		{"(@ada) [@ben] \"@cy\"", []string{"ada", "ben", "cy"}},
		{"@ada... @ben- @cy_", []string{"ada", "ben", "cy"}},
		{"@ @. @-x", nil},
		{"end @ada.\nnext @ben", []string{"ada", "ben"}},
		{"ü@ada no, x @ada-2 yes", []string{"ada-2"}},
	}
	for _, tt := range tests {
		if got := comment.Mentioned(tt.prose); !cmp.Equal(got, tt.want) {
			t.Errorf("Mentioned(%q) = %v, want %v", tt.prose, got, tt.want)
		}
	}
}

func TestMentionsOutsideCodeOnly(t *testing.T) {
	r := backlog.NewRenderer()
	md := "Hi @ada,\n\n- ask @ben\n\n`@cy` is code, so is\n\n```\n@dee\n```\n\n<span>@eve</span> and <mailto:x@fred.com> and [@gil](https://x)\n\n> quoted @hal"
	got := comment.Mentioned(r.Prose(md))
	want := []string{"ada", "ben", "eve", "gil", "hal"}
	if !cmp.Equal(got, want) {
		t.Errorf("mentions in %q = %v, want %v (prose %q)", md, got, want, r.Prose(md))
	}
}
