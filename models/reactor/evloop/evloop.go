//go:build linux

// Package evloop is a single-threaded event loop on Linux epoll, the core
// of a reactor: one goroutine waits for readiness of many non-blocking file
// descriptors, runs their handlers and its timers, and never blocks
// anywhere else. Everything but Post and the probe getters must be called
// on the loop's goroutine (from handlers, timers or posted functions).
//
// Readiness is level-triggered: a handler that leaves bytes unread is
// called again, and turning a direction's interest off (Modify) is how a
// handler applies backpressure.
package evloop

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Event bits, as epoll reports them.
const (
	In    = unix.EPOLLIN
	Out   = unix.EPOLLOUT
	RDHup = unix.EPOLLRDHUP
	Err   = unix.EPOLLERR
	Hup   = unix.EPOLLHUP
	// Exclusive asks the kernel to wake one of the loops sharing a file
	// descriptor (a listening socket), not all.
	Exclusive = unix.EPOLLEXCLUSIVE
)

// ErrClosed is returned by Post once the loop has stopped.
var ErrClosed = errors.New("evloop: loop closed")

// Handler receives the events of one file descriptor.
type Handler interface {
	Event(ev uint32)
}

// Options configure New.
type Options struct {
	// AfterEach runs after every handler, timer and posted function: the
	// place to flush what they buffered.
	AfterEach func()
	// MaxEvents is the most events taken from one epoll_wait; default 256.
	MaxEvents int
}

type entry struct {
	h   Handler
	gen uint32
}

// Loop is one event loop.
type Loop struct {
	opts   Options
	epfd   int
	wakefd int
	base   time.Time
	now    time.Duration
	events []unix.EpollEvent
	fds    []entry
	gen    uint32
	timers timerHeap
	stop   bool

	mu     sync.Mutex
	posted []func()
	closed bool
	run    []func()

	nfds, ntimers, lastReady atomic.Int64
}

// New returns a loop ready to Run.
func New(opts Options) (*Loop, error) {
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = 256
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		_ = unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	l := &Loop{opts: opts, epfd: epfd, wakefd: wakefd, base: time.Now(), events: make([]unix.EpollEvent, opts.MaxEvents)}
	ev := unix.EpollEvent{Events: In, Fd: int32(wakefd), Pad: -1}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		_ = unix.Close(epfd)
		_ = unix.Close(wakefd)
		return nil, fmt.Errorf("epoll_ctl add eventfd: %w", err)
	}
	return l, nil
}

// Add watches fd for events (In, Out, RDHup, Exclusive; Err and Hup are
// always reported) and sends them to h.
func (l *Loop) Add(fd int, events uint32, h Handler) error {
	if fd >= len(l.fds) {
		l.fds = append(l.fds, make([]entry, fd+1-len(l.fds)+len(l.fds)/2)...)
	}
	// The generation in the event's data tells a stale event for a closed
	// descriptor from one for a new descriptor that reused its number.
	l.gen++
	if l.gen == 1<<31 {
		l.gen = 1
	}
	ev := unix.EpollEvent{Events: events, Fd: int32(fd), Pad: int32(l.gen)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl add %d: %w", fd, err)
	}
	l.fds[fd] = entry{h: h, gen: l.gen}
	l.nfds.Add(1)
	return nil
}

// Modify changes the events watched on fd.
func (l *Loop) Modify(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd), Pad: int32(l.fds[fd].gen)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl mod %d: %w", fd, err)
	}
	return nil
}

// Remove stops watching fd; it does not close it. Events already taken
// for fd in this round are dropped.
func (l *Loop) Remove(fd int) {
	if fd < 0 || fd >= len(l.fds) || l.fds[fd].h == nil {
		return
	}
	_ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, fd, nil)
	l.fds[fd] = entry{}
	l.nfds.Add(-1)
}

// Now is the loop's clock: monotonic time since the loop was made, read
// once per round.
func (l *Loop) Now() time.Duration { return l.now }

// Post runs f on the loop soon. It is safe for concurrent use; after the
// loop has stopped it returns ErrClosed.
func (l *Loop) Post(f func()) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.posted = append(l.posted, f)
	wake := len(l.posted) == 1
	l.mu.Unlock()
	if wake {
		var one = [8]byte{1}
		if _, err := unix.Write(l.wakefd, one[:]); err != nil && !errors.Is(err, unix.EAGAIN) {
			return fmt.Errorf("evloop: wake: %w", err)
		}
	}
	return nil
}

// Stop makes Run return after the current round.
func (l *Loop) Stop() { l.stop = true }

// Run runs the loop until Stop. When it returns, Post fails, and the
// caller closes what is left and then the loop (Close).
func (l *Loop) Run() error {
	defer func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
	}()
	for !l.stop {
		timeout := -1
		if d, ok := l.timers.next(); ok {
			timeout = int(max(0, (d-l.clock()+time.Millisecond-1)/time.Millisecond))
		}
		n, err := unix.EpollWait(l.epfd, l.events, timeout)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("epoll_wait: %w", err)
		}
		l.now = l.clock()
		l.lastReady.Store(int64(n))
		for i := range n {
			ev := &l.events[i]
			if ev.Pad == -1 {
				l.runPosted()
				continue
			}
			fd := int(ev.Fd)
			if fd >= len(l.fds) {
				continue
			}
			e := l.fds[fd]
			if e.h == nil || int32(e.gen) != ev.Pad {
				continue
			}
			e.h.Event(ev.Events)
			l.after()
		}
		l.runTimers()
		if n == len(l.events) && n < 4096 {
			l.events = make([]unix.EpollEvent, 2*n)
		}
	}
	return nil
}

// Close releases the loop's own descriptors; call it after Run returned.
func (l *Loop) Close() error {
	l.mu.Lock()
	l.closed = true
	l.posted = nil
	l.mu.Unlock()
	return errors.Join(unix.Close(l.epfd), unix.Close(l.wakefd))
}

// FDs is the number of watched descriptors; safe for concurrent use.
func (l *Loop) FDs() int { return int(l.nfds.Load()) }

// Timers is the number of armed timers; safe for concurrent use.
func (l *Loop) Timers() int { return int(l.ntimers.Load()) }

// Ready is the number of events the last poll returned, a measure of the
// loop's backlog; safe for concurrent use.
func (l *Loop) Ready() int { return int(l.lastReady.Load()) }

func (l *Loop) clock() time.Duration { return time.Since(l.base) }

func (l *Loop) after() {
	if l.opts.AfterEach != nil {
		l.opts.AfterEach()
	}
}

func (l *Loop) runPosted() {
	var buf [8]byte
	_, _ = unix.Read(l.wakefd, buf[:])
	l.mu.Lock()
	l.run, l.posted = l.posted, l.run[:0]
	l.mu.Unlock()
	for i, f := range l.run {
		l.run[i] = nil
		f()
		l.after()
	}
}

func (l *Loop) runTimers() {
	for {
		t := l.timers.peek()
		if t == nil || t.when > l.now {
			return
		}
		l.timers.remove(t)
		l.ntimers.Add(-1)
		t.F()
		l.after()
	}
}
