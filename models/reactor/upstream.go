//go:build linux

package reactor

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/sys/unix"

	"gatewaylab/models/reactor/evloop"
	"gatewaylab/models/reactor/httpparse"
)

// Upstream failures; upstreamStatus maps them to the contract's status.
var (
	errUpstreamTimeout = errors.New("upstream timeout")
	errUpstreamClosed  = errors.New("upstream closed the connection")
	errUpstreamBad     = errors.New("upstream sent a malformed response")
)

// upstreamStatus is 504 for a timeout and 502 for everything else
// (refused, reset, malformed).
func upstreamStatus(err error) int {
	if errors.Is(err, errUpstreamTimeout) {
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}

// upHandler receives the events of an upstream call: the continuation the
// application registers. idx tells the calls of a fan-out apart. After
// upDone or upFail the call is over.
type upHandler interface {
	upHead(idx int, r *httpparse.Response)
	upBody(idx int, p []byte)
	upDone(idx int)
	upFail(idx int, err error)
}

// Upstream connection states.
const (
	usConnecting = iota
	usActive
	usIdle
	usClosed
)

// idleUpstreamTimeout closes pooled connections nobody used for this long,
// as net/http's IdleConnTimeout in the blocking models.
const idleUpstreamTimeout = 90 * time.Second

// upConn is one upstream connection, carrying one call at a time.
type upConn struct {
	w        *worker
	fd       int
	slot     int
	state    int
	interest uint32
	timer    evloop.Timer
	lastRead time.Duration

	// The call.
	h       upHandler
	idx     int
	req     []byte // the request, owned by the caller until the call ends
	reqOff  int
	err     error // a failure to report from the timer
	reused  bool  // came from the pool: a stale close may be retried
	retried bool
	gotAny  bool // any response byte arrived
	gotHead bool
	keep    bool // the response allows reuse
	paused  bool
	head    httpparse.Head
	resp    httpparse.Response // valid during upHead only
	body    httpparse.Body
}

// call starts an upstream call for h on a pooled connection or a new one.
// It never calls h before returning.
func (w *worker) call(h upHandler, idx int, req []byte) *upConn {
	var uc *upConn
	if n := len(w.idle); n > 0 {
		uc = w.idle[n-1]
		w.idle[n-1] = nil
		w.idle = w.idle[:n-1]
		w.nIdle.Add(-1)
		uc.state, uc.reused = usActive, true
	} else {
		uc = &upConn{w: w, fd: -1}
		uc.timer.F = uc.timeout
	}
	uc.h, uc.idx, uc.req, uc.reqOff = h, idx, req, 0
	uc.retried, uc.gotAny, uc.gotHead, uc.keep, uc.paused = false, false, false, false, false
	uc.head.Reset(false)
	w.lp.Arm(&uc.timer, w.s.cfg.UpstreamTimeout)
	if uc.reused {
		uc.send()
	} else {
		uc.dial()
	}
	return uc
}

// dial connects uc to the upstream; a failure is reported from the timer,
// so that no callback runs inside call.
func (uc *upConn) dial() {
	w := uc.w
	uc.state, uc.reused = usConnecting, false
	fd, done, err := connect(w.upstream)
	if err == nil {
		uc.interest = evloop.Out | evloop.In | evloop.RDHup
		if err = w.lp.Add(fd, uc.interest, uc); err != nil {
			_ = unix.Close(fd)
		}
	}
	if err != nil {
		uc.err = err
		w.lp.Arm(&uc.timer, 0)
		return
	}
	uc.fd, uc.slot = fd, len(w.upstreams)
	w.upstreams = append(w.upstreams, uc)
	w.nUpstream.Add(1)
	if done {
		uc.state = usActive
		uc.send()
	}
}

// Event implements evloop.Handler.
func (uc *upConn) Event(ev uint32) {
	switch uc.state {
	case usIdle:
		// A pooled connection has nothing to say: the upstream closed it.
		uc.close()
		return
	case usConnecting:
		if err := connectResult(uc.fd); err != nil {
			uc.fail(err)
			return
		}
		uc.state = usActive
		uc.send()
		return
	}
	if ev&evloop.Out != 0 {
		uc.send()
	}
	if uc.state == usActive && ev&(evloop.In|evloop.RDHup|evloop.Err|evloop.Hup) != 0 {
		uc.read()
	}
}

// send writes what is left of the request.
func (uc *upConn) send() {
	for uc.reqOff < len(uc.req) {
		n, err := unix.Write(uc.fd, uc.req[uc.reqOff:])
		if err != nil {
			if again(err) {
				uc.setInterest(evloop.In | evloop.RDHup | evloop.Out)
				return
			}
			// The upstream may have answered and closed: reading will
			// tell. Never reuse this connection (reqOff past the end).
			uc.reqOff = len(uc.req) + 1
			break
		}
		uc.reqOff += n
	}
	uc.setInterest(uc.readInterest())
}

func (uc *upConn) readInterest() uint32 {
	if uc.paused {
		return 0
	}
	return evloop.In | evloop.RDHup
}

func (uc *upConn) read() {
	n, err := unix.Read(uc.fd, uc.w.rbuf)
	if err != nil && again(err) {
		return
	}
	if n <= 0 {
		uc.eof(err)
		return
	}
	uc.gotAny = true
	uc.lastRead = uc.w.lp.Now()
	data := uc.w.rbuf[:n]
	for len(data) > 0 && uc.state == usActive {
		if !uc.gotHead {
			head, k, err := uc.head.Feed(data)
			data = data[k:]
			if err != nil {
				uc.fail(fmt.Errorf("%w: %w", errUpstreamBad, err))
				return
			}
			if head == nil {
				return
			}
			r, err := httpparse.ParseResponse(head)
			uc.resp = r // a field, so that passing it on does not allocate
			if err != nil || r.Status == http.StatusSwitchingProtocols {
				uc.fail(fmt.Errorf("%w: %w", errUpstreamBad, err))
				return
			}
			if r.Status < 200 {
				continue // 100 Continue and friends: the real head follows
			}
			uc.gotHead, uc.keep = true, !r.Close
			uc.body.Init(r.ContentLength, r.Chunked)
			// From now on the timer catches a stalled body.
			uc.w.lp.Arm(&uc.timer, uc.w.s.cfg.UpstreamTimeout)
			uc.h.upHead(uc.idx, &uc.resp)
		} else {
			p, k, err := uc.body.Next(data)
			data = data[k:]
			if err != nil {
				uc.fail(fmt.Errorf("%w: %w", errUpstreamBad, err))
				return
			}
			if len(p) > 0 {
				uc.h.upBody(uc.idx, p)
			}
		}
		if uc.state == usActive && uc.gotHead && uc.body.Done() {
			uc.finish(len(data) == 0)
			return
		}
	}
}

func (uc *upConn) eof(err error) {
	switch {
	case uc.gotHead && uc.body.EOF() == nil:
		uc.keep = false
		uc.finish(true)
	case !uc.gotAny && uc.reused && !uc.retried:
		// A pooled connection the upstream had closed: retry once on a
		// new one, as net/http does.
		uc.retry()
	case err != nil:
		uc.fail(fmt.Errorf("upstream: %w", err))
	default:
		uc.fail(errUpstreamClosed)
	}
}

// retry sends the call again on a new connection, in the same upConn so
// that its handler need not know.
func (uc *upConn) retry() {
	uc.closeFD()
	uc.retried, uc.reqOff = true, 0
	uc.head.Reset(false)
	uc.dial()
}

// finish ends the call; the connection goes back to the pool if the
// exchange ended cleanly.
func (uc *upConn) finish(clean bool) {
	h, idx := uc.h, uc.idx
	reusable := clean && uc.keep && uc.reqOff == len(uc.req) && !uc.w.draining && len(uc.w.idle) < maxIdleUp
	uc.h, uc.req = nil, nil
	if reusable {
		uc.state = usIdle
		uc.paused = false
		uc.setInterest(evloop.In | evloop.RDHup)
		uc.w.lp.Arm(&uc.timer, idleUpstreamTimeout)
		uc.w.idle = append(uc.w.idle, uc)
		uc.w.nIdle.Add(1)
	} else {
		uc.close()
	}
	h.upDone(idx)
}

// fail ends the call with err and closes the connection.
func (uc *upConn) fail(err error) {
	h, idx := uc.h, uc.idx
	uc.h = nil
	uc.close()
	if h != nil {
		h.upFail(idx, err)
	}
}

// cancel ends the call without telling its handler.
func (uc *upConn) cancel() {
	uc.h = nil
	uc.close()
}

// pause stops reading the response (the client is behind); the stall
// timer stops too, the stall being ours.
func (uc *upConn) pause() {
	if uc.state != usActive || uc.paused {
		return
	}
	uc.paused = true
	uc.w.nPaused.Add(1)
	uc.setInterest(uc.interest &^ (evloop.In | evloop.RDHup))
	if uc.gotHead {
		uc.w.lp.Disarm(&uc.timer)
	}
}

func (uc *upConn) resume() {
	if uc.state != usActive || !uc.paused {
		return
	}
	uc.paused = false
	uc.w.nPaused.Add(-1)
	uc.setInterest(uc.interest | evloop.In | evloop.RDHup)
	if uc.gotHead {
		uc.lastRead = uc.w.lp.Now()
		uc.w.lp.Arm(&uc.timer, uc.w.s.cfg.UpstreamTimeout)
	}
}

// timeout is the connection's timer: a failure to report, the head
// deadline, a stalled body, or an idle pooled connection.
func (uc *upConn) timeout() {
	switch {
	case uc.err != nil:
		err := uc.err
		uc.err = nil
		uc.fail(err)
	case uc.state == usIdle:
		uc.close()
	case uc.gotHead:
		if d := uc.lastRead + uc.w.s.cfg.UpstreamTimeout; d > uc.w.lp.Now() {
			uc.w.lp.ArmAt(&uc.timer, d)
			return
		}
		uc.fail(fmt.Errorf("upstream body stalled: %w", errUpstreamTimeout))
	default:
		uc.fail(fmt.Errorf("no upstream response head within %v: %w", uc.w.s.cfg.UpstreamTimeout, errUpstreamTimeout))
	}
}

func (uc *upConn) setInterest(ev uint32) {
	if ev == uc.interest || uc.state == usClosed || uc.fd < 0 {
		return
	}
	if err := uc.w.lp.Modify(uc.fd, ev); err != nil {
		uc.fail(err)
		return
	}
	uc.interest = ev
}

func (uc *upConn) close() {
	if uc.state == usClosed {
		return
	}
	w := uc.w
	if uc.state == usIdle {
		for i, p := range w.idle {
			if p == uc {
				copy(w.idle[i:], w.idle[i+1:])
				w.idle[len(w.idle)-1] = nil
				w.idle = w.idle[:len(w.idle)-1]
				w.nIdle.Add(-1)
				break
			}
		}
	}
	if uc.paused {
		w.nPaused.Add(-1)
	}
	uc.state = usClosed
	w.lp.Disarm(&uc.timer)
	uc.req = nil
	uc.head.Reset(true)
	uc.closeFD()
}

// closeFD closes the socket and forgets it.
func (uc *upConn) closeFD() {
	w := uc.w
	if uc.fd < 0 {
		return
	}
	w.lp.Remove(uc.fd)
	_ = unix.Close(uc.fd)
	uc.fd = -1
	ups := w.upstreams
	last := ups[len(ups)-1]
	ups[uc.slot], last.slot = last, uc.slot
	ups[len(ups)-1] = nil
	w.upstreams = ups[:len(ups)-1]
	w.nUpstream.Add(-1)
}
