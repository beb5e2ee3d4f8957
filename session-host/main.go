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

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/crypt"
	"github.com/waqtor/waqtor/shared/logging"
	"github.com/waqtor/waqtor/shared/runtime/awsapp"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
	"github.com/waqtor/waqtor/shared/runtime/awshost"
	"github.com/waqtor/waqtor/shared/runtime/awssealed"
	"github.com/waqtor/waqtor/shared/runtime/standalone"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "waqtor:", err)
		os.Exit(1)
	}
}

// run starts WaQtor; `bootstrap` instead creates the first tenant of an AWS deployment and exits,
// `healthcheck` probes the WaQtor running on WAQTOR_ADDR (the container health check), `rotate-secrets-key` puts a
// new current key in standalone's secrets key file, and `reseal-secrets` seals every webhook secret of an AWS
// deployment with its KMS key (after an upgrade from plain text, or a change of key), `access-code issue`
// prints a new single-use access code that unlocks a premium feature for a tenant, and `plan set` changes a
// tenant's plan (both the operator's commands).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := logging.New(stderr, cfg.LogFormat, cfg.LogLevel)
	switch {
	case len(args) == 1 && args[0] == "healthcheck":
		return healthcheck(ctx, cfg.Addr)
	case len(args) == 1 && args[0] == "bootstrap" && cfg.AWS():
		return awsapp.Bootstrap(ctx, cfg, log, stdout)
	case len(args) == 1 && args[0] == "bootstrap":
		return fmt.Errorf("bootstrap is for the AWS runtime (set WAQTOR_TABLE); standalone WaQtor bootstraps on its first start")
	case len(args) == 1 && args[0] == "rotate-secrets-key" && !cfg.AWS():
		id, err := crypt.RotateKeyFile(cfg.SecretsKeyFile)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new secrets key %s is now current in %s; the next start seals every webhook secret with it, after which the older lines may be deleted\n", id, cfg.SecretsKeyFile)
		return nil
	case len(args) == 1 && args[0] == "reseal-secrets" && cfg.AWS():
		rt, err := awsfunction.New(ctx, cfg, log)
		if err != nil {
			return err
		}
		if err := awssealed.Load(ctx, rt); err != nil {
			return err
		}
		n, err := rt.ResealSecrets(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sealed the secrets of %d webhooks with %s\n", n, cfg.SecretsKMSKey)
		return nil
	case len(args) >= 2 && args[0] == "access-code" && args[1] == "issue":
		return issueAccessCode(ctx, cfg, log, args[2:], stdout, stderr)
	case len(args) >= 2 && args[0] == "plan" && args[1] == "set":
		return setPlan(ctx, cfg, log, args[2:], stdout, stderr)
	case len(args) > 0:
		return fmt.Errorf("unknown arguments %q; usage: session-host [bootstrap|healthcheck|rotate-secrets-key (standalone)|reseal-secrets (AWS)|access-code issue --tenant ID --feature F [--ttl D]|plan set --tenant ID --plan free|premium]", args)
	}
	if cfg.AWS() {
		return awshost.Run(ctx, cfg, log)
	}
	return standalone.Run(ctx, cfg, stdout, log)
}
