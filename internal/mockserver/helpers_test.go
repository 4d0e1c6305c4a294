package mockserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// testServer is a mock served over real HTTP for one test.
type testServer struct {
	*Server
	url string
	ep  Endpoints
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	m := New(DefaultCredentials())
	ts := httptest.NewServer(m)
	t.Cleanup(ts.Close)
	return &testServer{Server: m, url: ts.URL, ep: m.Endpoints(ts.URL)}
}

// call sends method url with an optional JSON body and headers (pairs of name, value) and
// returns the status, the response headers and the raw body.
func call(t *testing.T, method, url string, body any, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, raw
}

// decode unmarshals raw into v or fails the test.
func decode(t *testing.T, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decoding %q: %v", raw, err)
	}
}

// wantStatus fails the test when got is not want, showing the body.
func wantStatus(t *testing.T, got, want int, body []byte) {
	t.Helper()
	if got != want {
		t.Fatalf("status %d, want %d; body %s", got, want, body)
	}
}
