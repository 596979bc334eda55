package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"

	"gatewaylab/results"
)

// ResourceBar is one model's resource use in one cell.
type ResourceBar struct {
	Series
	Res results.Resources
}

// ResourcesInput is the data of a resources figure.
type ResourcesInput struct {
	Scenario string
	// At says which cell, e.g. "at 4000 req/s (highest step)".
	At   string
	Bars []ResourceBar
}

// ResourcesFigure draws the gateway process's peak RSS, peak threads and
// goroutines, CPU seconds per 1000 successful requests and peak open
// files per model; where a cell measured memory per in-flight request
// (capacity), also peak in-flight requests and bytes per in-flight
// request.
func ResourcesFigure(in ResourcesInput) (*Figure, error) {
	title := in.Scenario + ": resources of the gateway process"
	if in.At != "" {
		title += " " + in.At
	}
	if len(in.Bars) == 0 {
		return nil, fmt.Errorf("%w: %s: no model", ErrNoData, in.Scenario)
	}
	n := len(in.Bars)
	names := make([]string, n)
	fills := make([]color.Color, n)
	light := make([]color.Color, n)
	col := func(get func(results.Resources) float64) []float64 {
		v := make([]float64, n)
		for i, b := range in.Bars {
			v[i] = get(b.Res)
		}
		return v
	}
	measured := false
	capacity := false
	for i, b := range in.Bars {
		names[i] = b.label()
		fills[i] = ModelColor(b.Model)
		light[i] = tint(fills[i], 0.6)
		measured = measured || b.Res.Samples > 0 || b.Res.PeakRSS > 0 || b.Res.CPUSeconds > 0
		capacity = capacity || b.Res.BytesPerInFlight > 0
	}
	if !measured {
		return nil, fmt.Errorf("%w: %s: no resource samples", ErrNoData, in.Scenario)
	}
	font := textStyle(7.5)
	type spec struct {
		title, ylabel string
		vals          [][]float64
		legend        []string
		format        func(float64) string
	}
	specs := []spec{
		{"peak resident memory", "MiB", [][]float64{col(func(r results.Resources) float64 { return float64(r.PeakRSS) / (1 << 20) })}, nil,
			func(v float64) string { return fmt.Sprintf("%.1f", v) }},
		{"peak OS threads and goroutines", "count", [][]float64{
			col(func(r results.Resources) float64 { return float64(r.PeakThreads) }),
			col(func(r results.Resources) float64 { return float64(r.PeakGoroutines) }),
		}, []string{"threads", "goroutines"}, func(v float64) string { return fmt.Sprintf("%.0f", v) }},
		{"CPU per 1000 successful requests", "CPU seconds", [][]float64{col(func(r results.Resources) float64 { return r.CPUPer1000 })}, nil,
			func(v float64) string { return fmt.Sprintf("%.3g", v) }},
		{"peak open file descriptors", "count", [][]float64{col(func(r results.Resources) float64 { return float64(r.PeakFDs) })}, nil,
			func(v float64) string { return fmt.Sprintf("%.0f", v) }},
	}
	if capacity {
		specs = append(specs,
			spec{"peak requests in flight", "requests", [][]float64{col(func(r results.Resources) float64 { return float64(r.PeakInFlight) })}, nil,
				func(v float64) string { return fmt.Sprintf("%.0f", v) }},
			spec{"memory per in-flight request", "KiB", [][]float64{col(func(r results.Resources) float64 { return r.BytesPerInFlight / 1024 })}, nil,
				func(v float64) string { return fmt.Sprintf("%.1f", v) }},
		)
	}
	var panels []*Panel
	for _, s := range specs {
		p := newPanel(s.title, "", s.ylabel)
		if positiveRatio(s.vals...) > 50 {
			setLog(&p.Plot.Y)
			p.Plot.Y.Label.Text = s.ylabel + ", log"
		}
		width := 0.8 / float64(len(s.vals))
		for k, v := range s.vals {
			labels := make([]string, n)
			for i, x := range v {
				if usable(x, isLog(&p.Plot.Y)) {
					labels[i] = s.format(x)
				}
			}
			fl := fills
			if k > 0 {
				fl = light
			}
			b := &bars{vals: v, offset: (float64(k) - float64(len(s.vals)-1)/2) * width, width: width * 0.9,
				fills: fl, labels: labels, font: font}
			legend := ""
			var th swatch
			if s.legend != nil {
				legend = s.legend[k]
				th = swatch{fill: rgb(0x606060)}
				if k > 0 {
					th.fill = tint(th.fill, 0.6)
				}
			}
			if legend != "" {
				p.add(legend, b, th)
			} else {
				p.add("", b)
			}
		}
		nominalX(p.Plot, names)
		fixLinRange(&p.Plot.Y)
		panels = append(panels, p)
	}
	f := &Figure{
		Title:  title,
		Width:  11 * vg.Inch,
		Height: vg.Length(math.Ceil(float64(len(panels))/2))*3.2*vg.Inch + 0.6*vg.Inch,
		Caption: "Measured on the gateway process only (the load generator and upstream are separate processes). " +
			"Peaks are the highest sample over the measured cell.",
	}
	for i := 0; i < len(panels); i += 2 {
		f.Panels = append(f.Panels, []*Panel{panels[i], panels[i+1]})
	}
	f.finish()
	for _, p := range panels {
		headroom(&p.Plot.Y)
	}
	return f, nil
}
