package compare

import (
	"math"
	"slices"
	"testing"
)

func seq(from, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(from + i)
	}
	return out
}

func same(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestSideOf(t *testing.T) {
	for _, tc := range []struct {
		name           string
		values         []float64
		center, lo, hi float64
		interval       bool
	}{
		{"empty", nil, 0, 0, 0, false},
		{"one", []float64{7}, 7, 7, 7, false},
		{"three", []float64{3, 1, 2}, 2, 2, 2, false},
		// Fewer than 6 values (noteInterval) have no 95% interval.
		{"five", []float64{5, 1, 4, 2, 3}, 3, 3, 3, false},
		// Six values: [min, max] covers the median with 1-2/64 > 95%.
		{"six", []float64{6, 1, 5, 2, 4, 3}, 3.5, 1, 6, true},
		// Nine: [x(2), x(8)] covers with 1-2*10/512 = 96.1%.
		{"nine", seq(1, 9), 5, 2, 8, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.values)
			s := sideOf("l", newSample(in, DefaultAlpha))
			want := Side{Label: "l", N: len(tc.values), Center: tc.center, Lo: tc.lo, Hi: tc.hi, Interval: tc.interval}
			if s != want {
				t.Errorf("sideOf(%v) = %+v, want %+v", tc.values, s, want)
			}
			if !slices.Equal(in, tc.values) {
				t.Errorf("values reordered: %v, was %v", in, tc.values)
			}
		})
	}
}

func TestSideRange(t *testing.T) {
	for _, tc := range []struct {
		side Side
		want string
	}{
		{Side{N: 9, Center: 100, Lo: 97, Hi: 104, Interval: true}, "4%"},
		{Side{N: 9, Center: 100, Lo: 100, Hi: 100, Interval: true}, "0%"},
		{Side{N: 9, Center: 0, Lo: 0, Hi: 0, Interval: true}, "0%"},
		{Side{N: 9, Center: 1, Lo: -1, Hi: 2, Interval: true}, "?"},
		{Side{N: 3, Center: 100, Lo: 100, Hi: 100}, "∞"},
	} {
		if got := tc.side.summary().PctRangeString(); got != tc.want {
			t.Errorf("range of %+v = %q, want %q", tc.side, got, tc.want)
		}
	}
}

func TestFill(t *testing.T) {
	for _, tc := range []struct {
		name        string
		a, b        []float64
		alpha       float64
		significant bool
		delta       string
		p           float64 // exact p-value; NaN: only check p against alpha
	}{
		// Exact: complete separation of n and n has p = 2/C(2n, n).
		{"3v3 apart", seq(1, 3), seq(4, 3), 0.05, false, "~", 0.1},
		{"5v5 apart", seq(1, 5), seq(6, 5), 0.05, true, "+166.7%", 2.0 / 252},
		{"5v5 apart, reversed", seq(6, 5), seq(1, 5), 0.05, true, "-62.5%", 2.0 / 252},
		{"5v5 apart, alpha 0.001", seq(1, 5), seq(6, 5), 0.001, false, "~", 2.0 / 252},
		{"interleaved", []float64{1, 3, 5, 7}, []float64{2, 4, 6, 8}, 0.05, false, "~", 0.6857142857142857},
		{"identical", same(4, 3), same(4, 3), 0.05, false, "~", 1},
		{"itself", seq(1, 9), seq(1, 9), 0.05, false, "~", 1},
		{"empty old", nil, []float64{1}, 0.05, false, "~", 1},
		{"empty new", []float64{1}, nil, 0.05, false, "~", 1},
		{"1v1", []float64{1}, []float64{2}, 0.05, false, "~", 1},
		// Ties: all-equal groups, as seconds of a steady throughput.
		{"tied, doubled", same(20, 6), same(40, 6), 0.05, true, "+100.0%", math.NaN()},
		{"tied, mixed", append(same(10, 30), same(20, 30)...), append(same(20, 30), same(10, 30)...), 0.05, false, "~", math.NaN()},
		{"40v40 apart", seq(1, 40), seq(41, 40), 0.05, true, "+195.1%", math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &comparison{alpha: tc.alpha}
			var r Row
			c.fill(&r, "a", "b", tc.a, tc.b, ByRepetition)
			if r.Significant != tc.significant || r.Delta != tc.delta {
				t.Errorf("significant %v delta %q (p=%v), want %v %q", r.Significant, r.Delta, r.P, tc.significant, tc.delta)
			}
			if !math.IsNaN(tc.p) && math.Abs(r.P-tc.p) > 1e-9 {
				t.Errorf("p = %v, want %v", r.P, tc.p)
			}
			if (r.P <= tc.alpha) != tc.significant {
				t.Errorf("p = %v at alpha %v, significant %v", r.P, tc.alpha, r.Significant)
			}
			if r.A.N != len(tc.a) || r.B.N != len(tc.b) || r.A.Label != "a" || r.B.Label != "b" || r.Basis != ByRepetition {
				t.Errorf("sides %+v %+v basis %s", r.A, r.B, r.Basis)
			}
		})
	}
}
