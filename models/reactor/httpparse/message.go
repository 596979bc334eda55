package httpparse

import (
	"bytes"
	"fmt"
	"strings"
)

// Request is a parsed request head. Byte fields alias the head.
type Request struct {
	Method []byte
	Target []byte
	// Minor is the HTTP/1.x minor version: 0 or 1.
	Minor int
	// ContentLength is the body's length; -1 when there is none (or it is
	// chunked).
	ContentLength int64
	Chunked       bool
	// Close is true when the client asked to close after this exchange
	// (Connection: close, or HTTP/1.0 without keep-alive).
	Close       bool
	Expect100   bool
	ContentType []byte
	// Fanout is the raw X-Fanout value, nil when absent.
	Fanout []byte
}

// Response is a parsed response head. Byte fields alias the head.
type Response struct {
	Minor  int
	Status int
	// ContentLength is -1 when the head gives none.
	ContentLength int64
	Chunked       bool
	// Close is true when the server will close after this response.
	Close       bool
	ContentType []byte
}

// NoBody reports whether the response has no body whatever its headers say
// (1xx, 204, 304).
func (r *Response) NoBody() bool {
	return r.Status < 200 || r.Status == 204 || r.Status == 304
}

// ParseRequest parses a complete request head as returned by Head.Feed.
func ParseRequest(head []byte) (Request, error) {
	req := Request{ContentLength: -1}
	line, rest := nextLine(head)
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return req, malformed("request line %q", line)
	}
	req.Method = line[:sp]
	if !isToken(req.Method) {
		return req, malformed("method %q", req.Method)
	}
	line = line[sp+1:]
	sp = bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return req, malformed("request target")
	}
	req.Target = line[:sp]
	for _, c := range req.Target {
		if c <= ' ' || c == 0x7f {
			return req, malformed("request target %q", req.Target)
		}
	}
	minor, ok := version(line[sp+1:])
	if !ok {
		return req, malformed("version %q", line[sp+1:])
	}
	req.Minor = minor
	var h fields
	if err := h.parse(rest); err != nil {
		return req, err
	}
	req.ContentLength, req.Chunked = h.length, h.chunked
	req.ContentType, req.Fanout, req.Expect100 = h.contentType, h.fanout, h.expect100
	req.Close = h.close || (minor == 0 && !h.keepAlive)
	if h.te && (!h.chunked || minor == 0) {
		// RFC 9112 6.1: HTTP/1.0 framing with Transfer-Encoding is faulty.
		return req, malformed("transfer-encoding other than chunked, or in HTTP/1.0")
	}
	if h.chunked && h.length >= 0 {
		return req, malformed("both content-length and chunked")
	}
	return req, nil
}

// ParseResponse parses a complete response head as returned by Head.Feed.
func ParseResponse(head []byte) (Response, error) {
	resp := Response{ContentLength: -1}
	line, rest := nextLine(head)
	if len(line) < 12 || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return resp, malformed("status line %q", line)
	}
	minor, ok := version(line[:8])
	if !ok {
		return resp, malformed("version %q", line[:8])
	}
	resp.Minor = minor
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return resp, malformed("status %q", line[9:12])
		}
		resp.Status = resp.Status*10 + int(c-'0')
	}
	if resp.Status < 100 {
		return resp, malformed("status %d", resp.Status)
	}
	var h fields
	if err := h.parse(rest); err != nil {
		return resp, err
	}
	resp.ContentType = h.contentType
	resp.Close = h.close || (minor == 0 && !h.keepAlive)
	if minor == 0 {
		// As net/http does: HTTP/1.0 has no transfer codings.
		h.te, h.chunked = false, false
	}
	switch {
	case resp.NoBody():
		resp.ContentLength = 0
	case h.te && !h.chunked:
		// Another final coding: the body runs to the close.
		resp.Close = true
	case h.chunked:
		resp.Chunked = true
	default:
		resp.ContentLength = h.length
	}
	if resp.ContentLength < 0 && !resp.Chunked {
		resp.Close = true
	}
	return resp, nil
}

// fields are the header fields the gateway cares about.
type fields struct {
	length      int64
	te, chunked bool
	close       bool
	keepAlive   bool
	expect100   bool
	contentType []byte
	fanout      []byte
}

func (f *fields) parse(b []byte) error {
	f.length = -1
	for {
		var line []byte
		line, b = nextLine(b)
		if len(line) == 0 {
			if len(b) != 0 {
				return malformed("bytes after the head")
			}
			return nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return malformed("header line %q", line)
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		if !isToken(name) {
			return malformed("header name %q", name)
		}
		for _, c := range value {
			if (c < ' ' && c != '\t') || c == 0x7f {
				return malformed("header value of %q", name)
			}
		}
		if err := f.field(name, value); err != nil {
			return err
		}
	}
}

func (f *fields) field(name, value []byte) error {
	switch {
	case equalFold(name, "content-length"):
		n, ok := parseLength(value)
		if !ok || (f.length >= 0 && f.length != n) {
			return malformed("content-length %q", value)
		}
		f.length = n
	case equalFold(name, "transfer-encoding"):
		f.te = true
		// Chunked must be the final coding; anything before it is not
		// ours to undo, so only a lone "chunked" counts.
		f.chunked = equalFold(value, "chunked")
	case equalFold(name, "connection"):
		for len(value) > 0 {
			var tok []byte
			if i := bytes.IndexByte(value, ','); i >= 0 {
				tok, value = trimOWS(value[:i]), value[i+1:]
			} else {
				tok, value = trimOWS(value), nil
			}
			switch {
			case equalFold(tok, "close"):
				f.close = true
			case equalFold(tok, "keep-alive"):
				f.keepAlive = true
			}
		}
	case equalFold(name, "content-type"):
		if f.contentType == nil {
			f.contentType = value
		}
	case equalFold(name, "x-fanout"):
		if f.fanout == nil {
			f.fanout = value
		}
	case equalFold(name, "expect"):
		f.expect100 = equalFold(value, "100-continue")
	}
	return nil
}

// nextLine splits off the first line, without its CRLF or LF.
func nextLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

func version(b []byte) (minor int, ok bool) {
	if len(b) != 8 || string(b[:7]) != "HTTP/1." {
		return 0, false
	}
	switch b[7] {
	case '0':
		return 0, true
	case '1':
		return 1, true
	}
	return 0, false
}

// parseLength parses a non-negative decimal of at most 18 digits.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold compares b with the lower-case ASCII string s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// isToken reports whether b is a non-empty RFC 9110 token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
