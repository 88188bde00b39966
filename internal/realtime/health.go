package realtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/centrifugal/centrifuge"

	"github.com/pamateam/pama/internal/realtime/wire"
)

// RoundTrip checks that a publication for team goes through the broker and
// comes back: it publishes a random probe to the team's private health
// channel (which no client can subscribe to) with history, and reads it back
// from the channel history. With Redis this crosses the network to Redis and
// back; embedded, it exercises the in-memory broker.
func (h *Hub) RoundTrip(ctx context.Context, team string) error {
	var b [8]byte
	rand.Read(b[:])
	probe := []byte(`{"probe":"` + hex.EncodeToString(b[:]) + `"}`)
	ch := "health:" + team
	done := make(chan error, 1)
	go func() {
		_, err := h.node.Publish(ch, probe, centrifuge.WithHistory(1, time.Minute))
		if err != nil {
			done <- fmt.Errorf("realtime: publish probe: %w", err)
			return
		}
		res, err := h.node.History(ch, centrifuge.WithLimit(1), centrifuge.WithReverse(true))
		if err != nil {
			done <- fmt.Errorf("realtime: read probe back: %w", err)
			return
		}
		if len(res.Publications) != 1 || !bytes.Equal(res.Publications[0].Data, probe) {
			done <- fmt.Errorf("realtime: the probe did not come back")
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("realtime: round trip: %w", ctx.Err())
	}
}

// Connections returns how many clients are in team's team channel: across
// all nodes (from presence) when it answers, otherwise on this node.
func (h *Hub) Connections(team string) int {
	ch := wire.Team(team)
	if st, err := h.node.PresenceStats(ch); err == nil {
		return st.NumClients
	}
	return h.node.Hub().NumSubscribers(ch)
}

// Online reports whether account has a live connection to team's channel,
// on any node (from presence) or, when presence does not answer, this one.
func (h *Hub) Online(team, account string) bool {
	ch := wire.Team(team)
	if res, err := h.node.Presence(ch); err == nil {
		for _, c := range res.Presence {
			if c.UserID == account {
				return true
			}
		}
		return false
	}
	for _, c := range h.userConns(account) {
		if c.client.IsSubscribed(ch) {
			return true
		}
	}
	return false
}
