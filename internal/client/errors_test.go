package client

import (
	"errors"
	"net/http"
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

func TestUnauthorizedNamesTheProviderBlock(t *testing.T) {
	for platform, block := range map[string]string{
		PlatformSpaceONE: "spaceone", PlatformAriaLogs: "aria_logs", PlatformVCFOperations: "aria_logs", PlatformMonitoring: "monitoring",
		PlatformArmory: "armory", PlatformK0rdent: "k0rdent",
	} {
		msg := (&APIError{Platform: platform, Status: http.StatusUnauthorized}).Error()
		if !strings.Contains(msg, "provider's "+block+" block") || !strings.Contains(msg, "HTTP 401") {
			t.Errorf("%s: %q does not name HTTP 401 and the %s block", platform, msg, block)
		}
	}
}
