package operator_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
	"github.com/pamateam/pama/internal/team"
)

// waitJob polls until the job reaches one of states.
func waitJob(t *testing.T, svc *operator.Service, id string, states ...operator.JobState) operator.Job {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := svc.Job(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(states, j.State) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s (%d/%d), want %v", id, j.State, j.Done, j.Total, states)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestJobsSuspendAndResume(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s, t.TempDir(), operator.Config{})
		for i := range 4 {
			e.space(t, fmt.Sprintf("job-%d", i), 0)
		}
		e.space(t, "other", 0)
		rctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go e.svc.RunJobs(rctx)

		j, err := e.svc.CreateJob(ctx, operator.JobSuspend, operator.SpaceFilter{Search: "job-"}, operator.JobParams{Mode: operator.Closed, Reason: "maintenance"})
		if err != nil {
			t.Fatal(err)
		}
		if j.Total != 4 || (j.State != operator.JobQueued && j.State != operator.JobRunning) {
			t.Fatalf("job = %+v", j)
		}
		j = waitJob(t, e.svc, j.ID, operator.JobDone)
		if j.Done != 4 || j.Failed != 0 || j.FinishedAt == nil {
			t.Fatalf("finished job = %+v", j)
		}
		list, _, err := e.svc.List(ctx, operator.ListQuery{Filter: operator.SpaceFilter{States: []team.State{team.StateSuspended}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 4 || !list[0].Closed {
			t.Fatalf("suspended = %d (closed %v), want 4 closed", len(list), list[0].Closed)
		}
		items, err := e.svc.JobItems(ctx, j.ID, 0, 100)
		if err != nil || len(items) != 4 || items[0].State != "done" || items[0].Result != "now suspended" {
			t.Fatalf("items = %+v, %v", items, err)
		}
		// Resume all suspended spaces: "other" was never suspended and is not in the set.
		j2, err := e.svc.CreateJob(ctx, operator.JobResume, operator.SpaceFilter{States: []team.State{team.StateSuspended}}, operator.JobParams{})
		if err != nil {
			t.Fatal(err)
		}
		if j2 = waitJob(t, e.svc, j2.ID, operator.JobDone); j2.Done != 4 || j2.Failed != 0 {
			t.Fatalf("resume job = %+v", j2)
		}
		// A step that fails is recorded on its item; the job goes on.
		j3, err := e.svc.CreateJob(ctx, operator.JobResume, operator.SpaceFilter{Search: "o"}, operator.JobParams{})
		if err != nil {
			t.Fatal(err)
		}
		if j3 = waitJob(t, e.svc, j3.ID, operator.JobDone); j3.Failed != j3.Total {
			t.Fatalf("resuming active spaces: %+v, want every item failed", j3)
		}
		// The job actions are audited as the job's, creation as the operator's.
		log, _, err := e.svc.AuditLog(ctx, operator.AuditQuery{Actor: "job:" + j.ID, Limit: 50})
		if err != nil || len(log) != 4 || log[0].Action != "operator.suspend" || log[0].Details["reason"] != "maintenance" {
			t.Fatalf("job audit = %+v, %v", log, err)
		}
		if log, _, _ := e.svc.AuditLog(ctx, operator.AuditQuery{Action: "operator.job_*", Limit: 50}); len(log) != 3 || log[0].ActorID != "op-1" {
			t.Fatalf("job creation audit = %+v", log)
		}
		// Bad requests.
		if _, err := e.svc.CreateJob(ctx, "explode", operator.SpaceFilter{}, operator.JobParams{}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("bad kind: %v", err)
		}
		if _, err := e.svc.CreateJob(ctx, operator.JobNotify, operator.SpaceFilter{}, operator.JobParams{Subject: "hi"}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("notify without body: %v", err)
		}
		if _, err := e.svc.CreateJob(ctx, operator.JobMigrate, operator.SpaceFilter{Search: "nothing-matches"}, operator.JobParams{}); !errors.Is(err, errkind.Invalid) {
			t.Errorf("empty set: %v", err)
		}
	})
}

func TestJobPauseResumeCancel(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s, t.TempDir(), operator.Config{})
		for i := range 6 {
			e.space(t, fmt.Sprintf("pause-%d", i), 0)
		}
		// Pause from inside the job after its second item: deterministic.
		e.svc.SetAfterItem(func(j operator.Job) {
			if j.Done == 2 {
				if _, err := e.svc.PauseJob(ctx, j.ID); err != nil {
					t.Error(err)
				}
			}
		})
		rctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go e.svc.RunJobs(rctx)
		j, err := e.svc.CreateJob(ctx, operator.JobMigrate, operator.SpaceFilter{}, operator.JobParams{})
		if err != nil {
			t.Fatal(err)
		}
		j = waitJob(t, e.svc, j.ID, operator.JobPaused)
		if j.Done != 2 {
			t.Fatalf("paused at %d, want 2", j.Done)
		}
		if _, err := e.svc.PauseJob(ctx, j.ID); !errors.Is(err, errkind.Conflict) {
			t.Fatalf("pause a paused job: %v", err)
		}
		e.svc.SetAfterItem(func(j operator.Job) {
			if j.Done == 4 {
				if _, err := e.svc.CancelJob(ctx, j.ID); err != nil {
					t.Error(err)
				}
			}
		})
		if _, err := e.svc.ResumeJob(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		j = waitJob(t, e.svc, j.ID, operator.JobCancelled)
		if j.Done != 4 {
			t.Fatalf("cancelled at %d, want 4", j.Done)
		}
		items, _ := e.svc.JobItems(ctx, j.ID, 0, 100)
		var states []string
		for _, it := range items {
			states = append(states, it.State)
		}
		if diff := cmp.Diff([]string{"done", "done", "done", "done", "pending", "pending"}, states); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
		if _, err := e.svc.ResumeJob(ctx, j.ID); !errors.Is(err, errkind.Conflict) {
			t.Fatalf("resume a cancelled job: %v", err)
		}
	})
}

