package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/apptest"
)

func TestRefinementAgainstTheRealApp(t *testing.T) {
	for _, protocol := range []string{"json", "protobuf"} {
		t.Run(protocol, func(t *testing.T) {
			env := apptest.New(t)
			res, err := run(context.Background(), options{
				url: env.URL, outbox: filepath.Join(env.Config.Data, "outbox"), scenario: "refinement",
				teams: 2, members: 3, duration: 6 * time.Second, run: "t" + protocol,
				setupConc: 4, connConc: 2, protocol: protocol,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 || res.EventsLost != 0 {
				t.Errorf("errors %d, lost %d: %v", res.Errors, res.EventsLost, res.ErrorSample)
			}
			if res.EventsSent == 0 || res.EventsReceived != res.DeliveriesExpected {
				t.Errorf("sent %d, received %d of %d expected deliveries", res.EventsSent, res.EventsReceived, res.DeliveriesExpected)
			}
			if res.Clients != 6 || res.EditTarget != "item" {
				t.Errorf("clients %d editing a %s, want 6 editing an item", res.Clients, res.EditTarget)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	v := []float64{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	for _, tt := range []struct{ p, want float64 }{{50, 5}, {99, 10}, {10, 1}, {100, 10}} {
		if got := percentile(v, tt.p); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %v", got)
	}
}

func TestMatchingReceivedEvents(t *testing.T) {
	tr := newTracker(1)
	tm := &team{idx: 0, setup: &teamSetup{target: "item-1"}, tr: tr}
	m := &member{}
	tr.expect(key{0, 'd', 12}, 1)
	tr.expect(key{0, 's', 13}, 1)
	tr.expect(key{0, 'e', 4}, 1)
	tm.received(m, "item:t:item-1", []byte(`{"type":"draft","by":"a","client":"c","field":"description","text":"12|refine ","base_version":3}`))
	tm.received(m, "item:t:item-1", []byte(`{"type":"signal","by":"a","client":"c","name":"vote","data":{"card":"5","id":13,"round":1}}`))
	tm.received(m, "item:t:item-1", []byte(`{"type":"entity","entry":{"seq":9,"team_id":"t","entity_type":"item","entity_id":"item-1","action":"updated","version":4}}`))
	tm.received(m, "item:t:item-1", []byte(`{"type":"entity","entry":{"seq":10,"team_id":"t","entity_type":"item","entity_id":"other","action":"updated","version":4}}`))
	if exp, lost := tr.lost(); exp != 3 || lost != 0 {
		t.Errorf("expected %d, lost %d; want 3 and 0", exp, lost)
	}
	if got := m.lastSignal.Load(); got != 13 {
		t.Errorf("last signal seen = %d, want 13", got)
	}
	if tr.errs.Load() != 0 {
		t.Errorf("errors: %v", tr.errSample)
	}
}
