package awsfunction

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/logging"
)

// Lambda is the whole main of a function: it reads the configuration, builds the runtime, asks handler for the
// function's Lambda handler and starts it (with SIGTERM handling). A start-up failure is logged and exits 1, so
// Lambda reports an init error.
func Lambda(handler func(ctx context.Context, rt *Runtime) (any, error)) {
	ctx := context.Background()
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log := logging.New(os.Stderr, "json", cfg.LogLevel)
	rt, err := New(ctx, cfg, log)
	if err == nil {
		var h any
		if h, err = handler(ctx, rt); err == nil {
			lambda.StartWithOptions(h, lambda.WithEnableSIGTERM())
			return
		}
	}
	log.Error("start", "err", err)
	os.Exit(1)
}
