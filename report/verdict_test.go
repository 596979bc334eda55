package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gatewaylab/plots"
	"gatewaylab/results"
)

// step is a synthetic "all" class: offered, achieved, success, p99.
func step(offered, achieved, success float64, p99 time.Duration) results.ClassSummary {
	return results.ClassSummary{Class: results.AllClasses, Offered: offered, Throughput: achieved, Success: success,
		Corrected: results.Percentiles{P50: p99 / 2, P99: p99, P999: p99 * 2, Max: p99 * 3}}
}

func TestKeepsUp(t *testing.T) {
	tests := []struct {
		name string
		c    results.ClassSummary
		want bool
	}{
		{"all answered", step(100, 100, 1, 0), true},
		{"exactly 99% success", step(100, 99, 0.99, 0), true},
		{"success just under 99%", step(100, 99, 0.989, 0), false},
		{"throughput 2% short", step(100, 98, 0.995, 0), true},
		{"throughput 3% short", step(100, 97, 0.995, 0), false},
		{"nothing offered", step(0, 0, 1, 0), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := KeepsUp(tc.c); got != tc.want {
				t.Errorf("KeepsUp(%+v) = %v, want %v", tc.c, got, tc.want)
			}
		})
	}
}

func TestSaturationOf(t *testing.T) {
	tests := []struct {
		name  string
		steps []results.ClassSummary
		want  Saturation
	}{
		{"keeps up everywhere", []results.ClassSummary{step(100, 100, 1, 0), step(200, 199, 0.999, 0)},
			Saturation{KeptUpTo: 200, Peak: 199, MinSuccess: 0.999, Steps: 2}},
		{"saturates", []results.ClassSummary{step(100, 100, 1, 0), step(200, 198, 1, 0), step(400, 198, 0.495, 0), step(800, 197, 0.25, 0)},
			Saturation{KeptUpTo: 200, FirstMiss: 400, MissSuccess: 0.495, Peak: 198, MinSuccess: 1, Steps: 4}},
		{"unsorted input", []results.ClassSummary{step(400, 198, 0.495, 0), step(100, 100, 1, 0)},
			Saturation{KeptUpTo: 100, FirstMiss: 400, MissSuccess: 0.495, Peak: 198, MinSuccess: 1, Steps: 2}},
		{"recovers after a miss: the first miss counts", []results.ClassSummary{step(100, 100, 1, 0), step(200, 150, 0.75, 0), step(400, 400, 1, 0)},
			Saturation{KeptUpTo: 100, FirstMiss: 200, MissSuccess: 0.75, Peak: 400, MinSuccess: 1, Steps: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SaturationOf(tc.steps); got != tc.want {
				t.Errorf("SaturationOf = %+v\nwant          %+v", got, tc.want)
			}
		})
	}
	s := SaturationOf([]results.ClassSummary{step(100, 50, 0.5, 0)})
	if s.KeptUpTo != 0 || !s.Saturated() || s.FirstMiss != 100 {
		t.Errorf("never kept up: %+v", s)
	}
}

func TestCeilingVerdict(t *testing.T) {
	th := plots.Theory{Workers: 10, Delay: 50 * time.Millisecond, Rate: 200}
	if got, want := CeilingVerdict(198, th), "against a theoretical ceiling of 200 req/s (N=10 / 50ms), 99% of it"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := CeilingVerdict(198, plots.Theory{}); got != "" {
		t.Errorf("without theory: %q", got)
	}
}

