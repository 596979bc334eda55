package plots

import (
	"math"
	"time"

	"gatewaylab/results"
)

// Synthetic data shaped like a real sweep: a thread pool that saturates at
// N/delay and event-driven models that keep up.

var testModels = []Series{
	{Model: "net-http", Label: "net-http"},
	{Model: "thread-pool", Label: "thread-pool"},
	{Model: "thread-pool", Label: "thread-pool(workers=20)", Dash: 1, Glyph: 1},
	{Model: "reactor", Label: "reactor"},
	{Model: "channel", Label: "channel"},
	{Model: "callable", Label: "callable"},
}

func testRates() []float64 { return []float64{100, 200, 400, 800} }

// sweepSteps models a gateway with ceiling (0 = none) behind a 50 ms
// upstream.
func sweepSteps(ceiling float64) []LoadStep {
	var out []LoadStep
	for _, r := range testRates() {
		s := LoadStep{Offered: r, Achieved: r, Success: 1, P50: 51 * time.Millisecond, P99: 55 * time.Millisecond, P999: 60 * time.Millisecond}
		if ceiling > 0 && r > ceiling {
			s.Achieved = ceiling * 0.99
			s.Success = ceiling / r
			s.P50, s.P99, s.P999 = 2*time.Second, 5*time.Second, 5*time.Second
		}
		out = append(out, s)
	}
	return out
}

func testLoadInput() LoadInput {
	in := LoadInput{Scenario: "slow-upstream", Floor: 50 * time.Millisecond}
	for _, m := range testModels {
		ceiling := 0.0
		switch m.Label {
		case "thread-pool":
			ceiling = 200
		case "thread-pool(workers=20)":
			ceiling = 400
		}
		in.Curves = append(in.Curves, LoadCurve{Series: m, Steps: sweepSteps(ceiling)})
		if ceiling > 0 {
			in.Ceilings = append(in.Ceilings, Ceiling{Series: m, Rate: ceiling, Text: "N/delay"})
		}
	}
	return in
}

func testQuantiles(base time.Duration, tail float64) []Quantile {
	var out []Quantile
	for k := 0; k <= 40; k++ {
		x := math.Pow(10, float64(k)/10)
		p := 100 * (1 - 1/x)
		out = append(out, Quantile{Percentile: p, Latency: base + time.Duration(float64(base)*tail*float64(k)/40)})
	}
	return out
}

func testTimeline() TimelineInput {
	in := TimelineInput{Scenario: "outage", Floor: 50 * time.Millisecond,
		Events: []Event{{Label: "upstream hang", From: 5 * time.Second, To: 10 * time.Second}}}
	for i, m := range testModels[:4] {
		tm := TimelineModel{Series: m}
		for s := 0; s < 20; s++ {
			sec := results.Second{T: time.Duration(s) * time.Second, Offered: 100, Sent: 100, Achieved: 100, P99: 55 * time.Millisecond}
			if s >= 5 && s < 10 {
				sec.Achieved, sec.Errors, sec.P99 = 0, 100, 10*time.Second
			}
			tm.Seconds = append(tm.Seconds, sec)
			q := math.NaN()
			if m.Model == "thread-pool" {
				tm.QueueName = "queue"
				q = float64(s * i)
			}
			tm.Probes = append(tm.Probes, ProbePoint{T: time.Duration(s) * time.Second, InFlight: float64(5 + s), Queue: q})
		}
		in.Models = append(in.Models, tm)
	}
	return in
}
