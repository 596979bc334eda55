package compare

import (
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// The statistics are benchstat's: golang.org/x/perf/benchmath's
// AssumeNothing, whose summary is the median with a distribution-free
// confidence interval and whose test is the Mann-Whitney U test.
var assumption = benchmath.AssumeNothing

// confidence of the intervals shown, as benchstat's default.
const confidence = 0.95

// newSample makes a benchmath sample of values, tested at alpha, without
// reordering values (benchmath.NewSample sorts in place).
func newSample(values []float64, alpha float64) *benchmath.Sample {
	th := benchmath.DefaultThresholds
	th.CompareAlpha = alpha
	return benchmath.NewSample(slices.Clone(values), &th)
}

// summarize is the median of s and its confidence interval; Lo and Hi are
// infinite when s is too small for one, and an empty sample summarizes to
// zeros.
func summarize(s *benchmath.Sample) benchmath.Summary {
	if len(s.Values) == 0 {
		return benchmath.Summary{}
	}
	return assumption.Summary(s, confidence)
}

// center is the median of values.
func center(values []float64) float64 {
	return summarize(newSample(values, DefaultAlpha)).Center
}

func sideOf(label string, s *benchmath.Sample) Side {
	sum := summarize(s)
	n := len(s.Values)
	out := Side{Label: label, N: n, Center: sum.Center, Lo: sum.Center, Hi: sum.Center}
	if n > 0 && !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) {
		out.Lo, out.Hi, out.Interval = sum.Lo, sum.Hi, true
	}
	return out
}

// summary is the benchmath form of s: without an interval, its bounds are
// infinite, as benchmath reports them.
func (s Side) summary() benchmath.Summary {
	if !s.Interval {
		return benchmath.Summary{Center: s.Center, Lo: math.Inf(-1), Hi: math.Inf(1)}
	}
	return benchmath.Summary{Center: s.Center, Lo: s.Lo, Hi: s.Hi}
}
