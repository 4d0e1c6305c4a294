// Command mockserver runs the in-memory mock of all five platform APIs on a loopback port, for
// the demo and for trying the provider by hand. It prints the base URL of each platform and the
// demo credentials, as shell exports that the provider reads.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free port)")
	envFile := flag.String("env-file", "", "also write the exports to this file, once the server is listening")
	flag.Parse()
	if err := run(*addr, *envFile); err != nil {
		log.Fatal(err)
	}
}

func run(addr, envFile string) error {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		return err
	}
	if !ln.Addr().(*net.TCPAddr).IP.IsLoopback() {
		return fmt.Errorf("refusing to listen on %s: the mock serves demo credentials and belongs on loopback", ln.Addr())
	}
	mock := mockserver.New(mockserver.DefaultCredentials())
	exports := exportLines(mock, "http://"+ln.Addr().String())
	fmt.Print(exports)
	if envFile != "" {
		if err := os.WriteFile(envFile, []byte(exports), 0o600); err != nil {
			return err
		}
	}

	srv := &http.Server{Handler: mock, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// exportLines are the provider's environment variables for this mock, as shell exports.
func exportLines(m *mockserver.Server, baseURL string) string {
	ep, c := m.Endpoints(baseURL), m.Credentials()
	return fmt.Sprintf(`# agentfleet mock server listening on %s
export AGENTFLEET_SPACEONE_ENDPOINT=%q
export AGENTFLEET_SPACEONE_TOKEN=%q
export AGENTFLEET_ARIA_LOGS_ENDPOINT=%q
export AGENTFLEET_ARIA_LOGS_USERNAME=%q
export AGENTFLEET_ARIA_LOGS_PASSWORD=%q
export AGENTFLEET_MONITORING_ENDPOINT=%q
export AGENTFLEET_MONITORING_AUTH_TOKEN=%q
export AGENTFLEET_ARMORY_ENDPOINT=%q
export AGENTFLEET_ARMORY_HEADERS='{"%s":"%s"}'
export AGENTFLEET_K0RDENT_ENDPOINT=%q
export AGENTFLEET_K0RDENT_TOKEN=%q
`, baseURL, ep.SpaceONE, c.SpaceONEToken, ep.AriaLogs, c.AriaUsername, c.AriaPassword,
		ep.Monitoring, c.MonitoringToken, ep.Armory, mockserver.ArmoryAPIKeyHeader, c.ArmoryAPIKey,
		ep.K0rdent, c.K0rdentToken)
}
