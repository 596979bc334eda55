package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// ErrClosed is returned by a Server's methods after Close.
var ErrClosed = errors.New("upstream server closed")

// DefaultAddr is where Start listens when given "".
const DefaultAddr = "127.0.0.1:0"

// Server settings. The timeouts outlast the idle timeouts of HTTP clients
// (Go's Transport keeps idle connections 90 s), so that the upstream never
// closes a pooled connection that a gateway is about to reuse.
const (
	idleTimeout = 5 * time.Minute
	// maxHead leaves room for twice the gateway contract's 8 KiB head plus
	// what a gateway adds when it forwards.
	maxHead    = 16 << 10
	concurrent = 256 << 10
)

// Server is a running upstream. Its methods are safe for concurrent use.
type Server struct {
	addr   string
	fast   *fasthttp.Server
	cache  []byte // Body(cacheSize), read only
	done   chan struct{}
	failed chan struct{} // closed when listening again after refuse failed
	timers sync.Pool     // *time.Timer, stopped
	wg     sync.WaitGroup

	requests atomic.Int64
	gauge    gauge
	fault    atomic.Pointer[activeFault] // the hot path's view of cur

	mu      sync.Mutex
	cond    *sync.Cond   // signalled when ln changes or the server closes
	ln      net.Listener // nil while refusing and after Close
	hold    portHold     // the port, bound but not listening, while refusing
	conns   map[*trackedConn]struct{}
	cur     *activeFault
	closed  bool
	failure error
}

// Start listens on addr (DefaultAddr if "") and serves in the background
// until Close.
func Start(addr string) (*Server, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("upstream: listen %s: %w", addr, err)
	}
	s := &Server{
		addr:   ln.Addr().String(),
		cache:  Body(cacheSize),
		done:   make(chan struct{}),
		failed: make(chan struct{}),
		ln:     ln,
		conns:  make(map[*trackedConn]struct{}),
	}
	s.cond = sync.NewCond(&s.mu)
	s.fast = &fasthttp.Server{
		Handler:                       s.handle,
		Concurrency:                   concurrent,
		ReadBufferSize:                maxHead,
		ReadTimeout:                   idleTimeout,
		IdleTimeout:                   idleTimeout,
		MaxRequestBodySize:            MaxSize,
		NoDefaultServerHeader:         true,
		NoDefaultDate:                 true,
		NoDefaultContentType:          true,
		DisableHeaderNamesNormalizing: true,
		DisablePreParseMultipartForm:  true,
		Logger:                        quiet{},
	}
	s.wg.Add(1)
	go s.acceptLoop(ln)
	return s, nil
}

// Serve runs a server on addr until ctx is done (gwlab upstream); ready,
// if not nil, is called with the bound address once listening. It returns
// nil after ctx is done, or the error that stopped the server.
func Serve(ctx context.Context, addr string, ready func(addr string)) error {
	s, err := Start(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(s.Addr())
	}
	select {
	case <-ctx.Done():
		return s.Close()
	case <-s.failed:
		s.mu.Lock()
		err := s.failure
		s.mu.Unlock()
		return errors.Join(err, s.Close())
	}
}

// Addr is the host:port the server is bound to; it stays the same across
// refuse faults.
func (s *Server) Addr() string { return s.addr }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	in, peak := s.gauge.load()
	st := Stats{Requests: s.requests.Load(), InFlight: in, MaxInFlight: peak}
	if f := s.fault.Load(); f != nil {
		st.Fault = f.Kind
	}
	return st
}

// ResetStats zeroes Requests and sets MaxInFlight to the requests in
// flight now.
func (s *Server) ResetStats() {
	s.requests.Store(0)
	s.gauge.reset()
}

// Close stops the server: it ends any fault, closes the listener and every
// connection, and waits for their goroutines. Requests in flight are cut
// off. Closing twice is a no-op.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.endFaultLocked()
	var err error
	if s.ln != nil {
		err = s.ln.Close()
		s.ln = nil
	}
	s.releasePortLocked()
	conns := s.connsLocked(nil)
	s.cond.Broadcast()
	s.mu.Unlock()

	closeAll(conns)
	s.wg.Wait()
	if err != nil {
		return fmt.Errorf("upstream: close: %w", err)
	}
	return nil
}

// acceptLoop serves connections until Close; while refuse has closed the
// listener it waits for the next one.
func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		switch {
		case err == nil:
			backoff = 0
			s.serve(c, ln)
		case errors.Is(err, net.ErrClosed):
			if ln = s.nextListener(ln); ln == nil {
				return
			}
		default:
			// Out of file descriptors and the like: back off as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			if !s.sleep(backoff) {
				return
			}
		}
	}
}

// nextListener waits until ln has been replaced; nil after Close.
func (s *Server) nextListener(ln net.Listener) net.Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.closed && (s.ln == nil || s.ln == ln) {
		s.cond.Wait()
	}
	return s.ln
}

// serve tracks c and serves it on its own goroutine, unless the listener
// it came from was closed meanwhile (refuse, Close).
func (s *Server) serve(c net.Conn, from net.Listener) {
	tc := &trackedConn{Conn: c, s: s}
	s.mu.Lock()
	if s.ln != from {
		s.mu.Unlock()
		_ = c.Close()
		return
	}
	s.conns[tc] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		_ = s.fast.ServeConn(tc) // errors are the clients' (gone, reset, malformed)
	}()
}

// connsLocked lists the open connections but keep.
func (s *Server) connsLocked(keep net.Conn) []net.Conn {
	out := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		if net.Conn(c) != keep {
			out = append(out, c.Conn)
		}
	}
	return out
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		_ = c.Close()
	}
}

// trackedConn removes itself from the server's set when closed.
type trackedConn struct {
	net.Conn
	s *Server
}

func (c *trackedConn) Close() error {
	c.s.mu.Lock()
	delete(c.s.conns, c)
	c.s.mu.Unlock()
	return c.Conn.Close()
}

// sleep waits d on a pooled timer; false if the server closed first.
func (s *Server) sleep(d time.Duration) bool {
	t, _ := s.timers.Get().(*time.Timer)
	if t == nil {
		t = time.NewTimer(d)
	} else {
		t.Reset(d)
	}
	select {
	case <-t.C:
		s.timers.Put(t)
		return true
	case <-s.done:
		t.Stop()
		s.timers.Put(t)
		return false
	}
}

// quiet drops fasthttp's log lines: a client going away is not news here.
type quiet struct{}

func (quiet) Printf(string, ...any) {}
