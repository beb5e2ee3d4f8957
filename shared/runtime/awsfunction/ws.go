package awsfunction

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/waqtor/waqtor/shared/apigw"
	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/wsgateway"
)

// WSGateway is the live feed of the WebSocket API (WAQTOR_WS_URL) over the table: connections, tickets and the
// recent window in DynamoDB, frames through the stage's Management API.
func (rt *Runtime) WSGateway() (*wsgateway.Gateway, error) {
	if rt.Config.WSURL == "" {
		return nil, errors.New("WAQTOR_WS_URL is required by the live feed's functions (the stack sets it)")
	}
	mgmt, err := apigw.NewClient(rt.AWS, rt.Config.WSURL)
	if err != nil {
		return nil, err
	}
	return wsgateway.New(wsgateway.Config{
		Store:   dynamo.NewConnectionStore(rt.DynamoDB, rt.Config.Table),
		Poster:  apigw.NewPoster(mgmt),
		Tickets: realtime.NewTickets(dynamo.NewTicketStore(rt.DynamoDB, rt.Config.Table)),
		Log:     rt.Log,
	})
}

// WebSocketRoute is the whole main of a WebSocket API route's function: it builds the gateway (WSGateway) at cold
// start and serves the route's handler, e.g. WebSocketRoute((*Runtime).WSConnect).
func WebSocketRoute(route func(*Runtime, *wsgateway.Gateway) WSHandler) {
	Lambda(func(_ context.Context, rt *Runtime) (any, error) {
		gw, err := rt.WSGateway()
		if err != nil {
			return nil, err
		}
		return route(rt, gw), nil
	})
}

// WSHandler is the Lambda handler of one route of the WebSocket API ($connect, $disconnect or $default), from
// the API Gateway WebSocket event: $connect answers 401 (and API Gateway refuses the connection) for a bad ticket;
// $default answers through the Management API, so its own response is an empty 200.
type WSHandler func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)

// WSConnect is the ws-connect function's handler: the ticket is the query parameter "ticket".
func (rt *Runtime) WSConnect(gw *wsgateway.Gateway) WSHandler {
	return func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		err := gw.Connect(ctx, req.RequestContext.ConnectionID, req.QueryStringParameters["ticket"])
		var ae *apperr.Error
		switch {
		case err == nil:
			return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
		case errors.As(err, &ae) && ae.Code == apperr.Unauthorized:
			return jsonError(http.StatusUnauthorized, string(apperr.Unauthorized), ae.Message), nil
		default:
			rt.Log.ErrorContext(ctx, "ws-connect", "error", err)
			return jsonError(http.StatusInternalServerError, string(apperr.Internal), "internal error"), nil
		}
	}
}

// WSDisconnect is the ws-disconnect function's handler.
func (rt *Runtime) WSDisconnect(gw *wsgateway.Gateway) WSHandler {
	return func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		if err := gw.Disconnect(ctx, req.RequestContext.ConnectionID); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	}
}

// WSDefault is the ws-default function's handler: one client frame (a binary message arrives base64-encoded).
func (rt *Runtime) WSDefault(gw *wsgateway.Gateway) WSHandler {
	return func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		body := []byte(req.Body)
		if req.IsBase64Encoded {
			if b, err := base64.StdEncoding.DecodeString(req.Body); err == nil {
				body = b
			}
		}
		if err := gw.Receive(ctx, req.RequestContext.ConnectionID, body, req.IsBase64Encoded); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
	}
}

func jsonError(status int, code, msg string) events.APIGatewayProxyResponse {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": msg}})
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
}
