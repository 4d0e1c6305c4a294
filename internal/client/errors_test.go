package client

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Each platform's own error body becomes an APIError with its code and message.
func TestPlatformErrorBodies(t *testing.T) {
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	newAPIFor := func(t *testing.T, platform, url string) *api {
		t.Helper()
		var a *api
		switch platform {
		case PlatformSpaceONE:
			c, err := NewSpaceONE(tr, SpaceONEConfig{Endpoint: url, Token: "test-token"})
			if err != nil {
				t.Fatal(err)
			}
			a = &c.api
		case PlatformK0rdent:
			c, err := NewK0rdent(tr, K0rdentConfig{Endpoint: url, Token: "test-token"})
			if err != nil {
				t.Fatal(err)
			}
			a = &c.api
		case PlatformArmory:
			c, err := NewArmory(tr, ArmoryConfig{Endpoint: url})
			if err != nil {
				t.Fatal(err)
			}
			a = &c.api
		case PlatformAriaLogs:
			c, err := NewAriaLogs(tr, AriaLogsConfig{Endpoint: url, Token: "test-jwt"})
			if err != nil {
				t.Fatal(err)
			}
			a = &c.api
		case PlatformVCFOperations:
			c, err := NewAriaLogs(tr, AriaLogsConfig{Endpoint: "https://logs.example.com", OperationsEndpoint: url, Token: "test-jwt"})
			if err != nil {
				t.Fatal(err)
			}
			a = &c.ops
		}
		return a
	}
	tests := []struct {
		name, platform, body string
		status               int
		wantCode, wantMsg    string
	}{
		{"spaceone nested", PlatformSpaceONE, `{"error":{"code":"ERROR_NOT_FOUND","message":"agent not found"}}`, 404, "ERROR_NOT_FOUND", "agent not found"},
		{"spaceone grpc gateway", PlatformSpaceONE, `{"code":5,"message":"not found","details":[]}`, 404, "5", "not found"},
		{"k0rdent nested numeric code", PlatformK0rdent, `{"error":{"code":400,"message":"displayName too long","details":[{"field":"displayName"}]}}`, 400, "400", "displayName too long"},
		{"k0rdent conflict", PlatformK0rdent, `{"code":"CONFLICT","message":"A resource with id 'x' already exists."}`, 409, "CONFLICT", "A resource with id 'x' already exists."},
		{"armory spring", PlatformArmory, `{"timestamp":"2024-01-01T00:00:00.000+00:00","status":400,"error":"Bad Request","message":"account nope is not defined in Clouddriver"}`, 400, "Bad Request", "account nope is not defined in Clouddriver"},
		{"aria", PlatformAriaLogs, `{"errorCode":"API_ERROR","errorDetails":{},"errorMessage":"duplicate name"}`, 409, "API_ERROR", "duplicate name"},
		{"vcf operations", PlatformVCFOperations, `{"message":"Invalid service key","httpStatusCode":400,"apiErrorCode":400}`, 400, "400", "Invalid service key"},
		{"not json", PlatformArmory, `<html><body>Bad gateway</body></html>`, 400, "", "<html><body>Bad gateway</body></html>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			a := newAPIFor(t, tc.platform, srv.URL)
			_, err := a.do(t.Context(), request{method: http.MethodGet, path: "/x"}, nil)
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err %v is not an *APIError", err)
			}
			if apiErr.Platform != tc.platform || apiErr.Status != tc.status || apiErr.Code != tc.wantCode || apiErr.Message != tc.wantMsg {
				t.Fatalf("got %+v; want platform %s, status %d, code %q, message %q", apiErr, tc.platform, tc.status, tc.wantCode, tc.wantMsg)
			}
			if !strings.Contains(err.Error(), tc.platform) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("Error() %q does not name the platform and the message", err)
			}
		})
	}
}

// The client knows nothing of Terraform: none of its messages names a provider block, a provider
// argument or an environment variable of the provider (the provider adds those, see its
// remedies). The string literals of its source are searched, so that no message can slip by
// untested. (TF_LOG_PROVIDER_AGENTFLEET_HTTP is tflog's level variable of the client's own log
// subsystem.)
func TestClientNamesNoProviderSettings(t *testing.T) {
	forbidden := regexp.MustCompile(`(^|[^A-Z_])AGENTFLEET_|provider's|\b(spaceone|aria_logs|monitoring|armory|k0rdent) block\b|` +
		`\b(operations_endpoint|path_prefix|auth_method|auth_source|auth_token|allow_insecure_http|insecure_skip_verify|regenerate_triggers|rotate_before)\b`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	searched := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if field, ok := n.(*ast.Field); ok {
				field.Tag = nil // struct tags name the APIs' fields, not the provider's
				return true
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			searched++
			if m := forbidden.FindString(lit.Value); m != "" {
				t.Errorf("%s: the string %s names %q, which belongs to the provider", fset.Position(lit.Pos()), lit.Value, m)
			}
			return true
		})
	}
	if searched < 100 {
		t.Fatalf("only %d string literals searched: the search missed the client's source", searched)
	}
}
