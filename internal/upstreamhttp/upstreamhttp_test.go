package upstreamhttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"our timeout", fmt.Errorf("upstream GET /: %w", ErrTimeout), http.StatusGatewayTimeout},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), http.StatusGatewayTimeout},
		{"net timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, http.StatusGatewayTimeout},
		{"refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, http.StatusBadGateway},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, http.StatusBadGateway},
		{"other", errors.New("malformed HTTP response"), http.StatusBadGateway},
	} {
		if got := Status(tc.err); got != tc.want {
			t.Errorf("%s: Status = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestFanout(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   int
		bad    bool
	}{{"", 1, false}, {"1", 1, false}, {"8", 8, false}, {"64", 64, false}, {"0", 0, true}, {"65", 0, true}, {"-2", 0, true}, {"x", 0, true}} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("X-Fanout", tc.header)
		}
		got, err := Fanout(h)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("Fanout(%q) = %d, %v; want %d (error %v)", tc.header, got, err, tc.want, tc.bad)
		}
	}
}

func TestJoined(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int
		want     int
	}{
		{"all ok", []int{200, 200, 200}, 200},
		{"first failure wins", []int{200, 503, 404}, 503},
		{"first is the failure", []int{500, 200}, 500},
	} {
		var j Joined
		for i, st := range tc.statuses {
			ct := "text/plain"
			if i > 0 {
				ct = "other/type"
			}
			j.Add(i == 0, st, ct, []byte{byte('a' + i)})
		}
		if j.Status != tc.want || j.ContentType != "text/plain" || len(j.Body) != len(tc.statuses) || j.Body[0] != 'a' {
			t.Errorf("%s: %+v, want status %d, the first Content-Type, bodies in order", tc.name, j, tc.want)
		}
	}
}
