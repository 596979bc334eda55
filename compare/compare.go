// Package compare compares two runs cell by cell, as benchstat compares
// two sets of benchmarks: for each metric the old and new median with its
// confidence interval, the change, and whether the change is significant
// (Mann-Whitney U test at Options.Alpha; "~" when it is not), computed by
// golang.org/x/perf/benchmath's AssumeNothing.
//
// Cells match on scenario, model name and step index, not on the model's
// label, so that one model with two knob settings (thread-pool workers=10
// in the old run, workers=20 in the new) can be compared; both labels are
// shown. Each repetition of a cell is one observation. A cell with a single
// repetition is split into ObservationWindow observations from its
// timeline (throughput, success and corrected latency percentiles per
// window): such windows are not independent, so their p-values are less
// rigorous than those across repetitions, and the table says so.
//
// Under the cells of a sweep scenario, a ceiling row compares each model's
// highest achieved throughput over the steps; at the end, a geomean row per
// metric summarizes every matched cell. Cells present in only one run are
// listed, not dropped.
package compare

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gatewaylab/results"
	"gatewaylab/scenarios"
)

// ErrUnknownMetric is wrapped when Options names a metric this package does
// not know.
var ErrUnknownMetric = errors.New("unknown metric")

// DefaultAlpha is the significance level when Options.Alpha is zero.
const DefaultAlpha = 0.05

// ObservationWindow is the length of the sub-samples a cell without
// repetitions is cut into: a 2 s step gives 10 observations of throughput
// and p99, enough for a rank test to see a doubled ceiling.
const ObservationWindow = 200 * time.Millisecond

// Metric names. Latency metrics are corrected (from intended send time)
// unless named measured.
const (
	Throughput  = "throughput"   // successes/s
	SendRate    = "send-rate"    // hits sent/s
	Success     = "success"      // successes / planned hits
	P50         = "p50"          // corrected latency percentiles
	P90         = "p90"          //
	P99         = "p99"          //
	P999        = "p999"         //
	Max         = "max"          //
	Mean        = "mean"         //
	MeasuredP99 = "measured-p99" // vegeta's latency p99
	CPUPer1000  = "cpu-per-1000" // gateway CPU seconds per 1000 successes
	PeakRSS     = "peak-rss"     // gateway peak RSS bytes
)

// DefaultMetrics are compared when Options.Metrics is empty.
func DefaultMetrics() []string { return []string{Throughput, Success, P50, P99, P999} }

// Options tune a comparison; the zero value is the default.
type Options struct {
	// Alpha is the significance level; default DefaultAlpha.
	Alpha float64
	// Metrics to compare, in order; default DefaultMetrics().
	Metrics []string
}

// Kind says what a Row compares.
type Kind string

// Row kinds.
const (
	KindCell    Kind = "cell"     // one matched cell, one metric
	KindCeiling Kind = "ceiling"  // a model's best throughput over a sweep's steps
	KindGeomean Kind = "geomean"  // geometric mean over every matched cell, one metric
	KindOnlyOld Kind = "only-old" // a cell only in the old run (Metric empty)
	KindOnlyNew Kind = "only-new" // a cell only in the new run (Metric empty)
)

// Basis says what the observations of a row are.
type Basis string

// Observation bases.
const (
	ByRepetition Basis = "repetitions" // one per repetition of the cell
	BySecond     Basis = "seconds"     // one per second of a single repetition (less rigorous)
	Single       Basis = "single"      // one value per side: no test possible
)

// Side is one run's side of a row.
type Side struct {
	Label string `json:"label"` // the model's label in this run
	N     int    `json:"n"`     // observations
	// Center is the median of the observations (for geomean rows, the
	// geometric mean of the cells' centers); Lo and Hi its 95% confidence
	// interval when Interval is set (there are enough observations for
	// one), else both equal Center.
	Center   float64 `json:"center"`
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
	Interval bool    `json:"interval"`
}

// Row is one line of the comparison.
type Row struct {
	Kind     Kind   `json:"kind"`
	Scenario string `json:"scenario"`
	Model    string `json:"model"` // the model's name; the labels are in A and B
	Step     string `json:"step"`  // the step's label (both if they differ), "ceiling" or ""
	Metric   string `json:"metric"`
	A        Side   `json:"a"` // old
	B        Side   `json:"b"` // new
	// Delta is the change of the centers, "+12.3%", or "~" when it is not
	// significant at Alpha (geomean rows always show it; they are not
	// tested).
	Delta string `json:"delta"`
	// P is the test's p-value; 1 for rows without a test.
	P           float64 `json:"p"`
	Significant bool    `json:"significant"`
	Basis       Basis   `json:"basis,omitempty"`
	Note        string  `json:"note,omitempty"`
}

