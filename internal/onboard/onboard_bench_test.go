package onboard_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pamateam/pama/internal/identity"
	"github.com/pamateam/pama/internal/onboard"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
	"github.com/pamateam/pama/internal/team"
)

type nopMailer struct{}

func (nopMailer) Send(context.Context, string, string, string) error { return nil }

// BenchmarkWizardFinish times the wizard's last step: Finish, which creates
// the whole team space (registry entry, storage, settings with the deck,
// owner, first product) in one call to team.Service.Create and closes the
// wizard. The earlier steps run untimed before each call. It reports the
// 50th and 99th percentiles.
func BenchmarkWizardFinish(b *testing.B) {
	for _, e := range sqlstoretest.Engines {
		b.Run(e.Name, func(b *testing.B) {
			ctx := context.Background()
			s := e.Open(b)
			ids := identity.NewService(s, nopMailer{}, identity.Config{BaseURL: "http://localhost"}, nil)
			teams := team.NewService(s, ids, nopMailer{}, team.Config{MaxTeamsPerAccount: 1 << 30}, nil)
			w := onboard.NewService(s, ids, teams, onboard.Config{StartsPerIPPerHour: 1 << 30, SpacesPerEmailPerDay: 1 << 30}, nil)
			acct, err := s.CreateAccount(ctx, identity.Account{Email: "bench@example.com", DisplayName: "Bench"})
			if err != nil {
				b.Fatal(err)
			}
			run := fmt.Sprintf("%x", time.Now().UnixNano()%0xffffff)
			d := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				_, tok, err := w.Start(ctx, "192.0.2.1", acct.ID)
				if err == nil {
					_, err = w.Team(ctx, tok, acct.ID, "Bench team", fmt.Sprintf("b%s-%d", run, i))
				}
				if err == nil {
					_, err = w.Product(ctx, tok, acct.ID, onboard.ProductDraft{Name: "App", Key: "APP"}, team.DeckTShirt, nil)
				}
				if err == nil {
					_, err = w.Invitations(ctx, tok, acct.ID, nil)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t0 := time.Now()
				if _, err := w.Finish(ctx, tok, acct.ID); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(d)
			pct := func(p float64) float64 {
				return float64(d[min(len(d)-1, int(float64(len(d))*p))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
