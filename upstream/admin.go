package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// Admin endpoints, on the server's own port.
const (
	AdminFaultPath = adminPrefix + "fault" // POST ?kind=&for=[&status=]: Inject
	AdminClearPath = adminPrefix + "clear" // POST: ClearFault
	AdminStatsPath = adminPrefix + "stats" // GET: Stats as JSON
	AdminResetPath = adminPrefix + "reset" // POST: ResetStats
)

// admin answers the admin endpoints; every answer but errors is the Stats
// after the action, as JSON.
func (s *Server) admin(ctx *fasthttp.RequestCtx) {
	path := string(ctx.Path())
	method := fasthttp.MethodPost
	switch path {
	case AdminStatsPath:
		method = fasthttp.MethodGet
	case AdminFaultPath, AdminClearPath, AdminResetPath:
	default:
		ctx.Error("no such admin endpoint: "+path, fasthttp.StatusNotFound)
		return
	}
	if string(ctx.Method()) != method {
		ctx.Response.Header.Set("Allow", method)
		ctx.Error("method not allowed: use "+method, fasthttp.StatusMethodNotAllowed)
		return
	}
	switch path {
	case AdminFaultPath:
		f, err := parseFault(ctx.QueryArgs().Peek)
		if err == nil {
			err = s.inject(f, ctx.Conn())
		}
		if err != nil {
			adminError(ctx, err)
			return
		}
		if f.Kind == FaultRefuse {
			ctx.SetConnectionClose() // the last connection left open
		}
	case AdminClearPath:
		if err := s.ClearFault(); err != nil {
			adminError(ctx, err)
			return
		}
	case AdminResetPath:
		s.ResetStats()
	}
	b, err := json.Marshal(s.Stats())
	if err != nil {
		adminError(ctx, err)
		return
	}
	ctx.SetContentType("application/json")
	ctx.SetBody(b)
}

func adminError(ctx *fasthttp.RequestCtx, err error) {
	status := fasthttp.StatusInternalServerError
	switch {
	case errors.Is(err, ErrBadFault):
		status = fasthttp.StatusBadRequest
	case errors.Is(err, ErrClosed):
		status = fasthttp.StatusServiceUnavailable
	}
	ctx.Error(err.Error(), status)
}

// ErrAdmin is wrapped by Client errors that the server answered.
var ErrAdmin = errors.New("upstream admin request failed")

// Client drives a server's admin endpoints from another process (the load
// generator). It is safe for concurrent use.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client for the server at addr (host:port).
func NewClient(addr string) *Client {
	return &Client{
		base: "http://" + addr,
		// No keep-alive: a refuse closes the connections a pool would hold.
		http: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second},
	}
}

// Inject starts f on the server.
func (c *Client) Inject(ctx context.Context, f Fault) (Stats, error) {
	if _, err := f.check(); err != nil {
		return Stats{}, err
	}
	return c.do(ctx, http.MethodPost, AdminFaultPath+"?"+f.Query())
}

// ClearFault ends the server's current fault.
func (c *Client) ClearFault(ctx context.Context) (Stats, error) {
	return c.do(ctx, http.MethodPost, AdminClearPath)
}

// Stats reads the server's counters.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	return c.do(ctx, http.MethodGet, AdminStatsPath)
}

// ResetStats resets the server's counters and returns them.
func (c *Client) ResetStats(ctx context.Context) (Stats, error) {
	return c.do(ctx, http.MethodPost, AdminResetPath)
}

func (c *Client) do(ctx context.Context, method, uri string) (Stats, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+uri, nil)
	if err != nil {
		return Stats{}, fmt.Errorf("upstream admin: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Stats{}, fmt.Errorf("upstream admin: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Stats{}, fmt.Errorf("upstream admin %s: %w", uri, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Stats{}, fmt.Errorf("%w: %s %s: %s: %s", ErrAdmin, method, uri, resp.Status, strings.TrimSpace(string(body)))
	}
	var st Stats
	if err := json.Unmarshal(body, &st); err != nil {
		return Stats{}, fmt.Errorf("upstream admin %s: %w", uri, err)
	}
	return st, nil
}
