package plots

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"

	"gatewaylab/results"
)

// drawn draws f on a recording canvas (fast: nothing is rasterised) and
// returns every string it wrote. Drawing is where gonum panics on bad
// ranges, so every builder test goes through it.
func drawn(t *testing.T, f *Figure) []string {
	t.Helper()
	rec := &recorder.Canvas{}
	if err := f.Draw(draw.NewCanvas(rec, f.Width, f.Height)); err != nil {
		t.Fatalf("Draw: %v", err)
	}
	var out []string
	for _, a := range rec.Actions {
		if s, ok := a.(*recorder.FillString); ok {
			out = append(out, s.String)
		}
	}
	return out
}

// checkAxes fails on an axis range that cannot be drawn.
func checkAxes(t *testing.T, f *Figure) {
	t.Helper()
	for _, row := range f.Panels {
		for _, p := range row {
			for name, a := range map[string]*plot.Axis{"x": &p.Plot.X, "y": &p.Plot.Y} {
				if math.IsNaN(a.Min) || math.IsNaN(a.Max) || math.IsInf(a.Min, 0) || math.IsInf(a.Max, 0) {
					t.Errorf("panel %q: %s axis range [%v, %v] not finite", p.Plot.Title.Text, name, a.Min, a.Max)
				}
				if isLog(a) && !(a.Min > 0 && a.Max > a.Min) {
					t.Errorf("panel %q: log %s axis range [%v, %v]", p.Plot.Title.Text, name, a.Min, a.Max)
				}
			}
		}
	}
}

func panels(f *Figure) []*Panel {
	var out []*Panel
	for _, row := range f.Panels {
		out = append(out, row...)
	}
	return out
}

func contains(t *testing.T, what string, list []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(list, w) {
			t.Errorf("%s: %q missing from %q", what, w, list)
		}
	}
}

func TestModelColorStableAndDistinct(t *testing.T) {
	fixed := []string{"net-http", "thread-pool", "reactor", "channel", "callable"}
	names := append(slices.Clone(fixed), "fasthttp", "gnet", "x", "thread-pool2")
	for _, n := range names {
		if ModelColor(n) != ModelColor(n) {
			t.Errorf("%s: colour changes between calls", n)
		}
		r, g, b, _ := ModelColor(n).RGBA()
		if r>>8 > 240 && g>>8 > 240 && b>>8 > 240 {
			t.Errorf("%s: colour %v is invisible on white", n, ModelColor(n))
		}
	}
	dist := func(a, b string) float64 {
		r1, g1, b1, _ := ModelColor(a).RGBA()
		r2, g2, b2, _ := ModelColor(b).RGBA()
		d := func(x, y uint32) float64 { return float64(x>>8) - float64(y>>8) }
		return math.Sqrt(d(r1, r2)*d(r1, r2) + d(g1, g2)*d(g1, g2) + d(b1, b2)*d(b1, b2))
	}
	for i, a := range names {
		for _, b := range names[i+1:] {
			if d := dist(a, b); d < 40 {
				t.Errorf("%s and %s: colours %v and %v too close (%.0f)", a, b, ModelColor(a), ModelColor(b), d)
			}
		}
	}
	for i, a := range fixed {
		for _, b := range fixed[i+1:] {
			if d := dist(a, b); d < 70 {
				t.Errorf("fixed colours of %s and %s too close (%.0f)", a, b, d)
			}
		}
	}
	// Fixed colours do not depend on the hash.
	if got := ModelColor("reactor"); got != rgb(0x0072B2) {
		t.Errorf("reactor = %v, want the fixed blue", got)
	}
}

func TestVariantsKeepHueChangeDash(t *testing.T) {
	a := Series{Model: "thread-pool", Label: "thread-pool"}
	b := Series{Model: "thread-pool", Label: "thread-pool(workers=20)", Dash: 1}
	if a.lineStyle().Color != b.lineStyle().Color {
		t.Error("variants of one model have different colours")
	}
	if len(a.lineStyle().Dashes) != 0 || len(b.lineStyle().Dashes) == 0 {
		t.Errorf("dashes: default %v, variant %v", a.lineStyle().Dashes, b.lineStyle().Dashes)
	}
}

