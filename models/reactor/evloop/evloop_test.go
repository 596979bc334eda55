//go:build linux

package evloop

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func newLoop(t *testing.T, opts Options) *Loop {
	t.Helper()
	l, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// runLoop runs l in the background and returns a wait for its end.
func runLoop(t *testing.T, l *Loop) func() {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	return func() {
		t.Helper()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("loop did not stop")
		}
	}
}

func TestTimersFireInOrder(t *testing.T) {
	tests := []struct {
		name string
		// arm: delays in ms by timer index; then rearm and disarm.
		arm    []int
		rearm  map[int]int
		disarm []int
		want   []int
	}{
		{"in order", []int{3, 1, 2}, nil, nil, []int{1, 2, 0}},
		{"rearmed later", []int{1, 2, 3}, map[int]int{0: 5}, nil, []int{1, 2, 0}},
		{"rearmed earlier", []int{5, 6, 7}, map[int]int{2: 1}, nil, []int{2, 0, 1}},
		{"disarmed", []int{1, 2, 3}, nil, []int{1}, []int{0, 2}},
		{"disarm twice", []int{1, 2}, nil, []int{0, 0}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fired []int
			l := newLoop(t, Options{})
			timers := make([]Timer, len(tt.arm))
			remaining := len(tt.want)
			for i := range timers {
				timers[i].F = func() {
					fired = append(fired, i)
					if remaining--; remaining == 0 {
						l.Stop()
					}
				}
				l.Arm(&timers[i], time.Duration(tt.arm[i])*time.Millisecond)
			}
			for i, d := range tt.rearm {
				l.Arm(&timers[i], time.Duration(d)*time.Millisecond)
			}
			for _, i := range tt.disarm {
				l.Disarm(&timers[i])
			}
			if got := l.Timers(); got != len(tt.want) {
				t.Fatalf("Timers() = %d, want %d", got, len(tt.want))
			}
			runLoop(t, l)()
			if !slices.Equal(fired, tt.want) {
				t.Fatalf("fired %v, want %v", fired, tt.want)
			}
			if l.Timers() != 0 {
				t.Fatalf("Timers() = %d after all fired", l.Timers())
			}
		})
	}
}

func TestTimerHeapRandom(t *testing.T) {
	l := newLoop(t, Options{})
	r := rand.New(rand.NewPCG(1, 2))
	timers := make([]Timer, 200)
	for i := range timers {
		timers[i].F = func() {}
	}
	for range 5000 {
		tm := &timers[r.IntN(len(timers))]
		if r.IntN(3) == 0 {
			l.Disarm(tm)
		} else {
			l.ArmAt(tm, time.Duration(r.IntN(1000)))
		}
	}
	var last time.Duration
	for n := 0; l.timers.peek() != nil; n++ {
		tm := l.timers.peek()
		if tm.when < last {
			t.Fatalf("timer %d fires at %v, before %v", n, tm.when, last)
		}
		last = tm.when
		l.Disarm(tm)
	}
}

func TestPostFromManyGoroutines(t *testing.T) {
	l := newLoop(t, Options{})
	const goroutines, posts = 8, 500
	ran := 0
	afters := 0
	l.opts.AfterEach = func() { afters++ }
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range posts {
				if err := l.Post(func() { ran++ }); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wait := runLoop(t, l)
	wg.Wait()
	if err := l.Post(l.Stop); err != nil {
		t.Fatal(err)
	}
	wait()
	if ran != goroutines*posts || afters != ran+1 {
		t.Fatalf("ran %d posted functions and %d afters, want %d and %d", ran, afters, goroutines*posts, goroutines*posts+1)
	}
	if err := l.Post(func() {}); err != ErrClosed {
		t.Fatalf("Post after Run: %v, want ErrClosed", err)
	}
}

type recorder struct {
	l      *Loop
	fd     int
	events []uint32
	data   []byte
}

func (r *recorder) Event(ev uint32) {
	r.events = append(r.events, ev)
	var buf [64]byte
	n, _ := unix.Read(r.fd, buf[:])
	if n > 0 {
		r.data = append(r.data, buf[:n]...)
	}
	if n <= 0 || string(r.data) == "hello" {
		r.l.Stop()
	}
}

func TestHandlerGetsEvents(t *testing.T) {
	l := newLoop(t, Options{})
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	r := &recorder{l: l, fd: fds[0]}
	if err := l.Add(fds[0], In, r); err != nil {
		t.Fatal(err)
	}
	if l.FDs() != 1 {
		t.Fatalf("FDs() = %d, want 1", l.FDs())
	}
	if _, err := unix.Write(fds[1], []byte("hello")); err != nil {
		t.Fatal(err)
	}
	runLoop(t, l)()
	if string(r.data) != "hello" || len(r.events) != 1 || r.events[0]&In == 0 {
		t.Fatalf("got data %q events %v", r.data, r.events)
	}
	l.Remove(fds[0])
	l.Remove(fds[0])
	if l.FDs() != 0 {
		t.Fatalf("FDs() = %d after Remove, want 0", l.FDs())
	}
}

// A handler that closes another descriptor, whose number is then reused,
// must not send that descriptor's stale event to the new handler.
func TestStaleEventsDropped(t *testing.T) {
	l := newLoop(t, Options{})
	var pairs [2][2]int
	for i := range pairs {
		p, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		pairs[i] = [2]int{p[0], p[1]}
		defer unix.Close(p[1])
	}
	fresh := &recorder{l: l, fd: -1}
	// Whichever runs first closes the other's descriptor and reuses its
	// number for a new one that is ready too.
	for i := range pairs {
		other := pairs[1-i][0]
		_ = l.Add(pairs[i][0], In, handlerFunc(func(uint32) {
			if fresh.fd >= 0 {
				t.Error("closed descriptor's handler ran")
				return
			}
			l.Remove(other)
			_ = unix.Close(other)
			fd, err := unix.Dup(pairs[i][1])
			if err != nil || fd != other {
				t.Errorf("dup gave %d (%v), want %d", fd, err, other)
			}
			fresh.fd = fd
			_ = l.Add(fd, In|Out, fresh)
			l.Stop()
		}))
		_, _ = unix.Write(pairs[i][1], []byte("x"))
	}
	runLoop(t, l)()
	if len(fresh.events) != 0 {
		t.Fatalf("fresh descriptor got stale events %v", fresh.events)
	}
	_ = unix.Close(fresh.fd)
	for i := range pairs {
		if pairs[i][0] != fresh.fd {
			_ = unix.Close(pairs[i][0])
		}
	}
}

type handlerFunc func(uint32)

func (f handlerFunc) Event(ev uint32) { f(ev) }
