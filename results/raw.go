package results

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// hit is one raw result with the time it was meant to be sent.
type hit struct {
	*vegeta.Result
	intended time.Time
}

// lag is how late the hit was sent.
func (h hit) lag() time.Duration { return h.Timestamp.Sub(h.intended) }

// corrected is the latency from the intended send time: what a user
// arriving on schedule would have waited.
func (h hit) corrected() time.Duration { return h.End().Sub(h.intended) }

// ok is vegeta's notion of success.
func (h hit) ok() bool { return h.Error == "" && h.Code >= 200 && h.Code < 400 }

// classBase is when a class's schedule starts.
func classBase(c Cell, cl Class) time.Time {
	if !cl.Start.IsZero() {
		return cl.Start
	}
	return c.Start
}

// scheduled says whether a class's hits have intended send times.
func scheduled(c Cell, cl Class) bool {
	return len(cl.Schedule.Segments) > 0 && !classBase(c, cl).IsZero()
}

// intended is when r was meant to be sent. The class's start is taken just
// before the attack begins, so a hit can seem sent a hair early: such
// clock noise is clamped to no lag.
func intended(c Cell, cl Class, r *vegeta.Result) time.Time {
	if !scheduled(c, cl) {
		return r.Timestamp
	}
	off, ok := cl.Schedule.Intended(r.Seq)
	if !ok {
		return r.Timestamp
	}
	t := classBase(c, cl).Add(off)
	if t.After(r.Timestamp) {
		return r.Timestamp
	}
	return t
}

// streamClass decodes a class's raw file one result at a time and calls fn
// for each. A missing file is reported as missing (not an error); a
// truncated last record (the run died while writing) ends the stream with
// a warning.
func streamClass(cellDir string, c Cell, cl Class, fn func(hit)) (missing bool, warning string, err error) {
	if cl.File == "" {
		return false, "", nil
	}
	f, err := OpenRaw(cellDir, cl.File)
	if isNotExist(err) {
		return true, "", nil
	}
	if err != nil {
		return false, "", err
	}
	defer f.Close()
	dec := vegeta.NewDecoder(bufio.NewReaderSize(f, 64*1024))
	var n uint64
	for {
		// A fresh Result each time: gob leaves fields that are zero in the
		// stream untouched, so reusing one would leak the last error.
		r := new(vegeta.Result)
		err := dec.Decode(r)
		if errors.Is(err, io.EOF) {
			return false, "", nil
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return false, fmt.Sprintf("%s: truncated after %d results", cl.File, n), nil
		}
		if err != nil {
			return false, "", fmt.Errorf("results: decode %s result %d: %w", cl.File, n, err)
		}
		n++
		fn(hit{Result: r, intended: intended(c, cl, r)})
	}
}
