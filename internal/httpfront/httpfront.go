// Package httpfront is the I/O front that the goroutine-per-connection
// models share: Go's net/http server set up to the contract's limits, the
// gateway's own paths (/healthz, /debug/gateway), the X-Gateway-Model
// header and the common probes. The model supplies only the handler that
// turns a forwarded request into a response, which is where the models
// differ.
package httpfront

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"

	"gatewaylab/gateway"
)

// Options configure Start.
type Options struct {
	// Model is the model's name, sent in X-Gateway-Model.
	Model string
	// Config is the gateway config (defaults are applied by Start).
	Config gateway.Config
	// Handler answers forwarded requests: GET and POST on any path but the
	// gateway's own.
	Handler http.Handler
	// Extra returns the model's own probes; may be nil.
	Extra func() map[string]float64
	// Stop, if set, is called after the HTTP server has drained (or ctx
	// expired) to stop the model's own machinery (pools, pollers).
	Stop func(ctx context.Context) error
}

// Server is a running front. It implements gateway.Server.
type Server struct {
	opts     Options
	ln       net.Listener
	srv      *http.Server
	done     chan struct{}
	inFlight atomic.Int64
	complete atomic.Int64
	gone     atomic.Int64
}

// Start listens on opts.Config.Addr and serves until Shutdown.
func Start(opts Options) (*Server, error) {
	opts.Config = opts.Config.WithDefaults()
	if opts.Config.Upstream == "" {
		return nil, errors.New("httpfront: no upstream address")
	}
	ln, err := net.Listen("tcp", opts.Config.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", opts.Config.Addr, err)
	}
	s := &Server{opts: opts, ln: SendBufferListener(ln, opts.Config.SendBuffer), done: make(chan struct{})}
	s.srv = &http.Server{
		Handler: s,
		// net/http reads up to MaxHeaderBytes+4096 before answering 431.
		MaxHeaderBytes:    gateway.MaxHead - 4096,
		ReadHeaderTimeout: opts.Config.IdleTimeout,
		IdleTimeout:       opts.Config.IdleTimeout,
		ErrorLog:          nil,
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(s.ln)
	}()
	return s, nil
}

// Addr implements gateway.Server.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Probes implements gateway.Server.
func (s *Server) Probes() gateway.Probes {
	p := gateway.Probes{
		Model:      s.opts.Model,
		InFlight:   s.inFlight.Load(),
		Goroutines: runtime.NumGoroutine(),
		Completed:  s.complete.Load(),
		ClientGone: s.gone.Load(),
	}
	if s.opts.Extra != nil {
		p.Extra = s.opts.Extra()
	}
	return p
}

// Shutdown implements gateway.Server.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	<-s.done
	if s.opts.Stop != nil {
		if serr := s.opts.Stop(ctx); err == nil {
			err = serr
		}
	}
	return err
}

// ServeHTTP routes the gateway's own paths and counts forwarded exchanges.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(gateway.ModelHeader, s.opts.Model)
	switch {
	case r.URL.Path == gateway.HealthPath && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok"))
		return
	case r.URL.Path == gateway.ProbePath && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Probes())
		return
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	tw := &trackingWriter{ResponseWriter: w}
	s.opts.Handler.ServeHTTP(tw, r)
	if tw.err != nil || r.Context().Err() != nil {
		s.gone.Add(1)
		return
	}
	s.complete.Add(1)
}

// trackingWriter remembers whether a write to the client failed.
type trackingWriter struct {
	http.ResponseWriter
	err error
}

func (t *trackingWriter) Write(p []byte) (int, error) {
	n, err := t.ResponseWriter.Write(p)
	if err != nil && t.err == nil {
		t.err = err
	}
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// SendBufferListener sets SO_SNDBUF on every accepted connection when n > 0.
func SendBufferListener(ln net.Listener, n int) net.Listener {
	if n <= 0 {
		return ln
	}
	return sndbufListener{Listener: ln, n: n}
}

type sndbufListener struct {
	net.Listener
	n int
}

func (l sndbufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(l.n)
	}
	return c, nil
}
