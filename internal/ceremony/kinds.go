package ceremony

// kindRules returns the rules of every kind.
func kindRules() map[Kind]Rules {
	return map[Kind]Rules{
		KindRefinement: refinementRules{},
		KindPoker:      pokerRules{},
		KindDaily:      dailyRules{},
		KindRetro:      retroRules{},
		KindPlanning:   planningRules{},
		KindReview:     reviewRules{},
	}
}
