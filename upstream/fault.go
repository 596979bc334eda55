package upstream

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// ErrBadFault is wrapped by the errors of invalid faults.
var ErrBadFault = errors.New("bad fault")

// Fault kinds.
const (
	FaultHang   = "hang"   // hold requests until the window ends, then answer
	FaultRefuse = "refuse" // close the listener and the connections; listen again after
	FaultError  = "error"  // answer Status at once
)

// DefaultFaultStatus is the status of an error fault that names none.
const DefaultFaultStatus = 503

// Relisten after refuse: a few quick tries, for a port still held for a
// moment.
const (
	relistenTries = 5
	relistenPause = 20 * time.Millisecond
)

// Fault is an upstream failure for a window of time, starting when it is
// injected. The package doc describes each kind.
type Fault struct {
	Kind   string        // FaultHang, FaultRefuse or FaultError
	For    time.Duration // length of the window; > 0
	Status int           // for FaultError; 0 means DefaultFaultStatus
}

// Query renders f as the query string of the admin endpoint, without '?'.
func (f Fault) Query() string {
	q := "kind=" + url.QueryEscape(f.Kind) + "&for=" + f.For.String()
	if f.Status != 0 {
		q += fmt.Sprintf("&status=%d", f.Status)
	}
	return q
}

// ParseFault reads a Fault from the admin endpoint's query values and
// checks it.
func ParseFault(q url.Values) (Fault, error) {
	return parseFault(func(name string) []byte { return []byte(q.Get(name)) })
}

func parseFault(get func(name string) []byte) (Fault, error) {
	f := Fault{Kind: string(get("kind"))}
	forValue := get("for")
	d, err := time.ParseDuration(string(forValue))
	if err != nil {
		return Fault{}, fmt.Errorf("%w: for=%q is not a duration such as 5s", ErrBadFault, forValue)
	}
	f.For = d
	if f.Status, err = parseInt("status", get("status"), 200, 599); err != nil {
		return Fault{}, fmt.Errorf("%w: %w", ErrBadFault, err)
	}
	return f.check()
}

// check validates f and fills its defaults.
func (f Fault) check() (Fault, error) {
	switch f.Kind {
	case FaultHang, FaultRefuse, FaultError:
	default:
		return Fault{}, fmt.Errorf("%w: kind=%q is not one of %s", ErrBadFault, f.Kind, strings.Join([]string{FaultHang, FaultRefuse, FaultError}, ", "))
	}
	if f.For <= 0 || f.For > MaxDelay {
		return Fault{}, fmt.Errorf("%w: for=%v is not a duration from 0 to %v", ErrBadFault, f.For, MaxDelay)
	}
	if f.Kind == FaultError && f.Status == 0 {
		f.Status = DefaultFaultStatus
	}
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		return Fault{}, fmt.Errorf("%w: status=%d is not from 200 to 599", ErrBadFault, f.Status)
	}
	return f, nil
}

// activeFault is the fault in force; end is closed when its window ends
// (or it is replaced), which releases the requests a hang holds.
type activeFault struct {
	Fault
	end   chan struct{}
	timer *time.Timer
}

// Inject starts f now, for f.For, replacing the current fault.
func (s *Server) Inject(f Fault) error { return s.inject(f, nil) }

// inject starts f; a refuse closes every connection but keep (the admin
// request's, which gets its answer).
func (s *Server) inject(f Fault, keep net.Conn) error {
	f, err := f.check()
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	wasRefusing := s.endFaultLocked()
	var victims []net.Conn
	switch {
	case f.Kind == FaultRefuse && !wasRefusing:
		if s.ln != nil {
			_ = s.ln.Close()
			s.ln = nil
		}
		s.reservePortLocked()
		victims = s.connsLocked(keep)
	case f.Kind != FaultRefuse && wasRefusing:
		if err := s.relistenLocked(); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	a := &activeFault{Fault: f, end: make(chan struct{})}
	a.timer = time.AfterFunc(f.For, func() { s.expire(a) })
	s.cur = a
	s.fault.Store(a)
	s.mu.Unlock()
	closeAll(victims)
	return nil
}

// ClearFault ends the current fault now, as if its window had ended.
func (s *Server) ClearFault() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.endFaultLocked() {
		return s.relistenLocked()
	}
	return nil
}

// expire ends a when its window is over, unless it was replaced.
func (s *Server) expire(a *activeFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.cur != a {
		return
	}
	if s.endFaultLocked() {
		_ = s.relistenLocked() // recorded in s.failure
	}
}

// endFaultLocked ends the current fault, if any, and reports whether it
// was a refuse (whose listener the caller must reopen).
func (s *Server) endFaultLocked() (wasRefusing bool) {
	a := s.cur
	if a == nil {
		return false
	}
	a.timer.Stop()
	close(a.end)
	s.cur = nil
	s.fault.Store(nil)
	return a.Kind == FaultRefuse
}

// relistenLocked listens again on the server's address after a refuse,
// on the reserved socket if there is one. A failure stops Serve.
func (s *Server) relistenLocked() error {
	if h := s.hold; h != nil {
		s.hold = nil
		if ln, err := h.Listen(); err == nil {
			s.ln = ln
			s.cond.Broadcast()
			return nil
		}
	}
	var err error
	for try := range relistenTries {
		if try > 0 {
			time.Sleep(relistenPause)
		}
		var ln net.Listener
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			s.ln = ln
			s.cond.Broadcast()
			return nil
		}
	}
	err = fmt.Errorf("upstream: listen again on %s after refuse: %w", s.addr, err)
	if s.failure == nil {
		s.failure = err
		close(s.failed)
	}
	return err
}

// portHold is a socket bound to the server's port but not listening:
// connections are refused, yet no outgoing connection can take the port
// as its local port before the server listens again.
type portHold interface {
	io.Closer
	// Listen turns the socket into the listener; it consumes the hold,
	// also on failure.
	Listen() (net.Listener, error)
}

// reservePortLocked holds the port while refusing (best effort).
func (s *Server) reservePortLocked() {
	if c, err := reservePort(s.addr); err == nil {
		s.hold = c
	}
}

func (s *Server) releasePortLocked() {
	if s.hold != nil {
		_ = s.hold.Close()
		s.hold = nil
	}
}
