package mockserver

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Armory Scale Agent dynamic accounts (seed 003), mounted at /clouddriver.

// Account sources and states. The seed names INACTIVE, ACTIVE and FAILED; ASSIGNING is the mock's
// name for the in-progress state it implies between an activation and its outcome.
const (
	ArmorySourceClouddriver = "clouddriver"
	ArmorySourceStatic      = "static-agent-config"

	ArmoryStateInactive  = "INACTIVE"
	ArmoryStateAssigning = "ASSIGNING"
	ArmoryStateActive    = "ACTIVE"
	ArmoryStateFailed    = "FAILED"
)

// ArmoryAgent is an Agent pod confirmed to handle an account.
type ArmoryAgent struct {
	AgentID string `json:"agentId"`
	Caching bool   `json:"caching"`
}

// ArmoryAccount is an account as the mock stores it. KubeconfigFile is a secret: it is kept for
// the store helpers and never sent over HTTP.
type ArmoryAccount struct {
	Name              string         `json:"name"`
	Type              string         `json:"type"`
	Source            string         `json:"source"`
	Config            map[string]any `json:"config"`
	ZoneID            string         `json:"zoneId,omitempty"` // absent means any Agent may take it
	Agents            []ArmoryAgent  `json:"agents"`
	LastAssignmentMsg string         `json:"lastAssignmentMsg"`
	State             string         `json:"state"`
	KubeconfigFile    string         `json:"-"`
}

// armoryAccount is a migrated account plus when its pending assignment settles. Assignments are
// resolved lazily on read, under s.mu, so the mock needs no goroutines or timers.
type armoryAccount struct {
	ArmoryAccount
	assignDone time.Time
}

type armoryStore struct {
	clouddriver map[string]bool           // accounts Clouddriver knows: the only ones that can be migrated
	dynamic     map[string]*armoryAccount // migrated accounts, by name
	static      []ArmoryAccount           // from Agent config files: listed and readable, never changed
	kubeconfigs map[string][]string       // every kubeconfigFile received, per account, in order
	failures    map[string]string         // message the next assignment of an account fails with
	assignDelay time.Duration
}

const (
	armoryAccounts           = ArmoryPrefix + "/armory/accounts"
	armoryDefaultAssignDelay = 300 * time.Millisecond
)

func (s *Server) registerArmory() {
	s.armory = armoryStore{
		clouddriver: map[string]bool{},
		dynamic:     map[string]*armoryAccount{},
		static:      armoryStaticAccounts(),
		kubeconfigs: map[string][]string{},
		failures:    map[string]string{},
		assignDelay: armoryDefaultAssignDelay,
	}
	for _, name := range armoryClouddriverAccounts() {
		s.armory.clouddriver[name] = true
	}
	p := platform{
		authorized: func(r *http.Request) bool {
			return s.creds.ArmoryAPIKey != "" && r.Header.Get(ArmoryAPIKeyHeader) == s.creds.ArmoryAPIKey
		},
		writeError: writeArmoryError,
	}
	s.handle("GET "+armoryAccounts, p, s.listArmoryAccounts)
	s.handle("GET "+armoryAccounts+"/{name}", p, s.getArmoryAccount)
	s.handle("POST "+armoryAccounts, p, s.migrateArmoryAccounts)
	s.handle("PATCH "+armoryAccounts, p, s.assignArmoryAccounts)
	s.handle("DELETE "+armoryAccounts, p, s.deleteArmoryAccounts)
}

// armoryClouddriverAccounts are the native accounts the mock's Clouddriver starts with: a few
// named ones for examples, and enough numbered ones that a migrated list spans several pages.
func armoryClouddriverAccounts() []string {
	names := []string{"prod-k8s", "staging-k8s", "dev-k8s", "account-01", "account-02"}
	for i := range 20 {
		names = append(names, fmt.Sprintf("clouddriver-%02d", i))
	}
	return names
}

