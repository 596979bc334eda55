package schedule

import (
	"math"
	"testing"
	"time"
)

func TestIntended(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       Schedule
		planned uint64
		checks  map[uint64]time.Duration
	}{
		{"constant", Constant(100, time.Second), 100, map[uint64]time.Duration{0: 0, 1: 10 * time.Millisecond, 99: 990 * time.Millisecond}},
		{"ramp from zero", Ramp(0, 200, time.Second), 100, map[uint64]time.Duration{
			// hits(t) = 100 t^2, so hit k is at sqrt(k/100) s.
			25: 500 * time.Millisecond, 81: 900 * time.Millisecond}},
		{"burst", Burst(10, 100, time.Second, time.Second, 3*time.Second), 120, map[uint64]time.Duration{
			9: 900 * time.Millisecond, 10: time.Second, 11: time.Second + 10*time.Millisecond, 110: 2 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.Planned(); got != tc.planned {
				t.Errorf("Planned() = %d, want %d", got, tc.planned)
			}
			for n, want := range tc.checks {
				got, ok := tc.s.Intended(n)
				if !ok || absDiff(got, want) > time.Microsecond {
					t.Errorf("Intended(%d) = %v, %v; want %v", n, got, ok, want)
				}
			}
			if _, ok := tc.s.Intended(tc.planned); ok {
				t.Errorf("Intended(%d) is past the end yet ok", tc.planned)
			}
			// Intended is increasing and agrees with HitsAt.
			var prev time.Duration
			for n := range tc.planned {
				at, _ := tc.s.Intended(n)
				if at < prev {
					t.Fatalf("Intended(%d) = %v before Intended(%d) = %v", n, at, n-1, prev)
				}
				if h := tc.s.HitsAt(at); math.Abs(h-float64(n)) > 1e-6 {
					t.Fatalf("HitsAt(Intended(%d)) = %v", n, h)
				}
				prev = at
			}
		})
	}
}

func TestPace(t *testing.T) {
	s := Constant(10, time.Second)
	for _, tc := range []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
		stop    bool
	}{
		{0, 0, 0, false},
		{0, 1, 100 * time.Millisecond, false},
		{250 * time.Millisecond, 1, 0, false}, // behind: go at once
		{950 * time.Millisecond, 10, 0, true},
	} {
		wait, stop := s.Pace(tc.elapsed, tc.hits)
		if absDiff(wait, tc.wait) > time.Microsecond || stop != tc.stop {
			t.Errorf("Pace(%v, %d) = %v, %v; want %v, %v", tc.elapsed, tc.hits, wait, stop, tc.wait, tc.stop)
		}
	}
}

func TestScaleAndRate(t *testing.T) {
	s := Burst(10, 100, time.Second, time.Second, 3*time.Second).Scale(0.1)
	for _, tc := range []struct {
		at   time.Duration
		want float64
	}{{0, 1}, {1500 * time.Millisecond, 10}, {2500 * time.Millisecond, 1}, {4 * time.Second, 0}} {
		if got := s.Rate(tc.at); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Rate(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	if s.Duration() != 3*time.Second {
		t.Errorf("Duration() = %v", s.Duration())
	}
}

func absDiff(a, b time.Duration) time.Duration {
	if a > b {
		return a - b
	}
	return b - a
}
