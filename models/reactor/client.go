//go:build linux

package reactor

import (
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"gatewaylab/gateway"
	"gatewaylab/models/reactor/evloop"
	"gatewaylab/models/reactor/httpparse"
)

// Client connection states.
const (
	csHead    = iota // reading a request head (idle between requests)
	csBody           // reading a request body
	csWait           // the application is answering
	csClosing        // the last response is written out, then close
	csLinger         // write side shut, discarding input until EOF
	csClosed
)

// Limits of the client side.
const (
	// highWater and lowWater bound a slow reader's buffered output: above
	// highWater the upstream feeding it is paused, below lowWater resumed.
	highWater = 64 << 10
	lowWater  = 16 << 10
	// maxPipelined is the most input kept while a request is answered.
	maxPipelined = gateway.MaxHead + readBuffer
	// maxBody bounds a request body, which is buffered (as nginx does by
	// default) because fan-out sends it K times.
	maxBody = 32 << 20
	// lingerTimeout bounds discarding input after a final response.
	lingerTimeout = time.Second
)

// clientConn is one client connection. It is also the continuation the
// application answers through, and the handler of a single upstream call.
type clientConn struct {
	w     *worker
	fd    int
	slot  int
	state int
	timer evloop.Timer

	interest uint32
	lastRead time.Duration

	in   []byte // unconsumed input (a partial body or pipelined requests)
	head httpparse.Head
	body httpparse.Body
	req  request

	out    []byte // output not yet written
	outOff int
	dirty  bool

	// The response being written.
	closeAfter bool // close the connection after it
	http10     bool // the client speaks HTTP/1.0: no chunked encoding
	headSent   bool
	chunkedOut bool
	counted    bool // the request counts in InFlight until it ends
	unflushed  int  // ended, counted responses still in out

	// The application's work in progress.
	uc     *upConn // the single upstream call
	paused bool    // uc is paused because out is above highWater
	join   *join
}

// request is what the application needs of a request, kept beyond the
// head it was parsed from.
type request struct {
	route  int
	post   bool
	fanout int
	ureq   []byte // the upstream request: head, then body at dispatch
	body   []byte
	// target and contentType, for hosted-blocking mode only.
	target, contentType string
	fanoutRaw           string
}

// Routes.
const (
	routeForward = iota
	routeHealth
	routeProbe
	routeMethod
	routeBadFanout
)

func newClientConn(w *worker, fd int) {
	if n := w.s.cfg.SendBuffer; n > 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, n)
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	c := &clientConn{w: w, fd: fd, interest: evloop.In | evloop.RDHup, slot: len(w.clients)}
	if err := w.lp.Add(fd, c.interest, c); err != nil {
		_ = unix.Close(fd)
		return
	}
	c.timer.F = c.timeout
	w.clients = append(w.clients, c)
	w.nClients.Add(1)
	c.idle()
	if w.draining {
		c.close()
	}
}

// Event implements evloop.Handler.
func (c *clientConn) Event(ev uint32) {
	if ev&evloop.Out != 0 {
		c.flush()
	}
	if c.state != csClosed && ev&(evloop.In|evloop.RDHup|evloop.Err|evloop.Hup) != 0 {
		c.readable()
	}
}

func (c *clientConn) readable() {
	n, err := unix.Read(c.fd, c.w.rbuf)
	if err != nil && again(err) {
		return
	}
	if n <= 0 {
		c.lost()
		return
	}
	if c.state == csLinger || c.state == csClosing {
		return // discarded
	}
	c.lastRead = c.w.lp.Now()
	data := c.w.rbuf[:n]
	if len(c.in) > 0 {
		c.in = append(c.in, data...)
		c.consumeIn()
		return
	}
	k := c.consume(data)
	if rest := data[k:]; len(rest) > 0 && c.state != csClosed {
		c.in = append(c.w.getBuf(), rest...)
	}
	c.watchInput()
}

// consumeIn processes buffered input.
func (c *clientConn) consumeIn() {
	k := c.consume(c.in)
	if c.state == csClosed {
		return
	}
	n := copy(c.in, c.in[k:])
	c.in = c.in[:n]
	if n == 0 {
		c.w.putBuf(c.in)
		c.in = nil
	}
	c.watchInput()
}

