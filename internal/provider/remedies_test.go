package provider

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// Each of the client's errors that the configuration can fix gets, in the diagnostic, the
// provider block, the arguments and their environment variables to look at, also when the error
// is wrapped; the client's own message names none of them.
func TestRemedyNamesTheProviderSettings(t *testing.T) {
	notFound := func(platform string) *client.APIError {
		return &client.APIError{Platform: platform, Status: http.StatusNotFound}
	}
	tests := map[string]struct {
		err  error
		want []string
	}{
		"SpaceONE 401":   {&client.APIError{Platform: client.PlatformSpaceONE, Status: 401}, []string{"provider's spaceone block", "token (AGENTFLEET_SPACEONE_TOKEN)"}},
		"Aria 401":       {&client.APIError{Platform: client.PlatformAriaLogs, Status: 401}, []string{"provider's aria_logs block", "AGENTFLEET_ARIA_LOGS_TOKEN"}},
		"Aria 403":       {&client.APIError{Platform: client.PlatformAriaLogs, Status: 403}, []string{"aria_logs block", "lack permission", "expired", "cannot be renewed"}},
		"VCF 401":        {&client.APIError{Platform: client.PlatformVCFOperations, Status: 401}, []string{"provider's aria_logs block", "auth_source (AGENTFLEET_ARIA_LOGS_AUTH_SOURCE)"}},
		"Monitoring 403": {&client.APIError{Platform: client.PlatformMonitoring, Status: 403}, []string{"provider's monitoring block", "auth_token (AGENTFLEET_MONITORING_AUTH_TOKEN)", "lack permission"}},
		"Armory 401":     {&client.APIError{Platform: client.PlatformArmory, Status: 401}, []string{"provider's armory block", "headers (AGENTFLEET_ARMORY_HEADERS)"}},
		"k0rdent 401":    {&client.APIError{Platform: client.PlatformK0rdent, Status: 401}, []string{"provider's k0rdent block", "token (AGENTFLEET_K0RDENT_TOKEN)"}},
		"wrapped 401": {fmt.Errorf("Aria Operations for Logs API: GET /x failed: %w", &client.APIError{Platform: client.PlatformVCFOperations, Status: 401}),
			[]string{"provider's aria_logs block"}},
		"rejected token": {&client.CredentialRejectedError{Platform: client.PlatformAriaLogs, Credential: "JWT", Status: 401},
			[]string{"token (AGENTFLEET_ARIA_LOGS_TOKEN)", "username and password", "provider's aria_logs block"}},
		"VCF Operations not found": {&client.CredentialRouteNotFoundError{Err: notFound(client.PlatformVCFOperations)},
			[]string{"operations_endpoint (AGENTFLEET_ARIA_LOGS_OPERATIONS_ENDPOINT)", "provider's aria_logs block"}},
		"legacy login not found": {&client.CredentialRouteNotFoundError{Err: notFound(client.PlatformAriaLogs)},
			[]string{`auth_method = "vcf_operations"`, "provider's aria_logs block"}},
		"unserved SpaceONE path": {&client.UnservedPathError{Err: notFound(client.PlatformSpaceONE)},
			[]string{"path_prefix in the provider's spaceone block (AGENTFLEET_SPACEONE_PATH_PREFIX)"}},
		"unconfirmed k0rdent 404": {&client.UnconfirmedNotFoundError{Platform: client.PlatformK0rdent},
			[]string{"token (AGENTFLEET_K0RDENT_TOKEN) of the provider's k0rdent block", "tenant administrator"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := remedy(tc.err)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("remedy = %q, want it to say %q", got, want)
				}
			}
			if strings.Contains(tc.err.Error(), "provider's") {
				t.Errorf("the client's message %q already names the provider's configuration", tc.err)
			}
		})
	}
}

// Errors the configuration cannot fix get no remedy.
func TestRemedyOfOtherErrorsIsEmpty(t *testing.T) {
	for _, err := range []error{
		errors.New("connection refused"),
		&client.APIError{Platform: client.PlatformMonitoring, Status: http.StatusBadRequest},
		&client.APIError{Platform: client.PlatformK0rdent, Status: http.StatusNotFound},
	} {
		if got := remedy(err); got != "" {
			t.Errorf("remedy(%v) = %q, want none", err, got)
		}
	}
}
