package realtime

import (
	"strings"
	"testing"

	"github.com/pamateam/pama/internal/activity"
	"github.com/pamateam/pama/internal/realtime/wire"
	"github.com/pamateam/pama/internal/team"
)

func TestResumeOfMoreThanTheQueueHolds(t *testing.T) {
	a := newAuthz()
	cfg := testConfig(a)
	cfg.QueueMaxBytes = 256 << 10
	n := startNode(t, cfg)
	a.join(teamA, "ann", team.RoleMember)
	ann := dial(t, n.url, a.account("ann"))
	s := ann.subscribe(wire.Item(teamA, "item-1"))
	ann.setHold(true)
	ann.cut()
	const total = 300 // 300 × 8 KiB: ten times the queue
	big := strings.Repeat("x", 8<<10)
	for i := int64(1); i <= total; i++ {
		n.hub.OnCommit(teamA, []activity.Entry{entry(teamA, i, EntityItem, "item-1", "updated", i, change("description", big))})
	}
	eventually(t, "the relay to drain", func() bool {
		res, err := n.hub.Node().History(wire.Item(teamA, "item-1"))
		return err == nil && res.Offset == total
	})
	ann.setHold(false)
	eventually(t, "every entry after the resume", func() bool { return len(dedupe(s.entities())) == total })
}
