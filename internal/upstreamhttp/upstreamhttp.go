// Package upstreamhttp is the blocking upstream client that the models
// written in blocking style share: one call per request, its failure mapped
// to the contract's 502 or 504.
package upstreamhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"gatewaylab/gateway"
)

// ErrTimeout is the cause of a call whose head (or next body bytes) did not
// come within the upstream timeout.
var ErrTimeout = errors.New("upstream timeout")

// Client calls one upstream. It is safe for concurrent use.
type Client struct {
	base    string
	timeout time.Duration
	http    *http.Client
}

// New returns a client for the upstream at addr (host:port).
func New(addr string, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = gateway.DefaultUpstreamTimeout
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &Client{base: "http://" + addr, timeout: timeout, http: &http.Client{Transport: tr}}
}

// CloseIdle closes idle upstream connections.
func (c *Client) CloseIdle() { c.http.CloseIdleConnections() }

// Do sends method uri (path and query) with body to the upstream and waits
// for its head. The returned body fails with ErrTimeout if the upstream
// stalls for longer than the timeout between reads; the caller closes it.
func (c *Client) Do(ctx context.Context, method, uri, contentType string, contentLength int64, body io.Reader) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	req, err := http.NewRequestWithContext(ctx, method, c.base+uri, body)
	if err != nil {
		cancel(err)
		return nil, fmt.Errorf("upstream request: %w", err)
	}
	if body == nil || contentLength == 0 {
		req.Body = nil
		req.ContentLength = 0
	} else {
		req.ContentLength = contentLength // -1: chunked
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	timer := time.AfterFunc(c.timeout, func() { cancel(ErrTimeout) })
	resp, err := c.http.Do(req)
	if err != nil {
		timer.Stop()
		cause := context.Cause(ctx)
		cancel(nil)
		if errors.Is(cause, ErrTimeout) {
			return nil, fmt.Errorf("upstream %s %s: %w", method, uri, ErrTimeout)
		}
		return nil, fmt.Errorf("upstream %s %s: %w", method, uri, err)
	}
	resp.Body = &stallBody{ReadCloser: resp.Body, timer: timer, timeout: c.timeout, cancel: cancel, ctx: ctx}
	timer.Reset(c.timeout)
	return resp, nil
}

// stallBody re-arms the timeout on every read, so a body that stops
// flowing fails instead of holding the request forever.
type stallBody struct {
	io.ReadCloser
	ctx     context.Context
	timer   *time.Timer
	timeout time.Duration
	cancel  context.CancelCauseFunc
}

func (b *stallBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.timer.Reset(b.timeout)
	if err != nil && !errors.Is(err, io.EOF) {
		if cause := context.Cause(b.ctx); errors.Is(cause, ErrTimeout) {
			err = fmt.Errorf("upstream body: %w", ErrTimeout)
		}
	}
	return n, err
}

func (b *stallBody) Close() error {
	b.timer.Stop()
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}

// Status maps an upstream failure to the contract's status: 504 for a
// timeout, 502 for everything else (refused, reset, malformed).
func Status(err error) int {
	var ne net.Error
	if errors.Is(err, ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}

// Fanout reads the contract's X-Fanout header: 1 when absent.
func Fanout(h http.Header) (int, error) {
	v := h.Get(gateway.FanoutHeader)
	if v == "" {
		return 1, nil
	}
	k, err := strconv.Atoi(v)
	if err != nil || k < 1 || k > gateway.MaxFanout {
		return 0, fmt.Errorf("%s: %q is not an integer from 1 to %d", gateway.FanoutHeader, v, gateway.MaxFanout)
	}
	return k, nil
}

// Joined is the contract's join of fan-out answers: the first non-200
// status (or 200), the first answer's Content-Type, the bodies in order.
type Joined struct {
	Status      int
	ContentType string
	Body        []byte
}

// Add folds one answer into j; the first call sets the Content-Type.
func (j *Joined) Add(first bool, status int, contentType string, body []byte) {
	if first {
		j.Status = http.StatusOK
		j.ContentType = contentType
	}
	if j.Status == http.StatusOK && status != http.StatusOK {
		j.Status = status
	}
	j.Body = append(j.Body, body...)
}
