// Package schedule is the arrival schedule of an open-loop load: a
// vegeta.Pacer that can also say when hit n was meant to be sent, so that
// latency can be measured from each request's intended send time and a
// generator that falls behind cannot hide queueing (coordinated omission).
package schedule

import (
	"fmt"
	"math"
	"time"
)

// Segment is a stretch of the schedule whose rate (hits/s) goes linearly
// from From to To over Duration; From == To is a constant rate.
type Segment struct {
	Duration time.Duration `json:"duration"`
	From     float64       `json:"from"`
	To       float64       `json:"to"`
}

// Schedule is a sequence of segments. It implements vegeta.Pacer.
type Schedule struct {
	Segments []Segment `json:"segments"`
}

// Constant is rate hits/s for d.
func Constant(rate float64, d time.Duration) Schedule {
	return Schedule{Segments: []Segment{{Duration: d, From: rate, To: rate}}}
}

// Ramp goes linearly from one rate to another over d.
func Ramp(from, to float64, d time.Duration) Schedule {
	return Schedule{Segments: []Segment{{Duration: d, From: from, To: to}}}
}

// Burst is base rate for d, with spike rate from start for length.
func Burst(base, spike float64, start, length, d time.Duration) Schedule {
	var s Schedule
	if start > 0 {
		s.Segments = append(s.Segments, Segment{Duration: start, From: base, To: base})
	}
	s.Segments = append(s.Segments, Segment{Duration: length, From: spike, To: spike})
	if rest := d - start - length; rest > 0 {
		s.Segments = append(s.Segments, Segment{Duration: rest, From: base, To: base})
	}
	return s
}

// Scale returns the schedule with every rate multiplied by f (a client
// class's share).
func (s Schedule) Scale(f float64) Schedule {
	out := Schedule{Segments: make([]Segment, len(s.Segments))}
	for i, g := range s.Segments {
		out.Segments[i] = Segment{Duration: g.Duration, From: g.From * f, To: g.To * f}
	}
	return out
}

// Duration is the schedule's total length.
func (s Schedule) Duration() time.Duration {
	var d time.Duration
	for _, g := range s.Segments {
		d += g.Duration
	}
	return d
}

// hits is the number of hits a segment plans in its first t.
func (g Segment) hits(t time.Duration) float64 {
	sec := t.Seconds()
	slope := (g.To - g.From) / g.Duration.Seconds()
	return g.From*sec + slope*sec*sec/2
}

// Planned is the number of hits the schedule plans in all.
func (s Schedule) Planned() uint64 {
	var n float64
	for _, g := range s.Segments {
		n += g.hits(g.Duration)
	}
	return uint64(math.Floor(n + 1e-9))
}

// HitsAt is the number of hits planned in the first t.
func (s Schedule) HitsAt(t time.Duration) float64 {
	var n float64
	for _, g := range s.Segments {
		if t <= g.Duration {
			return n + g.hits(t)
		}
		n += g.hits(g.Duration)
		t -= g.Duration
	}
	return n
}

// Intended is when hit n (0-based, vegeta's Result.Seq) was meant to be
// sent, as an offset from the start of the attack; ok is false if the
// schedule plans no such hit.
func (s Schedule) Intended(n uint64) (time.Duration, bool) {
	want := float64(n)
	var base time.Duration
	var before float64
	for _, g := range s.Segments {
		total := g.hits(g.Duration)
		if want < before+total-1e-9 {
			return base + g.timeOf(want-before), true
		}
		before += total
		base += g.Duration
	}
	return 0, false
}

// timeOf solves hits(t) = k within the segment.
func (g Segment) timeOf(k float64) time.Duration {
	if k <= 0 {
		return 0
	}
	a := (g.To - g.From) / g.Duration.Seconds() / 2
	b := g.From
	var sec float64
	if math.Abs(a) < 1e-12 {
		sec = k / b
	} else {
		sec = (-b + math.Sqrt(b*b+4*a*k)) / (2 * a)
	}
	return time.Duration(sec * float64(time.Second))
}

// Rate is the planned rate at elapsed (vegeta.Pacer).
func (s Schedule) Rate(elapsed time.Duration) float64 {
	for _, g := range s.Segments {
		if elapsed < g.Duration {
			return g.From + (g.To-g.From)*elapsed.Seconds()/g.Duration.Seconds()
		}
		elapsed -= g.Duration
	}
	return 0
}

// Pace implements vegeta.Pacer: how long to wait before hit number hits,
// given elapsed time; stop at the end of the schedule.
func (s Schedule) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	at, ok := s.Intended(hits)
	if !ok {
		return 0, true
	}
	if at <= elapsed {
		return 0, false
	}
	return at - elapsed, false
}

// String describes the schedule in one line.
func (s Schedule) String() string {
	out := ""
	for i, g := range s.Segments {
		if i > 0 {
			out += ", "
		}
		if g.From == g.To {
			out += fmt.Sprintf("%g/s for %s", g.From, g.Duration)
		} else {
			out += fmt.Sprintf("%g->%g/s over %s", g.From, g.To, g.Duration)
		}
	}
	return out
}
