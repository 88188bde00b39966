package wire

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAndBuildChannelNames(t *testing.T) {
	tests := []struct {
		name string
		want Channel
		ok   bool
	}{
		{Team("t1"), Channel{Kind: KindTeam, Team: "t1"}, true},
		{Backlog("t1", "p1"), Channel{Kind: KindBacklog, Team: "t1", ID: "p1"}, true},
		{Item("t1", "0193a3b2-aaaa"), Channel{Kind: KindItem, Team: "t1", ID: "0193a3b2-aaaa"}, true},
		{Room("t1", "r_1"), Channel{Kind: KindRoom, Team: "t1", ID: "r_1"}, true},
		{Member("acct"), Channel{Kind: KindMember, ID: "acct"}, true},
		{"team:", Channel{}, false},
		{"team:t1:x", Channel{}, false},
		{"item:t1", Channel{}, false},
		{"item:t1:a:b", Channel{}, false},
		{"item:t1:a b", Channel{}, false},
		{"item:t1:a/b", Channel{}, false},
		{"room::r", Channel{}, false},
		{"other:t1", Channel{}, false},
		{"item:t1:" + strings.Repeat("a", MaxIDLength+1), Channel{}, false},
		{"", Channel{}, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("Parse(%q) error = %v, want ok=%v", tt.name, err, tt.ok)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", tt.name, diff)
		}
		if tt.ok && got.String() != tt.name {
			t.Errorf("Parse(%q).String() = %q", tt.name, got.String())
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"description": true, "criteria.2.text": true, "create-subtask": true, "a/b_c": true,
		"": false, "Description": false, "two words": false, strings.Repeat("a", MaxFieldLength+1): false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDecodeByType(t *testing.T) {
	tests := []struct {
		data string
		want any
	}{
		{`{"type":"draft","by":"a","client":"c","field":"f","text":"x","base_version":3}`,
			&DraftEvent{Type: TypeDraft, Sender: Sender{By: "a", Client: "c"}, Field: "f", Text: "x", BaseVersion: 3}},
		{`{"type":"unlock","by":"a","client":"c","field":"f","reason":"idle"}`,
			&UnlockEvent{Type: TypeUnlock, Sender: Sender{By: "a", Client: "c"}, Field: "f", Reason: ReasonIdle}},
		{`{"type":"follow","by":"a","client":"c","screen":"s"}`,
			&FollowEvent{Type: TypeFollow, Sender: Sender{By: "a", Client: "c"}, Screen: "s"}},
	}
	for _, tt := range tests {
		got, err := Decode([]byte(tt.data))
		if err != nil {
			t.Fatalf("Decode(%s): %v", tt.data, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Decode(%s) (-want +got):\n%s", tt.data, diff)
		}
	}
	for _, bad := range []string{`{"type":"nope"}`, `not json`, `{"type":"draft","text":5}`} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%s) succeeded, want an error", bad)
		}
	}
}
