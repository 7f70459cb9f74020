package server

import (
	"context"

	"lifeline/internal/access"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

func principalOf(ctx context.Context) *access.Principal {
	p, _ := ctx.Value(keyPrincipal).(*access.Principal)
	return p
}
