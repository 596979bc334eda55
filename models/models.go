// Package models is the list of gateway models the lab knows. Adding a
// model is one folder under models/ and one line in All; after that it is
// served by `gwlab serve --model NAME`, run through the conformance suite
// (models_test.go), listed by `gwlab models` and measured by `gwlab bench`.
package models

import (
	"errors"
	"fmt"
	"strings"

	"gatewaylab/gateway"
	"gatewaylab/models/callable"
	"gatewaylab/models/channel"
	"gatewaylab/models/nethttp"
	"gatewaylab/models/reactor"
	"gatewaylab/models/threadpool"
)

// ErrUnknown is returned by Lookup for a name no model has.
var ErrUnknown = errors.New("unknown model")

// All returns every registered model, the baseline first.
func All() []gateway.Model {
	return []gateway.Model{
		nethttp.Model{},
		threadpool.Model{},
		reactor.Model{},
		channel.Model{},
		callable.Model{},
	}
}

// Names returns the names of All, in order.
func Names() []string {
	var names []string
	for _, m := range All() {
		names = append(names, m.Name())
	}
	return names
}

// Lookup returns the model called name.
func Lookup(name string) (gateway.Model, error) {
	for _, m := range All() {
		if m.Name() == name {
			return m, nil
		}
	}
	return nil, fmt.Errorf("%w %q (models: %s)", ErrUnknown, name, strings.Join(Names(), ", "))
}
