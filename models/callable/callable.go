// Package callable reproduces the asynchronous option of PEP 444 (the
// draft "web3" WSGI successor): the application returns either a complete
// response or an argumentless callable, and the server keeps a table of
// in-flight callables that it polls in turn until each returns its
// response (status, headers, body). What it reproduces is the interface
// between server and application, not the I/O front: it runs on the
// shared net/http front (internal/httpfront), a goroutine per connection,
// like the thread-pool model, so that only the interface differs.
//
// Flow of one request:
//
//  1. The connection goroutine calls the application. It reads the
//     request body (a blocking read, as wsgi.input; PEP 444 has no async
//     input), starts the upstream work in the background (a goroutine
//     doing the call through internal/upstreamhttp; with X-Fanout: K, K
//     calls concurrently) and returns a callable at once. Requests it can
//     answer on the spot (a bad X-Fanout) get a complete response instead.
//  2. The server puts the callable in its table and the connection
//     goroutine waits. `pollers` poller goroutines share the table, each
//     sweeping its own shard: every `tick` (poll=tick), or spinning and
//     yielding with runtime.Gosched when a sweep found nothing ready
//     (poll=busy). Both idle-wait while their shard is empty.
//  3. A poll is one call of the callable: "not yet" until the background
//     is done, then the complete response, which the poller removes from
//     the table and hands to the connection goroutine; it writes it.
//
// PEP 444's callable returns the whole response, so the background reads
// the whole upstream body before the callable is ready: this model does
// not stream. The first byte waits for the last, and the whole body is
// held in memory (gateway.Traits.BuffersBody, the contract's one
// documented exception to streaming). A broken or stalled upstream body
// aborts the client connection, as in the streaming models (fan-out
// answers 502/504 instead, as the blocking application does).
//
// Good at: slow upstreams with no fixed slot limit, and the application
// never blocks the server. Bad at: latency (up to one tick per request,
// plus the time to buffer the body), CPU (busy polling spins; empty polls
// grow with pending requests times poll rate), memory (whole bodies) and
// large or trickled bodies (no streaming).
package callable

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"gatewaylab/gateway"
	"gatewaylab/internal/httpfront"
	"gatewaylab/internal/upstreamhttp"
)

// Knob names.
const (
	KnobPoll    = "poll"
	KnobTick    = "tick"
	KnobPollers = "pollers"
)

// Poll modes.
const (
	PollTick = "tick"
	PollBusy = "busy"
)

// Model is the callable-response model.
type Model struct{}

// Name implements gateway.Model.
func (Model) Name() string { return "callable" }

// Design implements gateway.Model.
func (Model) Design() string {
	return "PEP 444 async: the app returns a response or a callable; the server polls a table of callables until each is ready"
}

// Knobs implements gateway.Model.
func (Model) Knobs() []gateway.Knob {
	return []gateway.Knob{
		{Name: KnobPoll, Default: PollTick, Usage: "tick (sweep the table every tick) or busy (sweep without sleeping, Gosched when nothing was ready)"},
		{Name: KnobTick, Default: "1ms", Usage: "poll interval for poll=tick (a duration)"},
		{Name: KnobPollers, Default: "1", Usage: "poller goroutines sharing the table, each sweeping its shard (>= 1)"},
	}
}

type settings struct {
	busy    bool
	tick    time.Duration
	pollers int
}

func parse(k gateway.Knobs) (settings, error) {
	k, err := gateway.Resolve(Model{}, k)
	if err != nil {
		return settings{}, err
	}
	var s settings
	mode, err := k.OneOf(KnobPoll, PollTick, PollBusy)
	if err != nil {
		return s, err
	}
	s.busy = mode == PollBusy
	if s.tick, err = k.Duration(KnobTick); err != nil {
		return s, err
	}
	s.pollers, err = k.Int(KnobPollers, 1)
	return s, err
}

// Traits implements gateway.Model.
func (Model) Traits(gateway.Knobs) gateway.Traits {
	return gateway.Traits{Slots: 0, SlowReaderHoldsSlot: false, BuffersBody: true}
}

// Start implements gateway.Model.
func (m Model) Start(cfg gateway.Config) (gateway.Server, error) {
	cfg = cfg.WithDefaults()
	s, err := parse(cfg.Knobs)
	if err != nil {
		return nil, fmt.Errorf("callable: %w", err)
	}
	up := upstreamhttp.New(cfg.Upstream, cfg.UpstreamTimeout)
	a := &app{up: up}
	t := newTable(s)
	srv, err := httpfront.Start(httpfront.Options{
		Model:   m.Name(),
		Config:  cfg,
		Handler: &server{app: a, table: t},
		Extra: func() map[string]float64 {
			p := t.probes()
			p["buffered_bytes"] = float64(a.buffered.Load())
			p["background"] = float64(a.running.Load())
			return p
		},
		Stop: func(ctx context.Context) error {
			t.stop()
			err := a.wait(ctx)
			up.CloseIdle()
			return err
		},
	})
	if err != nil {
		t.stop()
		return nil, err
	}
	return srv, nil
}

// server is the connection side: it calls the application, parks a
// callable in the table and writes the response the poller hands back.
type server struct {
	app   *app
	table *table
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	resp, poll := s.app.call(ctx, r)
	if resp == nil {
		e := &entry{poll: poll, ready: make(chan *response, 1)}
		if !s.table.add(e) {
			http.Error(w, "server stopping", http.StatusServiceUnavailable)
			return
		}
		select {
		case resp = <-e.ready:
		case <-ctx.Done():
			// The client left: the background stops with ctx and its
			// callable leaves the table at its next poll.
			e.abandon()
			return
		case <-s.table.done:
			http.Error(w, "server stopping", http.StatusServiceUnavailable)
			return
		}
	}
	defer resp.release()
	if resp.abort {
		panic(http.ErrAbortHandler)
	}
	if resp.contentType != "" {
		w.Header().Set("Content-Type", resp.contentType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}
