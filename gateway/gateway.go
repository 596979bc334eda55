// Package gateway is the contract that every concurrency model of the lab
// implements, identically, so that the only difference the harness measures
// is the model.
//
// # The contract
//
// A gateway is an HTTP/1.1 server on 127.0.0.1 that fronts one upstream.
//
//   - Any GET or POST path except the two below is forwarded to the upstream
//     with the same method, path, query and body. The upstream's status,
//     Content-Type and body are relayed to the client, plus the header
//     X-Gateway-Model: <model name>. The body is streamed: the gateway can
//     send the first chunk before the upstream has sent the last, using
//     chunked transfer encoding when the upstream's length is unknown.
//   - Fan-out: a request with the header X-Fanout: K (1 <= K <= 64) is sent
//     to the upstream K times; the answers are joined: the status is the
//     first non-200 status (or 200), Content-Type is the first answer's and
//     the body is the K bodies concatenated in order. How the K calls are
//     made (one after another, or concurrently) is the model's business.
//   - GET /healthz is answered by the gateway itself with 200 "ok".
//   - GET /debug/gateway answers the model's live probes as JSON (Probes).
//   - Upstream refused or reset before its response head: 502. Upstream
//     response head not received within the upstream timeout (default 10 s):
//     504. If the upstream stalls or breaks after its head was relayed, the
//     status cannot change any more: the client connection is closed without
//     a proper end of body.
//   - Malformed request: 400 and close. Request head over 8 KiB (MaxHead):
//     431 and close. Method other than GET or POST: 405.
//   - A client that sends nothing for the idle timeout is closed.
//   - Keep-alive for HTTP/1.1; Connection: close honoured.
//   - Shutdown (SIGTERM in gwlab serve): stop accepting, finish in-flight
//     requests up to a deadline, exit 0.
//
// None of these may crash the process or leak its resources. The
// conformance suite in gatewaylab/models/modeltest checks every point over
// real sockets against the real upstream simulator.
package gateway

import (
	"context"
	"time"
)

// Header names of the contract.
const (
	ModelHeader  = "X-Gateway-Model"
	FanoutHeader = "X-Fanout"
)

// Paths the gateway answers itself.
const (
	HealthPath = "/healthz"
	ProbePath  = "/debug/gateway"
)

// Limits and defaults of the contract.
const (
	MaxHead                = 8 << 10
	MaxFanout              = 64
	DefaultUpstreamTimeout = 10 * time.Second
	DefaultIdleTimeout     = 30 * time.Second
	DefaultAddr            = "127.0.0.1:0"
)

// Model is one concurrency model of the gateway. Implementations are
// stateless values; all state lives in the Server that Start returns.
type Model interface {
	// Name is the model's name on the command line, in results and plots.
	Name() string
	// Design says in one line which design the model reproduces.
	Design() string
	// Knobs declares the model's settings and their defaults.
	Knobs() []Knob
	// Traits says how the model behaves under the given (resolved) knobs;
	// the conformance suite asserts it.
	Traits(k Knobs) Traits
	// Start listens on cfg.Addr and serves the contract until Shutdown.
	Start(cfg Config) (Server, error)
}

// Server is a running gateway. Its methods are safe for concurrent use.
type Server interface {
	// Addr is the address the server listens on, as host:port.
	Addr() string
	// Probes is a snapshot of the live probes.
	Probes() Probes
	// Shutdown stops accepting, waits for in-flight requests until ctx is
	// done, then closes everything that is left. It returns ctx's error if
	// requests were cut off.
	Shutdown(ctx context.Context) error
}

// Config is what every model is started with. The zero value of each field
// means its default.
type Config struct {
	// Addr to listen on; default DefaultAddr.
	Addr string
	// Upstream is the host:port of the upstream server. Required.
	Upstream string
	// UpstreamTimeout bounds the wait for the upstream's response head;
	// default DefaultUpstreamTimeout.
	UpstreamTimeout time.Duration
	// IdleTimeout closes a client connection that sends nothing for this
	// long; default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// SendBuffer sets SO_SNDBUF on accepted client connections, so that a
	// slow reader's backpressure reaches the model instead of being absorbed
	// by the kernel; 0 leaves the kernel's default (which grows to MiBs).
	SendBuffer int
	// Knobs are the model's own settings; missing ones take their defaults.
	Knobs Knobs
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.UpstreamTimeout <= 0 {
		c.UpstreamTimeout = DefaultUpstreamTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	return c
}

// Traits describe, for one setting of knobs, the behaviour that the
// conformance suite checks and the report explains.
type Traits struct {
	// Slots is the most requests the model works on at once (the thread
	// pool's workers); 0 means no fixed limit.
	Slots int
	// SlowReaderHoldsSlot is true when a client that reads its response
	// slowly keeps its slot until it has read everything, so that Slots
	// slow readers stop everybody else.
	SlowReaderHoldsSlot bool
	// SlowUpstreamStallsAll is true when one slow upstream call stops the
	// model from serving anything else (a blocking call on an event loop).
	SlowUpstreamStallsAll bool
	// BuffersBody is true when the model reads the whole upstream body
	// before it sends the first byte to the client (PEP 444's callable
	// returns a complete response), the one documented exception to
	// streaming.
	BuffersBody bool
}

// Probes are the live numbers every model reports at ProbePath.
type Probes struct {
	Model string `json:"model"`
	// InFlight is the number of requests received and not yet answered.
	InFlight int64 `json:"in_flight"`
	// Goroutines is runtime.NumGoroutine() of the gateway process.
	Goroutines int `json:"goroutines"`
	// Completed counts responses fully written to clients.
	Completed int64 `json:"completed"`
	// ClientGone counts responses completed (upstream work done) for clients
	// that had already gone: wasted work.
	ClientGone int64 `json:"client_gone"`
	// Extra holds the model's own probes (workers, queue, loops, polls...).
	Extra map[string]float64 `json:"extra,omitempty"`
}
