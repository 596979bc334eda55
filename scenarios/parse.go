package scenarios

import (
	"bytes"
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// embedded holds the default set; see benchOrder for its order.
//
//go:embed *.yaml
var embedded embed.FS

// embeddedDir is the embedded files' directory in the repository, so that
// errors name a path the user can open.
const embeddedDir = "scenarios/"

// benchOrder is the order in which `gwlab bench` runs the default set:
// simple to hard, sweeps first.
func benchOrder() []string {
	return []string{
		"baseline",
		"slow-upstream",
		"heavy-tail-upstream",
		"trickle-upstream",
		"slow-readers",
		"slowloris",
		"slow-upload",
		"burst",
		"upstream-outage",
		"fan-out",
		"c10k",
	}
}

// Parse reads one scenario from YAML; name (usually the file's path) is
// used in errors and checked against the scenario's name if it ends in
// .yaml or .yml. Unknown fields are errors. Parse applies the defaults and
// validates; every problem, of decoding or of validation, comes back at
// once as joined *FieldErrors, each wrapping ErrInvalid.
func Parse(name string, data []byte) (*Scenario, error) {
	idx, err := indexYAML(name, data)
	if err != nil {
		return nil, err
	}
	var s Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var bad []*FieldError
	if err := dec.Decode(&s); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, &FieldError{File: name, Msg: fmt.Sprintf("cannot read: %v", err)}
		}
		for _, m := range te.Errors {
			bad = append(bad, idx.translate(name, m))
		}
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		bad = append(bad, &FieldError{File: name, Msg: "holds more than one YAML document; put one scenario in each file"})
	}
	s.File = name
	s.ApplyDefaults()
	decoded := len(bad)
	for _, fe := range s.problems() {
		// A field that could not be decoded is zero: say so once.
		if !slices.ContainsFunc(bad[:decoded], func(d *FieldError) bool { return covers(d.Path, fe.Path) }) {
			fe.Line = idx.line(fe.Path)
			bad = append(bad, fe)
		}
	}
	slices.SortStableFunc(bad, func(a, b *FieldError) int { return cmp.Compare(a.Line, b.Line) })
	if err := joined(bad); err != nil {
		return nil, err
	}
	return &s, nil
}

// covers says whether a problem at path outer makes one at inner moot.
func covers(outer, inner string) bool {
	return outer == "" || inner == outer ||
		strings.HasPrefix(inner, outer+".") || strings.HasPrefix(inner, outer+"[")
}

// LoadFile reads and parses the scenario file at path.
func LoadFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(path, data)
}

// Default returns the default set, the embedded files, in bench order.
func Default() ([]*Scenario, error) {
	names, err := embeddedNames()
	if err != nil {
		return nil, err
	}
	out := make([]*Scenario, 0, len(names))
	var errs []error
	for _, n := range names {
		s, err := loadEmbedded(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Names lists the embedded scenarios in bench order.
func Names() []string {
	names, _ := embeddedNames()
	return names
}

// embeddedNames lists the embedded scenarios: those of benchOrder first,
// then any others by name.
func embeddedNames() ([]string, error) {
	files, err := fs.Glob(embedded, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("scenario: embedded files: %w", err)
	}
	var rest []string
	for _, f := range files {
		if n := strings.TrimSuffix(f, ".yaml"); !slices.Contains(benchOrder(), n) {
			rest = append(rest, n)
		}
	}
	var names []string
	for _, n := range benchOrder() {
		if slices.Contains(files, n+".yaml") {
			names = append(names, n)
		}
	}
	return append(names, rest...), nil
}

func loadEmbedded(name string) (*Scenario, error) {
	data, err := embedded.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("scenario %q: %w", name, err)
	}
	return Parse(embeddedDir+name+".yaml", data)
}

// Find returns the embedded scenario named arg, or, if arg ends in .yaml or
// .yml, the scenario in that file. An unknown name wraps ErrNotFound.
func Find(arg string) (*Scenario, error) {
	if _, ok := fileStem(arg); ok {
		return LoadFile(arg)
	}
	if !validName(arg) {
		return nil, fmt.Errorf("%w: %q (give the name of a built-in scenario, or a path ending in .yaml)", ErrNotFound, arg)
	}
	if _, err := fs.Stat(embedded, arg+".yaml"); err != nil {
		return nil, fmt.Errorf("%w: %q (built in: %s; or give a path ending in .yaml)", ErrNotFound, arg, strings.Join(Names(), ", "))
	}
	return loadEmbedded(arg)
}

// index maps a YAML document's nodes to the paths of the fields they hold,
// so that errors can name fields (decode errors only give a line) and
// lines (validation only knows fields).
type index struct {
	entries []entry
	lines   map[string]int // path -> line
}

// entry is one node: a mapping key (key set) or a value.
type entry struct {
	path      string
	key       string
	isKey     bool
	line, col int
	node      *yaml.Node
}

// indexYAML parses data into nodes and indexes them; a syntax error or an
// empty file is a *FieldError.
func indexYAML(name string, data []byte) (*index, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := cutLine(strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, &FieldError{File: name, Line: line, Msg: "not valid YAML: " + msg}
	}
	if len(doc.Content) == 0 {
		return nil, &FieldError{File: name, Msg: "empty: a scenario needs at least name, description and load"}
	}
	idx := &index{lines: map[string]int{}}
	idx.walk(doc.Content[0], "")
	return idx, nil
}

func (x *index) walk(n *yaml.Node, path string) {
	x.entries = append(x.entries, entry{path: path, line: n.Line, col: n.Column, node: n})
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			child := k.Value
			if path != "" {
				child = path + "." + k.Value
			}
			x.entries = append(x.entries, entry{path: child, key: k.Value, isKey: true, line: k.Line, col: k.Column, node: k})
			x.lines[child] = k.Line
			x.walk(v, child)
		}
	case yaml.SequenceNode:
		for i, v := range n.Content {
			child := fmt.Sprintf("%s[%d]", path, i)
			x.lines[child] = v.Line
			x.walk(v, child)
		}
	}
}

