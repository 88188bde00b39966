package backlog

import (
	"fmt"
	"strings"
)

// Ranks order the items of a product's backlog. A rank is a non-empty string
// of base-62 digits (0-9, A-Z, a-z, compared byte by byte) that does not end
// in '0', so between any two ranks there is always another one. Moving an item
// gives it a rank between its new neighbours and writes no other row. Ranks
// grow longer when items are put again and again into the same gap; when one
// gets longer than MaxRankLen the store spreads the product's ranks evenly
// again (Spread) in one transaction.

const rankDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

const (
	rankBase = 62
	// rankWidth is the width of evenly spread ranks and of the part of a rank
	// that RankAfter and RankBefore step on.
	rankWidth = 5
	// rankStep is how far apart RankAfter and RankBefore put a new rank from
	// its neighbour (in units of the last of rankWidth digits), so that items
	// added one after another at the bottom keep ranks of rankWidth digits.
	rankStep = rankBase * rankBase
	// MaxRankLen is the longest rank the store keeps; a longer one makes it
	// spread the product's ranks again.
	MaxRankLen = 24
)

// ErrBadRank reports ranks that are malformed or out of order.
var ErrBadRank = fmt.Errorf("backlog: bad rank")

func rankValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// ValidRank reports whether r is a well-formed rank.
func ValidRank(r string) bool {
	if r == "" || r[len(r)-1] == '0' {
		return false
	}
	for i := 0; i < len(r); i++ {
		if rankValue(r[i]) < 0 {
			return false
		}
	}
	return true
}

// RankBetween returns a rank strictly between a and b. An empty a means
// "before everything" and an empty b "after everything"; both empty give a
// rank in the middle of the space. When both are set, a must be below b.
func RankBetween(a, b string) (string, error) {
	if (a != "" && !ValidRank(a)) || (b != "" && !ValidRank(b)) {
		return "", fmt.Errorf("%w: %q, %q", ErrBadRank, a, b)
	}
	switch {
	case a == "" && b == "":
		return string(rankDigits[rankBase/2]), nil
	case b == "":
		return rankAfter(a), nil
	case a == "":
		return rankBefore(b), nil
	case a >= b:
		return "", fmt.Errorf("%w: %q is not below %q", ErrBadRank, a, b)
	}
	return midpoint(a, b), nil
}

// midpoint returns a rank between a and b, where a < b, b is non-empty and a
// may be empty (treated as all zeros).
func midpoint(a, b string) string {
	n := 0
	for n < len(b) {
		ca := byte('0')
		if n < len(a) {
			ca = a[n]
		}
		if ca != b[n] {
			break
		}
		n++
	}
	if n > 0 {
		rest := ""
		if n < len(a) {
			rest = a[n:]
		}
		return b[:n] + midpoint(rest, b[n:])
	}
	da := 0
	if a != "" {
		da = rankValue(a[0])
	}
	db := rankValue(b[0])
	if db-da > 1 {
		return string(rankDigits[(da+db)/2])
	}
	if len(b) > 1 {
		return b[:1]
	}
	rest := ""
	if a != "" {
		rest = a[1:]
	}
	return string(rankDigits[da]) + above(rest)
}

// above returns a rank above a with no upper bound (a may be empty).
func above(a string) string {
	da := 0
	if a != "" {
		da = rankValue(a[0])
	}
	if rankBase-da > 1 {
		return string(rankDigits[(da+rankBase)/2])
	}
	return a[:1] + above(a[1:])
}

// rankAfter returns a rank above a, stepping by rankStep on a's first
// rankWidth digits so that ranks added at the bottom stay short.
func rankAfter(a string) string {
	x := prefixValue(a)
	if x+rankStep < pow62(rankWidth) {
		return formatRank(x+rankStep, rankWidth)
	}
	return above(a)
}

// rankBefore returns a rank below b, stepping down like rankAfter.
func rankBefore(b string) string {
	x := prefixValue(b)
	if x-rankStep >= 1 {
		return formatRank(x-rankStep, rankWidth)
	}
	return midpoint("", b)
}

// prefixValue reads the first rankWidth digits of r (padded with zeros).
func prefixValue(r string) int64 {
	var x int64
	for i := range rankWidth {
		x *= rankBase
		if i < len(r) {
			x += int64(rankValue(r[i]))
		}
	}
	return x
}

func pow62(w int) int64 {
	p := int64(1)
	for range w {
		p *= rankBase
	}
	return p
}

// formatRank writes x as w base-62 digits and drops trailing zeros.
func formatRank(x int64, w int) string {
	b := make([]byte, w)
	for i := w - 1; i >= 0; i-- {
		b[i] = rankDigits[x%rankBase]
		x /= rankBase
	}
	return strings.TrimRight(string(b), "0")
}

// Spread returns n ranks in increasing order, evenly spaced over the whole
// space: what a product's items get when its ranks are rebalanced.
func Spread(n int) []string {
	w := rankWidth
	for w < 10 && pow62(w)/int64(n+1) < rankStep {
		w++
	}
	gap := pow62(w) / int64(n+1)
	out := make([]string, n)
	for i := range n {
		out[i] = formatRank(gap*int64(i+1), w)
	}
	return out
}

// RanksBetween returns n increasing ranks strictly between a and b (either
// may be empty, as for RankBetween), for placing several items together.
func RanksBetween(a, b string, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	if b == "" {
		// Step down the bottom one after another: ranks stay short.
		out := make([]string, 0, n)
		prev := a
		for range n {
			r, err := RankBetween(prev, "")
			if err != nil {
				return nil, err
			}
			out = append(out, r)
			prev = r
		}
		return out, nil
	}
	mid, err := RankBetween(a, b)
	if err != nil {
		return nil, err
	}
	left, err := RanksBetween(a, mid, (n-1)/2)
	if err != nil {
		return nil, err
	}
	right, err := RanksBetween(mid, b, n-1-(n-1)/2)
	if err != nil {
		return nil, err
	}
	out := append(left, mid)
	return append(out, right...), nil
}
