package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"gatewaylab/plots"
	"gatewaylab/results"
)

// KeepUpTolerance is how far below the offered rate a model's throughput
// may be and still count as keeping up.
const KeepUpTolerance = 0.02

// KeepsUp is the keeps-up rule: at least 99% of the planned requests
// succeeded and successes per second came within 2% of the offered rate.
func KeepsUp(c results.ClassSummary) bool {
	return c.Offered > 0 && c.Success >= plots.MinSuccess && c.Throughput >= (1-KeepUpTolerance)*c.Offered
}

// Saturation is what a model's sweep says about its capacity.
type Saturation struct {
	// KeptUpTo is the highest offered rate of the unbroken run of steps,
	// from the lowest, that kept up; 0 when the first step did not.
	KeptUpTo float64
	// FirstMiss is the offered rate of the first step that did not keep
	// up, and MissSuccess its success ratio; 0 when every step kept up.
	FirstMiss, MissSuccess float64
	// Peak is the highest achieved throughput over all steps.
	Peak float64
	// MinSuccess is the lowest success ratio over the steps up to
	// KeptUpTo.
	MinSuccess float64
	Steps      int
}

// Saturated reports whether some step did not keep up.
func (s Saturation) Saturated() bool { return s.FirstMiss > 0 }

// SaturationOf applies the keeps-up rule to a model's steps (the "all"
// class of each), in order of offered rate.
func SaturationOf(steps []results.ClassSummary) Saturation {
	steps = slices.Clone(steps)
	slices.SortFunc(steps, func(a, b results.ClassSummary) int { return cmp.Compare(a.Offered, b.Offered) })
	s := Saturation{Steps: len(steps), MinSuccess: math.NaN()}
	broken := false
	for _, c := range steps {
		s.Peak = math.Max(s.Peak, c.Throughput)
		if broken {
			continue
		}
		if KeepsUp(c) {
			s.KeptUpTo = c.Offered
			if math.IsNaN(s.MinSuccess) || c.Success < s.MinSuccess {
				s.MinSuccess = c.Success
			}
			continue
		}
		broken = true
		s.FirstMiss, s.MissSuccess = c.Offered, c.Success
	}
	return s
}

// CeilingVerdict compares a measured peak throughput with the thread
// pool's theoretical ceiling.
func CeilingVerdict(peak float64, th plots.Theory) string {
	if th.Rate <= 0 {
		return ""
	}
	return fmt.Sprintf("against a theoretical ceiling of %s (N=%d / %s), %.0f%% of it",
		rate(th.Rate), th.Workers, th.Delay, 100*peak/th.Rate)
}

// modelSteps is one model's steps in a sweep.
type modelSteps struct {
	label  string
	theory plots.Theory // Rate 0: no theory
	steps  []results.ClassSummary
}

// sweepVerdict states what a sweep measured: who kept up to where, who
// saturated at what throughput against which theory, and the spread of
// p99 at the highest step that every model kept up with.
func sweepVerdict(models []modelSteps) []string {
	var out []string
	var kept []string
	keptTo, keptMin := 0.0, 1.0
	for _, m := range models {
		if len(m.steps) == 0 {
			continue
		}
		s := SaturationOf(m.steps)
		switch {
		case !s.Saturated():
			kept = append(kept, m.label)
			keptTo = math.Max(keptTo, s.KeptUpTo)
			keptMin = math.Min(keptMin, s.MinSuccess)
		case s.KeptUpTo == 0:
			out = append(out, fmt.Sprintf("%s did not keep up at any step: at %s it achieved %s with success %s.",
				m.label, rate(s.FirstMiss), rate(achievedAt(m.steps, s.FirstMiss)), plots.FormatPercent(s.MissSuccess)))
		default:
			line := fmt.Sprintf("%s saturated at %s (its highest throughput)", m.label, rate(s.Peak))
			if c := CeilingVerdict(s.Peak, m.theory); c != "" {
				line += " " + c
			}
			line += fmt.Sprintf("; it kept up to %s and not at %s (success %s).",
				rate(s.KeptUpTo), rate(s.FirstMiss), plots.FormatPercent(s.MissSuccess))
			out = append(out, line)
		}
	}
	if len(kept) > 0 {
		success := "of at least " + plots.FormatPercent(keptMin)
		if keptMin >= 1 {
			success = "100%"
		}
		out = append([]string{fmt.Sprintf("%s kept up at every step, up to %s, with success %s.",
			joinAnd(kept), rate(keptTo), success)}, out...)
	}
	if line := p99Spread(models); line != "" {
		out = append(out, line)
	}
	return out
}

// achievedAt is the throughput of the step offered at off.
func achievedAt(steps []results.ClassSummary, off float64) float64 {
	for _, c := range steps {
		if c.Offered == off {
			return c.Throughput
		}
	}
	return 0
}

