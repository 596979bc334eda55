package httpparse

import "strconv"

// Framing of a body.
const (
	framingLength = iota
	framingChunked
	framingClose
)

// Chunked decoder states.
const (
	chSize = iota
	chSizeWS
	chExt
	chSizeLF
	chData
	chDataCR
	chDataLF
	chTrailer
	chTrailerLF
	chDone
)

// maxChunkDigits bounds a chunk size to 15 hex digits (under 2^60).
const maxChunkDigits = 15

// Body decodes one message body as it arrives, without copying: Next
// returns the data bytes of its input in place. The zero value is a body of
// length 0.
type Body struct {
	framing int
	left    int64 // length: bytes left; chunked: bytes left in the chunk
	state   int
	digits  int
	line    int // bytes of the current trailer or extension line
	trailer int // bytes of trailer so far
	done    bool
}

// Init sets the framing: chunked, else length >= 0, else (responses only)
// until the connection closes.
func (b *Body) Init(length int64, chunked bool) {
	*b = Body{}
	switch {
	case chunked:
		b.framing = framingChunked
	case length >= 0:
		b.framing, b.left, b.done = framingLength, length, length == 0
	default:
		b.framing = framingClose
	}
}

// Done reports whether the body has ended.
func (b *Body) Done() bool { return b.done }

// CloseDelimited reports whether the body ends only at the close.
func (b *Body) CloseDelimited() bool { return b.framing == framingClose }

// Next decodes from p. It returns the data at the start of p (aliasing p,
// possibly empty), the number of bytes of p consumed (data and framing) and
// whether the body has ended. While the body has not ended and p is not
// empty, n > 0.
func (b *Body) Next(p []byte) (data []byte, n int, err error) {
	if b.done || len(p) == 0 {
		return nil, 0, nil
	}
	switch b.framing {
	case framingClose:
		return p, len(p), nil
	case framingLength:
		n := int(min(int64(len(p)), b.left))
		b.left -= int64(n)
		b.done = b.left == 0
		return p[:n], n, nil
	}
	return b.chunked(p)
}

// EOF tells the body that the connection closed; it reports whether that
// ends the body properly.
func (b *Body) EOF() error {
	if b.done {
		return nil
	}
	if b.framing == framingClose {
		b.done = true
		return nil
	}
	return ErrUnexpectedEOF
}

func (b *Body) chunked(p []byte) (data []byte, n int, err error) {
	for n < len(p) {
		c := p[n]
		switch b.state {
		case chSize, chSizeWS:
			switch d := unhex(c); {
			case d >= 0 && b.state == chSize:
				if b.digits == maxChunkDigits {
					return nil, n, malformed("chunk size too long")
				}
				b.left = b.left<<4 | int64(d)
				b.digits++
			case b.digits == 0:
				return nil, n, malformed("chunk size %q", c)
			case c == ' ' || c == '\t':
				b.state = chSizeWS
			case c == ';':
				b.state, b.line = chExt, 0
			case c == '\r':
				b.state = chSizeLF
			case c == '\n':
				b.endSizeLine()
			default:
				return nil, n, malformed("chunk size %q", c)
			}
		case chExt:
			// Extensions are skipped, bounded like a head.
			b.line++
			switch {
			case b.line > MaxHead:
				return nil, n, malformed("chunk extension too long")
			case c == '\r':
				b.state = chSizeLF
			case c == '\n':
				b.endSizeLine()
			}
		case chSizeLF:
			if c != '\n' {
				return nil, n, malformed("chunk size line")
			}
			b.endSizeLine()
		case chData:
			if n > 0 {
				// Return the framing consumed so far; the data comes
				// next call, so that data is always at p's start.
				return nil, n, nil
			}
			k := int(min(int64(len(p)), b.left))
			b.left -= int64(k)
			if b.left == 0 {
				b.state = chDataCR
			}
			return p[:k], k, nil
		case chDataCR:
			switch c {
			case '\r':
				b.state = chDataLF
			case '\n':
				b.state = chSize
			default:
				return nil, n, malformed("chunk data not followed by CRLF")
			}
		case chDataLF:
			if c != '\n' {
				return nil, n, malformed("chunk data not followed by CRLF")
			}
			b.state = chSize
		case chTrailer:
			b.line++
			b.trailer++
			switch {
			case b.trailer > MaxHead:
				return nil, n, malformed("trailer too long")
			case c == '\r' && b.line == 1:
				b.state = chTrailerLF
			case c == '\n':
				if b.line == 1 {
					b.state, b.done = chDone, true
					return nil, n + 1, nil
				}
				b.line = 0
			}
		case chTrailerLF:
			if c != '\n' {
				return nil, n, malformed("trailer")
			}
			b.state, b.done = chDone, true
			return nil, n + 1, nil
		}
		n++
	}
	return nil, n, nil
}

// endSizeLine is called at the LF of a chunk-size line.
func (b *Body) endSizeLine() {
	b.digits = 0
	if b.left == 0 {
		b.state, b.line = chTrailer, 0
		return
	}
	b.state = chData
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// AppendChunk appends p as one chunk of a chunked body; an empty p appends
// nothing (it would end the body).
func AppendChunk(dst, p []byte) []byte {
	if len(p) == 0 {
		return dst
	}
	dst = strconv.AppendUint(dst, uint64(len(p)), 16)
	dst = append(dst, '\r', '\n')
	dst = append(dst, p...)
	return append(dst, '\r', '\n')
}

// LastChunk ends a chunked body (no trailers).
const LastChunk = "0\r\n\r\n"
