package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// logSubsystem is the tflog subsystem for HTTP traffic.
const logSubsystem = "http"

// HTTPLogLevelEnv sets the level of the HTTP traffic logs apart from the provider's own
// (TF_LOG_PROVIDER).
const HTTPLogLevelEnv = "TF_LOG_PROVIDER_AGENTFLEET_HTTP"

// providerLogLevelEnv is the level of the provider's own logs, which the HTTP logs follow when
// HTTPLogLevelEnv is not set: terraform-plugin-go names it after the provider's address.
const providerLogLevelEnv = "TF_LOG_PROVIDER_AGENTFLEET"

// httpLogsOff reports whether the environment turns the HTTP logs off, as tflog reads it: by
// HTTPLogLevelEnv, or without a level there, by the provider's own level. The provider turns both
// off when Terraform would discard the lines (quietUnreadLogs in main.go). Then a call builds
// nothing to log: no subsystem, no masked copies of headers and bodies, which tflog would only
// throw away after masking them.
func httpLogsOff(getenv func(string) string) bool {
	if level := hclog.LevelFromString(getenv(HTTPLogLevelEnv)); level != hclog.NoLevel {
		return level == hclog.Off
	}
	return hclog.LevelFromString(getenv(providerLogLevelEnv)) == hclog.Off
}

// secretKeys are header names and JSON field names whose values are never logged, at any level.
// Compared case-insensitively. Aria Operations for Logs authenticates with a JWT in X-JWT-Token,
// which VCF Operations hands out as jwtToken in exchange for the token of its acquire answer.
var secretKeys = []string{
	"authorization", "x-auth-token", "x-armory-api-key", "x-jwt-token", "cookie", "set-cookie",
	"client_secret", "clientsecret", "secret", "token", "jwttoken", "password", "sessionid", "session_id",
	"kubeconfig", "kubeconfigfile", "kubeconfig_file",
}

const masked = "***"

// isSecretKey reports whether a header or field of this name carries a secret.
func isSecretKey(name string) bool {
	name = strings.ToLower(name)
	for _, k := range secretKeys {
		if name == k {
			return true
		}
	}
	return false
}

// callInfo travels in the request context so the retry policy and the log hooks, which
// retryablehttp calls without any other state, know what the call is.
type callInfo struct {
	platform      string
	createsObject bool
	// overLimit and waitHeaders are the platform's rate-limit quirks (see api).
	overLimit   func(resp *http.Response) (why string, ok bool)
	waitHeaders []string
	// pace is the platform's pacer, which every attempt of the call waits for.
	pace *pacer
	// mask hides the call's secrets in its logs and in its error.
	mask  masker
	start time.Time
	// quiet is set when the HTTP logs are off (httpLogsOff): nothing is logged.
	quiet bool
}

type callInfoKey struct{}

// withCallInfo returns ctx carrying info, and the HTTP log subsystem set up to mask info's
// secrets. It is built once per call: the retry policy and every log hook of the call share it.
func withCallInfo(ctx context.Context, info callInfo) context.Context {
	info.start = time.Now()
	ctx = context.WithValue(ctx, callInfoKey{}, info)
	if info.quiet {
		return ctx
	}
	return info.mask.logContext(ctx)
}

// masker hides secret values wherever they could surface: in log messages and fields, in logged
// headers and bodies, and in API error messages. Every call builds one (api.masker) from the
// platform's configured credentials, which include every configured header value whatever the
// header's name, and from the secrets the request carries; everything the call logs or reports
// goes through it. Headers and JSON fields whose name is on secretKeys are masked whatever their
// value.
type masker struct {
	// inText are the secrets looked for inside any text: without repeats, longest first so that
	// a secret holding another is masked whole, and without values shorter than minMaskedSecret.
	// An unset credential (such as Aria's session token when the provider logs in) is an empty
	// string, and masking the empty string would put a mask between every two characters of every
	// message; a one-letter token would do nearly as badly.
	inText []string
	// whole are all the secrets, short ones too: a header or a JSON string that is exactly one of
	// them is masked, which garbles nothing.
	whole map[string]bool
}

// minMaskedSecret is the length below which a value is not masked inside text: masking a
// three-letter value would garble every message it occurs in and hide next to nothing. Such a
// value is still masked where it is a whole header or JSON string, and secret fields and headers
// are masked by name whatever the length of their value.
const minMaskedSecret = 4

func newMasker(secrets ...string) masker {
	m := masker{whole: map[string]bool{}}
	for _, s := range secrets {
		if s == "" || m.whole[s] {
			continue
		}
		m.whole[s] = true
		if len(s) >= minMaskedSecret {
			m.inText = append(m.inText, s)
		}
	}
	slices.SortStableFunc(m.inText, func(a, b string) int { return len(b) - len(a) })
	return m
}

// text replaces every occurrence of a secret in s.
func (m masker) text(s string) string {
	for _, secret := range m.inText {
		s = strings.ReplaceAll(s, secret, masked)
	}
	return s
}

// value masks a header value or JSON string: whole when it is a secret, otherwise the secrets in it.
func (m masker) value(s string) string {
	if m.whole[s] {
		return masked
	}
	return m.text(s)
}

