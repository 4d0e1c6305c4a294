package provider

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// What a user can do about a failed API call, in terms of the provider's configuration. The
// client's errors say what failed, in the platforms' own terms, and know nothing of provider
// blocks, arguments or environment variables: apiErrorDiag adds them here, from the client's
// typed errors.

// platformSettings is, for each platform the client's errors name, the provider block that
// configures it and the arguments, with their environment variables, that hold its credentials.
var platformSettings = map[string]platformSetting{
	client.PlatformSpaceONE: {"spaceone", "token (AGENTFLEET_SPACEONE_TOKEN)"},
	client.PlatformAriaLogs: {"aria_logs", "username and password (AGENTFLEET_ARIA_LOGS_USERNAME, AGENTFLEET_ARIA_LOGS_PASSWORD), " +
		"or token (AGENTFLEET_ARIA_LOGS_TOKEN): a JWT, or with auth_method = \"legacy_session\" a session id"},
	// VCF Operations issues the tokens of Aria Operations for Logs, and is configured in its block.
	client.PlatformVCFOperations: {"aria_logs", "username and password (AGENTFLEET_ARIA_LOGS_USERNAME, AGENTFLEET_ARIA_LOGS_PASSWORD) " +
		"of a VCF Operations user, and auth_source (AGENTFLEET_ARIA_LOGS_AUTH_SOURCE) for a user of an LDAP or Active Directory source"},
	client.PlatformMonitoring: {"monitoring", "auth_token (AGENTFLEET_MONITORING_AUTH_TOKEN)"},
	client.PlatformArmory:     {"armory", "headers (AGENTFLEET_ARMORY_HEADERS)"},
	client.PlatformK0rdent:    {"k0rdent", "token (AGENTFLEET_K0RDENT_TOKEN)"},
}

type platformSetting struct{ block, credentials string }

// remedy returns what to change in the provider's configuration about err, or "" when err is
// nothing the configuration can fix.
func remedy(err error) string {
	var (
		rejected    *client.CredentialRejectedError
		route       *client.CredentialRouteNotFoundError
		unserved    *client.UnservedPathError
		unconfirmed *client.UnconfirmedNotFoundError
		apiErr      *client.APIError
		unproven    *client.UnprovenAgentError
	)
	switch {
	case errors.As(err, &unproven):
		return "After the import, change regenerate_triggers to get a new secret into state."
	case errors.As(err, &rejected):
		return fmt.Sprintf("Set the new one as token (AGENTFLEET_ARIA_LOGS_TOKEN), or set username and password "+
			"(AGENTFLEET_ARIA_LOGS_USERNAME, AGENTFLEET_ARIA_LOGS_PASSWORD), in the provider's %s block.", settingsOf(rejected.Platform).block)
	case errors.As(err, &route) && route.Err.Platform == client.PlatformVCFOperations:
		return "Set operations_endpoint (AGENTFLEET_ARIA_LOGS_OPERATIONS_ENDPOINT) in the provider's aria_logs block to the base URL of VCF Operations."
	case errors.As(err, &route):
		return "For such an appliance, set auth_method = \"vcf_operations\" (AGENTFLEET_ARIA_LOGS_AUTH_METHOD) in the provider's aria_logs block."
	case errors.As(err, &unserved):
		return "The path prefix is path_prefix in the provider's spaceone block (AGENTFLEET_SPACEONE_PATH_PREFIX)."
	case errors.As(err, &unconfirmed):
		s := settingsOf(unconfirmed.Platform)
		return fmt.Sprintf("Check that the %s of the provider's %s block belongs to a tenant administrator and still holds that role.", s.credentials, s.block)
	case errors.As(err, &apiErr):
		return credentialsRemedy(apiErr)
	}
	return ""
}

// credentialsRemedy names the credentials to check after a 401 or 403.
func credentialsRemedy(e *client.APIError) string {
	s := settingsOf(e.Platform)
	switch e.Status {
	case http.StatusUnauthorized:
		return fmt.Sprintf("Check the credentials in the provider's %s block: %s.", s.block, s.credentials)
	case http.StatusForbidden:
		lack := fmt.Sprintf("The credentials in the provider's %s block (%s) lack permission for this call.", s.block, s.credentials)
		if e.Platform == client.PlatformAriaLogs {
			// The provider renews a refused credential once, but only with a username and password.
			lack += " A JWT or session that has expired is refused with 403 too: without username and password it cannot be renewed."
		}
		return lack
	}
	return ""
}

// settingsOf returns a platform's settings; a platform without an entry is named as it is.
func settingsOf(platform string) platformSetting {
	if s, ok := platformSettings[platform]; ok {
		return s
	}
	return platformSetting{platform, "its credentials"}
}
