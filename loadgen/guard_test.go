package loadgen

import (
	"errors"
	"testing"
)

func TestCheckTarget(t *testing.T) {
	tests := []struct {
		target      string
		allowRemote bool
		want        error
	}{
		{"http://127.0.0.1:8080", false, nil},
		{"127.0.0.1:8080", false, nil},
		{"http://127.9.9.9:1/path?q=1", false, nil},
		{"http://localhost:80", false, nil},
		{"LOCALHOST:80", false, nil},
		{"http://[::1]:8080", false, nil},
		{"[::1]:8080", false, nil},
		{"http://127.0.0.1", false, nil},
		{"http://10.0.0.1:80", false, ErrNotLoopback},
		{"10.0.0.1:80", false, ErrNotLoopback},
		{"http://example.com:80", false, ErrNotLoopback},
		{"example.com:80", false, ErrNotLoopback},
		{"http://[::2]:80", false, ErrNotLoopback},
		{"http://0.0.0.0:80", false, ErrNotLoopback},
		{"http://localhost.example.com:80", false, ErrNotLoopback},
		{"http://10.0.0.1:80", true, nil},
		{"example.com:80", true, nil},
		{"", false, ErrBadTarget},
		{"garbage", false, ErrBadTarget},
		{"garbage", true, ErrBadTarget},
		{"http://", false, ErrBadTarget},
		{"https://127.0.0.1:443", false, ErrBadTarget},
		{"ftp://127.0.0.1:21", false, ErrBadTarget},
		{"http://%zz", false, ErrBadTarget},
		{"127.0.0.1", false, ErrBadTarget}, // no port
	}
	for _, tt := range tests {
		err := CheckTarget(tt.target, tt.allowRemote)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("CheckTarget(%q, %v) = %v, want %v", tt.target, tt.allowRemote, err, tt.want)
		}
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct{ in, want, dial string }{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", "127.0.0.1:8080"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", "127.0.0.1:8080"},
		{"127.0.0.1:8080", "http://127.0.0.1:8080", "127.0.0.1:8080"},
		{"http://localhost/x/?q=1", "http://localhost/x", "localhost:80"},
		{"http://[::1]:9/", "http://[::1]:9", "[::1]:9"},
	}
	for _, tt := range tests {
		u, err := baseURL(tt.in, false)
		if err != nil {
			t.Errorf("baseURL(%q): %v", tt.in, err)
			continue
		}
		if got := u.String(); got != tt.want {
			t.Errorf("baseURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := dialAddr(u); got != tt.dial {
			t.Errorf("dialAddr(%q) = %q, want %q", tt.in, got, tt.dial)
		}
	}
}
