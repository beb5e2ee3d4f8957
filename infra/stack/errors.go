package stack

import "errors"

var (
	// ErrInvalidProps: a Props field is malformed (prefix, dashboard origin).
	ErrInvalidProps = errors.New("stack: invalid props")
	// ErrCatalog: routing.Table, queue.Catalog and the function list disagree (a route or consumer names an unknown
	// queue, a redrive is malformed, a consumer outlives its queue's visibility timeout, ...).
	ErrCatalog = errors.New("stack: inconsistent catalog")
	// ErrMissingBootstrap: a function's asset directory holds no bootstrap; run `make lambdas` (or point
	// WAQTOR_LAMBDA_ASSETS at a directory of <name>/bootstrap).
	ErrMissingBootstrap = errors.New("stack: missing lambda bootstrap")
	// ErrMissingDockerfile: Props.HostImageDir holds no session-host/Dockerfile (it must be the repository root,
	// the session host image's build context).
	ErrMissingDockerfile = errors.New("stack: missing session host Dockerfile")
	// ErrMissingDashboard: Props.DashboardAsset holds no index.html; run `make dashboard` (make synth does).
	ErrMissingDashboard = errors.New("stack: missing dashboard build")
)
