package upstream

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		query   string
		want    Params
		wantErr string // the parameter the error must name; "" for success
	}{
		{query: "", want: Params{}},
		{query: "delay=50ms", want: Params{Delay: 50 * time.Millisecond}},
		{query: "delay=1.5s&chunk_delay=1m30s", want: Params{Delay: 1500 * time.Millisecond, ChunkDelay: 90 * time.Second}},
		{query: "delay=7us&chunk_delay=0", want: Params{Delay: 7 * time.Microsecond}},
		{query: "delay=24h", want: Params{Delay: 24 * time.Hour}},
		{query: "size=100", want: Params{Size: 100}},
		{query: "chunks=4&chunk_delay=10ms&size=8", want: Params{Size: 8, Chunks: 4, ChunkDelay: 10 * time.Millisecond}},
		{query: "status=404", want: Params{Status: 404}},
		{query: "echo=1", want: Params{Echo: true}},
		{query: "hang=1", want: Params{Hang: true}},
		{query: "reset=true", want: Params{Reset: true}},
		{query: "echo=0&hang=false", want: Params{}},
		{query: "delay=&size=", want: Params{}},
		{query: "seq=17&size=5", want: Params{Size: 5}},
		{query: "size=1&size=2", want: Params{Size: 1}},
		{query: "delay=abc", wantErr: "delay"},
		{query: "delay=-1s", wantErr: "delay"},
		{query: "delay=50", wantErr: "delay"},
		{query: "delay=25h", wantErr: "delay"},
		{query: "delay=99999999999999999999h", wantErr: "delay"},
		{query: "delay=10parsecs", wantErr: "delay"},
		{query: "size=-1", wantErr: "size"},
		{query: "size=x", wantErr: "size"},
		{query: "size=2147483648", wantErr: "size"},
		{query: "chunks=70000", wantErr: "chunks"},
		{query: "chunks=-2", wantErr: "chunks"},
		{query: "chunk_delay=1", wantErr: "chunk_delay"},
		{query: "status=99", wantErr: "status"},
		{query: "status=600", wantErr: "status"},
		{query: "status=ok", wantErr: "status"},
		{query: "echo=yes", wantErr: "echo"},
		{query: "hang=2", wantErr: "hang"},
		{query: "reset=x", wantErr: "reset"},
		{query: "hang=1&reset=1", wantErr: "reset"},
		{query: "echo=1&size=3", wantErr: "size"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			var args fasthttp.Args
			args.Parse(tt.query)
			for name, parse := range map[string]func() (Params, error){
				"ParseParams": func() (Params, error) { return ParseParams(q) },
				"parseArgs":   func() (Params, error) { return parseArgs(&args) },
			} {
				got, err := parse()
				if tt.wantErr != "" {
					if !errors.Is(err, ErrBadParam) || !strings.Contains(err.Error(), tt.wantErr+"=") {
						t.Errorf("%s: err = %v, want ErrBadParam naming %s", name, err, tt.wantErr)
					}
					continue
				}
				if err != nil || got != tt.want {
					t.Errorf("%s = %+v, %v; want %+v", name, got, err, tt.want)
				}
			}
		})
	}
}

func TestParamsQuery(t *testing.T) {
	tests := []struct {
		p    Params
		want string
	}{
		{Params{}, ""},
		{Params{Size: 64}, "size=64"},
		{Params{Delay: 50 * time.Millisecond, Size: 64, Chunks: 2, ChunkDelay: time.Millisecond, Status: 503},
			"delay=50ms&size=64&chunks=2&chunk_delay=1ms&status=503"},
		{Params{Echo: true, Hang: true}, "echo=1&hang=1"},
		{Params{Delay: 90 * time.Second, Reset: true}, "delay=1m30s&reset=1"},
	}
	for _, tt := range tests {
		if got := tt.p.Query(); got != tt.want {
			t.Errorf("%+v.Query() = %q, want %q", tt.p, got, tt.want)
		}
		q, err := url.ParseQuery(tt.p.Query())
		if err != nil {
			t.Fatal(err)
		}
		// Hang and Echo together are legal; round trip every case.
		back, err := ParseParams(q)
		if err != nil || back != tt.p {
			t.Errorf("ParseParams(%q) = %+v, %v; want %+v", tt.p.Query(), back, err, tt.p)
		}
	}
}

// The server parses every request: it must not allocate.
func TestParseArgsAllocs(t *testing.T) {
	var args fasthttp.Args
	args.Parse("size=64&delay=1ms&chunks=2&chunk_delay=5ms&status=201&echo=0&hang=0&reset=0")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := parseArgs(&args); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("parseArgs allocates %v times per call, want 0", allocs)
	}
}
