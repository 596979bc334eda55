package channel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gatewaylab/internal/upstreamhttp"
)

// server is the server side of the interface, run on the connection
// goroutine: it feeds the async input, calls the application and writes
// its stream, pausing while the stream is empty.
type server struct {
	app    *app
	buffer int
	stats  *stats
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	rc := http.NewResponseController(w)
	req := &request{
		method:        r.Method,
		uri:           r.URL.RequestURI(),
		contentType:   r.Header.Get("Content-Type"),
		contentLength: r.ContentLength,
		header:        r.Header,
	}
	if r.ContentLength != 0 {
		// The body is read while the response is written.
		_ = rc.EnableFullDuplex()
		in := make(chan part, s.buffer)
		fed := make(chan struct{})
		go func() {
			defer close(fed)
			s.feed(ctx, r.Body, in)
		}()
		defer stopFeeder(cancel, rc, fed)
		req.input = in
	}
	stream := s.app.call(ctx, req)
	defer s.stats.unregister(stream)
	s.stats.open.Add(1)
	defer s.stats.open.Add(-1)
	s.relay(ctx, w, rc, stream)
}

// feed reads the client's request body and sends it to the application
// as it arrives (async input).
func (s *server) feed(ctx context.Context, body io.Reader, in chan<- part) {
	defer close(in)
	buf := s.app.pool.get()
	defer s.app.pool.put(buf)
	for {
		n, err := body.Read(*buf)
		if n > 0 {
			select {
			case in <- part{data: bytes.Clone((*buf)[:n])}:
			case <-ctx.Done():
				return
			}
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			select {
			case in <- part{err: fmt.Errorf("client body: %w", err)}:
			case <-ctx.Done():
			}
			return
		}
	}
}

// stopFeeder ends the feeder before the handler returns: net/http forbids
// reading the body afterwards. A feeder blocked reading a client that is
// still sending is woken by an expired read deadline, which is lifted
// again so the connection's next read is not affected.
func stopFeeder(cancel context.CancelFunc, rc *http.ResponseController, fed <-chan struct{}) {
	cancel()
	select {
	case <-fed:
		return
	default:
	}
	_ = rc.SetReadDeadline(time.Now())
	<-fed
	_ = rc.SetReadDeadline(time.Time{})
}

// relay writes the stream to the client: the head (or the 502/504 its
// error maps to), then chunks as they come. An error after the head aborts
// the connection, since the status cannot change any more.
func (s *server) relay(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, stream <-chan part) {
	p, ok := s.next(ctx, rc, stream, false)
	switch {
	case !ok && ctx.Err() != nil:
		return // the client left
	case !ok || (p.err == nil && p.head == nil):
		http.Error(w, "application stream began without a head", http.StatusBadGateway)
		return
	case p.err != nil:
		http.Error(w, p.err.Error(), upstreamhttp.Status(p.err))
		return
	}
	if p.head.contentType != "" {
		w.Header().Set("Content-Type", p.head.contentType)
	}
	if p.head.contentLength >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(p.head.contentLength, 10))
	}
	w.WriteHeader(p.head.status)
	for {
		p, ok := s.next(ctx, rc, stream, true)
		if !ok {
			// The end of the body, or the client left and the producer
			// stopped: either way there is nothing more to write.
			return
		}
		if p.err != nil && ctx.Err() != nil {
			return // the client left, which broke the upstream call
		}
		if p.err != nil {
			// Let the client see the head and what came before the break.
			_ = rc.Flush()
			panic(http.ErrAbortHandler)
		}
		_, err := w.Write(p.data)
		s.app.pool.put(p.buf)
		s.stats.chunks.Add(1)
		if err != nil {
			return
		}
	}
}

// next takes the stream's next element. When the stream is empty it
// flushes what was written (once the head is out) and pauses until the
// producer sends (resume) or the client leaves.
func (s *server) next(ctx context.Context, rc *http.ResponseController, stream <-chan part, headSent bool) (part, bool) {
	select {
	case p, ok := <-stream:
		return p, ok
	default:
	}
	s.stats.pauses.Add(1)
	if headSent {
		_ = rc.Flush()
	}
	return recv(ctx, stream)
}

// stats are the model's probes, shared by server and application.
type stats struct {
	mu      sync.Mutex
	streams map[<-chan part]struct{}

	open, producers, blocked                     atomic.Int64
	peak, fullWaits, pauses, chunks, inputChunks atomic.Int64
	upstreamBytes                                atomic.Int64
}

func newStats() *stats { return &stats{streams: map[<-chan part]struct{}{}} }

func (s *stats) register(c <-chan part) {
	s.mu.Lock()
	s.streams[c] = struct{}{}
	s.mu.Unlock()
}

func (s *stats) unregister(c <-chan part) {
	s.mu.Lock()
	delete(s.streams, c)
	s.mu.Unlock()
}

// observe records n chunks seen in one stream.
func (s *stats) observe(n int) {
	for {
		peak := s.peak.Load()
		if int64(n) <= peak || s.peak.CompareAndSwap(peak, int64(n)) {
			return
		}
	}
}

// probes: streams_open (responses being relayed), buffered (chunks in all
// streams now, fan-out sub-streams included), peak_buffered (most chunks
// seen in one stream, at most buffer), producers (upstream producers
// running), producers_blocked (senders waiting on a full stream now),
// full_waits (times a sender found its stream full), pauses (times the
// server found a stream empty and waited), chunks (written to clients),
// input_chunks (request-body chunks the application received),
// upstream_bytes (body bytes read from the upstream).
func (s *stats) probes() map[string]float64 {
	s.mu.Lock()
	buffered := 0
	for c := range s.streams {
		buffered += len(c)
	}
	s.mu.Unlock()
	return map[string]float64{
		"streams_open":      float64(s.open.Load()),
		"buffered":          float64(buffered),
		"peak_buffered":     float64(s.peak.Load()),
		"producers":         float64(s.producers.Load()),
		"producers_blocked": float64(s.blocked.Load()),
		"full_waits":        float64(s.fullWaits.Load()),
		"pauses":            float64(s.pauses.Load()),
		"chunks":            float64(s.chunks.Load()),
		"input_chunks":      float64(s.inputChunks.Load()),
		"upstream_bytes":    float64(s.upstreamBytes.Load()),
	}
}
