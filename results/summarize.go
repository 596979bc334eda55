package results

import (
	"fmt"
	"math"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range and precision: 1 µs to 5 min, 3 significant digits.
// Values are recorded in microseconds.
const (
	HistMin    = 1
	HistMax    = int64(5 * time.Minute / time.Microsecond)
	HistDigits = 3
)

// AllClasses is the class name of the fold over every class of a cell.
const AllClasses = "all"

// behindLag is the lag p99 above which the generator counts as behind.
const behindLag = 10 * time.Millisecond

// behindSent is the share of planned hits below which a scheduled class
// counts as behind.
const behindSent = 0.99

// NewHistogram is an empty latency histogram with this package's range and
// precision (values in microseconds).
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(HistMin, HistMax, HistDigits)
}

// recordDuration records d in microseconds, clamped to the histogram's
// range so that no value is lost.
func recordDuration(h *hdrhistogram.Histogram, d time.Duration) {
	us := d.Microseconds()
	us = max(us, HistMin)
	us = min(us, HistMax)
	h.RecordValue(us) // cannot fail: us is within range
}

// dist folds durations: percentiles from an HDR histogram, exact max and
// mean.
type dist struct {
	h   *hdrhistogram.Histogram
	n   int64
	sum float64 // ns
	max time.Duration
}

func newDist() dist { return dist{h: NewHistogram()} }

func (d *dist) add(v time.Duration) {
	recordDuration(d.h, v)
	d.n++
	d.sum += float64(v)
	d.max = max(d.max, v)
}

func (d *dist) merge(o dist) {
	d.h.Merge(o.h)
	d.n += o.n
	d.sum += o.sum
	d.max = max(d.max, o.max)
}

// at is the p-th percentile (0..100), never above the exact max.
func (d *dist) at(p float64) time.Duration {
	if d.n == 0 {
		return 0
	}
	v := time.Duration(d.h.ValueAtPercentile(p)) * time.Microsecond
	return min(v, d.max)
}

func (d *dist) percentiles() Percentiles {
	if d.n == 0 {
		return Percentiles{}
	}
	return Percentiles{
		P50:  d.at(50),
		P90:  d.at(90),
		P99:  d.at(99),
		P999: d.at(99.9),
		Max:  d.max,
		Mean: time.Duration(d.sum / float64(d.n)),
	}
}

// classFold is the running fold of one class's results.
type classFold struct {
	lat, cor, lag       dist
	requests, successes uint64
	errors              map[string]uint64
	bytesIn, bytesOut   uint64
	first, last         time.Time // first send, last end
	firstOK, lastOK     time.Time // first and last end of a success
	origin              time.Time // the cell's start
	ends                dist      // when successes ended, since origin
}

func newClassFold(origin time.Time) *classFold {
	return &classFold{lat: newDist(), cor: newDist(), lag: newDist(), ends: newDist(), origin: origin, errors: map[string]uint64{}}
}

func (f *classFold) add(h hit) {
	f.requests++
	f.lat.add(h.Latency)
	f.cor.add(h.corrected())
	f.lag.add(h.lag())
	f.bytesIn += h.BytesIn
	f.bytesOut += h.BytesOut
	if h.ok() {
		f.successes++
		end := h.End()
		f.ends.add(max(end.Sub(f.origin), 0))
		if end.After(f.lastOK) {
			f.lastOK = end
		}
		if f.firstOK.IsZero() || end.Before(f.firstOK) {
			f.firstOK = end
		}
	} else {
		f.errors[ErrorKind(h.Code, h.Error)]++
	}
	if f.first.IsZero() || h.Timestamp.Before(f.first) {
		f.first = h.Timestamp
	}
	if end := h.End(); end.After(f.last) {
		f.last = end
	}
}

func (f *classFold) merge(o *classFold) {
	f.requests += o.requests
	f.successes += o.successes
	f.lat.merge(o.lat)
	f.cor.merge(o.cor)
	f.lag.merge(o.lag)
	f.ends.merge(o.ends)
	f.bytesIn += o.bytesIn
	f.bytesOut += o.bytesOut
	for k, v := range o.errors {
		f.errors[k] += v
	}
	if !o.first.IsZero() && (f.first.IsZero() || o.first.Before(f.first)) {
		f.first = o.first
	}
	if o.last.After(f.last) {
		f.last = o.last
	}
	if o.lastOK.After(f.lastOK) {
		f.lastOK = o.lastOK
	}
	if !o.firstOK.IsZero() && (f.firstOK.IsZero() || o.firstOK.Before(f.firstOK)) {
		f.firstOK = o.firstOK
	}
}

// summary turns the fold into a ClassSummary. planned and dur come from
// the schedule; a class without one plans what it sent, over the time it
// ran.
// minForSpan is the fewest successes whose ends' percentiles make a span.
const minForSpan = 100