// headers copies headers into a loggable map: secret headers masked by name, and secret values
// masked in every other header.
func (m masker) headers(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for name, values := range h {
		if isSecretKey(name) {
			out[name] = masked
			continue
		}
		shown := make([]string, len(values))
		for i, v := range values {
			shown[i] = m.value(v)
		}
		out[name] = strings.Join(shown, ", ")
	}
	return out
}

// body returns a JSON body with the values of secret fields masked at any depth and secret
// values masked in every string, or for a body that is not JSON, its excerpt with secret values
// masked.
func (m masker) body(body []byte) string {
	if len(body) > maxLoggedBody {
		return fmt.Sprintf("(%d bytes, not logged)", len(body))
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return excerpt([]byte(m.text(string(body))))
	}
	out, err := json.Marshal(m.json(v))
	if err != nil {
		return masked
	}
	return string(out)
}

// maxLoggedBody bounds the bodies that are masked and logged; larger ones are only counted.
const maxLoggedBody = 64 << 10

// json masks secret fields by key, and secret values inside every string, before the value is
// marshalled again (marshalling escapes characters, which would hide a value from a later search).
func (m masker) json(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if isSecretKey(k) {
				t[k] = masked
			} else {
				t[k] = m.json(child)
			}
		}
	case []any:
		for i, child := range t {
			t[i] = m.json(child)
		}
	case string:
		return m.value(t)
	}
	return v
}

// logContext returns ctx with the HTTP subsystem set up to mask the secrets in whatever the
// hooks do not mask themselves: fields by key, and secret values in messages and string fields.
func (m masker) logContext(ctx context.Context) context.Context {
	ctx = tflog.NewSubsystem(ctx, logSubsystem, tflog.WithLevelFromEnv(HTTPLogLevelEnv))
	ctx = tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, logSubsystem, secretKeys...)
	if len(m.inText) > 0 {
		ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, logSubsystem, m.inText...)
		ctx = tflog.SubsystemMaskMessageStrings(ctx, logSubsystem, m.inText...)
	}
	return ctx
}

// requestSecrets returns the secret values a request carries: the credentials in its secret
// headers, whole and without their scheme ("Bearer <session id>"), and the string values of
// secret fields at any depth of its JSON body (a kubeconfig). The configured credentials are
// among them anyway; this adds what the client only learns at run time, such as the session id
// of a login, and the resource arguments that are secrets, so that a platform echoing a request
// in its answer or its error cannot put them in a log or a diagnostic.
func requestSecrets(h http.Header, body []byte) []string {
	var out []string
	add := func(v string) { out = append(out, v) }
	for name, values := range h {
		if !isSecretKey(name) {
			continue
		}
		for _, v := range values {
			add(v)
			if _, credential, ok := strings.Cut(v, " "); ok {
				add(strings.TrimSpace(credential))
			}
		}
	}
	var v any
	if len(body) > 0 && json.Unmarshal(body, &v) == nil {
		secretFieldValues(v, add)
	}
	return out
}

// secretFieldValues calls add with the string value of every secret field in a decoded JSON value.
func secretFieldValues(v any, add func(string)) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if s, ok := child.(string); ok && isSecretKey(k) {
				add(s)
				continue
			}
			secretFieldValues(child, add)
		}
	case []any:
		for _, child := range t {
			secretFieldValues(child, add)
		}
	}
}

func callInfoFrom(ctx context.Context) callInfo {
	info, _ := ctx.Value(callInfoKey{}).(callInfo)
	return info
}

func logRequest(req *http.Request, attempt int) {
	ctx := req.Context()
	info := callInfoFrom(ctx)
	if info.quiet {
		return
	}
	fields := map[string]any{
		"platform": info.platform,
		"method":   req.Method,
		"url":      info.mask.text(req.URL.Redacted()),
		"attempt":  attempt + 1,
		"headers":  info.mask.headers(req.Header),
	}
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			if raw, err := io.ReadAll(body); err == nil && len(raw) > 0 {
				fields["body"] = info.mask.body(raw)
			}
		}
	}
	tflog.SubsystemDebug(ctx, logSubsystem, "sending API request", fields)
}

func logResponse(resp *http.Response) {
	ctx := resp.Request.Context()
	info := callInfoFrom(ctx)
	if info.quiet {
		return
	}
	tflog.SubsystemDebug(ctx, logSubsystem, "received API response", map[string]any{
		"platform":   info.platform,
		"method":     resp.Request.Method,
		"url":        info.mask.text(resp.Request.URL.Redacted()),
		"status":     resp.StatusCode,
		"elapsed_ms": time.Since(info.start).Milliseconds(),
		"headers":    info.mask.headers(resp.Header),
	})
}

// logResponseBody traces a response body, masked, once it has been read.
func logResponseBody(ctx context.Context, body []byte) {
	if len(body) == 0 || callInfoFrom(ctx).quiet {
		return
	}
	info := callInfoFrom(ctx)
	tflog.SubsystemTrace(ctx, logSubsystem, "API response body", map[string]any{
		"platform": info.platform,
		"body":     info.mask.body(body),
	})
}

func logRetry(ctx context.Context, reason string) {
	info := callInfoFrom(ctx)
	if info.quiet {
		return
	}
	tflog.SubsystemDebug(ctx, logSubsystem, "retrying API request", map[string]any{
		"platform": info.platform,
		"reason":   info.mask.text(reason),
	})
}