func TestSweepVerdict(t *testing.T) {
	ms := time.Millisecond
	keep := func(p99 time.Duration) []results.ClassSummary {
		return []results.ClassSummary{step(200, 200, 1, p99), step(400, 400, 1, p99), step(4000, 3990, 0.999, p99)}
	}
	tests := []struct {
		name   string
		models []modelSteps
		want   []string
	}{
		{"thread pool saturates", []modelSteps{
			{label: "thread-pool", theory: plots.Theory{Workers: 10, Delay: 50 * ms, Rate: 200},
				steps: []results.ClassSummary{step(200, 198, 0.995, 60*ms), step(400, 198, 0.495, 5*time.Second), step(4000, 197, 0.05, 5*time.Second)}},
			{label: "reactor", steps: keep(52 * ms)},
			{label: "channel", steps: keep(55 * ms)},
		}, []string{
			"reactor and channel kept up at every step, up to 4000 req/s, with success of at least 99.9%.",
			"thread-pool saturated at 198 req/s (its highest throughput) against a theoretical ceiling of 200 req/s (N=10 / 50ms), 99% of it; it kept up to 200 req/s and not at 400 req/s (success 49.5%).",
			"At 200 req/s, the highest load every model kept up with, corrected p99 ranged from 52.0 ms (reactor) to 60.0 ms (thread-pool).",
		}},
		{"never kept up", []modelSteps{{label: "callable", steps: []results.ClassSummary{step(100, 40, 0.4, time.Second)}}},
			[]string{"callable did not keep up at any step: at 100 req/s it achieved 40 req/s with success 40.0%."}},
		{"one model keeps up: no spread", []modelSteps{{label: "reactor", steps: keep(52 * ms)}},
			[]string{"reactor kept up at every step, up to 4000 req/s, with success of at least 99.9%."}},
		{"equal p99, full success", []modelSteps{
			{label: "reactor", steps: []results.ClassSummary{step(100, 100, 1, 50*ms)}},
			{label: "channel", steps: []results.ClassSummary{step(100, 100, 1, 50*ms)}},
		}, []string{
			"reactor and channel kept up at every step, up to 100 req/s, with success 100%.",
			"At 100 req/s, the highest load every model kept up with, corrected p99 was 50.0 ms for every model.",
		}},
		{"no steps", []modelSteps{{label: "reactor"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := sweepVerdict(tc.models)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestTimelineVerdict(t *testing.T) {
	a := step(100, 99, 0.995, 52*time.Millisecond)
	b := step(100, 80, 0.801, 5*time.Second)
	b.Errors = map[string]uint64{"timeout": 150, "status 502": 49}
	got := timelineVerdict([]cellResult{{label: "reactor", all: a}, {label: "thread-pool", all: b}})
	want := []string{
		"reactor: success 99.5%, corrected p99 52.0 ms, max 156 ms.",
		"thread-pool: success 80.1%, corrected p99 5 s, max 15 s, errors: timeout 150, status 502 49.",
		"Lowest corrected p99: reactor (52.0 ms); lowest success: thread-pool (80.1%).",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if timelineVerdict(nil) != nil {
		t.Error("verdict without cells")
	}
}

func TestIsolationVerdict(t *testing.T) {
	normal := step(200, 200, 1, 400*time.Millisecond)
	base := step(200, 200, 1, 50*time.Millisecond)
	slow := step(50, 50, 1, 3*time.Second)
	tests := []struct {
		name string
		in   []isolationResult
		want []string
	}{
		{"with baseline", []isolationResult{{label: "thread-pool(write=worker)", slowName: "slow-reader", normal: normal, slow: &slow, baseline: &base, baseWhere: "steady at 200 req/s"}},
			[]string{"Under thread-pool(write=worker), slow-reader clients took the normal clients' corrected p99 from 50.0 ms (normal clients only, steady at 200 req/s) to 400 ms (8.0x), success 100%; the slow-reader clients' own p99 was 3 s."}},
		{"without baseline", []isolationResult{{label: "reactor", slowName: "slowloris", normal: normal}},
			[]string{
				"Under reactor, normal clients beside slowloris clients had corrected p99 400 ms, success 100%.",
				"No cell of this run had the same models serving normal clients only at the same rate, so these numbers show the normal clients' latency with the slow population present, not how much it rose.",
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isolationVerdict(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestCapacityVerdict(t *testing.T) {
	sum := results.Summary{
		Cell:      results.Cell{Classes: []results.Class{{Name: "holders", Connections: 10000, ConnectionsOpened: 9990}}},
		Resources: results.Resources{PeakRSS: 120 << 20, BytesPerInFlight: 9216, PeakInFlight: 1000},
	}
	got := capacityVerdict([]cellResult{{label: "reactor", all: step(100, 100, 1, 60*time.Millisecond), sum: sum}})
	want := []string{"reactor: 9990 of 10000 connections opened, peak RSS 120.0 MiB, 9.0 KiB per in-flight request (peak 1000 in flight), success 100%, corrected p99 60.0 ms."}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{rate(198.4), "198 req/s"},
		{rate(2.25), "2.2 req/s"},
		{dur(0), "–"},
		{dur(1500 * time.Microsecond), "1.50 ms"},
		{dur(52 * time.Millisecond), "52.0 ms"},
		{dur(5 * time.Second), "5 s"},
		{dur(12345 * time.Millisecond), "12.3 s"},
		{mib(3 << 20), "3.0 MiB"},
		{errorsText(map[string]uint64{"eof": 1, "timeout": 5, "status 502": 5, "x": 0}), "status 502 5, timeout 5, eof 1"},
		{errorsText(nil), ""},
		{joinAnd([]string{"a", "b", "c"}), "a, b and c"},
		{cellText("a|b\nc"), "a\\|b c"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
