package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// connShape is the socket-level behaviour of a client class.
type connShape struct {
	recvBuf, sendBuf   int // SO_RCVBUF, SO_SNDBUF set before connect; 0 = kernel default
	readRate, sendRate int // bytes/s; 0 = as fast as possible
}

// dialer opens a class's connections: it sets the socket buffers before
// connect (so the TCP window is small from the handshake on), throttles
// the connection, counts dials that met the descriptor limit and keeps
// every open connection so that a cancelled run can abort them.
type dialer struct {
	net.Dialer
	shape   connShape
	conns   connSet
	fdLimit atomic.Uint64
}

func newDialer(sh connShape, timeout time.Duration) *dialer {
	d := &dialer{shape: sh}
	d.Timeout = timeout
	if sh.recvBuf > 0 || sh.sendBuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			return setBuffers(c, sh.recvBuf, sh.sendBuf)
		}
	}
	return d
}

func setBuffers(c syscall.RawConn, rcv, snd int) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if rcv > 0 {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, rcv)
		}
		if serr == nil && snd > 0 {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, snd)
		}
	})
	if err == nil && serr != nil {
		err = fmt.Errorf("loadgen: setsockopt: %w", serr)
	}
	return err
}

// DialContext is an http.Transport's DialContext.
func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.Dialer.DialContext(ctx, network, addr)
	if err != nil {
		if isFDLimit(err) {
			d.fdLimit.Add(1)
		}
		return nil, err
	}
	if d.shape.readRate > 0 || d.shape.sendRate > 0 {
		c = newThrottledConn(c, d.shape.readRate, d.shape.sendRate)
	}
	return d.conns.add(c), nil
}

// isFDLimit says whether err means this process (or the system) ran out of
// file descriptors or of local ports: opening more is pointless.
func isFDLimit(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.EADDRNOTAVAIL)
}

// connSet holds open connections so that they can all be closed at once.
type connSet struct {
	mu     sync.Mutex
	m      map[*trackedConn]struct{}
	closed bool
}

type trackedConn struct {
	net.Conn
	set *connSet
}

func (c *trackedConn) Close() error {
	c.set.mu.Lock()
	delete(c.set.m, c)
	c.set.mu.Unlock()
	return c.Conn.Close()
}

func (s *connSet) add(c net.Conn) net.Conn {
	tc := &trackedConn{Conn: c, set: s}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return tc
	}
	if s.m == nil {
		s.m = make(map[*trackedConn]struct{})
	}
	s.m[tc] = struct{}{}
	return tc
}

// closeAll closes every open connection, and any opened later.
func (s *connSet) closeAll() {
	s.mu.Lock()
	s.closed = true
	m := s.m
	s.m = nil
	s.mu.Unlock()
	for c := range m {
		c.Conn.Close()
	}
}

// pacer spaces transfers of one direction of a connection at rate bytes/s.
// Each transfer waits until the previous one's bytes are due, so that
// nothing is read (or written) ahead of time: unread bytes stay in the
// kernel, the small receive window fills and the sender blocks.
type pacer struct {
	rate  float64
	piece int
	next  time.Time
}

func newPacer(rate int) *pacer {
	// About 10 transfers a second: smooth enough, cheap enough.
	return &pacer{rate: float64(rate), piece: max(1, rate/10)}
}

// wait blocks until the next transfer is due or done is closed.
func (p *pacer) wait(done <-chan struct{}) error {
	d := time.Until(p.next)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-done:
		return net.ErrClosed
	}
}

// moved books n bytes just transferred.
func (p *pacer) moved(n int) {
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	p.next = p.next.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
}

// throttledConn reads and writes at most at the given rates. Read and
// Write may be called concurrently with each other (as net/http does),
// not with themselves.
type throttledConn struct {
	net.Conn
	r, w   *pacer
	done   chan struct{}
	closed sync.Once
}

func newThrottledConn(c net.Conn, readRate, sendRate int) *throttledConn {
	tc := &throttledConn{Conn: c, done: make(chan struct{})}
	if readRate > 0 {
		tc.r = newPacer(readRate)
	}
	if sendRate > 0 {
		tc.w = newPacer(sendRate)
	}
	return tc
}

func (c *throttledConn) Read(p []byte) (int, error) {
	if c.r == nil {
		return c.Conn.Read(p)
	}
	if err := c.r.wait(c.done); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p[:min(len(p), c.r.piece)])
	c.r.moved(n)
	return n, err
}

func (c *throttledConn) Write(p []byte) (int, error) {
	if c.w == nil {
		return c.Conn.Write(p)
	}
	var n int
	for n < len(p) {
		if err := c.w.wait(c.done); err != nil {
			return n, err
		}
		m, err := c.Conn.Write(p[n:min(len(p), n+c.w.piece)])
		n += m
		c.w.moved(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (c *throttledConn) Close() error {
	c.closed.Do(func() { close(c.done) })
	return c.Conn.Close()
}

// seqHeader is the header in which vegeta numbers each request.
const seqHeader = "X-Vegeta-Seq"

// countingTransport counts the response body bytes of each hit. vegeta
// reports only the bytes it keeps (none, with MaxBody(0)), so the count
// is kept here by hit number and taken back when the result arrives.
type countingTransport struct {
	next  http.RoundTripper
	sizes sync.Map // seq uint64 -> body bytes uint64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if seq, perr := strconv.ParseUint(req.Header.Get(seqHeader), 10, 64); perr == nil {
		resp.Body = &countedBody{ReadCloser: resp.Body, seq: seq, sizes: &t.sizes}
	}
	return resp, nil
}

// bodyBytes returns and forgets the body size of hit seq.
func (t *countingTransport) bodyBytes(seq uint64) uint64 {
	if v, ok := t.sizes.LoadAndDelete(seq); ok {
		return v.(uint64)
	}
	return 0
}

type countedBody struct {
	io.ReadCloser
	seq    uint64
	n      uint64
	sizes  *sync.Map
	closed bool
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += uint64(n)
	return n, err
}

func (b *countedBody) Close() error {
	if !b.closed {
		b.closed = true
		b.sizes.Store(b.seq, b.n)
	}
	return b.ReadCloser.Close()
}
