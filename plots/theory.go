package plots

import (
	"strconv"
	"time"

	"gatewaylab/results"
	"gatewaylab/scenarios"
)

// Scenario kinds (scenarios.Scenario.Kind).
const (
	KindSweep     = "sweep"
	KindTimeline  = "timeline"
	KindIsolation = "isolation"
	KindCapacity  = "capacity"
)

// Kind is the scenario's kind, with the default the scenarios package
// documents: sweep for steps loads, timeline otherwise.
func Kind(sc scenarios.Scenario) string {
	if sc.Kind != "" {
		return sc.Kind
	}
	if sc.Load.Kind == "steps" {
		return KindSweep
	}
	return KindTimeline
}

// FixedDelay is the upstream's delay when it is fixed.
func FixedDelay(sc scenarios.Scenario) (time.Duration, bool) {
	d := sc.Upstream.Delay
	if (d.Kind == "" || d.Kind == "fixed") && d.Value > 0 {
		return d.Value.D(), true
	}
	return 0, false
}

// Floor is the least latency any model can show: the upstream's fixed
// delay, when the body comes in one piece; 0 when unknown.
func Floor(sc scenarios.Scenario) time.Duration {
	d, ok := FixedDelay(sc)
	if !ok || sc.Upstream.Chunks > 1 && sc.Upstream.ChunkDelay > 0 {
		return 0
	}
	return d
}

// Theory is the thread pool's throughput ceiling: Workers requests at a
// time, each holding its worker for the upstream's Delay, so at most
// Workers/Delay requests per second.
type Theory struct {
	Workers int
	Delay   time.Duration
	Rate    float64 // req/s
}

// Text writes the ceiling's derivation, e.g. "N/delay = 10/50ms".
func (t Theory) Text() string {
	return "N/delay = " + strconv.Itoa(t.Workers) + "/" + t.Delay.String()
}

// ThreadPoolCeiling is the theoretical ceiling of m in sc, where the
// theory holds: a thread-pool model with a known number of workers, a
// fixed upstream delay, one upstream call per request and a body in one
// piece.
func ThreadPoolCeiling(m results.ModelRun, sc scenarios.Scenario) (Theory, bool) {
	if m.Name != "thread-pool" {
		return Theory{}, false
	}
	n, err := strconv.Atoi(m.Knobs["workers"])
	if err != nil || n <= 0 {
		n = m.Traits.Slots
	}
	delay := Floor(sc)
	if n <= 0 || delay <= 0 || sc.Request.Fanout > 1 {
		return Theory{}, false
	}
	for _, c := range sc.Clients {
		if c.Request != nil && c.Request.Fanout > 1 {
			return Theory{}, false
		}
	}
	return Theory{Workers: n, Delay: delay, Rate: float64(n) / delay.Seconds()}, true
}

// AllClass is the summary's fold over every class ("all"), or its first
// class.
func AllClass(s results.Summary) (results.ClassSummary, bool) {
	for _, c := range s.Classes {
		if c.Class == results.AllClasses {
			return c, true
		}
	}
	if len(s.Classes) > 0 {
		return s.Classes[0], true
	}
	return results.ClassSummary{}, false
}

// NormalClass is the summary's first class of normal clients; in a cell
// with one class, that class.
func NormalClass(s results.Summary) (results.ClassSummary, bool) {
	for _, c := range s.Classes {
		if c.Class != results.AllClasses && c.Behaviour == scenarios.Normal {
			return c, true
		}
	}
	return AllClass(s)
}

// SlowClass is the summary's first class that is not normal.
func SlowClass(s results.Summary) (results.ClassSummary, bool) {
	for _, c := range s.Classes {
		if c.Class != results.AllClasses && c.Behaviour != scenarios.Normal && c.Behaviour != "" {
			return c, true
		}
	}
	return results.ClassSummary{}, false
}

// normalOnly reports whether only normal clients loaded the cell: every
// other class planned no request and held no connection.
func normalOnly(s results.Summary) bool {
	for _, c := range s.Classes {
		if c.Class == results.AllClasses || c.Behaviour == scenarios.Normal {
			continue
		}
		if c.Planned > 0 || c.Requests > 0 {
			return false
		}
	}
	for _, c := range s.Cell.Classes {
		if c.Behaviour != scenarios.Normal && (c.Connections > 0 || c.ConnectionsOpened > 0) {
			return false
		}
	}
	return true
}

// Baseline finds, for an isolation cell s, a cell of the same run where
// the same model (same label) served normal clients only, at the rate
// that s's normal clients had (within 5%), against the same upstream
// (delay, size, chunks, faults) with the same request shape. It returns
// the baseline's summary and where it comes from ("steady at 200 req/s").
func Baseline(run *results.Run, s results.Summary) (results.Summary, string, bool) {
	normal, ok := NormalClass(s)
	if !ok || normal.Offered <= 0 || run == nil {
		return results.Summary{}, "", false
	}
	scens := map[string]scenarios.Scenario{}
	for _, sc := range run.Manifest.Scenarios {
		scens[sc.Name] = sc
	}
	here, known := scens[s.Cell.Scenario]
	for _, b := range run.Summaries {
		if b.Cell.Model.Label != s.Cell.Model.Label || b.Cell.Model.Name != s.Cell.Model.Name {
			continue
		}
		if b.Cell.Scenario == s.Cell.Scenario && b.Cell.Step.Step == s.Cell.Step.Step && b.Cell.Rep == s.Cell.Rep {
			continue
		}
		if b.Cell.Error != "" || !normalOnly(b) {
			continue
		}
		all, ok := AllClass(b)
		if !ok || all.Offered <= 0 || all.Offered < normal.Offered*0.95 || all.Offered > normal.Offered*1.05 {
			continue
		}
		there, ok := scens[b.Cell.Scenario]
		if !known || !ok || !sameUpstream(here, there) {
			continue
		}
		return b, b.Cell.Scenario + " at " + strconv.FormatFloat(all.Offered, 'f', -1, 64) + " req/s", true
	}
	return results.Summary{}, "", false
}

// sameUpstream reports whether two scenarios give requests the same
// upstream work and shape, so that their latencies compare.
func sameUpstream(a, b scenarios.Scenario) bool {
	ua, ub := a.Upstream, b.Upstream
	if ua.Delay != ub.Delay || ua.Size != ub.Size || ua.Chunks != ub.Chunks || ua.ChunkDelay != ub.ChunkDelay {
		return false
	}
	if len(ua.Faults) != 0 || len(ub.Faults) != 0 {
		return false
	}
	return a.Request.Method == b.Request.Method && a.Request.BodySize == b.Request.BodySize &&
		a.Request.Fanout == b.Request.Fanout && a.Gateway == b.Gateway
}
