package scenarios

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors.
var (
	// ErrInvalid is wrapped by every problem found in a scenario.
	ErrInvalid = errors.New("invalid scenario")
	// ErrNotFound is wrapped when Find knows no scenario by that name.
	ErrNotFound = errors.New("no such scenario")
)

// FieldError is one problem with one field of a scenario. Validate and
// Parse return several joined with errors.Join; errors.As finds the first.
type FieldError struct {
	// File is the file (as given to Parse), or "scenario NAME" for a
	// scenario that was not read from one.
	File string
	// Line in the file, 0 if unknown (a default, or no file).
	Line int
	// Path of the field in YAML terms: "load.rates[2]",
	// "clients[1].read_rate"; empty for the whole file.
	Path string
	// Msg says what is wrong and what is allowed.
	Msg string
}

// Error reads "file:line: path: msg".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// problems collects a scenario's FieldErrors.
type problems struct {
	file string
	list []*FieldError
}

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, &FieldError{File: p.file, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// joined returns the problems as one error, nil if there are none.
func joined(list []*FieldError) error {
	if len(list) == 0 {
		return nil
	}
	errs := make([]error, len(list))
	for i, e := range list {
		errs[i] = e
	}
	return errors.Join(errs...)
}
