package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"gatewaylab/results"
)

// ProbePoint is one sample of a model's live probes.
type ProbePoint struct {
	T        time.Duration // since the cell's start
	InFlight float64
	// Queue is the model's own queue probe (QueueName of its
	// TimelineModel); NaN when the sample has none.
	Queue float64
}

// TimelineModel is one model's cell of a timeline scenario.
type TimelineModel struct {
	Series
	Seconds []results.Second
	Probes  []ProbePoint
	// QueueName says what Probes' Queue is: "queue" (requests waiting for
	// a worker), "pending" (callables not yet resolved); empty for none.
	QueueName string
}

// Event is something the scenario does on purpose (a burst, an outage),
// drawn as two vertical lines.
type Event struct {
	Label    string
	From, To time.Duration
}

// TimelineInput is the data of a timeline figure.
type TimelineInput struct {
	Scenario string
	Models   []TimelineModel
	Events   []Event
	// Floor is the upstream's fixed delay; 0 draws none.
	Floor time.Duration
}

// TimelineFigure draws aligned panels over the cell's time: offered and
// achieved rate, corrected p99 per second, errors per second, requests in
// flight, and the models' own queues where they report one.
func TimelineFigure(in TimelineInput) (*Figure, error) {
	title := in.Scenario + ": timeline, one line per model"
	rate := newPanel("request rate: offered (dashed black) and achieved", "", "req/s")
	p99 := newPanel("corrected p99 of the requests intended in each second", "", "p99 (ms, log)")
	setLog(&p99.Plot.Y)
	errs := newPanel("failed requests per second", "", "errors/s")
	inflight := newPanel("requests in flight in the gateway (probe)", "", "requests")
	queue := newPanel("the model's own queue (probe)", "", "entries")
	f := &Figure{
		Title: title,
		Width: 10 * vg.Inch,
		Caption: "Offered is the schedule's rate; achieved counts successes completing in each second. " +
			"p99 is per second of intended send time, so a stall shows in the second the requests were meant to go.",
	}

	offeredDrawn := false
	points := 0
	var queues int
	for _, m := range in.Models {
		var off, ach, lat, er plotter.XYs
		dropped := 0
		for _, s := range m.Seconds {
			x := s.T.Seconds()
			if !usable(x, false) {
				continue
			}
			if usable(s.Offered, false) {
				off = append(off, plotter.XY{X: x, Y: s.Offered})
			}
			if usable(s.Achieved, false) {
				ach = append(ach, plotter.XY{X: x, Y: s.Achieved})
			}
			if usable(s.Errors, false) {
				er = append(er, plotter.XY{X: x, Y: s.Errors})
			}
			if usable(ms(s.P99), true) {
				lat = append(lat, plotter.XY{X: x, Y: ms(s.P99)})
			} else if s.Offered > 0 {
				dropped++
			}
		}
		if dropped > 0 {
			f.Notes = append(f.Notes, fmt.Sprintf("%s: %d second(s) without a p99 left out of the log axis", m.label(), dropped))
		}
		if !offeredDrawn && len(off) > 0 {
			l, err := stepLine(off)
			if err != nil {
				return nil, fmt.Errorf("plots: offered: %w", err)
			}
			l.LineStyle = refStyle(color.Black, vg.Points(3), vg.Points(2))
			l.LineStyle.Width = vg.Points(1.2)
			rate.addRef("offered", l)
			offeredDrawn = true
		}
		var in, q plotter.XYs
		for _, pr := range m.Probes {
			x := pr.T.Seconds()
			if pr.T < 0 || !usable(x, false) {
				continue // warm-up
			}
			if usable(pr.InFlight, false) {
				in = append(in, plotter.XY{X: x, Y: pr.InFlight})
			}
			if m.QueueName != "" && usable(pr.Queue, false) {
				q = append(q, plotter.XY{X: x, Y: pr.Queue})
			}
		}
		for _, d := range []struct {
			p         *Panel
			xy        plotter.XYs
			label     string
			perSecond bool
		}{
			{rate, ach, m.label(), true},
			{p99, lat, "", true},
			{errs, er, "", true},
			{inflight, in, "", false},
			{queue, q, "", false},
		} {
			if len(d.xy) == 0 {
				continue
			}
			var l *plotter.Line
			var err error
			if d.perSecond {
				l, err = stepLine(d.xy)
			} else {
				l, err = plotter.NewLine(d.xy)
			}
			if err != nil {
				return nil, fmt.Errorf("plots: %s: %w", m.label(), err)
			}
			l.LineStyle = m.lineStyle()
			d.p.add(d.label, l)
			points += len(d.xy)
			if d.p == queue {
				queues++
			}
		}
	}
	if points == 0 {
		return nil, fmt.Errorf("%w: %s: no timeline", ErrNoData, in.Scenario)
	}
	panels := []*Panel{rate, p99, errs, inflight}
	if queues > 0 {
		var what []string
		for _, m := range in.Models {
			if w := m.QueueName + " (" + m.Model + ")"; m.QueueName != "" && !slices.Contains(what, w) {
				what = append(what, w)
			}
		}
		queue.Plot.Title.Text = "the model's own queue (probe): " + strings.Join(what, ", ")
		panels = append(panels, queue)
	}
	for i, ev := range in.Events {
		st := refStyle(color.RGBA{R: 150, G: 30, B: 30, A: 255}, vg.Points(1), vg.Points(3))
		st.Dashes = dashPattern(2 + i)
		for j, p := range panels {
			label := ""
			if j == 0 {
				label = fmt.Sprintf("%s %g–%g s", ev.Label, ev.From.Seconds(), ev.To.Seconds())
			}
			p.addRef(label, refLine{vertical: true, v: ev.From.Seconds(), style: st})
			p.addRef("", refLine{vertical: true, v: ev.To.Seconds(), style: st})
		}
	}
	if in.Floor > 0 {
		p99.addRef("upstream delay "+in.Floor.String(), refLine{v: ms(in.Floor), style: refStyle(nil, vg.Points(4), vg.Points(2))})
	}
	// One time axis for all: the same range, labelled at the bottom.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range panels {
		lo, hi = math.Min(lo, p.Plot.X.Min), math.Max(hi, p.Plot.X.Max)
	}
	for _, p := range panels {
		p.Plot.X.Min, p.Plot.X.Max = lo, hi
		fixLinRange(&p.Plot.X)
		fixLinRange(&p.Plot.Y)
		f.Panels = append(f.Panels, []*Panel{p})
	}
	panels[len(panels)-1].Plot.X.Label.Text = "time since the cell's start (s)"
	f.Height = vg.Length(len(panels))*2.1*vg.Inch + 0.6*vg.Inch
	f.finish()
	return f, nil
}

// stepLine draws per-second values as steps: each value holds over its
// second [T, T+1s), closed after the last.
func stepLine(xy plotter.XYs) (*plotter.Line, error) {
	xy = append(slices.Clone(xy), plotter.XY{X: xy[len(xy)-1].X + 1, Y: xy[len(xy)-1].Y})
	l, err := plotter.NewLine(xy)
	if err != nil {
		return nil, err
	}
	l.StepStyle = plotter.PostStep
	return l, nil
}
