package scenarios

import (
	"fmt"
	"slices"
	"time"

	"gatewaylab/schedule"
)

// Cells returns the measured cells of a valid scenario: one per rate for a
// steps load (Offered = the rate), one for constant (Offered = the rate),
// ramp and burst (Offered = the mean rate). The schedule of each is the
// whole load; loadgen scales it by each class's share.
func (s *Scenario) Cells() []Cell {
	l := s.Load
	d := l.Duration.D()
	if d <= 0 {
		return nil
	}
	switch l.Kind {
	case LoadSteps:
		cells := make([]Cell, len(l.Rates))
		for i, r := range l.Rates {
			cells[i] = Cell{Step: i, Label: fmt.Sprintf("%g req/s", r), Offered: r, Schedule: schedule.Constant(r, d)}
		}
		return cells
	case LoadConstant:
		all := Cell{Label: fmt.Sprintf("%g req/s", l.Rate), Offered: l.Rate, Schedule: schedule.Constant(l.Rate, d)}
		if s.Kind != KindIsolation || s.Shortened {
			return []Cell{all}
		}
		// Isolation compares normal clients with and without the slow
		// population: first a shorter cell of the normal classes alone, at
		// the same rates they have beside the slow ones.
		var normal []string
		for _, c := range s.Clients {
			if c.Behaviour == Normal {
				normal = append(normal, c.Name)
			}
		}
		alone := Cell{Step: 0, Label: "normal clients only", Offered: l.Rate,
			Schedule: schedule.Constant(l.Rate, min(d, IsolationAlone)), Classes: normal}
		all.Step, all.Label = 1, all.Label+" with slow clients"
		return []Cell{alone, all}
	case LoadRamp:
		return []Cell{{Label: fmt.Sprintf("ramp %g to %g req/s", l.From, l.To), Offered: (l.From + l.To) / 2, Schedule: schedule.Ramp(l.From, l.To, d)}}
	case LoadBurst:
		sc := schedule.Burst(l.Base, l.Spike, l.SpikeStart.D(), l.SpikeLength.D(), d)
		return []Cell{{
			Label:    fmt.Sprintf("%g req/s, spike %g req/s", l.Base, l.Spike),
			Offered:  sc.HitsAt(d) / d.Seconds(),
			Schedule: sc,
		}}
	}
	return nil
}

// IsolationAlone is the longest the "normal clients only" cell of an
// isolation scenario runs.
const IsolationAlone = 4 * time.Second

// What Quick keeps of a scenario.
const (
	QuickStep        = 300 * time.Millisecond // duration of the one step kept
	QuickDuration    = 500 * time.Millisecond // longest duration of other loads
	QuickWarmup      = 0                      // no warm-up: a smoke run checks that things run
	QuickTimeout     = time.Second            // longest client timeout
	QuickConnections = 500                    // most connections a slowloris or holder class holds
	// quickSlowness is the longest a slow client may take to read its
	// response or send its body.
	quickSlowness = 500 * time.Millisecond
)

// Quick returns a shortened copy for `make bench-quick`, which checks that
// everything runs end to end; its numbers answer no question. It keeps the
// scenario's shape:
//
//   - steps: the last rate only (the hardest load, past the thread-pool's
//     ceiling in the default set), QuickStep long;
//   - other loads: scaled down to QuickDuration; spikes and faults scale
//     with it, and so does the gateway's upstream timeout when there are
//     faults (so that an outage still outlasts it), though never below 4x
//     the upstream's high delay;
//   - warm-up QuickWarmup, one repetition, client timeout at most
//     QuickTimeout (or 3x the upstream's high delay, if longer);
//   - a trickled body spread over at most half a second;
//   - isolation scenarios without their "normal clients only" cell;
//   - slowloris and holder classes hold at most QuickConnections;
//   - slow readers' responses and slow senders' bodies are cut to what
//     their rate moves in half a second, so that no request outlives the cell
//     by much.
func (s *Scenario) Quick() *Scenario {
	q := s.clone()
	q.Repetitions = 1
	q.Shortened = true
	l := &q.Load
	l.Warmup = Duration(QuickWarmup)
	// Never so short that a request to the upstream cannot succeed.
	l.Timeout = min(l.Timeout, max(Duration(QuickTimeout), Duration(3*q.Upstream.Delay.High())))
	if n := q.Upstream.Chunks; n > 1 && time.Duration(n-1)*q.Upstream.ChunkDelay.D() > quickSlowness {
		q.Upstream.ChunkDelay = Duration(quickSlowness / time.Duration(n-1))
	}
	if l.Kind == LoadSteps {
		if n := len(l.Rates); n > 1 {
			l.Rates = []float64{l.Rates[n-1]}
		}
		l.Duration = min(l.Duration, Duration(QuickStep))
	} else if l.Duration > Duration(QuickDuration) {
		f := float64(QuickDuration) / float64(l.Duration)
		scale := func(d Duration) Duration { return Duration(time.Duration(float64(d) * f).Round(time.Millisecond)) }
		l.Duration = Duration(QuickDuration)
		l.SpikeStart, l.SpikeLength = scale(l.SpikeStart), scale(l.SpikeLength)
		for i := range q.Upstream.Faults {
			fl := &q.Upstream.Faults[i]
			fl.From, fl.To = scale(fl.From), scale(fl.To)
		}
		if len(q.Upstream.Faults) > 0 {
			floor := Duration(4 * q.Upstream.Delay.High())
			q.Gateway.UpstreamTimeout = min(q.Gateway.UpstreamTimeout, max(scale(q.Gateway.UpstreamTimeout), floor))
		}
	}
	for i := range q.Clients {
		c := &q.Clients[i]
		c.Connections = min(c.Connections, QuickConnections)
		c.InFlight = min(c.InFlight, c.Connections)
		switch c.Behaviour {
		case SlowReader:
			if most := ByteSize(float64(c.ReadRate) * quickSlowness.Seconds()); most > 0 && q.ResponseSizeFor(*c) > most {
				c.ResponseSize = most
			}
		case SlowSender:
			r := q.RequestFor(*c)
			if most := ByteSize(float64(c.SendRate) * quickSlowness.Seconds()); most > 0 && r.BodySize > most {
				r.BodySize = most
				c.Request = &r
			}
		}
	}
	return q
}

