package results

import (
	"errors"
	"fmt"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// ErrNoClass is wrapped when a cell has no class of the name asked for.
var ErrNoClass = errors.New("no such class")

// maxSeconds bounds a timeline, so that a corrupt timestamp cannot make it
// allocate without end; later events land in the last second.
const maxSeconds = 24 * 60 * 60

// secondDigits is the precision of the per-second histograms: 1% is enough
// for a per-second p99 and keeps a long timeline small.
const secondDigits = 2

// selectClasses picks class name's class, or every class for "" or "all".
func selectClasses(c Cell, name string) ([]Class, error) {
	if name == "" || name == AllClasses {
		return c.Classes, nil
	}
	for _, cl := range c.Classes {
		if cl.Name == name {
			return []Class{cl}, nil
		}
	}
	return nil, fmt.Errorf("results: %w: %q in cell %s/%s", ErrNoClass, name, c.Scenario, c.Model.Label)
}

// cellClasses reads a cell and picks its class (or every class).
func cellClasses(cellDir, class string) (Cell, []Class, error) {
	c, err := ReadCell(cellDir)
	if err != nil {
		return Cell{}, nil, err
	}
	classes, err := selectClasses(c, class)
	return c, classes, err
}

type secondAcc struct {
	offered, sent, achieved, errors, succeeded float64
	h                                          *hdrhistogram.Histogram
}

// timeline accumulates a cell's buckets (seconds, unless asked otherwise)
// since origin.
type timeline struct {
	origin time.Time
	bucket time.Duration
	secs   []secondAcc
}

func (tl *timeline) at(t time.Time) *secondAcc {
	i := 0
	if d := t.Sub(tl.origin); d > 0 {
		i = min(int(d/tl.bucket), maxSeconds-1)
	}
	tl.grow(i + 1)
	return &tl.secs[i]
}

func (tl *timeline) grow(n int) {
	for len(tl.secs) < n {
		tl.secs = append(tl.secs, secondAcc{})
	}
}

// offerSchedule spreads a scheduled class's planned hits over the seconds.
func (tl *timeline) offerSchedule(c Cell, cl Class) {
	off := classBase(c, cl).Sub(tl.origin)
	dur := cl.Schedule.Duration()
	end := off + dur
	if end <= 0 {
		return
	}
	n := min(int((end+tl.bucket-1)/tl.bucket), maxSeconds)
	tl.grow(n)
	clamp := func(d time.Duration) time.Duration { return min(max(d, 0), dur) }
	for i := range n {
		from := clamp(time.Duration(i)*tl.bucket - off)
		to := clamp(time.Duration(i+1)*tl.bucket - off)
		tl.secs[i].offered += cl.Schedule.HitsAt(to) - cl.Schedule.HitsAt(from)
	}
}

func (tl *timeline) add(h hit, isScheduled bool) {
	if tl.origin.IsZero() {
		tl.origin = h.intended
	}
	in := tl.at(h.intended)
	if !isScheduled {
		in.offered++
	}
	if in.h == nil {
		in.h = hdrhistogram.New(HistMin, HistMax, secondDigits)
	}
	recordDuration(in.h, h.corrected())
	tl.at(h.Timestamp).sent++
	if h.ok() {
		in.succeeded++
		tl.at(h.End()).achieved++
	} else {
		tl.at(h.End()).errors++
	}
}

// timelineOf streams a cell's raw results into buckets of the given
// length; counts are scaled to per second.
func timelineOf(cellDir, class string, bucket time.Duration) ([]Second, error) {
	if bucket <= 0 {
		return nil, fmt.Errorf("results: timeline bucket %v is not positive", bucket)
	}
	c, classes, err := cellClasses(cellDir, class)
	if err != nil {
		return nil, err
	}
	tl := &timeline{origin: c.Start, bucket: bucket}
	for _, cl := range classes {
		if tl.origin.IsZero() {
			tl.origin = cl.Start
		}
	}
	if !tl.origin.IsZero() && c.End.After(tl.origin) {
		tl.grow(int(math.Ceil(float64(c.End.Sub(tl.origin)) / float64(bucket))))
	}
	for _, cl := range classes {
		isSched := scheduled(c, cl)
		if isSched {
			tl.offerSchedule(c, cl)
		}
		if _, _, err := streamClass(cellDir, c, cl, func(h hit) { tl.add(h, isSched) }); err != nil {
			return nil, err
		}
	}
	out := make([]Second, len(tl.secs))
	perSec := float64(time.Second) / float64(bucket)
	for i, s := range tl.secs {
		out[i] = Second{
			T:         time.Duration(i) * bucket,
			Offered:   s.offered * perSec,
			Sent:      s.sent * perSec,
			Achieved:  s.achieved * perSec,
			Errors:    s.errors * perSec,
			Succeeded: s.succeeded * perSec,
		}
		if s.h != nil {
			us := func(p float64) time.Duration { return time.Duration(s.h.ValueAtPercentile(p)) * time.Microsecond }
			out[i].P50, out[i].P99, out[i].P999 = us(50), us(99), us(99.9)
		}
	}
	return out, nil
}

// histogramOf folds a cell's corrected latencies.
func histogramOf(cellDir, class string) (*hdrhistogram.Histogram, error) {
	c, classes, err := cellClasses(cellDir, class)
	if err != nil {
		return nil, err
	}
	h := NewHistogram()
	for _, cl := range classes {
		if _, _, err := streamClass(cellDir, c, cl, func(x hit) { recordDuration(h, x.corrected()) }); err != nil {
			return nil, err
		}
	}
	return h, nil
}
