package plots

import (
	"math"
	"testing"
	"time"

	"gatewaylab/gateway"
	"gatewaylab/results"
	"gatewaylab/scenarios"
)

func TestKind(t *testing.T) {
	for _, tc := range []struct {
		sc   scenarios.Scenario
		want string
	}{
		{scenarios.Scenario{Kind: KindIsolation, Load: scenarios.Load{Kind: "steps"}}, KindIsolation},
		{scenarios.Scenario{Load: scenarios.Load{Kind: "steps"}}, KindSweep},
		{scenarios.Scenario{Load: scenarios.Load{Kind: "burst"}}, KindTimeline},
	} {
		if got := Kind(tc.sc); got != tc.want {
			t.Errorf("Kind(%+v) = %q, want %q", tc.sc, got, tc.want)
		}
	}
}

func TestThreadPoolCeiling(t *testing.T) {
	fixed := func(d time.Duration) scenarios.Upstream {
		return scenarios.Upstream{Delay: scenarios.Dist{Kind: "fixed", Value: scenarios.Duration(d)}}
	}
	tp := results.ModelRun{Name: "thread-pool", Knobs: gateway.Knobs{"workers": "10"}}
	tests := []struct {
		name string
		m    results.ModelRun
		sc   scenarios.Scenario
		rate float64 // 0: no theory
	}{
		{"N/delay", tp, scenarios.Scenario{Upstream: fixed(50 * time.Millisecond)}, 200},
		{"workers from traits", results.ModelRun{Name: "thread-pool", Traits: gateway.Traits{Slots: 4}}, scenarios.Scenario{Upstream: fixed(100 * time.Millisecond)}, 40},
		{"delay kind unset", tp, scenarios.Scenario{Upstream: scenarios.Upstream{Delay: scenarios.Dist{Value: scenarios.Duration(time.Second)}}}, 10},
		{"not a thread pool", results.ModelRun{Name: "reactor", Knobs: gateway.Knobs{"workers": "10"}}, scenarios.Scenario{Upstream: fixed(50 * time.Millisecond)}, 0},
		{"lognormal delay", tp, scenarios.Scenario{Upstream: scenarios.Upstream{Delay: scenarios.Dist{Kind: "lognormal", Median: scenarios.Duration(time.Millisecond)}}}, 0},
		{"fan-out", tp, scenarios.Scenario{Upstream: fixed(50 * time.Millisecond), Request: scenarios.Request{Fanout: 4}}, 0},
		{"class fan-out", tp, scenarios.Scenario{Upstream: fixed(50 * time.Millisecond),
			Clients: []scenarios.ClientClass{{Name: "a", Request: &scenarios.Request{Fanout: 2}}}}, 0},
		{"chunked body", tp, scenarios.Scenario{Upstream: scenarios.Upstream{Delay: fixed(50 * time.Millisecond).Delay, Chunks: 4, ChunkDelay: scenarios.Duration(time.Millisecond)}}, 0},
		{"no workers known", results.ModelRun{Name: "thread-pool"}, scenarios.Scenario{Upstream: fixed(50 * time.Millisecond)}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th, ok := ThreadPoolCeiling(tc.m, tc.sc)
			if ok != (tc.rate > 0) || math.Abs(th.Rate-tc.rate) > 1e-9 {
				t.Errorf("ceiling = %+v, %v; want rate %v", th, ok, tc.rate)
			}
		})
	}
	th, _ := ThreadPoolCeiling(tp, scenarios.Scenario{Upstream: fixed(50 * time.Millisecond)})
	if got := th.Text(); got != "N/delay = 10/50ms" {
		t.Errorf("Text() = %q", got)
	}
}

func TestBaseline(t *testing.T) {
	sc := func(name string, u scenarios.Upstream) scenarios.Scenario {
		return scenarios.Scenario{Name: name, Upstream: u}
	}
	other := scenarios.Upstream{Delay: scenarios.Dist{Kind: "fixed", Value: scenarios.Duration(time.Second)}}
	cls := func(name, behaviour string, offered float64, planned uint64) results.ClassSummary {
		return results.ClassSummary{Class: name, Behaviour: behaviour, Offered: offered, Planned: planned, Requests: planned}
	}
	iso := results.Summary{Cell: results.Cell{Scenario: "iso", Model: reModel}, Classes: []results.ClassSummary{
		cls("all", "", 50, 100), cls("normal", scenarios.Normal, 40, 80), cls("slow", scenarios.SlowReader, 10, 20)}}
	cand := func(scen string, m results.ModelRun, offered float64, extra ...results.ClassSummary) results.Summary {
		return results.Summary{Cell: results.Cell{Scenario: scen, Model: m, Step: scenarios.Cell{Step: 1}},
			Classes: append([]results.ClassSummary{cls("all", "", offered, 80), cls("normal", scenarios.Normal, offered, 80)}, extra...)}
	}
	scens := []scenarios.Scenario{sc("iso", delay50), sc("sweep", delay50), sc("slow-sweep", other)}
	tests := []struct {
		name  string
		cands []results.Summary
		found bool
	}{
		{"same model, rate and upstream", []results.Summary{cand("sweep", reModel, 40)}, true},
		{"rate within 5%", []results.Summary{cand("sweep", reModel, 41.5)}, true},
		{"rate 10% off", []results.Summary{cand("sweep", reModel, 44)}, false},
		{"other model", []results.Summary{cand("sweep", tpModel, 40)}, false},
		{"other upstream", []results.Summary{cand("slow-sweep", reModel, 40)}, false},
		{"slow clients in the candidate", []results.Summary{cand("sweep", reModel, 40, cls("slow", scenarios.SlowReader, 10, 20))}, false},
		{"idle slow class is normal-only", []results.Summary{cand("sweep", reModel, 40, cls("slow", scenarios.SlowReader, 0, 0))}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := &results.Run{Manifest: results.Manifest{Scenarios: scens}, Summaries: append([]results.Summary{iso}, tc.cands...)}
			_, where, ok := Baseline(run, iso)
			if ok != tc.found {
				t.Errorf("found = %v (%q), want %v", ok, where, tc.found)
			}
		})
	}
}

func TestProbePoints(t *testing.T) {
	smp := func(extra map[string]float64) results.Sample {
		return results.Sample{T: time.Second, Probes: gateway.Probes{InFlight: 3, Extra: extra}}
	}
	for _, tc := range []struct {
		name    string
		samples []results.Sample
		queue   string
		first   float64 // NaN: none
	}{
		{"thread pool", []results.Sample{smp(map[string]float64{"queue": 7, "workers": 10})}, "queue", 7},
		{"callable", []results.Sample{smp(nil), smp(map[string]float64{"pending": 2})}, "pending", math.NaN()},
		{"none", []results.Sample{smp(map[string]float64{"loops": 1})}, "", math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pts, name := ProbePoints(tc.samples)
			if name != tc.queue || len(pts) != len(tc.samples) || pts[0].InFlight != 3 {
				t.Fatalf("ProbePoints = %+v, %q", pts, name)
			}
			if math.IsNaN(tc.first) != math.IsNaN(pts[0].Queue) || !math.IsNaN(tc.first) && pts[0].Queue != tc.first {
				t.Errorf("first queue = %v, want %v", pts[0].Queue, tc.first)
			}
		})
	}
}
