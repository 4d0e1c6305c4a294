package client

import (
	"context"
	"net/http"
)

// SpaceONE (Cloudforet) identity v2. Every call is a POST of a JSON body to
// /identity/v2/agent/<verb>, authenticated with a Bearer token.

// SpaceONEConfig is what the provider's spaceone block configures.
type SpaceONEConfig struct {
	Endpoint string
	Token    string
}

// SpaceONE is the SpaceONE identity client.
type SpaceONE struct{ api }

// NewSpaceONE returns a SpaceONE client on the shared transport.
func NewSpaceONE(t *Transport, cfg SpaceONEConfig) (*SpaceONE, error) {
	a, err := newAPI(t, PlatformSpaceONE, cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	a.authorize = bearer(cfg.Token)
	// SpaceONE answers {"error": {...}}; behind a gRPC gateway it is {"code": N, "message": ...}.
	a.parseError = firstOf(parseNestedError, parseFlatError)
	a.secrets = []string{cfg.Token}
	return &SpaceONE{api: a}, nil
}

// bearer authorizes requests with a fixed Bearer token.
func bearer(token string) func(context.Context, *http.Request) error {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}