// consume parses and acts on data as far as the state allows and returns
// how much it used.
func (c *clientConn) consume(data []byte) int {
	off := 0
	for off < len(data) {
		switch c.state {
		case csHead:
			if c.pending() > highWater {
				// Pipelined requests wait until the client reads.
				return off
			}
			head, n, err := c.head.Feed(data[off:])
			off += n
			if err != nil {
				c.fail(http.StatusRequestHeaderFieldsTooLarge, "request head over 8 KiB\n")
				return off
			}
			if head == nil {
				return off
			}
			r, err := httpparse.ParseRequest(head)
			if err != nil {
				c.fail(http.StatusBadRequest, "malformed request\n")
				return off
			}
			if !c.begin(&r) {
				return off
			}
		case csBody:
			p, n, err := c.body.Next(data[off:])
			off += n
			if err != nil {
				c.fail(http.StatusBadRequest, "malformed request body\n")
				return off
			}
			if len(p) > 0 {
				if len(c.req.body)+len(p) > maxBody {
					c.fail(http.StatusRequestEntityTooLarge, "request body too large\n")
					return off
				}
				if c.req.body == nil {
					c.req.body = c.w.getBuf()
				}
				c.req.body = append(c.req.body, p...)
			}
			if c.body.Done() {
				c.dispatch()
			}
		default:
			return off
		}
	}
	return off
}

// watchInput stops reading while too much input waits, and resumes.
func (c *clientConn) watchInput() {
	if c.state == csClosed {
		return
	}
	want := c.interest | evloop.In | evloop.RDHup
	if len(c.in) > maxPipelined {
		// RDHup goes too: level-triggered, it would fire until read.
		want &^= evloop.In | evloop.RDHup
	}
	c.setInterest(want)
}

// begin starts a request whose head has been parsed; it reports false if
// the connection is done.
func (c *clientConn) begin(r *httpparse.Request) bool {
	c.lp().Disarm(&c.timer)
	c.state = csBody
	c.closeAfter = r.Close || c.w.draining
	c.http10 = r.Minor == 0
	c.headSent, c.chunkedOut = false, false
	c.req.route, c.req.post, c.req.fanout = routeForward, false, 1

	target := r.Target
	if len(target) > 0 && target[0] != '/' {
		// Absolute form: keep the path and query.
		target = originForm(target)
		if target == nil {
			c.fail(http.StatusBadRequest, "malformed request target\n")
			return false
		}
	}
	path := target
	for i, b := range path {
		if b == '?' {
			path = path[:i]
			break
		}
	}
	get, post := string(r.Method) == http.MethodGet, string(r.Method) == http.MethodPost
	switch {
	case get && string(path) == gateway.HealthPath:
		c.req.route = routeHealth
	case get && string(path) == gateway.ProbePath:
		c.req.route = routeProbe
	case !get && !post:
		c.req.route = routeMethod
	case r.Fanout != nil:
		k, err := strconv.Atoi(string(r.Fanout))
		if err != nil || k < 1 || k > gateway.MaxFanout {
			c.req.route = routeBadFanout
		}
		c.req.fanout = k
	}
	c.req.post = post
	if c.req.route == routeForward {
		if c.w.s.hosted {
			c.req.target, c.req.contentType = string(target), string(r.ContentType)
			c.req.fanoutRaw = string(r.Fanout)
		} else {
			c.req.ureq = c.appendUpstreamHead(c.w.getBuf(), r.Method, target, r.ContentType)
		}
	}
	c.body.Init(max(r.ContentLength, 0), r.Chunked)
	if c.body.Done() {
		c.dispatch()
		return c.state != csClosed
	}
	if r.Expect100 && c.req.route == routeForward {
		c.write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
	}
	c.lp().Arm(&c.timer, c.w.s.cfg.IdleTimeout)
	return true
}