// clone is a deep copy of s.
func (s *Scenario) clone() *Scenario {
	q := *s
	q.Load.Rates = append([]float64(nil), s.Load.Rates...)
	q.Upstream.Faults = append([]Fault(nil), s.Upstream.Faults...)
	q.Clients = append([]ClientClass(nil), s.Clients...)
	for i := range q.Clients {
		c := &q.Clients[i]
		if c.KeepAlive != nil {
			v := *c.KeepAlive
			c.KeepAlive = &v
		}
		if c.Request != nil {
			r := *c.Request
			c.Request = &r
		}
	}
	q.Models = append([]ModelSpec(nil), s.Models...)
	for i, m := range q.Models {
		if m.Knobs != nil {
			k := make(map[string]string, len(m.Knobs))
			for n, v := range m.Knobs {
				k[n] = v
			}
			q.Models[i].Knobs = k
		}
	}
	return &q
}

// CellOverhead is what Estimate counts per cell outside its schedule:
// starting the gateway, connecting, letting it settle.
const CellOverhead = 500 * time.Millisecond

// Estimate is roughly how long one model takes through the scenario: for
// every cell and repetition, CellOverhead, the warm-up, the schedule and
// the life of the last requests (capped by the timeout), for a model that
// keeps up. A model that falls behind takes up to a timeout longer per
// cell.
func (s *Scenario) Estimate() time.Duration {
	var total time.Duration
	for _, c := range s.Cells() {
		total += s.CellEstimate(c)
	}
	return total * time.Duration(max(s.Repetitions, 1))
}

// CellEstimate is roughly how long one cell takes for a model that keeps
// up: CellOverhead, the warm-up, the schedule and the life of its last
// requests (capped by the timeout). The bench's progress counts on it.
func (s *Scenario) CellEstimate(c Cell) time.Duration {
	tail := min(s.requestLife(c.Classes), s.Load.Timeout.D())
	return CellOverhead + s.Load.Warmup.D() + c.Schedule.Duration() + tail
}

// requestLife is how long the slowest class's requests take when nothing
// queues: upstream delay (fan-out called one after another), the body's
// trickle, a slow client's reading or sending.
func (s *Scenario) requestLife(only []string) time.Duration {
	var longest time.Duration
	for _, c := range s.Clients {
		if len(only) > 0 && !slices.Contains(only, c.Name) {
			continue
		}
		r := s.RequestFor(c)
		life := s.Upstream.Delay.High() * time.Duration(max(r.Fanout, 1))
		if s.Upstream.Chunks > 1 {
			life += time.Duration(s.Upstream.Chunks-1) * s.Upstream.ChunkDelay.D()
		}
		if c.Behaviour == SlowReader && c.ReadRate > 0 {
			life += time.Duration(float64(s.ResponseSizeFor(c)) / float64(c.ReadRate) * float64(time.Second))
		}
		if c.Behaviour == SlowSender && c.SendRate > 0 {
			life += time.Duration(float64(r.BodySize) / float64(c.SendRate) * float64(time.Second))
		}
		longest = max(longest, life)
	}
	return longest
}

// Summary is the scenario's line in `gwlab scenarios`: name, kind and
// description.
func (s *Scenario) Summary() string {
	return fmt.Sprintf("%-20s %-9s %s", s.Name, s.Kind, s.Description)
}
