package client

// k0rdent IAM: service accounts and their credentials under /v1/regions/{region}/iam.

// K0rdentConfig is what the provider's k0rdent block configures.
type K0rdentConfig struct {
	Endpoint string
	Token    string
	Region   string // "global" when empty
}

// K0rdent is the k0rdent IAM client.
type K0rdent struct {
	api
	region string
}

// NewK0rdent returns a k0rdent IAM client on the shared transport.
func NewK0rdent(t *Transport, cfg K0rdentConfig) (*K0rdent, error) {
	a, err := newAPI(t, PlatformK0rdent, cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	a.authorize = bearer(cfg.Token)
	// Conflicts come as {"code": "CONFLICT", "message": ...}; everything else as {"error": {...}}.
	a.parseError = firstOf(parseNestedError, parseFlatError)
	a.secrets = []string{cfg.Token}
	region := cfg.Region
	if region == "" {
		region = "global"
	}
	return &K0rdent{api: a, region: region}, nil
}
