package gateway

import (
	"errors"
	"testing"
)

type fakeModel struct{}

func (fakeModel) Name() string   { return "fake" }
func (fakeModel) Design() string { return "test double" }
func (fakeModel) Knobs() []Knob {
	return []Knob{{Name: "workers", Default: "10"}, {Name: "mode", Default: "a"}}
}
func (fakeModel) Traits(Knobs) Traits          { return Traits{} }
func (fakeModel) Start(Config) (Server, error) { return nil, errors.New("not startable") }

func TestParseKnobs(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
		bad  bool
	}{
		{nil, "", false},
		{[]string{""}, "", false},
		{[]string{"workers=4"}, "workers=4", false},
		{[]string{"workers=4, mode=b"}, "mode=b,workers=4", false},
		{[]string{"workers=4", "mode=b"}, "mode=b,workers=4", false},
		{[]string{"workers"}, "", true},
		{[]string{"=4"}, "", true},
	} {
		k, err := ParseKnobs(tc.in...)
		if tc.bad {
			if !errors.Is(err, ErrBadKnob) {
				t.Errorf("ParseKnobs(%q): err %v, want ErrBadKnob", tc.in, err)
			}
			continue
		}
		if err != nil || k.String() != tc.want {
			t.Errorf("ParseKnobs(%q) = %q, %v; want %q", tc.in, k.String(), err, tc.want)
		}
	}
}

func TestResolveAndLabel(t *testing.T) {
	for _, tc := range []struct {
		given Knobs
		label string
		bad   bool
	}{
		{nil, "fake", false},
		{Knobs{"workers": "10"}, "fake", false},
		{Knobs{"workers": "20"}, "fake(workers=20)", false},
		{Knobs{"workers": "20", "mode": "b"}, "fake(mode=b,workers=20)", false},
		{Knobs{"threads": "2"}, "", true},
	} {
		k, err := Resolve(fakeModel{}, tc.given)
		if tc.bad {
			if !errors.Is(err, ErrBadKnob) {
				t.Errorf("Resolve(%v): err %v, want ErrBadKnob", tc.given, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Resolve(%v): %v", tc.given, err)
		}
		if len(k) != 2 {
			t.Errorf("Resolve(%v) = %v: want every declared knob set", tc.given, k)
		}
		if got := Label(fakeModel{}, k); got != tc.label {
			t.Errorf("Label(%v) = %q, want %q", k, got, tc.label)
		}
	}
}

func TestTypedKnobs(t *testing.T) {
	k := Knobs{"n": "5", "neg": "-1", "x": "abc", "b": "true", "d": "2ms", "zero": "0s"}
	if v, err := k.Int("n", 1); err != nil || v != 5 {
		t.Errorf("Int(n) = %v, %v", v, err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"neg", func() error { _, err := k.Int("neg", 0); return err }()},
		{"x int", func() error { _, err := k.Int("x", 0); return err }()},
		{"x bool", func() error { _, err := k.Bool("x"); return err }()},
		{"zero duration", func() error { _, err := k.Duration("zero"); return err }()},
		{"oneof", func() error { _, err := k.OneOf("x", "a", "b"); return err }()},
	} {
		if !errors.Is(tc.err, ErrBadKnob) {
			t.Errorf("%s: err %v, want ErrBadKnob", tc.name, tc.err)
		}
	}
	if v, err := k.Bool("b"); err != nil || !v {
		t.Errorf("Bool(b) = %v, %v", v, err)
	}
	if v, err := k.Duration("d"); err != nil || v.String() != "2ms" {
		t.Errorf("Duration(d) = %v, %v", v, err)
	}
}
