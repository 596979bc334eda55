package upstream

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// ErrBadBody is wrapped by Verify's errors.
var ErrBadBody = errors.New("body differs from the pattern")

// PatternContentType is the Content-Type of pattern bodies.
const PatternContentType = "text/plain; charset=utf-8"

// recLen is the length of one record of the pattern: its own offset as 15
// hex digits and a newline, so a dropped, repeated or moved byte shows.
const recLen = 16

// cacheSize is how much of the pattern a Server precomputes; bodies up to
// it are sent as slices of it, without a copy. A power of 16 (fillPast).
const cacheSize = 1 << 20

// scratchSize is the buffer of a stream that generates the pattern past
// the cache.
const scratchSize = 32 << 10

const hexDigits = "0123456789abcdef"

// Body returns the deterministic body of n bytes that the server sends for
// size=n: the first n bytes of a stream of 16-byte records, each its own
// offset in hex and a newline ("000000000000000\n000000000000010\n...").
func Body(n int) []byte {
	b := make([]byte, n)
	fill(b, 0)
	return b
}

// Verify returns nil if body == Body(len(body)), else an error wrapping
// ErrBadBody that gives the first differing offset. A body cut short is
// still a prefix of the pattern: compare its length with the size asked.
func Verify(body []byte) error {
	var rec [recLen]byte
	for off := 0; off < len(body); off += recLen {
		record(&rec, off)
		chunk := body[off:min(off+recLen, len(body))]
		for i, c := range chunk {
			if c != rec[i] {
				return fmt.Errorf("%w: byte %d is %q, want %q", ErrBadBody, off+i, c, rec[i])
			}
		}
	}
	return nil
}

// record writes the pattern's record that starts at off (a multiple of recLen).
func record(rec *[recLen]byte, off int) {
	v := uint64(off)
	for i := recLen - 2; i >= 0; i-- {
		rec[i] = hexDigits[v&15]
		v >>= 4
	}
	rec[recLen-1] = '\n'
}

// fill writes the pattern from offset off into dst.
func fill(dst []byte, off int) {
	var rec [recLen]byte
	for len(dst) > 0 {
		base := off - off%recLen
		record(&rec, base)
		n := copy(dst, rec[off-base:])
		dst, off = dst[n:], off+n
	}
}

// fillPast is fill for off past cache (Body of a power of 16 bytes), ten
// times faster: a record past the cache equals the cache's record at the
// same offset modulo the cache's size, but for its upper digits.
func fillPast(cache, dst []byte, off int) {
	lowDigits := 0
	for c := len(cache); c > 1; c /= 16 {
		if c%16 != 0 {
			fill(dst, off) // not a power of 16
			return
		}
		lowDigits++
	}
	upper := recLen - 1 - lowDigits
	if head := (recLen - off%recLen) % recLen; head > 0 {
		head = min(head, len(dst))
		fill(dst[:head], off)
		dst, off = dst[head:], off+head
	}
	var rec [recLen]byte
	for len(dst) > 0 {
		r := off % len(cache)
		n := copy(dst, cache[r:])
		record(&rec, off-r)
		for i := 0; i < n; i += recLen {
			copy(dst[i:min(i+upper, n)], rec[:upper])
		}
		dst, off = dst[n:], off+n
	}
}

// bodyStream is a response body sent in pieces with pauses between them,
// or a pattern body too large for the cache. fasthttp calls WriteTo on the
// connection's goroutine; with chunked encoding each Write is one chunk,
// flushed. Close (always called by fasthttp, also when the client has
// gone) ends the request's time in flight.
type bodyStream struct {
	s      *Server
	echo   bool
	src    []byte // the request body when echo
	size   int
	chunks int
	gap    time.Duration

	off     int // bytes sent
	piece   int // current piece
	end     int // offset where the current piece ends
	scratch []byte
	closed  bool
}

func newBodyStream(s *Server, p Params, echoBody []byte) *bodyStream {
	b := &bodyStream{s: s, echo: p.Echo, size: p.Size, chunks: max(p.Chunks, 1), gap: p.ChunkDelay}
	if p.Echo {
		b.src, b.size = echoBody, len(echoBody)
	}
	b.end = b.pieceEnd(0)
	return b
}

func (b *bodyStream) pieceEnd(i int) int {
	return int(int64(b.size) * int64(i+1) / int64(b.chunks))
}

// next returns the next bytes to send, at most limit, after the pause that
// precedes each piece but the first. It fails with ErrClosed when the
// server closes during a pause.
func (b *bodyStream) next(limit int) ([]byte, error) {
	for b.off == b.end {
		if b.piece+1 >= b.chunks {
			return nil, io.EOF
		}
		b.piece++
		b.end = b.pieceEnd(b.piece)
		if b.gap > 0 && !b.s.sleep(b.gap) {
			return nil, ErrClosed
		}
	}
	n := min(b.end-b.off, limit)
	var p []byte
	switch {
	case b.echo:
		p = b.src[b.off : b.off+n]
	case b.off < len(b.s.cache):
		n = min(n, len(b.s.cache)-b.off)
		p = b.s.cache[b.off : b.off+n]
	default:
		if b.scratch == nil {
			b.scratch = make([]byte, scratchSize)
		}
		n = min(n, len(b.scratch))
		p = b.scratch[:n]
		fillPast(b.s.cache, p, b.off)
	}
	b.off += n
	return p, nil
}

// Read implements io.Reader (fasthttp prefers WriteTo).
func (b *bodyStream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	q, err := b.next(len(p))
	if err != nil {
		return 0, err
	}
	return copy(p, q), nil
}

// WriteTo implements io.WriterTo: one Write per piece (or cache slice),
// no copy.
func (b *bodyStream) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		p, err := b.next(math.MaxInt)
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		n, err := w.Write(p)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
}

// SupportsBodyWriteTo tells fasthttp that WriteTo paces like Read.
func (b *bodyStream) SupportsBodyWriteTo() bool { return true }

// Close implements io.Closer.
func (b *bodyStream) Close() error {
	if !b.closed {
		b.closed = true
		b.s.gauge.leave()
	}
	return nil
}
