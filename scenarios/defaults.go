package scenarios

import (
	"time"

	"gatewaylab/gateway"
)

// Defaults that ApplyDefaults fills in.
const (
	DefaultRepetitions = 1
	DefaultWarmup      = time.Second
	DefaultTimeout     = 5 * time.Second
	DefaultMaxWorkers  = 10000
	DefaultRecvBuffer  = ByteSize(4 << 10)
	// DefaultSlowlorisRate is a slowloris's head trickle, bytes/s.
	DefaultSlowlorisRate = ByteSize(1)
	DefaultFaultStatus   = 503
	DefaultClassName     = "normal"
)

// ApplyDefaults fills zero fields with their defaults; it is idempotent.
//
//   - kind: sweep for a steps load, timeline otherwise
//   - repetitions: 1
//   - load.warmup 1s, load.timeout 5s, load.max_workers 10000
//   - gateway.upstream_timeout: the contract's 10s
//   - request.method (and each class's request.method): GET
//   - upstream.delay.dist: fixed
//   - upstream.faults[].status: 503 for kind error
//   - clients: one class {name: normal, share: 1, behaviour: normal}
//   - clients[].behaviour: normal; clients[].name: the behaviour
//   - clients[].keep_alive: true
//   - clients[].share: 1 when the class is the only rate-driven one
//   - clients[].recv_buffer: 4KiB for slow readers
//   - clients[].send_rate: 1 B/s for slowloris
func (s *Scenario) ApplyDefaults() {
	if s.Kind == "" {
		s.Kind = KindTimeline
		if s.Load.Kind == LoadSteps {
			s.Kind = KindSweep
		}
	}
	if s.Repetitions == 0 {
		s.Repetitions = DefaultRepetitions
	}
	l := &s.Load
	if l.Warmup == 0 {
		l.Warmup = Duration(DefaultWarmup)
	}
	if l.Timeout == 0 {
		l.Timeout = Duration(DefaultTimeout)
	}
	if l.MaxWorkers == 0 {
		l.MaxWorkers = DefaultMaxWorkers
	}
	if s.Gateway.UpstreamTimeout == 0 {
		s.Gateway.UpstreamTimeout = Duration(gateway.DefaultUpstreamTimeout)
	}
	s.Request.applyDefaults()
	if s.Upstream.Delay.Kind == "" {
		s.Upstream.Delay.Kind = DistFixed
	}
	for i := range s.Upstream.Faults {
		if f := &s.Upstream.Faults[i]; f.Kind == FaultError && f.Status == 0 {
			f.Status = DefaultFaultStatus
		}
	}
	if len(s.Clients) == 0 {
		s.Clients = []ClientClass{{Name: DefaultClassName, Share: 1, Behaviour: Normal}}
	}
	rateDriven := 0
	for _, c := range s.Clients {
		if c.Behaviour == "" || c.RateDriven() {
			rateDriven++
		}
	}
	for i := range s.Clients {
		c := &s.Clients[i]
		if c.Behaviour == "" {
			c.Behaviour = Normal
		}
		if c.Name == "" {
			c.Name = c.Behaviour
		}
		if c.KeepAlive == nil {
			yes := true
			c.KeepAlive = &yes
		}
		if c.Share == 0 && rateDriven == 1 && c.RateDriven() {
			c.Share = 1
		}
		switch c.Behaviour {
		case SlowReader:
			if c.RecvBuffer == 0 {
				c.RecvBuffer = DefaultRecvBuffer
			}
		case Slowloris:
			if c.SendRate == 0 {
				c.SendRate = DefaultSlowlorisRate
			}
		}
		if c.Request != nil {
			c.Request.applyDefaults()
		}
	}
}

func (r *Request) applyDefaults() {
	if r.Method == "" {
		r.Method = MethodGet
	}
}

// RateDriven says whether the class sends a share of the load's rate
// (normal, slow-reader, slow-sender) rather than holding connections
// (slowloris, holder).
func (c ClientClass) RateDriven() bool {
	switch c.Behaviour {
	case Normal, SlowReader, SlowSender:
		return true
	}
	return false
}

// KeepsAlive reports whether the class reuses its connections (KeepAlive, default
// true).
func (c ClientClass) KeepsAlive() bool { return c.KeepAlive == nil || *c.KeepAlive }

// RequestFor is the request shape of class c: its own, or the scenario's.
func (s *Scenario) RequestFor(c ClientClass) Request {
	if c.Request != nil {
		return *c.Request
	}
	return s.Request
}

// ResponseSizeFor is the upstream body size for class c: its own, or the
// scenario's.
func (s *Scenario) ResponseSizeFor(c ClientClass) ByteSize {
	if c.ResponseSize > 0 {
		return c.ResponseSize
	}
	return s.Upstream.Size
}
