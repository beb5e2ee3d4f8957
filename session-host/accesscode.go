package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/runtime/awsapp"
	"github.com/waqtor/waqtor/shared/runtime/standalone"
)

// issueAccessCode is `access-code issue --tenant ID --feature F [--ttl D]`: it prints the new code (the only
// place it is ever shown) and its expiry. Standalone writes to the database in WAQTOR_DATA_DIR, AWS to WAQTOR_TABLE.
func issueAccessCode(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("access-code issue", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenantID := fs.String("tenant", "", "the tenant's ID (GET /api/me shows it as tenantId)")
	feature := fs.String("feature", "", "campaigns, reports or interactive")
	ttl := fs.Duration("ttl", plan.DefaultCodeTTL, "how long the code may be redeemed, 1m to 720h")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("access-code issue: unexpected arguments %q", fs.Args())
	}
	in := plan.IssueInput{TenantID: *tenantID, Feature: plan.Feature(*feature), TTL: *ttl}
	issued, err := withPlans(ctx, cfg, log, func(s *plan.Service) (plan.Issued, error) { return s.Issue(ctx, in) })
	if err := flagErrors("access-code issue", err); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\naccess code for %s of tenant %s, single use, valid until %s\n", issued.Code, issued.Feature,
		issued.TenantID, issued.ExpiresAt.Format(time.RFC3339))
	return nil
}

// withPlans runs fn with the plan service of the configured runtime: the standalone database in WAQTOR_DATA_DIR,
// or on AWS the table WAQTOR_TABLE.
func withPlans[T any](ctx context.Context, cfg config.Config, log *slog.Logger, fn func(*plan.Service) (T, error)) (T, error) {
	var zero T
	if cfg.AWS() {
		rt, err := awsapp.New(ctx, cfg, log)
		if err != nil {
			return zero, err
		}
		return fn(rt.Plans())
	}
	s, closeDB, err := standalone.OpenPlans(ctx, cfg)
	if err != nil {
		return zero, err
	}
	defer closeDB()
	return fn(s)
}

// flagErrors turns an operator command's error into what its user typed: each field error as "--flag: message"
// (tenantId is --tenant), all at once; other errors as they are.
func flagErrors(cmd string, err error) error {
	var bad apperr.Fields
	if !bad.AddErr(err) {
		return err
	}
	msgs := make([]string, len(bad))
	for i, f := range bad {
		name := f.Field
		if name == "tenantId" {
			name = "tenant"
		}
		msgs[i] = "--" + name + ": " + f.Message
	}
	return fmt.Errorf("%s:\n%s", cmd, strings.Join(msgs, "\n"))
}
