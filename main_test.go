package main

import (
	"maps"
	"testing"
)

func TestQuietUnreadLogs(t *testing.T) {
	quieted := map[string]string{
		"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "off",
		"TF_LOG_PROVIDER_AGENTFLEET": "off", "TF_LOG_PROVIDER_AGENTFLEET_HTTP": "off",
	}
	tests := map[string]struct {
		env  map[string]string
		want map[string]string
	}{
		"no logging asked for": {env: map[string]string{}, want: quieted},
		"TF_LOG off":           {env: map[string]string{"TF_LOG": "OFF"}, want: with(quieted, "TF_LOG", "OFF")},
		"TF_LOG set":           {env: map[string]string{"TF_LOG": "debug"}, want: map[string]string{"TF_LOG": "debug"}},
		"TF_LOG_PROVIDER set": {
			env:  map[string]string{"TF_LOG_PROVIDER": "TRACE"},
			want: map[string]string{"TF_LOG_PROVIDER": "TRACE"},
		},
		"a level the user set is kept": {
			env:  map[string]string{"TF_LOG_SDK_PROTO": "DEBUG"},
			want: with(quieted, "TF_LOG_SDK_PROTO", "DEBUG"),
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			env := maps.Clone(tt.env)
			setenv := func(k, v string) error { env[k] = v; return nil }
			quietUnreadLogs(func(k string) string { return env[k] }, setenv)
			if !maps.Equal(env, tt.want) {
				t.Errorf("environment after quietUnreadLogs:\n got %v\nwant %v", env, tt.want)
			}
		})
	}
}

// with returns a copy of m with k set to v.
func with(m map[string]string, k, v string) map[string]string {
	out := maps.Clone(m)
	out[k] = v
	return out
}