func TestPercentileTicks(t *testing.T) {
	var labels []string
	for _, tk := range (percentileTicks{}).Ticks(1, 1e4) {
		labels = append(labels, tk.Label)
	}
	want := []string{"0%", "50%", "90%", "99%", "99.9%", "99.99%"}
	if !slices.Equal(labels, want) {
		t.Errorf("ticks = %q, want %q", labels, want)
	}
	for _, tc := range []struct {
		pct, x float64
	}{{0, 1}, {50, 2}, {90, 10}, {99, 100}, {99.9, 1000}} {
		if got := percentileX(tc.pct); math.Abs(got-tc.x)/tc.x > 1e-9 {
			t.Errorf("percentileX(%v) = %v, want %v", tc.pct, got, tc.x)
		}
	}
}

func TestLogTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		labels []string
	}{
		{1, 1000, []string{"1", "10", "100", "1000"}},
		{40, 300, []string{"50", "100", "200"}}, // under two decades: 1-2-5
		{0, 10, nil},                            // not drawable
		{5, 5, nil},
	} {
		var got []string
		for _, tk := range (logTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tc.labels) {
			t.Errorf("Ticks(%v, %v) labels = %q, want %q", tc.lo, tc.hi, got, tc.labels)
		}
	}
}

func TestLoadFigure(t *testing.T) {
	nan := math.NaN()
	many := LoadInput{Scenario: "many"}
	for i := range 12 {
		many.Curves = append(many.Curves, LoadCurve{Series: Series{Model: fmt.Sprintf("m%d", i)}, Steps: sweepSteps(0)})
	}
	tests := []struct {
		name      string
		in        LoadInput
		series    int // data plotters in the throughput panel (line+points per model)
		notes     int
		legend    []string
		wantNoDat bool
	}{
		{name: "full", in: testLoadInput(), series: 12, legend: []string{
			"keeps up (y = x)", "thread-pool", "thread-pool(workers=20)", "reactor",
			"thread-pool ceiling N/delay = 200 req/s", "upstream delay 50ms"}},
		{name: "one point", in: LoadInput{Scenario: "one", Curves: []LoadCurve{{Series: Series{Model: "reactor"},
			Steps: []LoadStep{{Offered: 100, Achieved: 100, Success: 1, P50: time.Millisecond, P99: time.Millisecond, P999: time.Millisecond}}}}},
			series: 2, legend: []string{"reactor"}},
		{name: "zero and NaN", in: LoadInput{Scenario: "zeros", Curves: []LoadCurve{{Series: Series{Model: "channel"}, Steps: []LoadStep{
			{Offered: 100, Achieved: 0, P50: 0, P99: 0, P999: 0},
			{Offered: nan, Achieved: 10},
			{Offered: 200, Achieved: nan, P50: time.Millisecond, P99: 2 * time.Millisecond, P999: -1},
		}}}}, series: 2, notes: 5},
		{name: "many models", in: many, series: 24},
		{name: "no data", in: LoadInput{Scenario: "empty", Curves: []LoadCurve{{Series: Series{Model: "x"}}}}, wantNoDat: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := LoadFigure(tc.in)
			if tc.wantNoDat {
				if !errors.Is(err, ErrNoData) {
					t.Fatalf("err = %v, want ErrNoData", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(f.Title, tc.in.Scenario+":") {
				t.Errorf("title %q does not state the scenario", f.Title)
			}
			ps := panels(f)
			if len(ps) != 4 {
				t.Fatalf("%d panels, want 4", len(ps))
			}
			tput := ps[0]
			if tput.Plot.X.Label.Text != "offered load (req/s)" || !strings.Contains(tput.Plot.Y.Label.Text, "(req/s)") {
				t.Errorf("throughput axes %q, %q lack units", tput.Plot.X.Label.Text, tput.Plot.Y.Label.Text)
			}
			if isLog(&tput.Plot.Y) {
				t.Error("throughput axis is log")
			}
			for _, p := range ps[1:] {
				if !isLog(&p.Plot.Y) || !strings.Contains(p.Plot.Y.Label.Text, "ms") {
					t.Errorf("latency panel %q: log %v, label %q", p.Plot.Title.Text, isLog(&p.Plot.Y), p.Plot.Y.Label.Text)
				}
			}
			if got := tput.Series(); got != tc.series {
				t.Errorf("throughput panel has %d data plotters, want %d", got, tc.series)
			}
			if len(f.Notes) != tc.notes {
				t.Errorf("notes = %q, want %d", f.Notes, tc.notes)
			}
			contains(t, "legend", f.Legend(), tc.legend...)
			checkAxes(t, f)
			drawn(t, f)
		})
	}
}

func TestLoadFigureTheory(t *testing.T) {
	f, err := LoadFigure(testLoadInput())
	if err != nil {
		t.Fatal(err)
	}
	ps := panels(f)
	// y = x, two horizontal ceilings on throughput; two vertical ceilings
	// and the floor on every latency panel.
	if ps[0].Refs != 3 {
		t.Errorf("throughput refs = %d, want 3", ps[0].Refs)
	}
	for _, p := range ps[1:] {
		if p.Refs != 3 {
			t.Errorf("%s refs = %d, want 3", p.Plot.Title.Text, p.Refs)
		}
		if p.Plot.Y.Min > 50 {
			t.Errorf("%s: floor 50 ms outside the axis [%v, %v]", p.Plot.Title.Text, p.Plot.Y.Min, p.Plot.Y.Max)
		}
	}
	if ps[0].Plot.Y.Max < 400 {
		t.Errorf("throughput axis max %v hides the 400 req/s ceiling", ps[0].Plot.Y.Max)
	}
}

func TestSpectrumFigure(t *testing.T) {
	tests := []struct {
		name   string
		lines  []SpectrumLine
		notes  int
		noData bool
	}{
		{name: "models", lines: []SpectrumLine{
			{Series: Series{Model: "reactor"}, Points: testQuantiles(50*time.Millisecond, 1)},
			{Series: Series{Model: "thread-pool"}, Points: testQuantiles(50*time.Millisecond, 10)},
		}},
		{name: "one point", lines: []SpectrumLine{{Series: Series{Model: "reactor"}, Points: []Quantile{{Percentile: 50, Latency: time.Millisecond}}}}},
		{name: "p100 zero and NaN", lines: []SpectrumLine{{Series: Series{Model: "reactor"}, Points: []Quantile{
			{Percentile: 100, Latency: time.Second}, {Percentile: 50, Latency: 0}, {Percentile: math.NaN(), Latency: 1},
			{Percentile: 99, Latency: time.Millisecond},
		}}}, notes: 1},
		{name: "nothing drawable", lines: []SpectrumLine{{Series: Series{Model: "reactor"}, Points: []Quantile{{Percentile: 100, Latency: 1}}}}, notes: 1, noData: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := SpectrumFigure(SpectrumInput{Scenario: "s", At: "at 100 req/s", Lines: tc.lines, Floor: time.Millisecond})
			if tc.noData {
				if !errors.Is(err, ErrNoData) {
					t.Fatalf("err = %v, want ErrNoData", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := f.Panels[0][0]
			if !isLog(&p.Plot.X) || !isLog(&p.Plot.Y) {
				t.Error("spectrum axes are not both log")
			}
			if _, ok := p.Plot.X.Tick.Marker.(percentileTicks); !ok {
				t.Error("x axis is not labelled in percentiles")
			}
			if p.Series() != len(tc.lines) {
				t.Errorf("%d lines, want %d", p.Series(), len(tc.lines))
			}
			if !strings.Contains(p.Plot.Title.Text, "at 100 req/s") {
				t.Errorf("title %q does not say which step", p.Plot.Title.Text)
			}
			if len(f.Notes) != tc.notes {
				t.Errorf("notes %q, want %d", f.Notes, tc.notes)
			}
			checkAxes(t, f)
			text := drawn(t, f)
			contains(t, "drawn text", text, "50%")
		})
	}
}

func TestTimelineFigure(t *testing.T) {
	in := testTimeline()
	f, err := TimelineFigure(in)
	if err != nil {
		t.Fatal(err)
	}
	ps := panels(f)
	if len(ps) != 5 {
		t.Fatalf("%d panels, want 5 (rate, p99, errors, in flight, queue)", len(ps))
	}
	if !isLog(&ps[1].Plot.Y) {
		t.Error("p99 panel is not log")
	}
	for _, p := range ps {
		if p.Plot.X.Min != ps[0].Plot.X.Min || p.Plot.X.Max != ps[0].Plot.X.Max {
			t.Errorf("panel %q time axis [%v, %v] not aligned", p.Plot.Title.Text, p.Plot.X.Min, p.Plot.X.Max)
		}
	}
	if ps[4].Series() != 2 {
		t.Errorf("queue panel has %d lines, want the two thread pools", ps[4].Series())
	}
	contains(t, "legend", f.Legend(), "offered", "reactor", "upstream hang 5–10 s")
	checkAxes(t, f)
	drawn(t, f)

	// Without queues, without p99 in some seconds.
	for i := range in.Models {
		in.Models[i].QueueName = ""
		in.Models[i].Seconds[3].P99 = 0
	}
	f, err = TimelineFigure(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(panels(f)) != 4 {
		t.Errorf("%d panels without queues, want 4", len(panels(f)))
	}
	if len(f.Notes) != len(in.Models) {
		t.Errorf("notes %q, want one per model", f.Notes)
	}
	drawn(t, f)

	if _, err := TimelineFigure(TimelineInput{Scenario: "x", Models: []TimelineModel{{Series: Series{Model: "a"}}}}); !errors.Is(err, ErrNoData) {
		t.Errorf("empty timeline: err = %v, want ErrNoData", err)
	}
}

func TestIsolationFigure(t *testing.T) {
	bars := func(without bool) []IsolationBar {
		var out []IsolationBar
		for i, m := range testModels {
			b := IsolationBar{Series: m, With: time.Duration(i+1) * 60 * time.Millisecond, Slow: 3 * time.Second}
			if without {
				b.Without = 52 * time.Millisecond
			}
			out = append(out, b)
		}
		return out
	}
	tests := []struct {
		name    string
		in      IsolationInput
		groups  int
		caption string
	}{
		{"with baseline", IsolationInput{Scenario: "slow", SlowClass: "slow-reader", WithoutSource: "steady 200 req/s", Bars: bars(true)}, 3, "when only normal clients ran (steady 200 req/s)"},
		{"without baseline", IsolationInput{Scenario: "slow", SlowClass: "slow-reader", Bars: bars(false)}, 2, "not a before/after"},
		{"one model, no slow requests", IsolationInput{Scenario: "loris", SlowClass: "slowloris",
			Bars: []IsolationBar{{Series: Series{Model: "reactor"}, With: time.Millisecond}}}, 1, "not a before/after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := IsolationFigure(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			p := f.Panels[0][0]
			if p.Series() != tc.groups || len(f.Legend()) != tc.groups {
				t.Errorf("%d bar groups, legend %q; want %d", p.Series(), f.Legend(), tc.groups)
			}
			if !strings.Contains(f.Caption, tc.caption) {
				t.Errorf("caption %q lacks %q", f.Caption, tc.caption)
			}
			if !strings.Contains(p.Plot.Title.Text, tc.in.Scenario) || !strings.Contains(p.Plot.Y.Label.Text, "(ms") {
				t.Errorf("title %q, y label %q", p.Plot.Title.Text, p.Plot.Y.Label.Text)
			}
			checkAxes(t, f)
			drawn(t, f)
		})
	}
	if _, err := IsolationFigure(IsolationInput{Scenario: "x", Bars: []IsolationBar{{Series: Series{Model: "a"}}}}); !errors.Is(err, ErrNoData) {
		t.Errorf("no values: err = %v, want ErrNoData", err)
	}
}

func TestResourcesFigure(t *testing.T) {
	bar := func(m string, r results.Resources) ResourceBar {
		return ResourceBar{Series: Series{Model: m}, Res: r}
	}
	tests := []struct {
		name   string
		bars   []ResourceBar
		panels int
		noData bool
	}{
		{"plain", []ResourceBar{bar("reactor", results.Resources{PeakRSS: 10 << 20, PeakThreads: 8, PeakGoroutines: 20, CPUPer1000: 0.2, Samples: 5})}, 4, false},
		{"capacity", []ResourceBar{
			bar("reactor", results.Resources{PeakRSS: 10 << 20, PeakInFlight: 10000, BytesPerInFlight: 2048, Samples: 5}),
			bar("net-http", results.Resources{PeakRSS: 90 << 20, PeakGoroutines: 20000, PeakThreads: 9, Samples: 5}),
		}, 6, false},
		{"not sampled", []ResourceBar{bar("reactor", results.Resources{})}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ResourcesFigure(ResourcesInput{Scenario: "c10k", Bars: tc.bars})
			if tc.noData {
				if !errors.Is(err, ErrNoData) {
					t.Fatalf("err = %v, want ErrNoData", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(panels(f)); got != tc.panels {
				t.Errorf("%d panels, want %d", got, tc.panels)
			}
			for _, p := range panels(f) {
				if p.Plot.Y.Label.Text == "" {
					t.Errorf("panel %q has no unit", p.Plot.Title.Text)
				}
			}
			checkAxes(t, f)
			drawn(t, f)
		})
	}
}

func TestGrades(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		row    []OverviewCell
		rel    []float64 // NaN: no ratio
		failed []bool
	}{
		{"best is 1", []OverviewCell{{true, 10 * ms, 1}, {true, 30 * ms, 1}}, []float64{1, 3}, []bool{false, false}},
		{"failed is not best", []OverviewCell{{true, 1 * ms, 0.5}, {true, 20 * ms, 0.995}}, []float64{math.NaN(), 1}, []bool{true, false}},
		{"not run", []OverviewCell{{}, {true, 5 * ms, 1}}, []float64{math.NaN(), 1}, []bool{false, false}},
		{"all failed", []OverviewCell{{true, 5 * ms, 0.1}, {true, 6 * ms, 0.98}}, []float64{math.NaN(), math.NaN()}, []bool{true, true}},
		{"no p99", []OverviewCell{{true, 0, 1}}, []float64{math.NaN()}, []bool{false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := Grades(tc.row)
			for i := range g {
				if g[i].Failed != tc.failed[i] {
					t.Errorf("cell %d failed = %v", i, g[i].Failed)
				}
				if math.IsNaN(tc.rel[i]) != math.IsNaN(g[i].Rel) || !math.IsNaN(tc.rel[i]) && math.Abs(g[i].Rel-tc.rel[i]) > 1e-9 {
					t.Errorf("cell %d rel = %v, want %v", i, g[i].Rel, tc.rel[i])
				}
			}
		})
	}
	if gradeColor(Grade{Measured: true, Failed: true}) != rgb(gradeFailed) {
		t.Error("failed cell is not red")
	}
	if gradeColor(Grade{Measured: true, Rel: 1}) != rgb(gradeBest) || gradeColor(Grade{Measured: true, Rel: 100}) != rgb(gradeWorst) {
		t.Error("scale ends are not green and orange")
	}
}

func TestFormatPercent(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{{1, "100%"}, {0.9996, "99.9%"}, {0.5, "50.0%"}, {0, "0.0%"}, {math.NaN(), "n/a"}} {
		if got := FormatPercent(tc.in); got != tc.want {
			t.Errorf("FormatPercent(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestOverviewFigure(t *testing.T) {
	in := OverviewInput{
		Rows: []string{"sweep @ 800 req/s", "outage"},
		Cols: testModels[:3],
		Cells: [][]OverviewCell{
			{{true, 50 * time.Millisecond, 1}, {true, 5 * time.Second, 0.25}, {}},
			{{true, 60 * time.Millisecond, 1}, {true, 70 * time.Millisecond, 1}, {true, 80 * time.Millisecond, 1}},
		},
	}
	f, err := OverviewFigure(in)
	if err != nil {
		t.Fatal(err)
	}
	text := drawn(t, f)
	contains(t, "drawn text", text, "sweep @ 800 req/s", "outage", "net-http", "p99 50.0 ms", "100% ok", "p99 5 s", "25.0% ok", "not run")
	if f.Caption == "" {
		t.Error("no caption")
	}
	for _, bad := range []OverviewInput{
		{},
		{Rows: []string{"a"}, Cols: testModels[:1], Cells: [][]OverviewCell{{{}}}},
	} {
		if _, err := OverviewFigure(bad); !errors.Is(err, ErrNoData) {
			t.Errorf("OverviewFigure(%v): err = %v, want ErrNoData", bad, err)
		}
	}
	if _, err := OverviewFigure(OverviewInput{Rows: []string{"a"}, Cols: testModels[:2], Cells: [][]OverviewCell{{{}}}}); err == nil {
		t.Error("ragged grid accepted")
	}
}

func TestWritePNGAndSVG(t *testing.T) {
	f, err := LoadFigure(testLoadInput())
	if err != nil {
		t.Fatal(err)
	}
	f.DPI = testDPI
	var pngBuf, svgBuf bytes.Buffer
	if err := f.WritePNG(&pngBuf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&pngBuf)
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != int(float64(f.Width/vg.Inch)*testDPI+0.5) {
		t.Errorf("png width %d px, want %v in at %d dpi", w, float64(f.Width/vg.Inch), testDPI)
	}
	if err := f.WriteSVG(&svgBuf); err != nil {
		t.Fatal(err)
	}
	svg := svgBuf.String()
	for _, want := range []string{"<svg", "@font-face", "font-family:\"Liberation Sans\"", "data:font/ttf;charset=utf-8;base64,", "slow-upstream: throughput"} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	if (&Figure{Title: "empty", Width: vg.Inch, Height: vg.Inch}).WritePNG(&pngBuf) == nil {
		t.Error("figure without panels rendered")
	}
}

// TestManyModels draws every builder with a dozen models, knob variants
// included: nothing may crash and every model must be in the legend.
func TestManyModels(t *testing.T) {
	var models []Series
	for i := range 12 {
		name := []string{"net-http", "thread-pool", "reactor", "channel", "callable", fmt.Sprintf("other%d", i)}[i%6]
		models = append(models, Series{Model: name, Label: fmt.Sprintf("%s(k=%d)", name, i), Dash: i / 6, Glyph: i / 6})
	}
	load := LoadInput{Scenario: "s"}
	spec := SpectrumInput{Scenario: "s"}
	tl := TimelineInput{Scenario: "s"}
	iso := IsolationInput{Scenario: "s"}
	res := ResourcesInput{Scenario: "s"}
	ov := OverviewInput{Rows: []string{"s"}, Cols: models, Cells: [][]OverviewCell{make([]OverviewCell, len(models))}}
	for i, m := range models {
		load.Curves = append(load.Curves, LoadCurve{Series: m, Steps: sweepSteps(float64(100 * i))})
		spec.Lines = append(spec.Lines, SpectrumLine{Series: m, Points: testQuantiles(time.Millisecond, float64(i))})
		tl.Models = append(tl.Models, TimelineModel{Series: m, Seconds: []results.Second{{T: 0, Offered: 1, Achieved: 1, P99: time.Millisecond}}})
		iso.Bars = append(iso.Bars, IsolationBar{Series: m, With: time.Duration(i+1) * time.Millisecond})
		res.Bars = append(res.Bars, ResourceBar{Series: m, Res: results.Resources{PeakRSS: 1 << 20, Samples: 1}})
		ov.Cells[0][i] = OverviewCell{Measured: true, P99: time.Duration(i+1) * time.Millisecond, Success: 1}
	}
	builders := map[string]func() (*Figure, error){
		"load":      func() (*Figure, error) { return LoadFigure(load) },
		"spectrum":  func() (*Figure, error) { return SpectrumFigure(spec) },
		"timeline":  func() (*Figure, error) { return TimelineFigure(tl) },
		"isolation": func() (*Figure, error) { return IsolationFigure(iso) },
		"resources": func() (*Figure, error) { return ResourcesFigure(res) },
		"overview":  func() (*Figure, error) { return OverviewFigure(ov) },
	}
	for name, build := range builders {
		t.Run(name, func(t *testing.T) {
			f, err := build()
			if err != nil {
				t.Fatal(err)
			}
			checkAxes(t, f)
			text := strings.Join(drawn(t, f), "\n")
			// Legends or axis labels name every model (long labels may
			// be broken over lines).
			if name == "load" || name == "spectrum" || name == "timeline" {
				for _, m := range models {
					if !strings.Contains(text, m.Label) {
						t.Errorf("%s missing from the drawn text", m.Label)
					}
				}
			}
		})
	}
}
