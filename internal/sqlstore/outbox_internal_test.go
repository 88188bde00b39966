package sqlstore

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/activity"
)

func TestOutboxMarksExactlyWhatWasPublished(t *testing.T) {
	eachEngineInternal(t, func(t *testing.T, s *Store) {
		ctx := activity.WithActor(context.Background(), "acct-1")
		a, b := makeTeam(t, s), makeTeam(t, s)
		var got [][]activity.Entry
		s.SetOnCommit(func(team string, es []activity.Entry) {
			if team == a {
				got = append(got, es)
			}
		})
		for i := range 4 {
			err := s.inTeam(ctx, a, "test.record", func(t *tx) error {
				return t.record("item", "x", "updated", int64(i+1), nil)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := s.inTeam(ctx, b, "test.record", func(t *tx) error { return t.record("item", "y", "created", 1, nil) }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 {
			t.Fatalf("OnCommit called %d times for team a, want 4", len(got))
		}
		seqs := []int64{got[0][0].Seq, got[2][0].Seq}
		if err := s.MarkPublishedSeqs(ctx, a, seqs); err != nil {
			t.Fatal(err)
		}
		left, err := s.Unpublished(ctx, a, 10)
		if err != nil {
			t.Fatal(err)
		}
		var leftSeqs []int64
		for _, e := range left {
			leftSeqs = append(leftSeqs, e.Seq)
		}
		if diff := cmp.Diff([]int64{got[1][0].Seq, got[3][0].Seq}, leftSeqs); diff != "" {
			t.Errorf("unpublished after marking (-want +got):\n%s", diff)
		}

		future := time.Now().Add(time.Hour)
		teams, err := s.UnpublishedTeams(ctx, future, true)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(teams)
		want := []string{a, b}
		slices.Sort(want)
		if diff := cmp.Diff(want, teams); diff != "" {
			t.Errorf("teams with unpublished entries (-want +got):\n%s", diff)
		}
		past := time.Now().Add(-time.Hour)
		if teams, err := s.UnpublishedTeams(ctx, past, true); err != nil || len(teams) != 0 {
			t.Errorf("teams with entries older than an hour = %v, %v; want none", teams, err)
		}
		if err := s.MarkPublishedSeqs(ctx, b, nil); err != nil {
			t.Fatal(err)
		}
		all := []int64{got[1][0].Seq, got[3][0].Seq}
		if err := s.MarkPublishedSeqs(ctx, a, all); err != nil {
			t.Fatal(err)
		}
		teams, err = s.UnpublishedTeams(ctx, future, false)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(teams, a) {
			t.Errorf("team a listed with unpublished entries after all were marked")
		}
	})
}
