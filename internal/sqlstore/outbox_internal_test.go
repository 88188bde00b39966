package sqlstore

import (
	"context"
	"os"
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

func TestFullSweepAfterACleanStopLooksOnlyAtFilesWrittenSince(t *testing.T) {
	s, err := Open(context.Background(), Options{DataDir: t.TempDir(), TeamIdle: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := activity.WithActor(context.Background(), "acct-1")
	a, b := makeTeam(t, s), makeTeam(t, s)
	for _, team := range []string{a, b} {
		if err := s.inTeam(ctx, team, "test.record", func(t *tx) error { return t.record("item", "x", "created", 1, nil) }); err != nil {
			t.Fatal(err)
		}
	}
	// b was last written long before the clean stop, a after it.
	long := time.Now().Add(-2 * time.Hour)
	for _, p := range []string{s.teams.path(b), s.teams.path(b) + "-wal"} {
		os.Chtimes(p, long, long)
	}
	if err := s.OutboxClean(ctx); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	got, err := s.UnpublishedTeams(ctx, later, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{a}, got); diff != "" {
		t.Errorf("teams after a clean stop (-want +got):\n%s", diff)
	}
	// The marker is used once: the next full sweep (after a crash) looks everywhere.
	got, err = s.UnpublishedTeams(ctx, later, true)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{a, b}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("teams without a marker (-want +got):\n%s", diff)
	}
}
