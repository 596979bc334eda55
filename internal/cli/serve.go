package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"gatewaylab/bench"
	"gatewaylab/gateway"
	"gatewaylab/loadgen"
	"gatewaylab/models"
	"gatewaylab/upstream"
)

func serveCmd(ctx context.Context, e env, fs *flag.FlagSet, args []string) error {
	model := fs.String("model", "", "model to serve (see gwlab models)")
	knobs := fs.String("knobs", "", "model knobs as name=value,name=value")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	up := fs.String("upstream", "", "upstream host:port (required)")
	upTimeout := fs.Duration("upstream-timeout", gateway.DefaultUpstreamTimeout, "wait for the upstream's response head")
	idle := fs.Duration("idle-timeout", gateway.DefaultIdleTimeout, "close client connections silent for this long")
	sndbuf := fs.Int("send-buffer", 0, "SO_SNDBUF of client sockets in bytes; 0 = kernel default")
	drain := fs.Duration("drain", 10*time.Second, "on SIGTERM, wait this long for in-flight requests")
	ready := fs.Bool("ready", false, "print '"+bench.ReadyPrefix+"ADDR' on stdout once listening")
	allowRemote := fs.Bool("allow-remote", false, "allow a non-loopback listen or upstream address")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *model == "" || *up == "" {
		return fmt.Errorf("%w: --model and --upstream are required", errUsage)
	}
	for _, a := range []string{*addr, *up} {
		if err := loadgen.CheckTarget(a, *allowRemote); err != nil {
			return fmt.Errorf("%w: %w", errUsage, err)
		}
	}
	m, err := models.Lookup(*model)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	k, err := gateway.ParseKnobs(*knobs)
	if err == nil {
		_, err = gateway.Resolve(m, k)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if _, _, err := loadgen.RaiseFileLimit(); err != nil {
		fmt.Fprintf(e.stderr, "gwlab serve: warning: %v\n", err)
	}
	srv, err := m.Start(gateway.Config{Addr: *addr, Upstream: *up, UpstreamTimeout: *upTimeout, IdleTimeout: *idle, SendBuffer: *sndbuf, Knobs: k})
	if err != nil {
		return err
	}
	if *ready {
		fmt.Fprintf(e.stdout, "%s%s\n", bench.ReadyPrefix, srv.Addr())
	} else {
		fmt.Fprintf(e.stderr, "gwlab serve: %s on http://%s -> %s\n", m.Name(), srv.Addr(), *up)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), *drain)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func upstreamCmd(ctx context.Context, e env, fs *flag.FlagSet, args []string) error {
	addr := fs.String("addr", "127.0.0.1:9000", "address to listen on")
	ready := fs.Bool("ready", false, "print '"+bench.ReadyPrefix+"ADDR' on stdout once listening")
	allowRemote := fs.Bool("allow-remote", false, "allow a non-loopback listen address")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := loadgen.CheckTarget(*addr, *allowRemote); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if _, _, err := loadgen.RaiseFileLimit(); err != nil {
		fmt.Fprintf(e.stderr, "gwlab upstream: warning: %v\n", err)
	}
	return upstream.Serve(ctx, *addr, func(a string) {
		if *ready {
			fmt.Fprintf(e.stdout, "%s%s\n", bench.ReadyPrefix, a)
		} else {
			fmt.Fprintf(e.stderr, "gwlab upstream: listening on http://%s\n", a)
		}
	})
}