// p99Spread compares corrected p99 at the highest offered rate that every
// model kept up with.
func p99Spread(models []modelSteps) string {
	var common []float64
	for i, m := range models {
		var ok []float64
		for _, c := range m.steps {
			if KeepsUp(c) {
				ok = append(ok, c.Offered)
			}
		}
		if i == 0 {
			common = ok
			continue
		}
		common = slices.DeleteFunc(common, func(v float64) bool { return !slices.Contains(ok, v) })
	}
	if len(models) < 2 || len(common) == 0 {
		return ""
	}
	at := slices.Max(common)
	type p struct {
		label string
		v     results.ClassSummary
	}
	var ps []p
	for _, m := range models {
		for _, c := range m.steps {
			if c.Offered == at {
				ps = append(ps, p{m.label, c})
			}
		}
	}
	slices.SortStableFunc(ps, func(a, b p) int { return cmp.Compare(a.v.Corrected.P99, b.v.Corrected.P99) })
	lo, hi := ps[0], ps[len(ps)-1]
	if dur(lo.v.Corrected.P99) == dur(hi.v.Corrected.P99) {
		return fmt.Sprintf("At %s, the highest load every model kept up with, corrected p99 was %s for every model.",
			rate(at), dur(lo.v.Corrected.P99))
	}
	return fmt.Sprintf("At %s, the highest load every model kept up with, corrected p99 ranged from %s (%s) to %s (%s).",
		rate(at), dur(lo.v.Corrected.P99), lo.label, dur(hi.v.Corrected.P99), hi.label)
}

// cellResult is one model's cell in a single-cell scenario.
type cellResult struct {
	label string
	all   results.ClassSummary
	sum   results.Summary
}

// timelineVerdict states success and p99 per model over the whole cell.
func timelineVerdict(cells []cellResult) []string {
	if len(cells) == 0 {
		return nil
	}
	var out []string
	for _, c := range cells {
		line := fmt.Sprintf("%s: success %s, corrected p99 %s, max %s", c.label,
			plots.FormatPercent(c.all.Success), dur(c.all.Corrected.P99), dur(c.all.Corrected.Max))
		if e := errorsText(c.all.Errors); e != "" {
			line += ", errors: " + e
		}
		out = append(out, line+".")
	}
	if len(cells) > 1 {
		best := slices.MinFunc(cells, func(a, b cellResult) int { return cmp.Compare(a.all.Corrected.P99, b.all.Corrected.P99) })
		worst := slices.MinFunc(cells, func(a, b cellResult) int { return cmp.Compare(a.all.Success, b.all.Success) })
		out = append(out, fmt.Sprintf("Lowest corrected p99: %s (%s); lowest success: %s (%s).",
			best.label, dur(best.all.Corrected.P99), worst.label, plots.FormatPercent(worst.all.Success)))
	}
	return out
}

// isolationResult is one model's numbers in an isolation scenario.
type isolationResult struct {
	label     string
	slowName  string // behaviour of the slow class
	normal    results.ClassSummary
	slow      *results.ClassSummary // nil: no such class or no requests
	baseline  *results.ClassSummary // normal-only cell; nil: none
	baseWhere string
}

// isolationVerdict states, per model, the normal clients' p99 with the
// slow population against the same without it where measured.
func isolationVerdict(rs []isolationResult) []string {
	var out []string
	for _, r := range rs {
		slow := r.slowName
		if slow == "" {
			slow = "slow"
		}
		var line string
		if r.baseline != nil {
			line = fmt.Sprintf("Under %s, %s clients took the normal clients' corrected p99 from %s (normal clients only, %s) to %s",
				r.label, slow, dur(r.baseline.Corrected.P99), r.baseWhere, dur(r.normal.Corrected.P99))
			if b := r.baseline.Corrected.P99; b > 0 {
				line += fmt.Sprintf(" (%.1fx)", float64(r.normal.Corrected.P99)/float64(b))
			}
		} else {
			line = fmt.Sprintf("Under %s, normal clients beside %s clients had corrected p99 %s", r.label, slow, dur(r.normal.Corrected.P99))
		}
		line += fmt.Sprintf(", success %s", plots.FormatPercent(r.normal.Success))
		if r.slow != nil {
			line += fmt.Sprintf("; the %s clients' own p99 was %s", slow, dur(r.slow.Corrected.P99))
		}
		out = append(out, line+".")
	}
	if len(rs) > 0 && rs[0].baseline == nil {
		out = append(out, "No cell of this run had the same models serving normal clients only at the same rate, so these numbers show the normal clients' latency with the slow population present, not how much it rose.")
	}
	return out
}

// capacityVerdict states connections held, memory and success per model.
func capacityVerdict(cells []cellResult) []string {
	var out []string
	for _, c := range cells {
		asked, opened := 0, 0
		for _, cl := range c.sum.Cell.Classes {
			asked += cl.Connections
			opened += cl.ConnectionsOpened
		}
		var parts []string
		if asked > 0 {
			parts = append(parts, fmt.Sprintf("%d of %d connections opened", opened, asked))
		}
		r := c.sum.Resources
		if r.PeakRSS > 0 {
			parts = append(parts, "peak RSS "+mib(r.PeakRSS))
		}
		if r.BytesPerInFlight > 0 {
			parts = append(parts, fmt.Sprintf("%.1f KiB per in-flight request (peak %d in flight)", r.BytesPerInFlight/1024, r.PeakInFlight))
		}
		parts = append(parts, "success "+plots.FormatPercent(c.all.Success), "corrected p99 "+dur(c.all.Corrected.P99))
		out = append(out, c.label+": "+strings.Join(parts, ", ")+".")
	}
	return out
}

// joinAnd writes "a", "a and b", "a, b and c".
func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
