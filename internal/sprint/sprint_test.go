package sprint

import (
	"context"
	"errors"
	"testing"

	"github.com/pamateam/pama/internal/errkind"
)

// Bad input is refused before the store is asked (the service has none here).
func TestServiceRefusesBadInput(t *testing.T) {
	s := NewService(nil, nil)
	ctx := context.Background()
	long := string(make([]byte, MaxName+1))
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"bad start date", func() error {
			_, err := s.Create(ctx, "t", NewSprint{StartDate: "2026-13-01"})
			return err
		}, "start_date"},
		{"end before start", func() error {
			_, err := s.Create(ctx, "t", NewSprint{StartDate: "2026-03-10", EndDate: "2026-03-09"})
			return err
		}, "end_date"},
		{"long name", func() error {
			_, err := s.Create(ctx, "t", NewSprint{Name: long})
			return err
		}, "name"},
		{"empty rename", func() error {
			empty := " "
			_, err := s.Update(ctx, "t", "id", 1, Patch{Name: &empty})
			return err
		}, "name"},
		{"no carry-over choice", func() error {
			_, err := s.Complete(ctx, "t", "id", 1, "")
			return err
		}, "carry_over"},
		{"member twice", func() error {
			_, err := s.SetCapacity(ctx, "t", "id", []Capacity{{AccountID: "a"}, {AccountID: "a"}})
			return err
		}, "capacity.1.account_id"},
		{"negative days", func() error {
			_, err := s.SetCapacity(ctx, "t", "id", []Capacity{{AccountID: "a", Days: -1}})
			return err
		}, "capacity.0.days"},
		{"unknown state", func() error {
			_, err := s.List(ctx, "t", "p", "running")
			return err
		}, "state"},
	}
	for _, tc := range tests {
		err := tc.call()
		var fe *errkind.FieldError
		var fes errkind.FieldErrors
		switch {
		case errors.As(err, &fes):
			fe = fes[0]
		case errors.As(err, &fe):
		default:
			t.Errorf("%s: %v, want a field error", tc.name, err)
			continue
		}
		if fe.Field != tc.field {
			t.Errorf("%s: field %q, want %q", tc.name, fe.Field, tc.field)
		}
	}
}