func (f *classFold) summary(name, behaviour string, planned uint64, dur time.Duration, isScheduled bool) ClassSummary {
	if !isScheduled {
		planned = f.requests
	}
	if dur <= 0 && f.last.After(f.first) {
		dur = f.last.Sub(f.first)
	}
	s := ClassSummary{
		Class:     name,
		Behaviour: behaviour,
		Planned:   planned,
		Requests:  f.requests,
		Successes: f.successes,
		Latency:   f.lat.percentiles(),
		Corrected: f.cor.percentiles(),
		LagP99:    max(f.lag.at(99), 0),
		LagMax:    max(f.lag.max, 0),
		BytesIn:   f.bytesIn,
		BytesOut:  f.bytesOut,
	}
	if planned > 0 {
		s.Success = float64(f.successes) / float64(planned)
	}
	if sec := dur.Seconds(); sec > 0 {
		s.Offered = float64(planned) / sec
		s.SendRate = float64(f.requests) / sec
		// Throughput is over the schedule or, when answers kept coming
		// for longer (a queue draining), over the span of the successes:
		// a pool that answers 800 requests of a 2 s step between 0.05 s
		// and 4 s did 200/s. The span starts at the first answer, so the
		// upstream's delay does not count against a model that keeps up,
		// and runs from the 1st to the 99th percentile of the answers'
		// ends (scaled to the whole), so that a heavy tail of slow answers
		// does not either.
		window := max(sec, f.lastOK.Sub(f.firstOK).Seconds())
		if f.ends.n >= minForSpan {
			// Within 2% of the schedule is a model keeping up, not a queue
			// draining: HDR rounding alone moves the span that much.
			if span := (f.ends.at(99) - f.ends.at(1)).Seconds() / 0.98; span > 1.02*sec {
				window = span
			} else {
				window = sec
			}
		}
		s.Throughput = float64(f.successes) / window
	}
	s.Behind = s.LagP99 > behindLag || (isScheduled && float64(f.requests) < behindSent*float64(planned))
	if len(f.errors) > 0 {
		s.Errors = f.errors
	}
	return s
}

// ErrorKind classifies a failed result into a small stable set: "status
// NNN" for an HTTP status outside 200..399, else from the error text
// "timeout", "connection refused", "connection reset", "eof" or "other".
func ErrorKind(code uint16, errText string) string {
	if code != 0 && (code < 200 || code >= 400) {
		return fmt.Sprintf("status %d", code)
	}
	e := strings.ToLower(errText)
	switch {
	case strings.Contains(e, "timeout"), strings.Contains(e, "deadline exceeded"):
		return "timeout"
	case strings.Contains(e, "connection refused"):
		return "connection refused"
	// A broken pipe is the same event seen while writing: the peer closed.
	case strings.Contains(e, "connection reset"), strings.Contains(e, "broken pipe"):
		return "connection reset"
	case strings.Contains(e, "eof"), strings.Contains(e, "server closed idle connection"):
		return "eof"
	}
	return "other"
}

// Summarize recomputes a cell's summary from its raw files: cell.json,
// each class's raw results (streamed, never held in memory) and
// resources.jsonl. A cell whose cell.json records an error still
// summarizes, with whatever results it has.
func Summarize(cellDir string) (Summary, error) {
	c, err := ReadCell(cellDir)
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Version: SummaryVersion, Cell: c}
	origin := c.Start
	for _, cl := range c.Classes {
		if origin.IsZero() || (!cl.Start.IsZero() && cl.Start.Before(origin)) {
			origin = cl.Start
		}
	}
	all := newClassFold(origin)
	var allPlanned uint64
	var allOffered float64
	var allDur time.Duration
	allBehind := false
	perClass := make([]ClassSummary, 0, len(c.Classes))
	for _, cl := range c.Classes {
		f := newClassFold(origin)
		missing, warn, err := streamClass(cellDir, c, cl, f.add)
		if err != nil {
			return Summary{}, err
		}
		if missing && c.Error == "" {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: raw results missing", cl.File))
		}
		if warn != "" {
			s.Warnings = append(s.Warnings, warn)
		}
		isSched := scheduled(c, cl)
		dur := cl.Schedule.Duration()
		if dur <= 0 && c.End.After(c.Start) && !c.Start.IsZero() {
			dur = c.End.Sub(c.Start)
		}
		cs := f.summary(cl.Name, cl.Behaviour, cl.Schedule.Planned(), dur, isSched)
		perClass = append(perClass, cs)
		all.merge(f)
		allPlanned += cs.Planned
		allOffered += cs.Offered
		allBehind = allBehind || cs.Behind
		allDur = max(allDur, dur)
	}
	as := all.summary(AllClasses, "", allPlanned, allDur, true)
	// Per-class rules decide: the all-class sums may mix scheduled and
	// unscheduled classes.
	as.Offered = allOffered
	as.Behind = allBehind || as.LagP99 > behindLag
	s.Classes = append([]ClassSummary{as}, perClass...)

	samples, err := readSamples(cellDir)
	if err != nil {
		return Summary{}, err
	}
	s.Resources = foldResources(samples, as.Successes)
	return s, nil
}

// foldResources folds the measured window's samples (T >= 0).
func foldResources(samples []Sample, successes uint64) Resources {
	var r Resources
	var first, last *Sample
	for i := range samples {
		sm := &samples[i]
		if sm.T < 0 {
			continue
		}
		if first == nil {
			first = sm
		}
		last = sm
		r.Samples++
		r.PeakRSS = max(r.PeakRSS, sm.RSS)
		r.PeakThreads = max(r.PeakThreads, sm.Threads)
		r.PeakGoroutines = max(r.PeakGoroutines, sm.Probes.Goroutines)
		r.PeakFDs = max(r.PeakFDs, sm.FDs)
		r.PeakInFlight = max(r.PeakInFlight, sm.Probes.InFlight)
		for k, v := range sm.Probes.Extra {
			if r.ProbePeaks == nil {
				r.ProbePeaks = map[string]float64{}
			}
			if old, ok := r.ProbePeaks[k]; !ok || v > old {
				r.ProbePeaks[k] = v
			}
		}
	}
	if first == nil {
		return r
	}
	r.CPUSeconds = math.Max(last.CPUSeconds-first.CPUSeconds, 0)
	if successes > 0 {
		r.CPUPer1000 = r.CPUSeconds / float64(successes) * 1000
	}
	r.ClientGone = last.Probes.ClientGone - first.Probes.ClientGone
	if r.PeakInFlight > 0 {
		r.BytesPerInFlight = float64(r.PeakRSS-first.RSS) / float64(r.PeakInFlight)
	}
	return r
}
