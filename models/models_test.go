package models_test

import (
	"errors"
	"testing"

	"gatewaylab/gateway"
	"gatewaylab/models"
	"gatewaylab/models/modeltest"
)

// TestConformance runs every registered model through the suite.
func TestConformance(t *testing.T) {
	for _, m := range models.All() {
		t.Run(m.Name(), func(t *testing.T) { modeltest.Run(t, m) })
	}
}

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range models.All() {
		if seen[m.Name()] {
			t.Errorf("model %q registered twice", m.Name())
		}
		seen[m.Name()] = true
		if m.Design() == "" {
			t.Errorf("model %q has no design line", m.Name())
		}
		if _, err := gateway.Resolve(m, nil); err != nil {
			t.Errorf("model %q: default knobs: %v", m.Name(), err)
		}
		got, err := models.Lookup(m.Name())
		if err != nil || got.Name() != m.Name() {
			t.Errorf("Lookup(%q) = %v, %v", m.Name(), got, err)
		}
	}
	if _, err := models.Lookup("no-such-model"); !errors.Is(err, models.ErrUnknown) {
		t.Errorf("Lookup of an unknown name: %v, want ErrUnknown", err)
	}
}
