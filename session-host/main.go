// Command session-host runs WaQtor. Without AWS settings it is standalone WaQtor: API, event router, queues and
// every consumer in one process on SQLite. With WAQTOR_TABLE set it is the always-on host of the AWS runtime.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/waqtor/waqtor/shared/awsrun"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/logging"
	"github.com/waqtor/waqtor/shared/standalone"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "waqtor:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := logging.New(stderr, cfg.LogFormat, cfg.LogLevel)
	if cfg.AWS() {
		return awsrun.Serve(ctx, cfg, log)
	}
	return standalone.Run(ctx, cfg, stdout, log)
}
