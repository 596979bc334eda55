package gateway

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrBadKnob is wrapped by every knob error.
var ErrBadKnob = errors.New("bad knob")

// Knob declares one setting of a model.
type Knob struct {
	Name    string `json:"name"`
	Default string `json:"default"`
	// Usage is one line; it names the allowed values.
	Usage string `json:"usage"`
}

// Knobs are knob values by name, as strings (as given on the command line).
type Knobs map[string]string

// ParseKnobs parses "a=1,b=2" (or several such strings) into Knobs.
func ParseKnobs(specs ...string) (Knobs, error) {
	k := Knobs{}
	for _, spec := range specs {
		for _, kv := range strings.Split(spec, ",") {
			kv = strings.TrimSpace(kv)
			if kv == "" {
				continue
			}
			name, value, ok := strings.Cut(kv, "=")
			if !ok || name == "" {
				return nil, fmt.Errorf("%w: %q is not name=value", ErrBadKnob, kv)
			}
			k[strings.TrimSpace(name)] = strings.TrimSpace(value)
		}
	}
	return k, nil
}

// Resolve returns the knobs of m with every declared knob set: given values
// first, defaults for the rest. An undeclared name is an error that lists
// the declared ones.
func Resolve(m Model, given Knobs) (Knobs, error) {
	decl := m.Knobs()
	out := Knobs{}
	for _, d := range decl {
		out[d.Name] = d.Default
	}
	for name, v := range given {
		if _, ok := out[name]; !ok {
			names := make([]string, 0, len(decl))
			for _, d := range decl {
				names = append(names, d.Name)
			}
			if len(names) == 0 {
				return nil, fmt.Errorf("%w: model %s has no knobs, got %q", ErrBadKnob, m.Name(), name)
			}
			return nil, fmt.Errorf("%w: model %s has no knob %q (knobs: %s)", ErrBadKnob, m.Name(), name, strings.Join(names, ", "))
		}
		out[name] = v
	}
	return out, nil
}

// String formats knobs as "a=1,b=2" in name order; it is how knobs appear in
// results and legends.
func (k Knobs) String() string {
	names := make([]string, 0, len(k))
	for n := range k {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + k[n]
	}
	return strings.Join(parts, ",")
}

// Int returns knob name as an int no smaller than min.
func (k Knobs) Int(name string, min int) (int, error) {
	v, err := strconv.Atoi(k[name])
	if err != nil {
		return 0, fmt.Errorf("%w: %s=%q is not an integer", ErrBadKnob, name, k[name])
	}
	if v < min {
		return 0, fmt.Errorf("%w: %s=%d is below %d", ErrBadKnob, name, v, min)
	}
	return v, nil
}

// Bool returns knob name as a bool.
func (k Knobs) Bool(name string) (bool, error) {
	v, err := strconv.ParseBool(k[name])
	if err != nil {
		return false, fmt.Errorf("%w: %s=%q is not true or false", ErrBadKnob, name, k[name])
	}
	return v, nil
}

// Duration returns knob name as a positive duration.
func (k Knobs) Duration(name string) (time.Duration, error) {
	v, err := time.ParseDuration(k[name])
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%w: %s=%q is not a positive duration such as 1ms", ErrBadKnob, name, k[name])
	}
	return v, nil
}

// OneOf returns knob name if it is one of allowed.
func (k Knobs) OneOf(name string, allowed ...string) (string, error) {
	v := k[name]
	if !slices.Contains(allowed, v) {
		return "", fmt.Errorf("%w: %s=%q is not one of %s", ErrBadKnob, name, v, strings.Join(allowed, ", "))
	}
	return v, nil
}

// Label names a model with its knobs for results and legends: the name
// alone when every knob is at its default, else "name(k=v,...)" with the
// knobs that differ.
func Label(m Model, k Knobs) string {
	diff := Knobs{}
	for _, d := range m.Knobs() {
		if v, ok := k[d.Name]; ok && v != d.Default {
			diff[d.Name] = v
		}
	}
	if len(diff) == 0 {
		return m.Name()
	}
	return m.Name() + "(" + diff.String() + ")"
}