// line is the line of path, or of its nearest ancestor in the file.
func (x *index) line(path string) int {
	for path != "" {
		if l, ok := x.lines[path]; ok {
			return l
		}
		path = path[:max(strings.LastIndexAny(path, ".["), 0)]
	}
	return 0
}

// cutLine splits "line 5: rest" into 5 and rest (0 and msg if it is not).
func cutLine(msg string) (int, string) {
	after, ok := strings.CutPrefix(msg, "line ")
	num, rest, ok2 := strings.Cut(after, ": ")
	n, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil {
		return 0, msg
	}
	return n, rest
}

// cutColumn splits "column 7: rest", as nodeError writes it.
func cutColumn(msg string) (int, string) {
	n, rest := cutLine(strings.Replace(msg, "column ", "line ", 1))
	if n == 0 {
		return 0, msg
	}
	return n, rest
}

// cutUnknownField reads yaml.v3's "field X not found in type T".
func cutUnknownField(msg string) (field, typ string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "field ")
	i := strings.LastIndex(rest, " not found in type ")
	if !ok || i < 0 {
		return "", "", false
	}
	return rest[:i], rest[i+len(" not found in type "):], true
}

// cutCannot reads yaml.v3's "cannot unmarshal !!str `abc` into float64"
// (the value is cut to 7 characters and "..." when long; absent for lists
// and mappings).
func cutCannot(msg string) (tag, val, into string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "cannot unmarshal !!")
	i := strings.LastIndex(rest, " into ")
	if !ok || i < 0 {
		return "", "", "", false
	}
	tag, val, _ = strings.Cut(rest[:i], " `")
	return tag, strings.TrimSuffix(val, "`"), rest[i+len(" into "):], true
}

// translate turns one of yaml.v3's messages ("line 5: field foo not found
// in type scenarios.Load") into a FieldError that names the field.
func (x *index) translate(file, msg string) *FieldError {
	fe := &FieldError{File: file}
	var col int
	fe.Line, fe.Msg = cutLine(msg)
	col, fe.Msg = cutColumn(fe.Msg)
	if field, typ, ok := cutUnknownField(fe.Msg); ok {
		for _, e := range x.entries {
			if e.isKey && e.line == fe.Line && e.key == field {
				fe.Path = e.path
				break
			}
		}
		fe.Msg = "unknown field"
		if t, ok := structTypes()[typ]; ok {
			fe.Msg += "; allowed: " + strings.Join(yamlFields(t), ", ")
		}
		return fe
	}
	var e *entry
	if col > 0 {
		e = x.find(func(e *entry) bool { return !e.isKey && e.line == fe.Line && e.col == col })
	}
	if tag, val, into, ok := cutCannot(fe.Msg); ok {
		e = x.find(func(e *entry) bool {
			if e.isKey || e.line != fe.Line || e.node.ShortTag() != "!!"+tag {
				return false
			}
			if short, ok := strings.CutSuffix(val, "..."); ok {
				return strings.HasPrefix(e.node.Value, short)
			}
			return val == "" || e.node.Value == val
		})
		got := "a " + tag
		switch {
		case e != nil && e.node.Kind == yaml.ScalarNode:
			got = strconv.Quote(e.node.Value)
		case tag == "seq":
			got = "a list"
		case tag == "map":
			got = "a mapping"
		}
		fe.Msg = fmt.Sprintf("expected %s, got %s", describeType(into), got)
	}
	if e == nil {
		e = x.find(func(e *entry) bool { return !e.isKey && e.line == fe.Line && e.node.Kind == yaml.ScalarNode })
	}
	if e != nil {
		fe.Path = e.path
	}
	return fe
}

// find returns the last (innermost) entry that matches.
func (x *index) find(match func(*entry) bool) *entry {
	for i := len(x.entries) - 1; i >= 0; i-- {
		if match(&x.entries[i]) {
			return &x.entries[i]
		}
	}
	return nil
}

// describeType names a Go type of a field the way a YAML writer thinks.
func describeType(t string) string {
	switch {
	case t == "float64":
		return "a number"
	case t == "int" || t == "int64":
		return "a whole number"
	case t == "uint64":
		return "a whole number >= 0"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	case strings.HasPrefix(t, "scenarios."):
		if st, ok := structTypes()[t]; ok {
			return "a mapping with fields " + strings.Join(yamlFields(st), ", ")
		}
		return "a mapping"
	}
	return t
}

// structTypes are the scenario's struct types by the names yaml.v3 uses.
func structTypes() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, t := range []reflect.Type{
		reflect.TypeFor[Scenario](), reflect.TypeFor[Load](), reflect.TypeFor[Gateway](),
		reflect.TypeFor[ClientClass](), reflect.TypeFor[Upstream](), reflect.TypeFor[Fault](),
		reflect.TypeFor[Dist](), reflect.TypeFor[Request](), reflect.TypeFor[ModelSpec](),
	} {
		m[t.String()] = t
	}
	return m
}

// yamlFields lists a struct's YAML field names in declaration order.
func yamlFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}
