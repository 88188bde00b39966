package realtime_test

import (
	"context"
	"testing"

	"github.com/pamateam/pama/internal/apptest"
	"github.com/pamateam/pama/internal/realtime/wire"
)

func TestHealthRoundTripAndConnectionCount(t *testing.T) {
	env := apptest.New(t)
	owner := env.SignIn(t, "health@example.com")
	teamID, _ := makeTeam(t, env, owner, "health-check")
	hub := env.App.Realtime
	if err := hub.RoundTrip(context.Background(), teamID); err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	if n := hub.Connections(teamID); n != 0 {
		t.Errorf("Connections with nobody connected = %d", n)
	}
	rc := env.Live(t, owner)
	if !rc.Subscribe(wire.Team(teamID)) {
		t.Fatal("owner could not subscribe to the team channel")
	}
	waitFor(t, "one connection counted", func() bool { return hub.Connections(teamID) == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := hub.RoundTrip(ctx, teamID); err == nil {
		t.Error("RoundTrip with a cancelled context succeeded")
	}
}
