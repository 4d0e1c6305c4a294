package mockserver

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Armory Scale Agent dynamic accounts, mounted at /clouddriver. Seed 003 is an unpublished
// draft; where the published pages and swaggers differ from it, the mock follows them:
// migrations answer 202 with [] (409 with the accounts already migrated), assignments answer 202
// without a body and need an INACTIVE or FAILED account, and the state comes in "status".

// Account sources.
const (
	ArmorySourceClouddriver = "clouddriver"
	ArmorySourceStatic      = "static-agent-config"
)

// Account states, as the published docs and swagger name them. INACTIVE, ACTIVE, FAILED,
// ORPHANED and DELETE_FAILED are settled; the others are transitions under way.
const (
	ArmoryStateInactive     = "INACTIVE"
	ArmoryStateActive       = "ACTIVE"
	ArmoryStateFailed       = "FAILED"
	ArmoryStateOrphaned     = "ORPHANED"
	ArmoryStateDeleteFailed = "DELETE_FAILED"
	ArmoryStateToMigrate    = "TO_MIGRATE"
	ArmoryStateActivating   = "ACTIVATING"
	ArmoryStateToDeactivate = "TO_DEACTIVATE"
	ArmoryStateDeactivating = "DEACTIVATING"
	ArmoryStateDeleting     = "DELETING"
)

// The response field that carries an account's state (see SetArmoryStateField).
const (
	// ArmoryStateFieldStatus is the published swagger's and GET example's "status", the default.
	ArmoryStateFieldStatus = "status"
	// ArmoryStateFieldState is the draft page's "state".
	ArmoryStateFieldState = "state"
	// ArmoryStateFieldNone sends no state at all, as seed 003's example.
	ArmoryStateFieldNone = ""
)

// ArmoryDefaultZone is the zone of the Agent that takes an account activated without a zone:
// the platform then records that Agent's zone on the account (deploymentName_namespace).
const ArmoryDefaultZone = "armory-agent_spinnaker"

// ArmoryAgent is an Agent pod confirmed to handle an account.
type ArmoryAgent struct {
	AgentID string `json:"agentId"`
	Caching bool   `json:"caching"`
}

// ArmoryAccount is an account as the mock stores it. KubeconfigFile is a secret: it is kept for
// the store helpers and never sent over HTTP. State goes over HTTP in the field the mock is set
// to send (armoryWire).
type ArmoryAccount struct {
	Name              string         `json:"name"`
	Type              string         `json:"type"`
	Source            string         `json:"source"`
	Config            map[string]any `json:"config"`
	ZoneID            string         `json:"zoneId,omitempty"` // absent means any Agent may take it
	Agents            []ArmoryAgent  `json:"agents"`
	LastAssignmentMsg string         `json:"lastAssignmentMsg"`
	State             string         `json:"-"`
	KubeconfigFile    string         `json:"-"`
}

// armoryWire is an account as the API sends it, its state in status or state or neither.
type armoryWire struct {
	ArmoryAccount
	Status string `json:"status,omitempty"`
	State  string `json:"state,omitempty"`
}

// armoryAccount is a migrated account plus the transition it is in, if any: the state it lands
// in (target) and when. Transitions are resolved lazily on read, under s.mu, so the mock needs no
// goroutines or timers.
type armoryAccount struct {
	ArmoryAccount
	target    string
	settlesAt time.Time
}

// armoryFailure is the state and message an activation ends in instead of ACTIVE.
type armoryFailure struct{ state, message string }

