// Package nethttp is the baseline: what a Go programmer writes first. Go's
// own net/http server runs a goroutine per connection and calls a blocking
// handler that proxies to the upstream with net/http's client (a fan-out's
// calls each on a goroutine of their own, joined with a WaitGroup). There is no
// pool and no queue: the runtime's scheduler multiplexes goroutines over
// threads, so blocking code costs a goroutine (a few KiB) per request, not
// a thread.
//
// Good at: everything in this lab, at the price of a goroutine and its
// buffers per connection. Bad at: nothing the lab measures, until memory
// per connection matters (c10k).
package nethttp

import (
	"context"

	"gatewaylab/gateway"
	"gatewaylab/internal/blockingapp"
	"gatewaylab/internal/httpfront"
	"gatewaylab/internal/upstreamhttp"
)

// Model is the net/http baseline.
type Model struct{}

// Name implements gateway.Model.
func (Model) Name() string { return "net-http" }

// Design implements gateway.Model.
func (Model) Design() string {
	return "baseline: Go's net/http, a goroutine per connection, blocking handler"
}

// Knobs implements gateway.Model.
func (Model) Knobs() []gateway.Knob { return nil }

// Traits implements gateway.Model.
func (Model) Traits(gateway.Knobs) gateway.Traits { return gateway.Traits{} }

// Start implements gateway.Model.
func (m Model) Start(cfg gateway.Config) (gateway.Server, error) {
	cfg = cfg.WithDefaults()
	up := upstreamhttp.New(cfg.Upstream, cfg.UpstreamTimeout)
	s, err := httpfront.Start(httpfront.Options{
		Model:   m.Name(),
		Config:  cfg,
		Handler: blockingapp.App{Upstream: up, ConcurrentFanout: true},
		Stop: func(context.Context) error {
			up.CloseIdle()
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}
