// Package reactor reproduces the reactor of Twisted, Tornado and nginx: a
// fixed number of event loops (knob loops, one goroutine each) own every
// socket, client and upstream alike, do only non-blocking I/O and run an
// application written in callback (continuation-passing) style. There is
// no goroutine per request or per connection, and nothing on a loop
// blocks.
//
// # How a request flows
//
// A loop accepts a connection (the listening socket is shared by all loops
// with EPOLLEXCLUSIVE, as nginx does) and keeps it for its life. Every read
// is fed to the incremental parser (httpparse); when a request head and
// body are complete the application is called with the request and the
// connection, which is the continuation it answers through later. For a
// forwarded request the application starts an upstream call on the same
// loop: a pooled keep-alive connection or a non-blocking connect, the
// request written when the socket is writable, and callbacks for the
// response head, each body chunk and the end. Those callbacks write the
// status, headers and body chunks into the client connection's output
// buffer, which the loop flushes with non-blocking writes after each
// event. X-Fanout: K starts K calls at once on the loop and joins their
// answers when the last one ends. Timers (idle clients, upstream head
// deadline, stalled upstream bodies, pooled connections) live in a heap
// on the loop, which epoll_wait's timeout serves.
//
// # Backpressure
//
// A client that reads slowly costs at most about 128 KiB of buffered
// output: above 64 KiB (highWater) the loop stops reading that request's
// upstream connection (EPOLLIN off) and resumes below 16 KiB (lowWater),
// so the upstream's own socket buffers fill and the upstream slows down.
// A fan-out joins bodies in memory and has no backpressure, nor has
// hosted-blocking mode, whose blocking writes cannot wait on the loop.
// Pipelined requests are parsed only while the output is below highWater.
//
// # Probes
//
// Extra holds loops; loopN_events (ready events of the loop's last poll),
// loopN_timers (armed timers) and loopN_clients; client_conns,
// upstream_conns (open, pooled included), upstream_idle (pooled) and
// upstream_paused (reads paused by backpressure). Hosted-blocking mode's
// upstream connections belong to net/http and are not counted.
//
// # Why not gnet
//
// gnet v2 (github.com/panjf2000/gnet/v2) is the field's reactor library,
// but it cannot host both sides faithfully: Engine.Register and
// EventLoop.Register dial outbound connections with a blocking net.Dial on
// a goroutine from a worker pool; OnTick is one engine-wide ticker on its
// own goroutine and EventLoop.Schedule is unsupported, so timers are not
// on the loops; and a connection's reading cannot be paused, so a slow
// client could not push back on its upstream. The loop here is written on
// golang.org/x/sys/unix epoll instead (package evloop).
//
// # Hosted blocking
//
// With hosted-blocking=true the loop runs the thread-pool model's blocking
// application (internal/blockingapp over internal/upstreamhttp) directly
// on the loop, as Tornado's WSGIContainer does: one slow upstream call
// stalls every connection on that loop.
//
// # Good and bad at
//
// Good at: many idle or slow connections and slow upstreams, with little
// memory per request (a connection costs a few hundred bytes and a timer
// when idle, its buffers come from a per-loop pool) and a flat number of
// goroutines. Bad at: CPU-bound work and any blocking call on a loop,
// which stops every connection on it; and one loop uses one core at most.
package reactor

import (
	"fmt"
	"strconv"

	"gatewaylab/gateway"
)

// Knob names.
const (
	KnobLoops          = "loops"
	KnobHostedBlocking = "hosted-blocking"
)

// Model is the reactor model.
type Model struct{}

// Name implements gateway.Model.
func (Model) Name() string { return "reactor" }

// Design implements gateway.Model.
func (Model) Design() string {
	return "reactor (Twisted, Tornado, nginx): N event loops own every socket, non-blocking I/O, callback-style application"
}

// Knobs implements gateway.Model.
func (Model) Knobs() []gateway.Knob {
	return []gateway.Knob{
		{Name: KnobLoops, Default: "1", Usage: "event loops, one goroutine each (>= 1)"},
		{Name: KnobHostedBlocking, Default: "false", Usage: "true runs the blocking application on the loop (Tornado WSGIContainer): a slow upstream stalls the loop"},
	}
}

type settings struct {
	loops  int
	hosted bool
}

func parse(k gateway.Knobs) (settings, error) {
	k, err := gateway.Resolve(Model{}, k)
	if err != nil {
		return settings{}, err
	}
	var s settings
	if s.loops, err = k.Int(KnobLoops, 1); err != nil {
		return s, err
	}
	s.hosted, err = k.Bool(KnobHostedBlocking)
	return s, err
}

// Traits implements gateway.Model.
func (Model) Traits(k gateway.Knobs) gateway.Traits {
	s, err := parse(k)
	if err != nil {
		return gateway.Traits{}
	}
	return gateway.Traits{SlowUpstreamStallsAll: s.hosted}
}

// Start implements gateway.Model.
func (m Model) Start(cfg gateway.Config) (gateway.Server, error) {
	cfg = cfg.WithDefaults()
	s, err := parse(cfg.Knobs)
	if err != nil {
		return nil, fmt.Errorf("reactor: %w", err)
	}
	if cfg.Upstream == "" {
		return nil, fmt.Errorf("reactor: no upstream address")
	}
	srv, err := start(m.Name(), cfg, s)
	if err != nil {
		return nil, fmt.Errorf("reactor: %w", err)
	}
	return srv, nil
}

// loopKey names a per-loop probe.
func loopKey(i int, what string) string { return "loop" + strconv.Itoa(i) + "_" + what }