// TestJobSurvivesRestart runs a notify job, stops the node in the middle of
// it, starts a new one on the same data, and checks that every space's
// members got the mail exactly once.
func TestJobSurvivesRestart(t *testing.T) {
	for _, eng := range []string{"sqlite", "postgres"} {
		t.Run(eng, func(t *testing.T) {
			var open func() *sqlstore.Store
			switch eng {
			case "sqlite":
				dir := t.TempDir()
				open = func() *sqlstore.Store {
					s, err := sqlstore.Open(context.Background(), sqlstore.Options{DataDir: dir})
					if err != nil {
						t.Fatal(err)
					}
					return s
				}
			case "postgres":
				url := sqlstoretest.PostgresURL(t)
				open = func() *sqlstore.Store {
					s, err := sqlstore.Open(context.Background(), sqlstore.Options{PostgresURL: url})
					if err != nil {
						t.Fatal(err)
					}
					return s
				}
			}
			files := t.TempDir()
			const spaces = 8

			// Node one: makes the spaces and the job, and stops after three items.
			s1 := open()
			n1 := newEnv(t, s1, files, operator.Config{NodeID: "node-1"})
			var owners []string
			for i := range spaces {
				_, owner := n1.space(t, fmt.Sprintf("restart-%d", i), 0)
				owners = append(owners, owner.Email)
			}
			rctx, stop := context.WithCancel(context.Background())
			n1.svc.SetAfterItem(func(j operator.Job) {
				if j.Done == 3 {
					stop()
				}
			})
			j, err := n1.svc.CreateJob(ctx, operator.JobNotify, operator.SpaceFilter{Search: "restart-"},
				operator.JobParams{Subject: "Maintenance tonight", Body: "We upgrade at 22:00 UTC."})
			if err != nil {
				t.Fatal(err)
			}
			n1.svc.RunJobs(rctx) // returns once stopped
			if err := s1.Close(); err != nil {
				t.Fatal(err)
			}
			first := n1.mail.all()
			if len(first) != 3 {
				t.Fatalf("node one sent %d mails before stopping, want 3", len(first))
			}

			// Node two: a fresh process on the same data takes the job up.
			s2 := open()
			defer s2.Close()
			n2 := newEnv(t, s2, files, operator.Config{NodeID: "node-2"})
			mid, err := n2.svc.Job(ctx, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if mid.Done != 3 || mid.State != operator.JobRunning || mid.Node != "" {
				t.Fatalf("job after the stop = %+v, want running, 3 done, no lease", mid)
			}
			if n, err := n2.svc.RunQueuedJobs(ctx); err != nil || n != 1 {
				t.Fatalf("RunQueuedJobs = %d, %v", n, err)
			}
			done, err := n2.svc.Job(ctx, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if done.State != operator.JobDone || done.Done != spaces || done.Failed != 0 {
				t.Fatalf("job = %+v", done)
			}
			all := append(first, n2.mail.all()...)
			var want []string
			for _, o := range owners {
				want = append(want, o+"|Maintenance tonight")
			}
			slices.Sort(all)
			slices.Sort(want)
			if diff := cmp.Diff(want, all); diff != "" {
				t.Errorf("mails across the restart (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOneNodePerJob lets two runners race for one job: only one gets it.
func TestOneNodePerJob(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s, t.TempDir(), operator.Config{})
		e.space(t, "lease", 0)
		j, err := e.svc.CreateJob(ctx, operator.JobMigrate, operator.SpaceFilter{}, operator.JobParams{})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		got := make(chan bool, 8)
		for i := range 8 {
			go func() {
				_, ok, err := s.ClaimJob(ctx, fmt.Sprintf("node-%d", i), now, now.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				got <- ok
			}()
		}
		claimed := 0
		for range 8 {
			if <-got {
				claimed++
			}
		}
		if claimed != 1 {
			t.Fatalf("%d nodes claimed the job, want 1", claimed)
		}
		cur, _ := s.Job(ctx, j.ID)
		if _, err := s.FinishJobItem(ctx, j.ID, 1, false, "x", "someone-else", now.Add(time.Minute)); !errors.Is(err, operator.ErrLeaseLost) {
			t.Fatalf("checkpoint without the lease: %v", err)
		}
		// After the lease expires another node may take it.
		if _, ok, _ := s.ClaimJob(ctx, "late", now.Add(2*time.Minute), now.Add(3*time.Minute)); !ok {
			t.Fatalf("expired lease of %s not taken over", cur.Node)
		}
	})
}
