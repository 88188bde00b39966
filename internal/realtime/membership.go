package realtime

import (
	"context"
	"encoding/json"
	"time"

	"github.com/centrifugal/centrifuge"

	"github.com/pamateam/pama/internal/realtime/wire"
)

// Cluster-wide notifications: a membership changed; a team space changed
// state (suspended, archived, deleted), so every connection in it rechecks.
const (
	notifyMember = "member"
	notifyTeam   = "team"
)

type memberChange struct {
	Team    string `json:"team"`
	Account string `json:"account"`
	Action  string `json:"action"`
}

// membershipChanged tells every node (this one included) that account's
// membership in team changed, so each drops what it cached and, when the
// membership ended, cuts the account's connections off the team's channels.
func (h *Hub) membershipChanged(team, account, action string) {
	data, _ := json.Marshal(memberChange{Team: team, Account: account, Action: action})
	if err := h.node.Notify(notifyMember, data, ""); err != nil {
		// The local node was still told (Notify calls it first); other nodes
		// recheck access at the next subscribe and publish.
		h.log.Warn("notify membership change", "team", team, "account", account, "err", err)
	}
}

// teamChanged tells every node that a team space changed state, so each
// rechecks the access of its connections in that team.
func (h *Hub) teamChanged(team string) {
	data, _ := json.Marshal(memberChange{Team: team})
	if err := h.node.Notify(notifyTeam, data, ""); err != nil {
		h.log.Warn("notify team change", "team", team, "err", err)
	}
}

func (h *Hub) notification(e centrifuge.NotificationEvent) {
	if e.Op == notifyTeam {
		var m memberChange
		if json.Unmarshal(e.Data, &m) == nil && m.Team != "" {
			h.recheckTeam(m.Team)
		}
		return
	}
	if e.Op != notifyMember {
		return
	}
	var m memberChange
	if json.Unmarshal(e.Data, &m) != nil || m.Team == "" || m.Account == "" {
		return
	}
	ended := m.Action == ActionRemoved || m.Action == ActionLeft
	for _, c := range h.userConns(m.Account) {
		c.mu.Lock()
		delete(c.access, m.Team)
		var chans []string
		if ended {
			for name, ch := range c.channels {
				if ch.Team == m.Team {
					chans = append(chans, name)
				}
			}
		}
		c.mu.Unlock()
		if len(chans) == 0 {
			continue
		}
		h.stats.revoked.Add(float64(len(chans)))
		// Unsubscribe waits for a subscription still in progress, so it runs
		// apart from the notification loop.
		go func() {
			for _, ch := range chans {
				c.client.Unsubscribe(ch, centrifuge.Unsubscribe{Code: wire.UnsubscribeRevoked, Reason: "access revoked"})
			}
		}()
	}
}

// recheckTeam checks again, for every connection on this node subscribed in
// team, that it may still read there, and cuts off those that may not.
func (h *Hub) recheckTeam(team string) {
	h.mu.Lock()
	conns := make([]*conn, 0, len(h.conns))
	for _, c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.mu.Lock()
		delete(c.access, team)
		var chans []string
		for name, ch := range c.channels {
			if ch.Team == team {
				chans = append(chans, name)
			}
		}
		c.mu.Unlock()
		if len(chans) == 0 {
			continue
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if c.canRead(ctx, wire.Channel{Kind: wire.KindTeam, Team: team}) != centrifuge.ErrorPermissionDenied {
				return
			}
			h.stats.revoked.Add(float64(len(chans)))
			for _, ch := range chans {
				c.client.Unsubscribe(ch, centrifuge.Unsubscribe{Code: wire.UnsubscribeRevoked, Reason: "access revoked"})
			}
		}()
	}
}