// metric reads one metric from a summary and, where a timeline has it, from
// one second.
type metric struct {
	name   string
	unit   unit
	cell   func(results.Summary) float64
	second func(results.Second) (float64, bool) // nil: no per-second observation
}

type unit int

const (
	perSecond unit = iota
	ratio
	seconds
	bytes
)

func allClass(s results.Summary) results.ClassSummary {
	if len(s.Classes) == 0 {
		return results.ClassSummary{}
	}
	return s.Classes[0]
}

func durationMetric(name string, cell func(results.Percentiles) time.Duration, second func(results.Second) time.Duration) metric {
	m := metric{name: name, unit: seconds, cell: func(s results.Summary) float64 { return cell(allClass(s).Corrected).Seconds() }}
	if second != nil {
		m.second = func(sec results.Second) (float64, bool) {
			d := second(sec)
			return d.Seconds(), sec.Offered > 0 && d > 0
		}
	}
	return m
}

func lookupMetric(name string) (metric, error) {
	switch name {
	case Throughput:
		return metric{name: name, unit: perSecond,
			cell:   func(s results.Summary) float64 { return allClass(s).Throughput },
			second: func(sec results.Second) (float64, bool) { return sec.Achieved, sec.Offered > 0 },
		}, nil
	case SendRate:
		return metric{name: name, unit: perSecond,
			cell:   func(s results.Summary) float64 { return allClass(s).SendRate },
			second: func(sec results.Second) (float64, bool) { return sec.Sent, sec.Offered > 0 },
		}, nil
	case Success:
		return metric{name: name, unit: ratio,
			cell: func(s results.Summary) float64 { return allClass(s).Success },
			second: func(sec results.Second) (float64, bool) {
				if sec.Offered <= 0 {
					return 0, false
				}
				return min(sec.Succeeded/sec.Offered, 1), true
			},
		}, nil
	case P50:
		return durationMetric(name, func(p results.Percentiles) time.Duration { return p.P50 }, func(s results.Second) time.Duration { return s.P50 }), nil
	case P90:
		return durationMetric(name, func(p results.Percentiles) time.Duration { return p.P90 }, nil), nil
	case P99:
		return durationMetric(name, func(p results.Percentiles) time.Duration { return p.P99 }, func(s results.Second) time.Duration { return s.P99 }), nil
	case P999:
		return durationMetric(name, func(p results.Percentiles) time.Duration { return p.P999 }, func(s results.Second) time.Duration { return s.P999 }), nil
	case Max:
		return durationMetric(name, func(p results.Percentiles) time.Duration { return p.Max }, nil), nil
	case Mean:
		return durationMetric(name, func(p results.Percentiles) time.Duration { return p.Mean }, nil), nil
	case MeasuredP99:
		return metric{name: name, unit: seconds, cell: func(s results.Summary) float64 { return allClass(s).Latency.P99.Seconds() }}, nil
	case CPUPer1000:
		return metric{name: name, unit: seconds, cell: func(s results.Summary) float64 { return s.Resources.CPUPer1000 }}, nil
	case PeakRSS:
		return metric{name: name, unit: bytes, cell: func(s results.Summary) float64 { return float64(s.Resources.PeakRSS) }}, nil
	}
	return metric{}, fmt.Errorf("compare: %w %q (known: %s)", ErrUnknownMetric, name, strings.Join(knownMetrics(), ", "))
}

func knownMetrics() []string {
	return []string{Throughput, SendRate, Success, P50, P90, P99, P999, Max, Mean, MeasuredP99, CPUPer1000, PeakRSS}
}

// cellKey is what matches cells across runs.
type cellKey struct {
	scenario, model string
	step            int
}

// group is one cell of one run: its repetitions.
type group struct {
	key       cellKey
	label     string
	stepLabel string
	reps      []rep
}

type rep struct {
	sum results.Summary
	dir string // absolute cell directory; "" if unknown
}

// ok are the repetitions that ran.
func (g *group) ok() []rep {
	var out []rep
	for _, r := range g.reps {
		if r.sum.Cell.Error == "" {
			out = append(out, r)
		}
	}
	return out
}