// originForm returns the path and query of an absolute-form target.
func originForm(t []byte) []byte {
	for _, scheme := range []string{"http://", "https://"} {
		if len(t) > len(scheme) && string(t[:len(scheme)]) == scheme {
			rest := t[len(scheme):]
			for i, b := range rest {
				if b == '/' || b == '?' {
					if b == '?' {
						return nil
					}
					return rest[i:]
				}
			}
			return []byte("/")
		}
	}
	return nil
}

// appendUpstreamHead writes the upstream request head, without the
// Content-Length and the empty line that dispatch adds.
func (c *clientConn) appendUpstreamHead(b, method, target, contentType []byte) []byte {
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, target...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.w.s.cfg.Upstream...)
	b = append(b, "\r\n"...)
	if len(contentType) > 0 {
		b = append(b, "Content-Type: "...)
		b = append(b, contentType...)
		b = append(b, "\r\n"...)
	}
	return b
}

// dispatch hands a complete request to the application.
func (c *clientConn) dispatch() {
	c.lp().Disarm(&c.timer)
	c.state = csWait
	switch c.req.route {
	case routeHealth:
		c.respond(http.StatusOK, "text/plain", "", []byte("ok"))
	case routeProbe:
		c.respondProbes()
	case routeMethod:
		c.respond(http.StatusMethodNotAllowed, "text/plain; charset=utf-8", "Allow: GET, POST\r\n", []byte("method not allowed\n"))
	default:
		c.counted = true
		c.w.s.inFlight.Add(1)
		switch {
		case c.req.route == routeBadFanout:
			c.respond(http.StatusBadRequest, "text/plain; charset=utf-8", "", []byte(gateway.FanoutHeader+": not an integer from 1 to 64\n"))
		case c.w.s.hosted:
			c.serveHosted()
		default:
			c.forward()
		}
	}
}

// forward is the callback-style application: it starts the upstream
// call(s) and returns; the callbacks answer.
func (c *clientConn) forward() {
	u := c.req.ureq
	if c.req.post || len(c.req.body) > 0 {
		u = append(u, "Content-Length: "...)
		u = strconv.AppendInt(u, int64(len(c.req.body)), 10)
		u = append(u, "\r\n"...)
	}
	u = append(u, "\r\n"...)
	u = append(u, c.req.body...)
	c.req.ureq = u
	if c.req.fanout == 1 {
		c.uc = c.w.call(c, 0, u)
		return
	}
	if c.join == nil {
		c.join = &join{c: c}
	}
	c.join.start(c.req.fanout, u)
}

// upHead, upBody, upDone and upFail are the single call's callbacks: they
// relay the response as it comes.
func (c *clientConn) upHead(_ int, r *httpparse.Response) {
	length := r.ContentLength
	if r.Chunked {
		length = -1
	}
	c.writeHead(r.Status, r.ContentType, length, "")
}

func (c *clientConn) upBody(_ int, p []byte) { c.writeBody(p) }

func (c *clientConn) upDone(int) {
	c.uc, c.paused = nil, false
	c.end()
}

func (c *clientConn) upFail(_ int, err error) {
	c.uc, c.paused = nil, false
	if c.headSent {
		// Too late for a status: a broken body is all the client can get.
		c.abort()
		return
	}
	c.respondError(err)
}

// respondError answers an upstream failure: 504 for a timeout, else 502.
func (c *clientConn) respondError(err error) {
	c.respond(upstreamStatus(err), "text/plain; charset=utf-8", "", []byte(err.Error()+"\n"))
}

// respond writes a whole response of the gateway's own.
func (c *clientConn) respond(status int, contentType, extra string, body []byte) {
	c.writeHead(status, []byte(contentType), int64(len(body)), extra)
	c.writeBody(body)
	c.end()
}

// fail answers a request the gateway cannot read and closes.
func (c *clientConn) fail(status int, msg string) {
	if c.counted {
		c.abort()
		return
	}
	c.closeAfter = true
	c.state = csWait
	c.respond(status, "text/plain; charset=utf-8", "", []byte(msg))
}

