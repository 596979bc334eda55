package plots

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// LoadStep is one step of a sweep for one model.
type LoadStep struct {
	Offered  float64 // planned req/s
	Achieved float64 // successes per second
	Success  float64 // successes / planned, 0..1
	// Corrected (intended-time) latency percentiles.
	P50, P99, P999 time.Duration
}

// LoadCurve is one model's steps.
type LoadCurve struct {
	Series
	Steps []LoadStep
}

// Ceiling is a theoretical throughput ceiling of one model, such as the
// thread pool's N/delay.
type Ceiling struct {
	Series
	Rate float64 // req/s
	// Text explains it in the legend, e.g. "N/delay = 10/50ms".
	Text string
}

// LoadInput is the data of a load-curves figure.
type LoadInput struct {
	// Scenario names the figure; Subtitle is added to the title.
	Scenario string
	Subtitle string
	Curves   []LoadCurve
	Ceilings []Ceiling
	// Floor is the upstream's fixed delay, the least latency possible;
	// 0 draws none.
	Floor time.Duration
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// usable reports whether v can be drawn on an axis (log: positive).
func usable(v float64, log bool) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	return !log || v > 0
}

// LoadFigure draws, for a sweep, achieved throughput against offered rate
// (with the y = x line and theoretical ceilings) and corrected p50, p99
// and p99.9 against offered rate on log axes (with the latency floor), one
// line per model.
func LoadFigure(in LoadInput) (*Figure, error) {
	title := in.Scenario + ": throughput and corrected latency vs offered load"
	if in.Subtitle != "" {
		title += " " + in.Subtitle
	}
	f := &Figure{
		Title:  title,
		Width:  11 * vg.Inch,
		Height: 8 * vg.Inch,
		Caption: "Left top: successful responses per second against the planned rate; on the dotted " +
			"diagonal a model keeps up. Other panels: latency from each request's intended send time " +
			"(coordinated omission corrected), log scale.",
	}
	const xlabel = "offered load (req/s)"
	tput := newPanel("achieved throughput", xlabel, "successful responses (req/s)")
	lat := [3]*Panel{
		newPanel("p50 latency (corrected)", xlabel, "p50 (ms, log)"),
		newPanel("p99 latency (corrected)", xlabel, "p99 (ms, log)"),
		newPanel("p99.9 latency (corrected)", xlabel, "p99.9 (ms, log)"),
	}
	for _, p := range lat {
		setLog(&p.Plot.Y)
	}
	// Models are named once, in the throughput panel's legend; the
	// latency panels use the same colours.
	f.Panels = [][]*Panel{{tput, lat[0]}, {lat[1], lat[2]}}

	tput.addRef("keeps up (y = x)", diagonal{style: refStyle(nil, vg.Points(2), vg.Points(2))})
	points := 0
	for _, c := range in.Curves {
		steps := slices.Clone(c.Steps)
		slices.SortFunc(steps, func(a, b LoadStep) int { return cmp.Compare(a.Offered, b.Offered) })
		var xy plotter.XYs
		var lxy [3]plotter.XYs
		var dropped [3]int
		for _, s := range steps {
			if !usable(s.Offered, false) {
				f.Notes = append(f.Notes, fmt.Sprintf("%s: a step without an offered rate left out", c.label()))
				continue
			}
			if usable(s.Achieved, false) {
				xy = append(xy, plotter.XY{X: s.Offered, Y: s.Achieved})
			} else {
				f.Notes = append(f.Notes, fmt.Sprintf("%s: no throughput at %.0f req/s, left out", c.label(), s.Offered))
			}
			for i, d := range []time.Duration{s.P50, s.P99, s.P999} {
				if usable(ms(d), true) {
					lxy[i] = append(lxy[i], plotter.XY{X: s.Offered, Y: ms(d)})
				} else {
					dropped[i]++
				}
			}
		}
		for i, n := range dropped {
			if n > 0 {
				f.Notes = append(f.Notes, fmt.Sprintf("%s: %d step(s) without %s latency (zero or missing) left out of the log axis",
					c.label(), n, []string{"p50", "p99", "p99.9"}[i]))
			}
		}
		if len(xy) > 0 {
			l, sc, err := xyLine(c.Series, xy)
			if err != nil {
				return nil, err
			}
			tput.add(c.label(), l, l, sc)
			tput.add("", sc)
			points += len(xy)
		}
		for i, pts := range lxy {
			if len(pts) == 0 {
				continue
			}
			l, sc, err := xyLine(c.Series, pts)
			if err != nil {
				return nil, err
			}
			lat[i].add("", l)
			lat[i].add("", sc)
			points += len(pts)
		}
	}
	if points == 0 {
		return nil, fmt.Errorf("%w: %s: no step with data", ErrNoData, in.Scenario)
	}
	for _, c := range in.Ceilings {
		if !usable(c.Rate, true) {
			continue
		}
		st := refStyle(ModelColor(c.Model), vg.Points(1), vg.Points(2.5))
		text := fmt.Sprintf("%s ceiling %s = %s req/s", c.label(), c.Text, formatTick(c.Rate))
		tput.addRef(text, refLine{v: c.Rate, style: st})
		for _, p := range lat {
			p.addRef("", refLine{vertical: true, v: c.Rate, style: st})
		}
	}
	if in.Floor > 0 {
		for i, p := range lat {
			label := ""
			if i == 0 {
				label = "upstream delay " + in.Floor.String()
			}
			p.addRef(label, refLine{v: ms(in.Floor), style: refStyle(nil, vg.Points(4), vg.Points(2))})
		}
	}
	fixLinRange(&tput.Plot.X)
	fixLinRange(&tput.Plot.Y)
	for _, p := range lat {
		fixLinRange(&p.Plot.X)
	}
	f.finish()
	return f, nil
}
