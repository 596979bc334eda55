package upstream

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// ErrBadParam is wrapped by every error of ParseParams.
var ErrBadParam = errors.New("bad parameter")

// Limits on parameters; larger values are rejected rather than trusted.
const (
	MaxSize   = 1 << 30
	MaxChunks = 1 << 16
	MaxDelay  = 24 * time.Hour
)

// Query parameter names.
const (
	paramDelay      = "delay"
	paramSize       = "size"
	paramChunks     = "chunks"
	paramChunkDelay = "chunk_delay"
	paramStatus     = "status"
	paramEcho       = "echo"
	paramHang       = "hang"
	paramReset      = "reset"
)

// Params is one request's behaviour. The zero value is an immediate 200
// with an empty body.
type Params struct {
	Delay      time.Duration // "delay": time to first byte (status line + headers)
	Size       int           // "size": body bytes of the pattern of Body
	Chunks     int           // "chunks": body sent in this many pieces; > 1 means chunked encoding
	ChunkDelay time.Duration // "chunk_delay": pause before each piece after the first
	Status     int           // "status": response status; 0 means 200
	Echo       bool          // "echo=1": body is the request body, Content-Type copied
	Hang       bool          // "hang=1": never answer until the client goes away or the server closes
	Reset      bool          // "reset=1": close the connection (TCP reset) without answering
}

// Query renders p as a query string without '?', zero fields omitted, in a
// fixed order, so that equal Params give equal URLs.
func (p Params) Query() string {
	var b strings.Builder
	add := func(name, value string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(value)
	}
	if p.Delay != 0 {
		add(paramDelay, p.Delay.String())
	}
	if p.Size != 0 {
		add(paramSize, strconv.Itoa(p.Size))
	}
	if p.Chunks != 0 {
		add(paramChunks, strconv.Itoa(p.Chunks))
	}
	if p.ChunkDelay != 0 {
		add(paramChunkDelay, p.ChunkDelay.String())
	}
	if p.Status != 0 {
		add(paramStatus, strconv.Itoa(p.Status))
	}
	if p.Echo {
		add(paramEcho, "1")
	}
	if p.Hang {
		add(paramHang, "1")
	}
	if p.Reset {
		add(paramReset, "1")
	}
	return b.String()
}

// ParseParams reads Params from query values. Unknown parameters are
// ignored (the load side may add its own); an empty value counts as absent.
func ParseParams(q url.Values) (Params, error) {
	return parseParams(func(name string) []byte { return []byte(q.Get(name)) })
}

// parseArgs is ParseParams for the server's hot path: no allocation.
func parseArgs(a *fasthttp.Args) (Params, error) {
	return parseParams(a.Peek)
}

func parseParams(get func(name string) []byte) (Params, error) {
	var p Params
	var err error
	if p.Delay, err = parseDuration(paramDelay, get(paramDelay)); err != nil {
		return Params{}, err
	}
	if p.Size, err = parseInt(paramSize, get(paramSize), 0, MaxSize); err != nil {
		return Params{}, err
	}
	if p.Chunks, err = parseInt(paramChunks, get(paramChunks), 0, MaxChunks); err != nil {
		return Params{}, err
	}
	if p.ChunkDelay, err = parseDuration(paramChunkDelay, get(paramChunkDelay)); err != nil {
		return Params{}, err
	}
	if p.Status, err = parseInt(paramStatus, get(paramStatus), 200, 599); err != nil {
		return Params{}, err
	}
	if p.Echo, err = parseBool(paramEcho, get(paramEcho)); err != nil {
		return Params{}, err
	}
	if p.Hang, err = parseBool(paramHang, get(paramHang)); err != nil {
		return Params{}, err
	}
	if p.Reset, err = parseBool(paramReset, get(paramReset)); err != nil {
		return Params{}, err
	}
	if p.Hang && p.Reset {
		return Params{}, fmt.Errorf("%w: %s=1 cannot be combined with %s=1", ErrBadParam, paramReset, paramHang)
	}
	if p.Echo && p.Size != 0 {
		return Params{}, fmt.Errorf("%w: %s=%d cannot be combined with %s=1 (the body is the request's)", ErrBadParam, paramSize, p.Size, paramEcho)
	}
	return p, nil
}

func parseDuration(name string, v []byte) (time.Duration, error) {
	if len(v) == 0 {
		return 0, nil
	}
	d, ok := parseDurationFast(v)
	var err error
	if !ok {
		d, err = time.ParseDuration(string(v))
	}
	if err != nil || d < 0 || d > MaxDelay {
		return 0, fmt.Errorf("%w: %s=%q is not a duration from 0 to %v such as 50ms", ErrBadParam, name, v, MaxDelay)
	}
	return d, nil
}

func parseInt(name string, v []byte, lo, hi int) (int, error) {
	if len(v) == 0 {
		return 0, nil
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%w: %s=%q is not an integer from %d to %d", ErrBadParam, name, v, lo, hi)
	}
	return n, nil
}

func parseBool(name string, v []byte) (bool, error) {
	if len(v) == 0 {
		return false, nil
	}
	b, err := strconv.ParseBool(string(v))
	if err != nil {
		return false, fmt.Errorf("%w: %s=%q is not 1 or 0", ErrBadParam, name, v)
	}
	return b, nil
}

// parseDurationFast parses the common "<digits><unit>" without allocating
// (time.ParseDuration's argument escapes); ok is false for anything else.
func parseDurationFast(v []byte) (d time.Duration, ok bool) {
	var n int64
	i := 0
	for ; i < len(v) && '0' <= v[i] && v[i] <= '9'; i++ {
		if n > int64(MaxDelay) {
			return 0, false
		}
		n = n*10 + int64(v[i]-'0')
	}
	if i == 0 {
		return 0, false
	}
	var unit time.Duration
	switch string(v[i:]) {
	case "ns":
		unit = time.Nanosecond
	case "us", "µs":
		unit = time.Microsecond
	case "ms":
		unit = time.Millisecond
	case "s":
		unit = time.Second
	case "m":
		unit = time.Minute
	case "h":
		unit = time.Hour
	default:
		return 0, false
	}
	if n > int64(MaxDelay/unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}
