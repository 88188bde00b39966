package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/pamateam/pama/internal/sqlstore"
	"github.com/pamateam/pama/internal/sqlstore/sqlstoretest"
	"github.com/pamateam/pama/internal/team"
)

// BenchmarkCreateTeam measures the store's part of creating a team space.
func BenchmarkCreateTeam(b *testing.B) {
	for _, e := range sqlstoretest.Engines {
		b.Run(e.Name, func(b *testing.B) {
			s := e.Open(b)
			benchCreate(b, s)
		})
	}
}

func benchCreate(b *testing.B, s *sqlstore.Store) {
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		_, err := s.CreateTeam(ctx, team.NewTeam{Slug: fmt.Sprintf("bench-%d", i), Name: "Bench", CreatedBy: "acct",
			Settings: team.DefaultSettings("Bench")})
		if err != nil {
			b.Fatal(err)
		}
	}
}