// side indexes one run's cells.
type side struct {
	run    *results.Run
	groups map[cellKey][]*group // by label, in order of appearance
	order  []cellKey
}

func index(run *results.Run) *side {
	s := &side{run: run, groups: map[cellKey][]*group{}}
	for i, sum := range run.Summaries {
		k := cellKey{sum.Cell.Scenario, sum.Cell.Model.Name, sum.Cell.Step.Step}
		var g *group
		for _, x := range s.groups[k] {
			if x.label == sum.Cell.Model.Label {
				g = x
			}
		}
		if g == nil {
			if len(s.groups[k]) == 0 {
				s.order = append(s.order, k)
			}
			g = &group{key: k, label: sum.Cell.Model.Label, stepLabel: stepLabel(sum.Cell.Step)}
			s.groups[k] = append(s.groups[k], g)
		}
		dir := ""
		if i < len(run.Cells) {
			dir = run.CellDir(i)
		}
		g.reps = append(g.reps, rep{sum: sum, dir: dir})
	}
	for _, gs := range s.groups {
		for _, g := range gs {
			slices.SortStableFunc(g.reps, func(a, b rep) int { return a.sum.Cell.Rep - b.sum.Cell.Rep })
		}
	}
	return s
}

func stepLabel(c scenarios.Cell) string {
	if c.Label != "" {
		return c.Label
	}
	return fmt.Sprintf("step %d", c.Step)
}

// pair is a matched cell.
type pair struct {
	key  cellKey
	a, b *group
}

// comparison holds the state of one Rows call.
type comparison struct {
	a, b      *side
	alpha     float64
	metrics   []metric
	timelines map[string][]results.Second
	errs      map[string]error
}

// Rows compares run a (old) with run b (new), cell by cell; it is what
// Write prints.
func Rows(a, b *results.Run, opts Options) ([]Row, error) {
	if a == nil || b == nil {
		return nil, errors.New("compare: nil run")
	}
	c := &comparison{a: index(a), b: index(b), alpha: opts.Alpha, timelines: map[string][]results.Second{}, errs: map[string]error{}}
	if c.alpha <= 0 {
		c.alpha = DefaultAlpha
	}
	names := opts.Metrics
	if len(names) == 0 {
		names = DefaultMetrics()
	}
	for _, n := range names {
		m, err := lookupMetric(n)
		if err != nil {
			return nil, err
		}
		c.metrics = append(c.metrics, m)
	}
	return c.rows(), nil
}

// scenarioOrder lists scenarios in order of appearance, old run first.
func (c *comparison) scenarioOrder() []string {
	var out []string
	for _, s := range []*side{c.a, c.b} {
		for _, k := range s.order {
			if !slices.Contains(out, k.scenario) {
				out = append(out, k.scenario)
			}
		}
	}
	return out
}

// match pairs the cells of one key: one label on each side matches
// whatever the labels; otherwise equal labels match.
func match(ga, gb []*group) (pairs [][2]*group, onlyA, onlyB []*group) {
	if len(ga) == 1 && len(gb) == 1 {
		return [][2]*group{{ga[0], gb[0]}}, nil, nil
	}
	used := map[*group]bool{}
	for _, x := range ga {
		found := false
		for _, y := range gb {
			if !used[y] && x.label == y.label {
				pairs = append(pairs, [2]*group{x, y})
				used[y], found = true, true
				break
			}
		}
		if !found {
			onlyA = append(onlyA, x)
		}
	}
	for _, y := range gb {
		if !used[y] {
			onlyB = append(onlyB, y)
		}
	}
	return pairs, onlyA, onlyB
}