// writeHead writes the response head; length -1 means unknown (chunked,
// or to the close for HTTP/1.0 clients).
func (c *clientConn) writeHead(status int, contentType []byte, length int64, extra string) {
	if c.w.draining {
		c.closeAfter = true
	}
	b := c.reserve()
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	if text := http.StatusText(status); text != "" {
		b = append(b, text...)
	} else {
		b = append(b, "status"...)
	}
	b = append(b, "\r\n"...)
	if len(contentType) > 0 {
		b = append(b, "Content-Type: "...)
		b = append(b, contentType...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "X-Gateway-Model: reactor\r\n"...)
	b = append(b, extra...)
	c.chunkedOut = false
	switch {
	case status == http.StatusNoContent || status == http.StatusNotModified || status < 200:
	case length >= 0:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, length, 10)
		b = append(b, "\r\n"...)
	case c.http10:
		c.closeAfter = true
	default:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
		c.chunkedOut = true
	}
	switch {
	case c.closeAfter:
		b = append(b, "Connection: close\r\n"...)
	case c.http10:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	b = append(b, "\r\n"...)
	c.out = b
	c.headSent = true
	c.markDirty()
}

// writeBody writes body bytes of the response.
func (c *clientConn) writeBody(p []byte) {
	if len(p) == 0 || c.state == csClosed {
		return
	}
	b := c.reserve()
	if c.chunkedOut {
		b = httpparse.AppendChunk(b, p)
	} else {
		b = append(b, p...)
	}
	c.out = b
	c.markDirty()
}

// end ends the response; the connection goes on with the next request.
func (c *clientConn) end() {
	if c.state == csClosed {
		return
	}
	if c.chunkedOut {
		c.out = append(c.reserve(), httpparse.LastChunk...)
		c.chunkedOut = false
	}
	if c.counted {
		c.counted = false
		c.unflushed++
	}
	c.markDirty()
	c.release()
	if c.closeAfter {
		c.state = csClosing
		return
	}
	c.idle()
}

// idle waits for the next request. Bytes of a partial head do not re-arm
// the timer: the whole head must come within the idle timeout, as with
// net/http's ReadHeaderTimeout, so a trickling client cannot hold on.
func (c *clientConn) idle() {
	c.state = csHead
	c.lp().Arm(&c.timer, c.w.s.cfg.IdleTimeout)
}

// release returns the request's buffers.
func (c *clientConn) release() {
	c.w.putBuf(c.req.ureq)
	c.w.putBuf(c.req.body)
	c.req = request{}
}

// abort ends the exchange without a proper end of body and closes.
func (c *clientConn) abort() {
	if c.state == csClosed {
		return
	}
	c.cancelWork()
	if c.counted {
		c.counted = false
		c.w.s.inFlight.Add(-1)
	}
	// Let the client have what was relayed, then cut.
	if c.writeOut() && c.pending() == 0 {
		c.w.s.completed.Add(int64(c.unflushed))
	} else {
		c.w.s.gone.Add(int64(c.unflushed))
	}
	c.w.s.inFlight.Add(-int64(c.unflushed))
	c.unflushed = 0
	c.close()
}

// lost handles a client that went away (or is cut off at shutdown).
func (c *clientConn) lost() {
	if c.state == csClosed {
		return
	}
	c.cancelWork()
	if c.counted {
		c.counted = false
		c.unflushed++
	}
	if c.unflushed > 0 {
		c.w.s.gone.Add(int64(c.unflushed))
		c.w.s.inFlight.Add(-int64(c.unflushed))
		c.unflushed = 0
	}
	c.close()
}

// drain is called when the server shuts down.
func (c *clientConn) drain() {
	switch c.state {
	case csHead, csLinger:
		if c.pending() == 0 {
			c.close()
			return
		}
		// Pipelined responses are still going out: close after them.
		c.state = csClosing
	}
	c.closeAfter = true
}

func (c *clientConn) cancelWork() {
	if c.uc != nil {
		c.uc.cancel()
		c.uc = nil
	}
	if c.join != nil {
		c.join.cancel()
	}
	c.paused = false
}

// timeout is the connection's timer: idle, body or linger.
func (c *clientConn) timeout() {
	switch c.state {
	case csBody:
		if d := c.lastRead + c.w.s.cfg.IdleTimeout; d > c.lp().Now() {
			c.lp().ArmAt(&c.timer, d)
			return
		}
		c.close()
	case csHead, csLinger:
		c.close()
	}
}

func (c *clientConn) close() {
	if c.state == csClosed {
		return
	}
	c.cancelWork()
	c.release()
	c.state = csClosed
	c.lp().Disarm(&c.timer)
	c.lp().Remove(c.fd)
	_ = unix.Close(c.fd)
	c.fd = -1
	c.head.Reset(true)
	c.w.putBuf(c.in)
	c.w.putBuf(c.out)
	c.in, c.out, c.outOff = nil, nil, 0
	cl := c.w.clients
	last := cl[len(cl)-1]
	cl[c.slot], last.slot = last, c.slot
	cl[len(cl)-1] = nil
	c.w.clients = cl[:len(cl)-1]
	c.w.nClients.Add(-1)
}

// reserve returns out ready for appending, compacted when half written.
func (c *clientConn) reserve() []byte {
	if c.out == nil {
		c.out = c.w.getBuf()
	} else if c.outOff > 0 && c.outOff >= len(c.out)/2 {
		n := copy(c.out, c.out[c.outOff:])
		c.out, c.outOff = c.out[:n], 0
	}
	return c.out
}

func (c *clientConn) pending() int { return len(c.out) - c.outOff }

func (c *clientConn) write(p []byte) {
	c.out = append(c.reserve(), p...)
	c.markDirty()
}

func (c *clientConn) markDirty() {
	if !c.dirty {
		c.dirty = true
		c.w.dirty = append(c.w.dirty, c)
	}
}

// writeOut writes as much of out as the socket takes now; it reports
// false if the client is gone.
func (c *clientConn) writeOut() bool {
	for c.outOff < len(c.out) {
		n, err := unix.Write(c.fd, c.out[c.outOff:])
		if err != nil {
			return again(err)
		}
		c.outOff += n
	}
	return true
}

// flush writes out and then moves the connection on: accounting, closing,
// backpressure and pipelined input.
func (c *clientConn) flush() {
	if c.state == csClosed {
		return
	}
	if !c.writeOut() {
		c.lost()
		return
	}
	if c.pending() > 0 {
		c.setInterest(c.interest | evloop.Out)
		switch {
		case c.uc == nil:
		case !c.paused && c.pending() > highWater:
			c.paused = true
			c.uc.pause()
		case c.paused && c.pending() < lowWater:
			c.paused = false
			c.uc.resume()
		}
		return
	}
	c.w.putBuf(c.out)
	c.out, c.outOff = nil, 0
	c.setInterest(c.interest &^ evloop.Out)
	if c.unflushed > 0 {
		c.w.s.completed.Add(int64(c.unflushed))
		c.w.s.inFlight.Add(-int64(c.unflushed))
		c.unflushed = 0
	}
	if c.paused && c.uc != nil {
		c.paused = false
		c.uc.resume()
	}
	switch c.state {
	case csClosing:
		c.linger()
	case csHead:
		if len(c.in) > 0 {
			c.consumeIn()
		}
	}
}

// linger shuts the write side and discards input for a while, so that the
// client reads the last response before a reset could destroy it.
func (c *clientConn) linger() {
	c.release()
	c.w.putBuf(c.in)
	c.in = nil
	if c.w.draining {
		c.close()
		return
	}
	c.state = csLinger
	_ = unix.Shutdown(c.fd, unix.SHUT_WR)
	c.setInterest(evloop.In | evloop.RDHup)
	c.lp().Arm(&c.timer, min(lingerTimeout, c.w.s.cfg.IdleTimeout))
}

func (c *clientConn) setInterest(ev uint32) {
	if ev == c.interest || c.state == csClosed {
		return
	}
	if err := c.lp().Modify(c.fd, ev); err != nil {
		c.lost()
		return
	}
	c.interest = ev
}

func (c *clientConn) lp() *evloop.Loop { return c.w.lp }
