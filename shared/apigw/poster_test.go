package apigw_test

import (
	"context"
	"errors"
	"testing"

	"github.com/waqtor/waqtor/shared/apigw"
	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/wsgateway"
)

// Against the Management API fake: a post reaches an open connection, a gone one is wsgateway.ErrGone, Close
// closes it and closing it again is not an error.
func TestPosterAgainstTheManagementAPI(t *testing.T) {
	ctx := context.Background()
	fake := awstest.NewManagementAPI(t, "live")
	p := apigw.NewPoster(fake.Client())
	fake.Open("c1")
	if err := p.Post(ctx, "c1", []byte(`{"type":"pong"}`)); err != nil {
		t.Fatalf("Post to an open connection: %v", err)
	}
	if got := fake.Frames("c1"); len(got) != 1 || string(got[0]) != `{"type":"pong"}` {
		t.Errorf("frames of c1 = %q", got)
	}
	if err := p.Post(ctx, "nobody", []byte("x")); !errors.Is(err, wsgateway.ErrGone) {
		t.Errorf("Post to an unknown connection = %v, want ErrGone", err)
	}
	if err := p.Close(ctx, "c1"); err != nil || fake.IsOpen("c1") {
		t.Fatalf("Close: %v, open %v", err, fake.IsOpen("c1"))
	}
	if err := p.Close(ctx, "c1"); err != nil {
		t.Errorf("Close of a closed connection: %v", err)
	}
	if err := p.Post(ctx, "c1", []byte("x")); !errors.Is(err, wsgateway.ErrGone) {
		t.Errorf("Post after Close = %v, want ErrGone", err)
	}
}

func TestManagementEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"wss://abc.execute-api.eu-west-1.amazonaws.com/live":   "https://abc.execute-api.eu-west-1.amazonaws.com/live",
		"ws://127.0.0.1:9000/e2e/":                             "http://127.0.0.1:9000/e2e",
		"wss://abc.execute-api.eu-west-1.amazonaws.com/live?x": "https://abc.execute-api.eu-west-1.amazonaws.com/live",
	} {
		if got, err := apigw.ManagementEndpoint(in); err != nil || got != want {
			t.Errorf("ManagementEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"https://abc/live", "wss://abc", "wss:///live", "::"} {
		if got, err := apigw.ManagementEndpoint(bad); err == nil {
			t.Errorf("ManagementEndpoint(%q) = %q, want an error", bad, got)
		}
	}
}
