// Package channel reproduces the streaming interface that Phillip Eby
// proposed for asynchronous WSGI (wsgi.pause_output with a resume
// callback: the application's iterator plus a queue between server and
// application), with the asynchronous request input that Christopher
// Stawarz argued for. What it reproduces is the interface between server
// and application, not the I/O front: it runs on the shared net/http front
// (internal/httpfront), a goroutine per connection, like the thread-pool
// model, so that only the interface differs.
//
// Flow of one request:
//
//  1. The connection goroutine (the server) parses the request. If it has
//     a body, a feeder goroutine reads it from the client and sends it to
//     the application chunk by chunk on an input channel (async input: the
//     application never does a blocking read).
//  2. The server calls the application, which returns at once with a
//     stream: a Go channel of capacity `buffer`. Its first element is the
//     response head (status, Content-Type, length), sent only once the
//     upstream has answered, or an error that the server maps to 502 or
//     504; the following elements are body chunks; the stream is closed
//     at the end. An error element after the head means the upstream broke
//     mid-body: the server aborts the client connection.
//  3. The application's asynchronous producer (a goroutine) makes the
//     upstream call with internal/upstreamhttp, streaming the input
//     channel on as the upstream request body, and reads the upstream body
//     up to 32 KiB at a time into the stream.
//  4. The server writes chunks as they arrive, flushes and pauses while
//     the stream is empty (pause_output), and resumes when the producer
//     sends (the resume callback is the channel send). A full stream blocks
//     the producer, which stops reading the upstream: a slow client is
//     backpressure on the upstream, and memory per request is bounded by
//     `buffer` chunks of up to 32 KiB.
//
// Fan-out (X-Fanout: K): the application tees the input to K producers
// that call the upstream concurrently, each into its own stream of
// capacity `buffer`; a joiner goroutine waits for the K heads, sends the
// joined head, then relays the K bodies in order. Up to (K+1)*buffer
// chunks are buffered per request.
//
// Good at: slow upstreams and slow clients at bounded memory, streaming in
// both directions; no fixed slot limit. Bad at: cost per request (a
// producer goroutine and a channel hop per chunk on top of the connection
// goroutine), and the head cannot be sent before the upstream answers.
package channel

import (
	"context"
	"fmt"
	"sync"

	"gatewaylab/gateway"
	"gatewaylab/internal/httpfront"
	"gatewaylab/internal/upstreamhttp"
)

// KnobBuffer is the stream's capacity in chunks.
const KnobBuffer = "buffer"

// ChunkSize is the most the producer reads from the upstream (and the
// feeder from the client) into one chunk.
const ChunkSize = 32 << 10

// Model is the channel model.
type Model struct{}

// Name implements gateway.Model.
func (Model) Name() string { return "channel" }

// Design implements gateway.Model.
func (Model) Design() string {
	return "Eby's async WSGI: the app returns at once a stream (Go channel) fed by an async producer; pause/resume; async input"
}

// Knobs implements gateway.Model.
func (Model) Knobs() []gateway.Knob {
	return []gateway.Knob{
		{Name: KnobBuffer, Default: "4", Usage: "stream capacity in chunks of up to 32 KiB (>= 0; 0 = hand-to-hand)"},
	}
}

type settings struct {
	buffer int
}

func parse(k gateway.Knobs) (settings, error) {
	k, err := gateway.Resolve(Model{}, k)
	if err != nil {
		return settings{}, err
	}
	var s settings
	s.buffer, err = k.Int(KnobBuffer, 0)
	return s, err
}

// Traits implements gateway.Model.
func (Model) Traits(gateway.Knobs) gateway.Traits {
	return gateway.Traits{Slots: 0, SlowReaderHoldsSlot: false}
}

// Start implements gateway.Model.
func (m Model) Start(cfg gateway.Config) (gateway.Server, error) {
	cfg = cfg.WithDefaults()
	s, err := parse(cfg.Knobs)
	if err != nil {
		return nil, fmt.Errorf("channel: %w", err)
	}
	up := upstreamhttp.New(cfg.Upstream, cfg.UpstreamTimeout)
	st := newStats()
	a := &app{up: up, buffer: s.buffer, stats: st}
	srv, err := httpfront.Start(httpfront.Options{
		Model:   m.Name(),
		Config:  cfg,
		Handler: &server{app: a, buffer: s.buffer, stats: st},
		Extra:   st.probes,
		Stop: func(ctx context.Context) error {
			err := a.wait(ctx)
			up.CloseIdle()
			return err
		},
	})
	if err != nil {
		return nil, err
	}
	return srv, nil
}

// bufPool recycles chunk buffers between producer and server.
type bufPool struct{ p sync.Pool }

func (b *bufPool) get() *[]byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return v
	}
	buf := make([]byte, ChunkSize)
	return &buf
}

func (b *bufPool) put(buf *[]byte) {
	if buf != nil {
		b.p.Put(buf)
	}
}

// waitGroup waits for goroutines until ctx is done.
func waitGroup(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("channel: producers still running: %w", ctx.Err())
	}
}