type armoryStore struct {
	clouddriver map[string]bool           // accounts Clouddriver knows: the only ones that can be migrated
	dynamic     map[string]*armoryAccount // migrated accounts, by name
	static      []ArmoryAccount           // from Agent config files: listed and readable, never changed
	kubeconfigs map[string][]string       // every kubeconfigFile accepted, per account, in order
	failures    map[string]armoryFailure  // how the next activation of an account fails
	assignDelay time.Duration             // how long an activation or a deactivation takes
	stateField  string                    // the response field of the state
	listServed  bool                      // whether GET /armory/accounts is served
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
		failures:    map[string]armoryFailure{},
		assignDelay: armoryDefaultAssignDelay,
		stateField:  ArmoryStateFieldStatus,
		listServed:  true,
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

// migrateArmoryAccounts makes Clouddriver accounts dynamic, INACTIVE until activated. An empty
// batch, or any name Clouddriver does not know, is a 400 that changes nothing. An account already
// migrated is left as it is and answered with 409, whose body is the array of those accounts;
// the other accounts of the batch are still migrated. Otherwise the answer is 202 with [].
func (s *Server) migrateArmoryAccounts(w http.ResponseWriter, r *http.Request) {
	var reqs []armoryAccountRequest
	if !decodeArmoryBody(w, r, &reqs) {
		return
	}
	if len(reqs) == 0 {
		writeArmoryError(w, http.StatusBadRequest, "", "the account array is empty")
		return
	}
	if msg := s.checkClouddriverNames(armoryRequestNames(reqs)); msg != "" {
		writeArmoryError(w, http.StatusBadRequest, "", msg)
		return
	}
	conflicts := []armoryWire{}
	now := time.Now()
	for _, req := range reqs {
		if _, ok := s.armory.dynamic[req.Name]; ok {
			a, _ := s.armoryAccount(req.Name, now)
			conflicts = append(conflicts, s.armoryWire(a))
			continue
		}
		a := &armoryAccount{ArmoryAccount: ArmoryAccount{
			Name: req.Name, Type: "kubernetes", Source: ArmorySourceClouddriver, State: ArmoryStateInactive,
		}}
		if req.ZoneID != nil {
			a.ZoneID = *req.ZoneID
		}
		s.setArmoryKubeconfig(a, req.KubeconfigFile)
		s.armory.dynamic[req.Name] = a
	}
	if len(conflicts) > 0 {
		writeJSON(w, http.StatusConflict, conflicts)
		return
	}
	writeJSON(w, http.StatusAccepted, []armoryWire{})
}

// checkArmoryAssignments returns why the PATCH body cannot be applied, or "" when it can.
// Called with s.mu held, the accounts' transitions settled.
func (s *Server) checkArmoryAssignments(reqs []armoryAccountRequest) string {
	if msg := s.checkClouddriverNames(armoryRequestNames(reqs)); msg != "" {
		return msg
	}
	for _, req := range reqs {
		a, ok := s.armory.dynamic[req.Name]
		switch {
		case !ok:
			return fmt.Sprintf("account %q is not a dynamic account: migrate it with POST first", req.Name)
		case req.State != ArmoryStateActive && req.State != ArmoryStateInactive:
			return fmt.Sprintf("account %q: state must be %s or %s", req.Name, ArmoryStateActive, ArmoryStateInactive)
		case req.State == ArmoryStateActive && a.State != ArmoryStateInactive && a.State != ArmoryStateFailed:
			return fmt.Sprintf("account %q is %s: only an INACTIVE or FAILED account can be activated", req.Name, a.State)
		}
	}
	return ""
}

// assignArmoryAccounts activates or deactivates migrated accounts, answering 202 without a body.
// Fields left out keep the values given earlier. Every entry is checked before anything changes.
func (s *Server) assignArmoryAccounts(w http.ResponseWriter, r *http.Request) {
	var reqs []armoryAccountRequest
	if !decodeArmoryBody(w, r, &reqs) {
		return
	}
	now := time.Now()
	for _, req := range reqs {
		s.armoryAccount(req.Name, now) // settle first: the precondition is on the state now
	}
	if msg := s.checkArmoryAssignments(reqs); msg != "" {
		writeArmoryError(w, http.StatusBadRequest, "", msg)
		return
	}
	for _, req := range reqs {
		a := s.armory.dynamic[req.Name]
		if req.ZoneID != nil {
			a.ZoneID = *req.ZoneID
		}
		s.setArmoryKubeconfig(a, req.KubeconfigFile)
		switch {
		case req.State == ArmoryStateActive:
			s.startArmoryTransition(a, ArmoryStateActivating, ArmoryStateActive, now)
		case a.State != ArmoryStateInactive:
			s.startArmoryTransition(a, ArmoryStateDeactivating, ArmoryStateInactive, now)
		}
	}
	w.WriteHeader(http.StatusAccepted)
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
	writeJSON(w, http.StatusOK, s.armoryWire(a))
}

// listArmoryAccounts pages with page (from 1) and limit over static and dynamic accounts sorted by
// name, as the draft page describes. Switched off, it answers as Spring does for a method the path
// does not map, since no published swagger has this route.
func (s *Server) listArmoryAccounts(w http.ResponseWriter, r *http.Request) {
	if !s.armory.listServed {
		w.Header().Set("Allow", "POST, PATCH, DELETE")
		writeArmoryError(w, http.StatusMethodNotAllowed, "", "Request method 'GET' is not supported")
		return
	}
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
	items := make([]armoryWire, 0, to-from)
	for _, a := range all[from:to] {
		items = append(items, s.armoryWire(a))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "page": pageNo, "limit": limit, "total": len(all)})
}

// setArmoryKubeconfig stores and records a kubeconfigFile that was sent. Called with s.mu held.
func (s *Server) setArmoryKubeconfig(a *armoryAccount, kubeconfig *string) {
	if kubeconfig == nil {
		return
	}
	a.KubeconfigFile = *kubeconfig
	s.armory.kubeconfigs[a.Name] = append(s.armory.kubeconfigs[a.Name], *kubeconfig)
}

// startArmoryTransition puts an account in a transient state until the configured delay has
// passed, after which it settles in target. An activation takes the account off its Agents at
// once; a deactivation leaves them until it settles. Called with s.mu held.
func (s *Server) startArmoryTransition(a *armoryAccount, transient, target string, now time.Time) {
	a.State, a.target, a.settlesAt = transient, target, now.Add(s.armory.assignDelay)
	if target == ArmoryStateActive {
		a.Agents, a.LastAssignmentMsg = nil, ""
	}
	s.settleArmoryTransition(a, now)
}

