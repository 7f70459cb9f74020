package demo

import (
	"math/rand/v2"
	"sort"
)

// weighted is a string with a relative integer frequency.
type weighted struct {
	s string
	w int
}

// table draws indexes of a weighted list in proportion to their weights.
type table struct{ cum []int }

// newTable builds a table for ws.
func newTable(ws []weighted) table {
	cum := make([]int, len(ws))
	total := 0
	for i, w := range ws {
		total += w.w
		cum[i] = total
	}
	return table{cum: cum}
}

// pick draws an index.
func (t table) pick(r *rand.Rand) int {
	return sort.SearchInts(t.cum, r.IntN(t.cum[len(t.cum)-1])+1)
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// Package-level tables for the fixed corpora.
var (
	surnameList  = allSurnames()
	surnameTable = newTable(surnameList)
	prefixTable  = newTable(mobilePrefixes)
	areaTable    = newTable(landlinePrefixes)
	seniorRelTbl = newTable(seniorRelations)
	juniorRelTbl = newTable(juniorRelations)
)
