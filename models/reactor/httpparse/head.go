// Package httpparse is the reactor's HTTP/1.1 parser: incremental (bytes
// may arrive one at a time, as a reactor reads them) and bounded (a head is
// at most MaxHead bytes). net/http's parser is not incremental, and none of
// the proven incremental ones (picohttpparser, llhttp) is in Go, so this one
// is small, strict and fuzzed.
//
// Nothing here allocates on the common path: parsed fields alias the head
// bytes they came from and are valid only as long as those bytes are.
package httpparse

import (
	"bytes"
	"errors"
)

// MaxHead bounds a message head (start line, header lines and the empty
// line that ends them), as gateway.MaxHead does.
const MaxHead = 8 << 10

// Errors of the parser. ErrMalformed is wrapped with the reason.
var (
	ErrTooLarge      = errors.New("httpparse: head too large")
	ErrMalformed     = errors.New("httpparse: malformed message")
	ErrUnexpectedEOF = errors.New("httpparse: body ended early")
)

// Head accumulates one message head that may arrive in pieces. The zero
// value is ready to use; after a complete head it is ready for the next.
type Head struct {
	buf []byte
}

// Feed consumes bytes of p up to the end of the head. It returns the number
// of bytes of p consumed and, once the head is complete, the head (ending
// with its empty line). The head aliases p or the Head's own buffer and is
// valid until the next call. A head longer than MaxHead fails with
// ErrTooLarge.
func (h *Head) Feed(p []byte) (head []byte, n int, err error) {
	if len(h.buf) == 0 {
		if end := headEnd(p, 0); end >= 0 {
			if end > MaxHead {
				return nil, 0, ErrTooLarge
			}
			return p[:end], end, nil
		}
		if len(p) > MaxHead {
			return nil, 0, ErrTooLarge
		}
		h.buf = append(h.buf, p...)
		return nil, len(p), nil
	}
	old := len(h.buf)
	// Never hold more than MaxHead+1 bytes: that is enough to tell.
	take := min(len(p), MaxHead+1-old)
	h.buf = append(h.buf, p[:take]...)
	if end := headEnd(h.buf, max(0, old-2)); end >= 0 {
		if end > MaxHead {
			h.buf = h.buf[:0]
			return nil, 0, ErrTooLarge
		}
		head = h.buf[:end]
		h.buf = h.buf[:0]
		return head, end - old, nil
	}
	if len(h.buf) > MaxHead {
		h.buf = h.buf[:0]
		return nil, 0, ErrTooLarge
	}
	return nil, take, nil
}

// Pending is the number of head bytes received so far.
func (h *Head) Pending() int { return len(h.buf) }

// Reset forgets a partial head; release drops the buffer too.
func (h *Head) Reset(release bool) {
	if release {
		h.buf = nil
		return
	}
	h.buf = h.buf[:0]
}

// headEnd returns the index just past the empty line that ends a head, or
// -1. Lines end in CRLF or, leniently, LF. It looks at LFs from index from
// on (a resumed scan starts two bytes before the old end).
func headEnd(b []byte, from int) int {
	for i := from; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j
		switch {
		case i+1 < len(b) && b[i+1] == '\n':
			return i + 2
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			return i + 3
		}
		i++
	}
	return -1
}
