package client

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	"github.com/hashicorp/terraform-plugin-log/tfsdklog"
)

// BenchmarkGetAgentToken measures the client's own cost for one read, against a server that
// answers at once with a fixed body: a refresh without batch_reads makes one such call per
// resource. The context carries a provider logger as the plugin SDK sets one up: turned off by
// the environment, as when Terraform discards provider logs (quietUnreadLogs in main.go), or at
// trace level, as with TF_LOG=trace. Run it with go test -run '^$' -bench . -benchmem ./internal/client.
func BenchmarkGetAgentToken(b *testing.B) {
	body := []byte(`{"id":"tk1.hybrid:000000","label":"bench","token":"d3a3b1c0e8f54b7a9f2c"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	loggers := map[string]func(*testing.B) context.Context{
		"logs off": func(b *testing.B) context.Context {
			b.Setenv(providerLogLevelEnv, "off")
			b.Setenv(HTTPLogLevelEnv, "off")
			return tfsdklog.NewRootProviderLogger(b.Context(), tfsdklog.WithLevel(hclog.Off))
		},
		"logs at trace": func(b *testing.B) context.Context { return tflogtest.RootLogger(b.Context(), io.Discard) },
	}
	for name, withLogger := range loggers {
		b.Run(name, func(b *testing.B) {
			ctx := withLogger(b)
			transport, err := NewTransport(DefaultOptions())
			if err != nil {
				b.Fatal(err)
			}
			c, err := NewMonitoring(transport, MonitoringConfig{Endpoint: srv.URL, AuthToken: "bench-auth-token"})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.GetAgentToken(ctx, "tk1.hybrid:000000"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