// settleArmoryTransition ends a transition whose delay has passed. An activation ends as
// configured with EndArmoryAssignment, else ACTIVE on two Agents; a deactivation ends INACTIVE.
// Called with s.mu held.
func (s *Server) settleArmoryTransition(a *armoryAccount, now time.Time) {
	if a.target == "" || now.Before(a.settlesAt) {
		return
	}
	target := a.target
	a.target = ""
	if failure, ok := s.armory.failures[a.Name]; ok && target == ArmoryStateActive {
		delete(s.armory.failures, a.Name)
		s.setArmoryState(a, failure.state, failure.message)
		return
	}
	s.setArmoryState(a, target, a.LastAssignmentMsg)
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

// armoryWire is a as the API sends it: the state in the field the mock is set to, and never the
// kubeconfig. Called with s.mu held.
func (s *Server) armoryWire(a ArmoryAccount) armoryWire {
	w := armoryWire{ArmoryAccount: a}
	switch s.armory.stateField {
	case ArmoryStateFieldStatus:
		w.Status = a.State
	case ArmoryStateFieldState:
		w.State = a.State
	}
	return w
}

// armoryAccount returns a dynamic or static account by name, its transition settled.
// Called with s.mu held.
func (s *Server) armoryAccount(name string, now time.Time) (ArmoryAccount, bool) {
	if a, ok := s.armory.dynamic[name]; ok {
		s.settleArmoryTransition(a, now)
		return armoryView(a.ArmoryAccount), true
	}
	for _, a := range s.armory.static {
		if a.Name == name {
			return armoryView(a), true
		}
	}
	return ArmoryAccount{}, false
}

// allArmoryAccounts returns the static and dynamic accounts sorted by name. Called with s.mu held.
func (s *Server) allArmoryAccounts(now time.Time) []ArmoryAccount {
	out := make([]ArmoryAccount, 0, len(s.armory.static)+len(s.armory.dynamic))
	for _, a := range s.armory.static {
		out = append(out, armoryView(a))
	}
	for _, a := range s.armory.dynamic {
		s.settleArmoryTransition(a, now)
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

// SetArmoryAssignDelay sets how long an activated account stays ACTIVATING, and a deactivated one
// DEACTIVATING. It applies to transitions started afterwards; 0 settles them at once.
func (s *Server) SetArmoryAssignDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armory.assignDelay = d
}

// SetArmoryStateField sets the response field that carries an account's state:
// ArmoryStateFieldStatus (the default), ArmoryStateFieldState or ArmoryStateFieldNone.
func (s *Server) SetArmoryStateField(field string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armory.stateField = field
}

// SetArmoryAccountListServed switches GET /armory/accounts on (the default) or off. Off, it
// answers 405, as an Armory version without the draft page's list would.
func (s *Server) SetArmoryAccountListServed(served bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armory.listServed = served
}

// FailArmoryAssignment makes the next activation of the account to settle end FAILED with message
// as its lastAssignmentMsg, as an unreachable cluster or a bad kubeconfig would.
func (s *Server) FailArmoryAssignment(name, message string) {
	s.EndArmoryAssignment(name, ArmoryStateFailed, message)
}

// EndArmoryAssignment makes the next activation of the account to settle end in state (FAILED,
// ORPHANED, ...) with message as its lastAssignmentMsg.
func (s *Server) EndArmoryAssignment(name, state, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armory.failures[name] = armoryFailure{state: state, message: message}
}

// ArmoryKubeconfigs returns every kubeconfigFile value accepted for the account, in order, so a
// test can prove that a write-only value was sent again. A refused request records nothing.
func (s *Server) ArmoryKubeconfigs(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.armory.kubeconfigs[name])
}

// ArmoryAccounts returns a copy of the migrated (dynamic) accounts sorted by name, transitions
// settled, kubeconfigs included.
func (s *Server) ArmoryAccounts() []ArmoryAccount {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	out := make([]ArmoryAccount, 0, len(s.armory.dynamic))
	for _, a := range s.armory.dynamic {
		s.settleArmoryTransition(a, now)
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
// active is true. An empty zoneID leaves it unpinned until it is ACTIVE.
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
// losing its cluster would, ending any transition: ACTIVE lands it on two Agents at once, every
// other state drops its Agents and records message as lastAssignmentMsg. It reports whether the
// account exists.
func (s *Server) SetArmoryAccountState(name, state, message string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.armory.dynamic[name]
	if ok {
		s.setArmoryState(a, state, message)
	}
	return ok
}

// setArmoryState settles a in state at once. An account that becomes ACTIVE without a zone takes
// the zone of the Agent that took it. Called with s.mu held.
func (s *Server) setArmoryState(a *armoryAccount, state, message string) {
	a.State, a.Agents, a.LastAssignmentMsg, a.target = state, nil, message, ""
	if state == ArmoryStateActive {
		if a.ZoneID == "" {
			a.ZoneID = ArmoryDefaultZone
		}
		a.Agents = armoryAgents(a.ZoneID)
		a.LastAssignmentMsg = armorySuccessMessage(a.Agents)
	}
}
