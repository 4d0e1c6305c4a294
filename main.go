package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
	"github.com/agentfleet/terraform-provider-agentfleet/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

//go:generate go tool tfplugindocs generate --provider-name agentfleet

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()

	if !debug {
		quietUnreadLogs(os.Getenv, os.Setenv)
	}
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/agentfleet/agentfleet",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}

// unreadLogLevels are the loggers of this process: the plugin SDK's three and the provider's own
// (its root and its HTTP subsystem). Unset, each of them logs at trace level.
var unreadLogLevels = []string{
	"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK",
	"TF_LOG_PROVIDER_AGENTFLEET", client.HTTPLogLevelEnv,
}

// quietUnreadLogs turns this process's loggers off when Terraform is going to throw their lines
// away. The plugin SDK logs every gRPC call at trace level whatever the user asked for, and
// Terraform parses each line it receives before it drops it unless TF_LOG or TF_LOG_PROVIDER asks
// for provider logs: on a large plan that is a sixth of the provider's CPU time and more of
// Terraform's, spent on nothing. A level the user set is kept, and once TF_LOG or TF_LOG_PROVIDER
// is set nothing changes. A provider started with -debug is not quieted either: its logs go
// straight to the terminal of whoever started it.
func quietUnreadLogs(getenv func(string) string, setenv func(string, string) error) {
	if logsRead(getenv("TF_LOG")) || logsRead(getenv("TF_LOG_PROVIDER")) {
		return
	}
	for _, name := range unreadLogLevels {
		if getenv(name) == "" {
			_ = setenv(name, "off") // cannot fail for these names
		}
	}
}

// logsRead reports whether a TF_LOG or TF_LOG_PROVIDER value makes Terraform keep provider logs.
func logsRead(level string) bool {
	return level != "" && !strings.EqualFold(level, "off")
}
