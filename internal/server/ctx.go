package server

import (
	"context"

	"lifeline/internal/access"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
	keyRequestInfo
)

// requestInfo is filled in while a request is handled and read when it is logged.
type requestInfo struct {
	userID string
}

func infoOf(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(keyRequestInfo).(*requestInfo)
	return ri
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

func principalOf(ctx context.Context) *access.Principal {
	p, _ := ctx.Value(keyPrincipal).(*access.Principal)
	return p
}
