package client

import (
	"context"
	"encoding/json"
	"net/http"
)

// Armory Scale Agent dynamic accounts, served by Clouddriver under /armory/accounts.

// ArmoryConfig is what the provider's armory block configures.
type ArmoryConfig struct {
	Endpoint string
	// Headers are sent with every call: Clouddriver usually sits behind a gateway that wants its
	// own credentials.
	Headers map[string]string
}

// Armory is the Armory Scale Agent client.
type Armory struct{ api }

// NewArmory returns an Armory client on the shared transport.
func NewArmory(t *Transport, cfg ArmoryConfig) (*Armory, error) {
	a, err := newAPI(t, PlatformArmory, cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	a.authorize = func(_ context.Context, req *http.Request) error {
		for name, value := range cfg.Headers {
			req.Header.Set(name, value)
		}
		return nil
	}
	a.parseError = parseArmoryError
	for _, value := range cfg.Headers {
		a.secrets = append(a.secrets, value)
	}
	return &Armory{api: a}, nil
}

// parseArmoryError reads Clouddriver's Spring error body:
// {"timestamp": "...", "status": 400, "error": "Bad Request", "message": "..."}.
func parseArmoryError(body []byte, e *APIError) bool {
	var b struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &b) != nil || (b.Error == "" && b.Message == "") {
		return false
	}
	e.Code, e.Message = b.Error, b.Message
	return true
}
