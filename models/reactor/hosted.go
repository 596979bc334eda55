//go:build linux

package reactor

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"gatewaylab/gateway"
)

// errClientGone is what the hosted application's writes fail with once
// the client has gone.
var errClientGone = errors.New("client connection closed")

// serveHosted runs the blocking application on the loop, as Tornado's
// WSGIContainer does: the loop waits for the upstream, and so does every
// other connection it owns.
func (c *clientConn) serveHosted() {
	r, err := http.NewRequestWithContext(context.Background(), c.methodName(), "http://"+c.w.s.addr+c.req.target, nil)
	if err != nil {
		c.respond(http.StatusBadRequest, "text/plain; charset=utf-8", "", []byte("malformed request target\n"))
		return
	}
	r.RequestURI = c.req.target
	if c.req.contentType != "" {
		r.Header.Set("Content-Type", c.req.contentType)
	}
	if c.req.fanoutRaw != "" {
		r.Header.Set(gateway.FanoutHeader, c.req.fanoutRaw)
	}
	r.ContentLength = int64(len(c.req.body))
	r.Body = io.NopCloser(bytes.NewReader(c.req.body))
	hw := &hostedWriter{c: c, header: http.Header{}}
	aborted := hw.serve(r)
	switch {
	case c.state == csClosed:
		// The client went; lost has counted it.
		return
	case aborted:
		c.abort()
		return
	}
	if !c.headSent {
		hw.WriteHeader(http.StatusOK)
	}
	c.end()
}

func (c *clientConn) methodName() string {
	if c.req.post {
		return http.MethodPost
	}
	return http.MethodGet
}

// hostedWriter is the http.ResponseWriter the blocking application writes
// to: it appends to the connection's output buffer, and Flush writes what
// the socket takes without blocking.
type hostedWriter struct {
	c      *clientConn
	header http.Header
}

// serve runs the application; it reports true if the application aborted
// (panicked, as blockingapp does with http.ErrAbortHandler).
func (hw *hostedWriter) serve(r *http.Request) (aborted bool) {
	defer func() {
		if recover() != nil {
			aborted = true
		}
	}()
	hw.c.w.s.app.ServeHTTP(hw, r)
	return false
}

func (hw *hostedWriter) Header() http.Header { return hw.header }

func (hw *hostedWriter) WriteHeader(status int) {
	c := hw.c
	if c.headSent || c.state == csClosed {
		return
	}
	length := int64(-1)
	if v := hw.header.Get("Content-Length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			length = n
		}
	}
	c.writeHead(status, []byte(hw.header.Get("Content-Type")), length, "")
}

func (hw *hostedWriter) Write(p []byte) (int, error) {
	if hw.c.state == csClosed {
		return 0, errClientGone
	}
	if !hw.c.headSent {
		hw.WriteHeader(http.StatusOK)
	}
	hw.c.writeBody(p)
	return len(p), nil
}

// Flush writes what the client's socket takes now.
func (hw *hostedWriter) Flush() {
	c := hw.c
	if c.state != csClosed && !c.writeOut() {
		c.lost()
	}
}
