//go:build linux

package evloop

import "time"

// Timer runs a function on the loop at a time. Its zero value with F set is
// a disarmed timer; it is meant to be embedded in the connection it times,
// so that arming it allocates nothing.
type Timer struct {
	// F runs on the loop when the timer fires; a fired timer is disarmed.
	F    func()
	when time.Duration
	pos  int // index in the heap + 1; 0 when disarmed
}

// Armed reports whether t will fire.
func (t *Timer) Armed() bool { return t.pos != 0 }

// When is the loop time at which t fires, if armed.
func (t *Timer) When() time.Duration { return t.when }

// Arm (re)arms t to fire d after the loop's current time.
func (l *Loop) Arm(t *Timer, d time.Duration) { l.ArmAt(t, l.now+d) }

// ArmAt (re)arms t to fire at loop time when.
func (l *Loop) ArmAt(t *Timer, when time.Duration) {
	t.when = when
	if t.pos != 0 {
		l.timers.fix(t.pos - 1)
		return
	}
	l.timers.push(t)
	l.ntimers.Add(1)
}

// Disarm stops t; disarming a disarmed timer does nothing.
func (l *Loop) Disarm(t *Timer) {
	if t.pos == 0 {
		return
	}
	l.timers.remove(t)
	l.ntimers.Add(-1)
}

// timerHeap is a binary min-heap on when.
type timerHeap []*Timer

func (h timerHeap) next() (time.Duration, bool) {
	if len(h) == 0 {
		return 0, false
	}
	return h[0].when, true
}

func (h timerHeap) peek() *Timer {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

func (h *timerHeap) push(t *Timer) {
	*h = append(*h, t)
	t.pos = len(*h)
	h.up(len(*h) - 1)
}

func (h *timerHeap) remove(t *Timer) {
	i := t.pos - 1
	last := len(*h) - 1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = nil
	*h = (*h)[:last]
	t.pos = 0
	if i != last {
		h.fix(i)
	}
}

func (h timerHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h timerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos = i + 1
	h[j].pos = j + 1
}

func (h timerHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].when <= h[i].when {
			return
		}
		h.swap(i, p)
		i = p
	}
}

// down sifts i down and reports whether it moved.
func (h timerHeap) down(i int) bool {
	start := i
	for {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if r := c + 1; r < len(h) && h[r].when < h[c].when {
			c = r
		}
		if h[i].when <= h[c].when {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}