func (c *comparison) rows() []Row {
	var out, cells []Row
	for _, scen := range c.scenarioOrder() {
		var keys []cellKey
		for _, s := range []*side{c.a, c.b} {
			for _, k := range s.order {
				if k.scenario == scen && !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
		// Models in order of appearance, steps ascending.
		var models []string
		for _, k := range keys {
			if !slices.Contains(models, k.model) {
				models = append(models, k.model)
			}
		}
		slices.SortStableFunc(keys, func(x, y cellKey) int {
			if d := slices.Index(models, x.model) - slices.Index(models, y.model); d != 0 {
				return d
			}
			return x.step - y.step
		})
		var pairs []pair
		var lonely []Row
		for _, k := range keys {
			ps, onlyA, onlyB := match(c.a.groups[k], c.b.groups[k])
			for _, p := range ps {
				pairs = append(pairs, pair{key: k, a: p[0], b: p[1]})
			}
			for _, g := range onlyA {
				lonely = append(lonely, c.lonelyRow(KindOnlyOld, g))
			}
			for _, g := range onlyB {
				lonely = append(lonely, c.lonelyRow(KindOnlyNew, g))
			}
		}
		for _, p := range pairs {
			for _, m := range c.metrics {
				r := c.cellRow(p, m)
				out = append(out, r)
				if r.A.N > 0 && r.B.N > 0 {
					cells = append(cells, r)
				}
			}
		}
		if c.isSweep(scen) {
			out = append(out, c.ceilingRows(scen, pairs)...)
		}
		out = append(out, lonely...)
	}
	return append(out, c.geomeanRows(cells)...)
}

func (c *comparison) isSweep(name string) bool {
	for _, r := range []*results.Run{c.a.run, c.b.run} {
		for _, s := range r.Manifest.Scenarios {
			if s.Name == name {
				return s.Kind == "sweep" || (s.Kind == "" && s.Load.Kind == "steps")
			}
		}
	}
	steps := map[int]bool{}
	for _, s := range []*side{c.a, c.b} {
		for _, k := range s.order {
			if k.scenario == name {
				steps[k.step] = true
			}
		}
	}
	return len(steps) > 1
}

func (c *comparison) lonelyRow(kind Kind, g *group) Row {
	r := Row{Kind: kind, Scenario: g.key.scenario, Model: g.key.model, Step: g.stepLabel, P: 1}
	s := Side{Label: g.label, N: len(g.reps)}
	if kind == KindOnlyOld {
		r.A, r.Note = s, "only in old"
	} else {
		r.B, r.Note = s, "only in new"
	}
	return r
}

// observations of a metric for a matched cell, and their basis.
func (c *comparison) observations(p pair, m metric) (a, b []float64, basis Basis) {
	ra, rb := p.a.ok(), p.b.ok()
	if len(ra) > 1 || len(rb) > 1 {
		return repValues(ra, m), repValues(rb, m), ByRepetition
	}
	if len(ra) == 1 && len(rb) == 1 && m.second != nil {
		sa, erra := c.seconds(ra[0].dir, m)
		sb, errb := c.seconds(rb[0].dir, m)
		if erra == nil && errb == nil && len(sa) > 0 && len(sb) > 0 {
			return sa, sb, BySecond
		}
	}
	return repValues(ra, m), repValues(rb, m), Single
}

func repValues(reps []rep, m metric) []float64 {
	out := make([]float64, 0, len(reps))
	for _, r := range reps {
		out = append(out, m.cell(r.sum))
	}
	return out
}

// seconds are a single repetition's observations, one per ObservationWindow.
func (c *comparison) seconds(dir string, m metric) ([]float64, error) {
	if dir == "" {
		return nil, errors.New("compare: no cell directory")
	}
	tl, ok := c.timelines[dir]
	if !ok {
		if err, failed := c.errs[dir]; failed {
			return nil, err
		}
		var err error
		if tl, err = results.TimelineEvery(dir, "", ObservationWindow); err != nil {
			c.errs[dir] = err
			return nil, err
		}
		c.timelines[dir] = tl
	}
	var out []float64
	for _, s := range tl {
		if v, ok := m.second(s); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

func (c *comparison) cellRow(p pair, m metric) Row {
	r := Row{Kind: KindCell, Scenario: p.key.scenario, Model: p.key.model, Step: p.a.stepLabel, Metric: m.name, P: 1}
	if p.b.stepLabel != p.a.stepLabel {
		r.Step = p.a.stepLabel + " | " + p.b.stepLabel
	}
	a, b, basis := c.observations(p, m)
	c.fill(&r, p.a.label, p.b.label, a, b, basis)
	var notes []string
	for _, x := range []struct {
		name string
		g    *group
	}{{"old", p.a}, {"new", p.b}} {
		if len(x.g.ok()) < len(x.g.reps) {
			for _, rp := range x.g.reps {
				if rp.sum.Cell.Error != "" {
					notes = append(notes, fmt.Sprintf("%s rep %d failed: %s", x.name, rp.sum.Cell.Rep, rp.sum.Cell.Error))
				}
			}
		}
	}
	r.Note = strings.Join(notes, "; ")
	return r
}

// fill sets a row's sides and test from the observations.
func (c *comparison) fill(r *Row, labelA, labelB string, a, b []float64, basis Basis) {
	sa, sb := newSample(a, c.alpha), newSample(b, c.alpha)
	r.A, r.B = sideOf(labelA, sa), sideOf(labelB, sb)
	r.Basis = basis
	r.P, r.Significant, r.Delta = 1, false, "~"
	if len(a) == 0 || len(b) == 0 {
		return
	}
	// Compare gives P = 1 for samples it cannot tell apart (all equal);
	// like benchstat's FormatDelta, a change shows only when P <= alpha.
	cmp := assumption.Compare(sa, sb)
	r.P = cmp.P
	if cmp.P <= cmp.Alpha {
		r.Significant = true
		r.Delta = delta(r.A.Center, r.B.Center)
	}
}

func delta(old, new float64) string {
	switch {
	case old == new:
		return "0.0%"
	case old == 0:
		return "?"
	}
	return fmt.Sprintf("%+.1f%%", (new/old-1)*100)
}

// ceilingRows compare, per matched model of a sweep scenario, the step
// with the highest throughput on each side.
func (c *comparison) ceilingRows(scen string, pairs []pair) []Row {
	if !slices.ContainsFunc(c.metrics, func(m metric) bool { return m.name == Throughput }) {
		return nil
	}
	tm, _ := lookupMetric(Throughput)
	type labels struct{ model, a, b string }
	var seen []labels
	for _, p := range pairs {
		l := labels{p.key.model, p.a.label, p.b.label}
		if !slices.Contains(seen, l) {
			seen = append(seen, l)
		}
	}
	var out []Row
	for _, l := range seen {
		a, stepA, basisA := c.ceiling(c.a, scen, l.model, l.a, tm)
		b, stepB, basisB := c.ceiling(c.b, scen, l.model, l.b, tm)
		if len(a) == 0 || len(b) == 0 {
			continue
		}
		basis := basisA
		if basisA != basisB {
			// Not comparable observations: compare the centers only.
			basis = Single
			a, b = []float64{center(a)}, []float64{center(b)}
		}
		r := Row{Kind: KindCeiling, Scenario: scen, Model: l.model, Step: "ceiling", Metric: Throughput}
		c.fill(&r, l.a, l.b, a, b, basis)
		r.Note = "at " + stepA + " | " + stepB
		out = append(out, r)
	}
	return out
}

// ceiling is the observations of the step where a model's throughput is
// highest on one side.
func (c *comparison) ceiling(s *side, scen, model, label string, m metric) ([]float64, string, Basis) {
	var best []float64
	bestCenter := math.Inf(-1)
	var bestStep string
	var bestBasis Basis
	for _, k := range s.order {
		if k.scenario != scen || k.model != model {
			continue
		}
		for _, g := range s.groups[k] {
			if g.label != label {
				continue
			}
			obs, basis := c.sideObservations(g, m)
			if len(obs) == 0 {
				continue
			}
			if m := center(obs); m > bestCenter {
				best, bestCenter, bestStep, bestBasis = obs, m, g.stepLabel, basis
			}
		}
	}
	return best, bestStep, bestBasis
}

// sideObservations are one cell's observations on its own.
func (c *comparison) sideObservations(g *group, m metric) ([]float64, Basis) {
	reps := g.ok()
	if len(reps) == 1 && m.second != nil {
		if obs, err := c.seconds(reps[0].dir, m); err == nil && len(obs) > 0 {
			return obs, BySecond
		}
	}
	if len(reps) > 1 {
		return repValues(reps, m), ByRepetition
	}
	return repValues(reps, m), Single
}

// geomeanRows summarize each metric over the matched cells whose centers
// are positive on both sides.
func (c *comparison) geomeanRows(cells []Row) []Row {
	var out []Row
	for _, m := range c.metrics {
		var la, lb float64
		n := 0
		for _, r := range cells {
			if r.Metric != m.name || r.A.Center <= 0 || r.B.Center <= 0 {
				continue
			}
			la += math.Log(r.A.Center)
			lb += math.Log(r.B.Center)
			n++
		}
		if n == 0 {
			continue
		}
		ga, gb := math.Exp(la/float64(n)), math.Exp(lb/float64(n))
		out = append(out, Row{
			Kind: KindGeomean, Metric: m.name, P: 1,
			A:     Side{N: n, Center: ga, Lo: ga, Hi: ga},
			B:     Side{N: n, Center: gb, Lo: gb, Hi: gb},
			Delta: delta(ga, gb),
			Note:  fmt.Sprintf("%d cells", n),
		})
	}
	return out
}
