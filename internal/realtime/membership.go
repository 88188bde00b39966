package realtime

import (
	"encoding/json"

	"github.com/centrifugal/centrifuge"

	"github.com/pamateam/pama/internal/realtime/wire"
)

// notifyMember is the cluster-wide notification of a membership change.
const notifyMember = "member"

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

func (h *Hub) notification(e centrifuge.NotificationEvent) {
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