// armoryStaticAccounts are defined in Agent config files, so the list shows both sources.
func armoryStaticAccounts() []ArmoryAccount {
	var out []ArmoryAccount
	for _, name := range []string{"static-agent-account-01", "static-agent-account-02"} {
		const zone = "agent-private-network-1"
		agents := armoryAgents(zone)
		out = append(out, ArmoryAccount{
			Name: name, Type: "kubernetes", Source: ArmorySourceStatic, ZoneID: zone,
			Agents: agents, LastAssignmentMsg: armorySuccessMessage(agents), State: ArmoryStateActive,
		})
	}
	return out
}

// writeArmoryError writes the Spring Boot error body Clouddriver answers with. Spring has no
// error code field, so code is dropped.
func writeArmoryError(w http.ResponseWriter, status int, _, message string) {
	writeJSON(w, status, map[string]any{
		"timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000-07:00"),
		"status":    status,
		"error":     http.StatusText(status),
		"message":   message,
	})
}

// armoryAccountRequest is one element of the POST and PATCH bodies. Go's JSON decoding matches
// keys case-insensitively, so the seed's two spellings kubeconfigFile and kubeConfigFile both work.
type armoryAccountRequest struct {
	Name           string  `json:"name"`
	ZoneID         *string `json:"zoneId"`
	KubeconfigFile *string `json:"kubeconfigFile"`
	State          string  `json:"state"`
}

