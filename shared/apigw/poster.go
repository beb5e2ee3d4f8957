// Package apigw is the adapter for API Gateway's WebSocket Management API: it sends frames to connections
// (PostToConnection) and closes them (DeleteConnection), mapping 410 Gone to wsgateway.ErrGone.
package apigw

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/waqtor/waqtor/shared/wsgateway"
)

// Client is the part of the Management API client the poster uses.
type Client interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
	DeleteConnection(ctx context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error)
}

var _ Client = (*apigatewaymanagementapi.Client)(nil)

// Poster is wsgateway.Poster over the Management API.
type Poster struct{ c Client }

var _ wsgateway.Poster = (*Poster)(nil)

// NewPoster returns a poster over c.
func NewPoster(c Client) *Poster { return &Poster{c: c} }

// NewClient returns a Management API client for the WebSocket API whose client URL is wsURL
// (wss://<api-id>.execute-api.<region>.amazonaws.com/<stage>): the Management API is the same host and stage
// over https (ws:// becomes http://, for an emulator).
func NewClient(cfg aws.Config, wsURL string) (*apigatewaymanagementapi.Client, error) {
	endpoint, err := ManagementEndpoint(wsURL)
	if err != nil {
		return nil, err
	}
	return apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	}), nil
}

// ManagementEndpoint is the Management API endpoint of the WebSocket API whose client URL is wsURL.
func ManagementEndpoint(wsURL string) (string, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return "", fmt.Errorf("apigw: WebSocket URL %q: %w", wsURL, err)
	}
	switch u.Scheme {
	case "wss":
		u.Scheme = "https"
	case "ws":
		u.Scheme = "http"
	default:
		return "", fmt.Errorf("apigw: WebSocket URL %q: want ws:// or wss://", wsURL)
	}
	if u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return "", fmt.Errorf("apigw: WebSocket URL %q: want scheme://host/stage", wsURL)
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/"), nil
}

func (p *Poster) Post(ctx context.Context, connectionID string, frame []byte) error {
	_, err := p.c.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(connectionID), Data: frame})
	var gone *types.GoneException
	if errors.As(err, &gone) {
		return wsgateway.ErrGone
	}
	if err != nil {
		return fmt.Errorf("post to connection: %w", err)
	}
	return nil
}

func (p *Poster) Close(ctx context.Context, connectionID string) error {
	_, err := p.c.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(connectionID)})
	var gone *types.GoneException
	if err != nil && !errors.As(err, &gone) {
		return fmt.Errorf("delete connection: %w", err)
	}
	return nil
}
