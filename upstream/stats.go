package upstream

import "sync/atomic"

// Stats are the server's counters. Admin requests are not counted.
type Stats struct {
	// Requests counts simulated requests received (400s and 405s too).
	Requests int64 `json:"requests"`
	// InFlight is the number of requests being served: received and not
	// yet answered (a trickled body counts until its last piece is sent).
	InFlight int64 `json:"in_flight"`
	// MaxInFlight is the most requests in flight at once since Start or
	// ResetStats.
	MaxInFlight int64 `json:"max_in_flight"`
	// Fault is the kind of the current fault, "" for none.
	Fault string `json:"fault,omitempty"`
}

// gauge counts requests in flight and their maximum in one word, so that
// the maximum is exact: no interleaving of enter, leave and reset can lose
// a peak.
type gauge struct {
	v atomic.Uint64 // high 32 bits: max, low 32 bits: in flight
}

func (g *gauge) enter() {
	for {
		old := g.v.Load()
		in, peak := uint32(old)+1, uint32(old>>32)
		peak = max(peak, in)
		if g.v.CompareAndSwap(old, uint64(peak)<<32|uint64(in)) {
			return
		}
	}
}

// leave undoes one enter; in flight is at least 1, so no borrow reaches max.
func (g *gauge) leave() { g.v.Add(^uint64(0)) }

// reset sets the maximum to the number in flight now.
func (g *gauge) reset() {
	for {
		old := g.v.Load()
		in := uint32(old)
		if g.v.CompareAndSwap(old, uint64(in)<<32|uint64(in)) {
			return
		}
	}
}

func (g *gauge) load() (in, peak int64) {
	v := g.v.Load()
	return int64(uint32(v)), int64(v >> 32)
}