// decodeArmoryBody reads a JSON request body, answering 400 when it is malformed.
func decodeArmoryBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := decodeJSON(r, v); err != nil {
		writeArmoryError(w, http.StatusBadRequest, "", "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

// checkClouddriverNames returns why the names cannot be used, or "" when Clouddriver knows them all.
func (s *Server) checkClouddriverNames(names []string) string {
	var unknown []string
	for _, name := range names {
		if !s.armory.clouddriver[name] {
			unknown = append(unknown, fmt.Sprintf("%q", name))
		}
	}
	if len(unknown) > 0 {
		return "account(s) not defined in Clouddriver: " + strings.Join(unknown, ", ")
	}
	return ""
}

func armoryRequestNames(reqs []armoryAccountRequest) []string {
	names := make([]string, len(reqs))
	for i, req := range reqs {
		names[i] = req.Name
	}
	return names
}

// migrateArmoryAccounts makes Clouddriver accounts dynamic, INACTIVE until assigned. Every name is
// checked before anything changes, so a 400 leaves the store as it was. Migrating again is
// idempotent: zoneId is set to what was sent (absent unpins the account), kubeconfigFile is
// replaced only when sent, because the seed lets a later PATCH rely on the one given here.
func (s *Server) migrateArmoryAccounts(w http.ResponseWriter, r *http.Request) {
	var reqs []armoryAccountRequest
	if !decodeArmoryBody(w, r, &reqs) {
		return
	}
	if msg := s.checkClouddriverNames(armoryRequestNames(reqs)); msg != "" {
		writeArmoryError(w, http.StatusBadRequest, "", msg)
		return
	}
	for _, req := range reqs {
		a, ok := s.armory.dynamic[req.Name]
		if !ok {
			a = &armoryAccount{ArmoryAccount: ArmoryAccount{
				Name: req.Name, Type: "kubernetes", Source: ArmorySourceClouddriver, State: ArmoryStateInactive,
			}}
			s.armory.dynamic[req.Name] = a
		}
		a.ZoneID = ""
		if req.ZoneID != nil {
			a.ZoneID = *req.ZoneID
		}
		s.setArmoryKubeconfig(a, req.KubeconfigFile)
	}
	writeJSON(w, http.StatusOK, s.armoryViews(armoryRequestNames(reqs)))
}

// checkArmoryAssignments returns why the PATCH body cannot be applied, or "" when it can.
func (s *Server) checkArmoryAssignments(reqs []armoryAccountRequest) string {
	if msg := s.checkClouddriverNames(armoryRequestNames(reqs)); msg != "" {
		return msg
	}
	for _, req := range reqs {
		if _, ok := s.armory.dynamic[req.Name]; !ok {
			return fmt.Sprintf("account %q is not a dynamic account: migrate it with POST first", req.Name)
		}
		if req.State != ArmoryStateActive && req.State != ArmoryStateInactive {
			return fmt.Sprintf("account %q: state must be %s or %s", req.Name, ArmoryStateActive, ArmoryStateInactive)
		}
	}
	return ""
}

// assignArmoryAccounts activates or deactivates migrated accounts. Fields left out keep the values
// given earlier, as the seed describes. Activating an account again starts a fresh assignment,
// so a changed zone takes effect.
func (s *Server) assignArmoryAccounts(w http.ResponseWriter, r *http.Request) {
	var reqs []armoryAccountRequest
	if !decodeArmoryBody(w, r, &reqs) {
		return
	}
	if msg := s.checkArmoryAssignments(reqs); msg != "" {
		writeArmoryError(w, http.StatusBadRequest, "", msg)
		return
	}
	now := time.Now()
	for _, req := range reqs {
		a := s.armory.dynamic[req.Name]
		if req.ZoneID != nil {
			a.ZoneID = *req.ZoneID
		}
		s.setArmoryKubeconfig(a, req.KubeconfigFile)
		if req.State == ArmoryStateActive {
			s.startArmoryAssignment(a, now)
		} else {
			a.State, a.Agents = ArmoryStateInactive, nil
		}
	}
	writeJSON(w, http.StatusOK, s.armoryViews(armoryRequestNames(reqs)))
}

// deleteArmoryAccounts stops the Agents managing the accounts. They stay known to Clouddriver and
// can be migrated again; deleting one that is not migrated is a no-op, as the seed knows only 200
// and 400.
func (s *Server) deleteArmoryAccounts(w http.ResponseWriter, r *http.Request) {
	var names []string
	if !decodeArmoryBody(w, r, &names) {
		return
	}
	if msg := s.checkClouddriverNames(names); msg != "" {
		writeArmoryError(w, http.StatusBadRequest, "", msg)
		return
	}
	for _, name := range names {
		delete(s.armory.dynamic, name)
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) getArmoryAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := s.armoryAccount(r.PathValue("name"), time.Now())
	if !ok {
		writeArmoryError(w, http.StatusNotFound, "", fmt.Sprintf("account %q is not managed by the Scale Agent", r.PathValue("name")))
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// listArmoryAccounts pages with page (from 1) and limit over static and dynamic accounts sorted by
// name, as the seed describes.
func (s *Server) listArmoryAccounts(w http.ResponseWriter, r *http.Request) {
	pageNo, ok := queryInt(r, "page", 1)
	if !ok || pageNo < 1 {
		writeArmoryError(w, http.StatusBadRequest, "", "page must be an integer from 1")
		return
	}
	limit, ok := queryInt(r, "limit", 100)
	if !ok || limit < 1 {
		writeArmoryError(w, http.StatusBadRequest, "", "limit must be an integer from 1")
		return
	}
	all := s.allArmoryAccounts(time.Now())
	offset := len(all)
	if pageNo-1 <= len(all)/limit { // guards the product against overflow for absurd pages
		offset = (pageNo - 1) * limit
	}
	from, to := page(len(all), offset, limit)
	writeJSON(w, http.StatusOK, map[string]any{"items": all[from:to], "page": pageNo, "limit": limit, "total": len(all)})
}

// setArmoryKubeconfig stores and records a kubeconfigFile that was sent. Called with s.mu held.
func (s *Server) setArmoryKubeconfig(a *armoryAccount, kubeconfig *string) {
	if kubeconfig == nil {
		return
	}
	a.KubeconfigFile = *kubeconfig
	s.armory.kubeconfigs[a.Name] = append(s.armory.kubeconfigs[a.Name], *kubeconfig)
}

// startArmoryAssignment puts an account in ASSIGNING until the configured delay has passed.
// Called with s.mu held.
func (s *Server) startArmoryAssignment(a *armoryAccount, now time.Time) {
	a.State, a.Agents, a.LastAssignmentMsg = ArmoryStateAssigning, nil, ""
	a.assignDone = now.Add(s.armory.assignDelay)
}

// settleArmoryAssignment ends an assignment whose delay has passed: FAILED when a failure was
// configured for the account, else ACTIVE on two Agents. Called with s.mu held.
func (s *Server) settleArmoryAssignment(a *armoryAccount, now time.Time) {
	if a.State != ArmoryStateAssigning || now.Before(a.assignDone) {
		return
	}
	if msg, ok := s.armory.failures[a.Name]; ok {
		delete(s.armory.failures, a.Name)
		a.State, a.Agents, a.LastAssignmentMsg = ArmoryStateFailed, nil, msg
		return
	}
	a.State, a.Agents = ArmoryStateActive, armoryAgents(a.ZoneID)
	a.LastAssignmentMsg = armorySuccessMessage(a.Agents)
}

// armoryAgents names the two Agent pods an assignment lands on, one caching cluster state and one
// executing operations, as in the seed's example. A zone defaults to deploymentName_namespace, so
// the pods are named after the deployment; the hashes make the names stable per zone.
func armoryAgents(zoneID string) []ArmoryAgent {
	deployment, _, _ := strings.Cut(zoneID, "_")
	if deployment == "" {
		deployment = "armory-agent"
	}
	replicaSet := fmt.Sprintf("%016x", armoryHash(zoneID))[:10]
	return []ArmoryAgent{
		{AgentID: deployment + "-" + replicaSet + "-" + armoryPodSuffix(zoneID+"/0"), Caching: true},
		{AgentID: deployment + "-" + replicaSet + "-" + armoryPodSuffix(zoneID+"/1"), Caching: false},
	}
}

// armoryPodSuffix is a five-character pod name suffix in the alphabet Kubernetes uses for them.
func armoryPodSuffix(key string) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	h := armoryHash(key)
	b := make([]byte, 5)
	for i := range b {
		b[i] = alphabet[h%uint64(len(alphabet))]
		h /= uint64(len(alphabet))
	}
	return string(b)
}

func armoryHash(key string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return h.Sum64()
}

// armorySuccessMessage is the seed's message, naming the Agent that executes operations.
func armorySuccessMessage(agents []ArmoryAgent) string {
	return "successfully assigned to Agent " + agents[len(agents)-1].AgentID + " for executing operations"
}

// armoryView is a copy of a that is safe to hand out and encodes agents and config as [] and {}.
func armoryView(a ArmoryAccount) ArmoryAccount {
	a.Config = map[string]any{}
	a.Agents = append([]ArmoryAgent{}, a.Agents...)
	return a
}

// armoryAccount returns a dynamic or static account by name, its assignment settled.
// Called with s.mu held.
func (s *Server) armoryAccount(name string, now time.Time) (ArmoryAccount, bool) {
	if a, ok := s.armory.dynamic[name]; ok {
		s.settleArmoryAssignment(a, now)
		return armoryView(a.ArmoryAccount), true
	}
	for _, a := range s.armory.static {
		if a.Name == name {
			return armoryView(a), true
		}
	}
	return ArmoryAccount{}, false
}

// armoryViews returns the named accounts, in the order given, for POST and PATCH answers.
// Called with s.mu held.
func (s *Server) armoryViews(names []string) []ArmoryAccount {
	now := time.Now()
	out := make([]ArmoryAccount, 0, len(names))
	for _, name := range names {
		if a, ok := s.armoryAccount(name, now); ok {
			out = append(out, a)
		}
	}
	return out
}

// allArmoryAccounts returns the static and dynamic accounts sorted by name. Called with s.mu held.
func (s *Server) allArmoryAccounts(now time.Time) []ArmoryAccount {
	out := make([]ArmoryAccount, 0, len(s.armory.static)+len(s.armory.dynamic))
	for _, a := range s.armory.static {
		out = append(out, armoryView(a))
	}
	for _, a := range s.armory.dynamic {
		s.settleArmoryAssignment(a, now)
		out = append(out, armoryView(a.ArmoryAccount))
	}
	slices.SortFunc(out, func(a, b ArmoryAccount) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// AddClouddriverAccount makes name a native Clouddriver account that can be migrated.
func (s *Server) AddClouddriverAccount(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armory.clouddriver[name] = true
}

// SetArmoryAssignDelay sets how long an activated account stays ASSIGNING. It applies to
// assignments started afterwards.
func (s *Server) SetArmoryAssignDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armory.assignDelay = d
}

// FailArmoryAssignment makes the next assignment of the account to settle end FAILED with message
// as its lastAssignmentMsg, as an unreachable cluster or a bad kubeconfig would.
func (s *Server) FailArmoryAssignment(name, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armory.failures[name] = message
}

// ArmoryKubeconfigs returns every kubeconfigFile value received for the account, in order, so a
// test can prove that a write-only value was sent again.
func (s *Server) ArmoryKubeconfigs(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.armory.kubeconfigs[name])
}

// ArmoryAccounts returns a copy of the migrated (dynamic) accounts sorted by name, assignments
// settled, kubeconfigs included.
func (s *Server) ArmoryAccounts() []ArmoryAccount {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	out := make([]ArmoryAccount, 0, len(s.armory.dynamic))
	for _, a := range s.armory.dynamic {
		s.settleArmoryAssignment(a, now)
		out = append(out, armoryView(a.ArmoryAccount))
	}
	slices.SortFunc(out, func(a, b ArmoryAccount) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// DeleteArmoryAccount removes a migrated account out of band, as an operator of Clouddriver would.
// The account stays known to Clouddriver.
func (s *Server) DeleteArmoryAccount(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.armory.dynamic[name]; !ok {
		return false
	}
	delete(s.armory.dynamic, name)
	return true
}

// PutArmoryAccount stores a migrated account out of band, as another tool would: name becomes a
// Clouddriver account if it was not one, and the account is INACTIVE, or ACTIVE on two Agents when
// active is true. An empty zoneID leaves it unpinned.
func (s *Server) PutArmoryAccount(name, zoneID string, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armory.clouddriver[name] = true
	a := &armoryAccount{ArmoryAccount: ArmoryAccount{
		Name: name, Type: "kubernetes", Source: ArmorySourceClouddriver, ZoneID: zoneID, State: ArmoryStateInactive,
	}}
	s.armory.dynamic[name] = a
	if active {
		s.setArmoryState(a, ArmoryStateActive, "")
	}
}

// SetArmoryAccountState changes a migrated account's state out of band, as an operator or an Agent
// losing its cluster would: ACTIVE lands it on two Agents at once, INACTIVE and FAILED drop its
// Agents, and FAILED records message as lastAssignmentMsg. It reports whether the account exists.
func (s *Server) SetArmoryAccountState(name, state, message string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.armory.dynamic[name]
	if ok {
		s.setArmoryState(a, state, message)
	}
	return ok
}

// setArmoryState settles a in state at once. Called with s.mu held.
func (s *Server) setArmoryState(a *armoryAccount, state, message string) {
	a.State, a.Agents, a.LastAssignmentMsg = state, nil, message
	if state == ArmoryStateActive {
		a.Agents = armoryAgents(a.ZoneID)
		a.LastAssignmentMsg = armorySuccessMessage(a.Agents)
	}
}
