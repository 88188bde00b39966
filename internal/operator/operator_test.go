package operator_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pamateam/pama/internal/errkind"
	"github.com/pamateam/pama/internal/operator"
	"github.com/pamateam/pama/internal/team"
)

func TestPlan(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	grace := 7 * 24 * time.Hour
	tests := []struct {
		name    string
		action  operator.Action
		from    team.State
		prior   team.State
		mode    operator.SuspendMode
		purge   time.Time
		want    operator.Change
		wantErr error
	}{
		{"suspend read-only", operator.ActSuspend, team.StateActive, "", operator.ReadOnly, time.Time{},
			operator.Change{Action: operator.ActSuspend, From: team.StateActive, To: team.StateSuspended}, nil},
		{"suspend closed", operator.ActSuspend, team.StateActive, "", operator.Closed, time.Time{},
			operator.Change{Action: operator.ActSuspend, From: team.StateActive, To: team.StateSuspended, Closed: true}, nil},
		{"change suspend mode", operator.ActSuspend, team.StateSuspended, "", operator.Closed, time.Time{},
			operator.Change{Action: operator.ActSuspend, From: team.StateSuspended, To: team.StateSuspended, Closed: true}, nil},
		{"suspend archived", operator.ActSuspend, team.StateArchived, "", "", time.Time{}, operator.Change{}, errkind.Conflict},
		{"bad mode", operator.ActSuspend, team.StateActive, "", "frozen", time.Time{}, operator.Change{}, errkind.Invalid},
		{"resume", operator.ActResume, team.StateSuspended, "", "", time.Time{},
			operator.Change{Action: operator.ActResume, From: team.StateSuspended, To: team.StateActive}, nil},
		{"resume active", operator.ActResume, team.StateActive, "", "", time.Time{}, operator.Change{}, errkind.Conflict},
		{"archive suspended", operator.ActArchive, team.StateSuspended, "", "", time.Time{},
			operator.Change{Action: operator.ActArchive, From: team.StateSuspended, To: team.StateArchived}, nil},
		{"archive deleted", operator.ActArchive, team.StateDeleted, "", "", time.Time{}, operator.Change{}, errkind.Conflict},
		{"restore archived", operator.ActRestore, team.StateArchived, "", "", time.Time{},
			operator.Change{Action: operator.ActRestore, From: team.StateArchived, To: team.StateActive}, nil},
		{"restore deleted in grace", operator.ActRestore, team.StateDeleted, team.StateArchived, "", now.Add(time.Hour),
			operator.Change{Action: operator.ActRestore, From: team.StateDeleted, To: team.StateArchived}, nil},
		{"restore deleted after grace", operator.ActRestore, team.StateDeleted, team.StateActive, "", now, operator.Change{}, errkind.Conflict},
		{"restore active", operator.ActRestore, team.StateActive, "", "", time.Time{}, operator.Change{}, errkind.Conflict},
		{"delete", operator.ActDelete, team.StateArchived, "", "", time.Time{},
			operator.Change{Action: operator.ActDelete, From: team.StateArchived, To: team.StateDeleted, PriorState: team.StateArchived, PurgeAfter: now.Add(grace)}, nil},
		{"delete creating", operator.ActDelete, team.StateCreating, "", "", time.Time{}, operator.Change{}, errkind.Conflict},
		{"purge in grace", operator.ActPurge, team.StateDeleted, "", "", now.Add(time.Minute), operator.Change{}, errkind.Conflict},
		{"purge after grace", operator.ActPurge, team.StateDeleted, "", "", now,
			operator.Change{Action: operator.ActPurge, From: team.StateDeleted, To: team.StateDeleted}, nil},
		{"purge active", operator.ActPurge, team.StateActive, "", "", time.Time{}, operator.Change{}, errkind.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := operator.Plan(tt.action, tt.from, tt.prior, tt.mode, tt.purge, now, grace)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Plan mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFilterCheck(t *testing.T) {
	tests := []struct {
		name string
		f    operator.SpaceFilter
		ok   bool
	}{
		{"empty", operator.SpaceFilter{}, true},
		{"states and health", operator.SpaceFilter{States: []team.State{team.StateActive}, Health: []operator.Health{operator.HealthAlert}}, true},
		{"bad state", operator.SpaceFilter{States: []team.State{"sleeping"}}, false},
		{"bad health", operator.SpaceFilter{Health: []operator.Health{"meh"}}, false},
		{"long search", operator.SpaceFilter{Search: string(make([]byte, 101))}, false},
	}
	for _, tt := range tests {
		if err := tt.f.Check(); (err == nil) != tt.ok {
			t.Errorf("%s: Check() = %v", tt.name, err)
		}
	}
}
