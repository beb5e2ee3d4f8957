package awstest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/waqtor/waqtor/shared/awstest"
)

// The Management API fake through the SDK: POST, GET and DELETE on an open connection; 410 GoneException (the
// SDK's *types.GoneException) for an unknown, dropped or deleted one; every post recorded with its status.
func TestManagementAPI(t *testing.T) {
	ctx := context.Background()
	f := awstest.NewManagementAPI(t, "live")
	c := f.Client()
	if !strings.HasPrefix(f.WSURL, "ws://127.0.0.1:") || !strings.HasSuffix(f.WSURL, "/live") {
		t.Errorf("WSURL %q", f.WSURL)
	}
	f.Open("a=")
	f.Open("b=")
	if _, err := c.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String("a="), Data: []byte("one")}); err != nil {
		t.Fatalf("post: %v", err)
	}
	got, err := c.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String("a=")})
	if err != nil || got.ConnectedAt == nil || got.Identity == nil || aws.ToString(got.Identity.SourceIp) == "" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if _, err := c.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String("a=")}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	f.Drop("b=")
	for _, id := range []string{"a=", "b=", "never="} {
		_, err := c.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("x")})
		var gone *types.GoneException
		if !errors.As(err, &gone) {
			t.Errorf("post to %s: %v, want GoneException", id, err)
		}
		if _, err := c.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)}); !errors.As(err, &gone) {
			t.Errorf("get %s: %v, want GoneException", id, err)
		}
	}
	posts := f.Posts()
	if len(posts) != 4 || posts[0].Status != http.StatusOK || posts[1].Status != http.StatusGone || string(posts[0].Data) != "one" {
		t.Errorf("posts %+v", posts)
	}
	if frames := f.Frames("a="); len(frames) != 1 || f.IsOpen("a=") || f.IsOpen("b=") {
		t.Errorf("frames of a= %q, open a=%v b=%v", frames, f.IsOpen("a="), f.IsOpen("b="))
	}
}
