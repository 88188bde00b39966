package backlog

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRankBetweenIsStrictlyBetween(t *testing.T) {
	tests := []struct{ a, b string }{
		{"", ""},
		{"", "1"},
		{"", "01"},
		{"", "001"},
		{"1", ""},
		{"z", ""},
		{"zzzzz", ""},
		{"zzzzzzzzzz", ""},
		{"1", "2"},
		{"1", "3"},
		{"1", "11"},
		{"V", "V1"},
		{"V0001", "V0002"},
		{"A", "B"},
		{"Az", "B"},
		{"Azzzz", "B"},
		{"y", "z"},
		{"yz", "z"},
		{"0001", "0002"},
		{"", "00001"},
		{"1", "1000001"},
	}
	for _, tc := range tests {
		r, err := RankBetween(tc.a, tc.b)
		if err != nil {
			t.Errorf("RankBetween(%q, %q): %v", tc.a, tc.b, err)
			continue
		}
		if !ValidRank(r) {
			t.Errorf("RankBetween(%q, %q) = %q, not a valid rank", tc.a, tc.b, r)
		}
		if (tc.a != "" && r <= tc.a) || (tc.b != "" && r >= tc.b) {
			t.Errorf("RankBetween(%q, %q) = %q, not strictly between", tc.a, tc.b, r)
		}
	}
}

func TestRankBetweenRefusesBadInput(t *testing.T) {
	for _, tc := range []struct{ a, b string }{{"2", "1"}, {"1", "1"}, {"10", ""}, {"", "a!"}, {"é", ""}} {
		if r, err := RankBetween(tc.a, tc.b); err == nil {
			t.Errorf("RankBetween(%q, %q) = %q, want an error", tc.a, tc.b, r)
		}
	}
}

// Appending at the bottom or the top again and again keeps ranks short:
// that is how most items are created.
func TestRepeatedAppendsStayShort(t *testing.T) {
	last, first := "", ""
	for i := range 10000 {
		next, err := RankBetween(last, "")
		if err != nil || next <= last {
			t.Fatalf("append %d after %q: %q, %v", i, last, next, err)
		}
		last = next
		prev, err := RankBetween("", first)
		if err != nil || (first != "" && prev >= first) {
			t.Fatalf("prepend %d before %q: %q, %v", i, first, prev, err)
		}
		first = prev
	}
	if len(last) > rankWidth || len(first) > MaxRankLen {
		t.Errorf("after 10000 appends the last rank is %q and the first %q", last, first)
	}
}

// Inserting into the same gap grows ranks by about one digit per six
// inserts, so the store's rebalance is rare.
func TestSameGapGrowsSlowly(t *testing.T) {
	a, b := "V", "W"
	n := 0
	for {
		r, err := RankBetween(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(r) > MaxRankLen {
			break
		}
		b = r // always insert right after a
		n++
	}
	if n < 100 {
		t.Errorf("only %d inserts into one gap before a rank exceeded %d digits", n, MaxRankLen)
	}
}

func TestSpreadIsIncreasingAndShort(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 1000, 10000, 200000} {
		rs := Spread(n)
		if len(rs) != n {
			t.Fatalf("Spread(%d) gave %d ranks", n, len(rs))
		}
		for i, r := range rs {
			if !ValidRank(r) || len(r) > 8 {
				t.Fatalf("Spread(%d)[%d] = %q", n, i, r)
			}
			if i > 0 && r <= rs[i-1] {
				t.Fatalf("Spread(%d) not increasing at %d: %q then %q", n, i, rs[i-1], r)
			}
		}
	}
}

func TestRanksBetweenGivesIncreasingBlock(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		n    int
	}{{"", "", 5}, {"V", "W", 50}, {"", "1", 20}, {"z", "", 20}, {"V", "V1", 7}} {
		rs, err := RanksBetween(tc.a, tc.b, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != tc.n {
			t.Fatalf("RanksBetween(%q, %q, %d) gave %d", tc.a, tc.b, tc.n, len(rs))
		}
		prev := tc.a
		for _, r := range rs {
			if !ValidRank(r) || (prev != "" && r <= prev) || (tc.b != "" && r >= tc.b) {
				t.Fatalf("RanksBetween(%q, %q, %d) = %q: out of order or bounds", tc.a, tc.b, tc.n, rs)
			}
			prev = r
		}
	}
}

// A model of a backlog under random drags: each move computes one rank from
// its new neighbours and changes no other entry, and the order by rank is
// always exactly the order the user made.
func TestRandomMovesKeepTheOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type entry struct {
		id   int
		rank string
	}
	var list []entry // in user order
	for i := range 50 {
		last := ""
		if len(list) > 0 {
			last = list[len(list)-1].rank
		}
		r, err := RankBetween(last, "")
		if err != nil {
			t.Fatal(err)
		}
		list = append(list, entry{i, r})
	}
	for step := range 20000 {
		from := rng.IntN(len(list))
		e := list[from]
		list = slices.Delete(list, from, from+1)
		to := rng.IntN(len(list) + 1)
		if rng.IntN(4) == 0 { // hammer one spot too
			to = len(list) / 2
		}
		a, b := "", ""
		if to > 0 {
			a = list[to-1].rank
		}
		if to < len(list) {
			b = list[to].rank
		}
		r, err := RankBetween(a, b)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		e.rank = r
		list = slices.Insert(list, to, e)
		if len(r) > MaxRankLen {
			// What the store does: spread everything again, in order.
			for i, nr := range Spread(len(list)) {
				list[i].rank = nr
			}
		}
		if !slices.IsSortedFunc(list, func(x, y entry) int {
			switch {
			case x.rank < y.rank:
				return -1
			case x.rank > y.rank:
				return 1
			}
			t.Fatalf("step %d: two entries share rank %q", step, x.rank)
			return 0
		}) {
			t.Fatalf("step %d: rank order differs from the user's order", step)
		}
	}
}
