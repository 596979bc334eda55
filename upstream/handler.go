package upstream

import (
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

const adminPrefix = "/_admin/"

func (s *Server) handle(ctx *fasthttp.RequestCtx) {
	if path := ctx.Path(); len(path) >= len(adminPrefix) && string(path[:len(adminPrefix)]) == adminPrefix {
		s.admin(ctx)
		return
	}
	s.requests.Add(1)
	if !ctx.IsGet() && !ctx.IsPost() {
		ctx.Response.Header.Set("Allow", "GET, POST")
		ctx.Error("method not allowed: use GET or POST", fasthttp.StatusMethodNotAllowed)
		return
	}
	p, err := parseArgs(ctx.QueryArgs())
	if err != nil {
		ctx.Error(err.Error(), fasthttp.StatusBadRequest)
		return
	}
	s.gauge.enter()
	if !s.simulate(ctx, p) {
		s.gauge.leave()
	}
}

// simulate answers as p says. It returns true when a body stream has taken
// over the request's time in flight (it ends when the stream is closed).
func (s *Server) simulate(ctx *fasthttp.RequestCtx, p Params) bool {
	if f := s.fault.Load(); f != nil {
		switch f.Kind {
		case FaultError:
			ctx.SetStatusCode(f.Status)
			return false
		case FaultHang:
			select {
			case <-f.end:
			case <-s.done:
				abandon(ctx)
				return false
			}
		}
	}
	if p.Delay > 0 && !s.sleep(p.Delay) {
		abandon(ctx)
		return false
	}
	switch {
	case p.Hang:
		holdOpen(ctx)
		return false
	case p.Reset:
		reset(ctx.Conn())
		return false
	}

	if p.Status != 0 {
		ctx.SetStatusCode(p.Status)
	}
	var echo []byte
	if p.Echo {
		echo = ctx.PostBody()
		if ct := ctx.Request.Header.ContentType(); len(ct) > 0 {
			ctx.Response.Header.SetContentTypeBytes(ct)
		}
	} else {
		ctx.Response.Header.SetContentType(PatternContentType)
	}
	if p.Chunks > 1 || (!p.Echo && p.Size > len(s.cache)) {
		b := newBodyStream(s, p, echo)
		size := b.size
		if p.Chunks > 1 {
			size = -1 // chunked
		}
		ctx.Response.SetBodyStream(b, size)
		return true
	}
	if p.Echo {
		// The request body outlives the response write.
		ctx.Response.SetBodyRaw(echo)
	} else {
		ctx.Response.SetBodyRaw(s.cache[:p.Size])
	}
	return false
}

// abandon leaves a request unanswered when the server closes: Close may
// not have reached its connection yet, and fasthttp would answer 200.
func abandon(ctx *fasthttp.RequestCtx) {
	_ = ctx.Conn().Close()
	ctx.SetConnectionClose()
}

// holdOpen reads (and drops) whatever the client sends until it goes
// away or the connection is closed (refuse, Close); then it closes the
// connection, so that nothing is ever answered.
func holdOpen(ctx *fasthttp.RequestCtx) {
	c := ctx.Conn()
	_ = c.SetReadDeadline(time.Time{}) // fasthttp's idle deadline must not end the hang
	buf := make([]byte, 512)
	for {
		if _, err := c.Read(buf); err != nil {
			break
		}
	}
	_ = c.Close()
	ctx.SetConnectionClose()
}

// reset closes c with a TCP reset (linger 0) instead of a FIN, the way a
// crashed upstream looks to the gateway.
func reset(c net.Conn) {
	if tc, ok := c.(*trackedConn); ok {
		if tcp, ok := tc.Conn.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
	}
	_ = c.Close()
}
