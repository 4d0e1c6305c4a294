#!/usr/bin/env bash
# make bench: what the provider costs on top of Terraform and a plugin that does no API work,
# measured against the in-repo mock on loopback, in one run. BENCHMARKS.md explains each figure
# and its target. The floor is cmd/benchmock: a provider on terraform-plugin-framework with the
# schema of agentfleet_agent_token that makes no API call.
#
#   1. Overhead: apply, then plan (refresh), of BENCH_N agent tokens against as many
#      benchmock_token, with no latency. Targets: ratios <= 1.10.
#   2. Refresh at latency: plan of BENCH_N tokens with the mock answering after BENCH_LATENCY,
#      against benchmock's plan with no latency (target <= 1.5), and the API calls of that
#      refresh (target: at most 1 per 50 resources, plus the GETs that confirm objects the list
#      lacks).
#   3. Apply at latency: BENCH_LATENCY_N tokens, against benchmock whose creates each wait as long
#      as a token create's API calls take (target <= 1.05).
#   4. Rate limit: the same apply with max_requests_per_second = BENCH_RATE against a mock that
#      answers 429 beyond that rate. Targets: no 429, and the time within 1.1 x of
#      N x calls per resource / rate.
#   5. Scaling: plan and apply for each N of BENCH_SCALE, agentfleet against benchmock, and the
#      API calls of the refresh.
#   6. API calls per resource for create, refresh and destroy, per resource family.
#   7. Peak resident memory of the provider processes during the plan of BENCH_N tokens.
#
# Each timing is the median of BENCH_REPS runs, with everything destroyed in between; the
# ratios of one report come from the same run. Times are wall clock; the CPU seconds beside them
# (terraform and its provider processes, from the shell's child rusage) are steadier when other
# work shares the machine.
#
# Like scripts/demo.sh it downloads nothing: the providers come from a dev_overrides CLI
# configuration in a temporary folder and terraform is the one on PATH. It needs bash, go,
# terraform, awk and a Linux /proc; the mock's admin endpoints are reached with bash's /dev/tcp.
# Everything is built without -race, as users run it.
set -euo pipefail

N=${BENCH_N:-500}
REPS=${BENCH_REPS:-3}
LATENCY_N=${BENCH_LATENCY_N:-200}
LATENCY=${BENCH_LATENCY:-50ms}
RATE=${BENCH_RATE:-20}
# The mock's bucket in the rate-limit measurement: RATE a second, a few requests at once.
RATE_BURST=${BENCH_RATE_BURST:-5}
SCALE=${BENCH_SCALE:-100 500 2000}
# Runs per size of the scaling table: Terraform itself takes about a minute to apply 2000
# resources on 2 CPUs, so one run each by default.
SCALE_REPS=${BENCH_SCALE_REPS:-1}
FAMILY_N=${BENCH_FAMILY_N:-20}
PARALLELISM=${BENCH_PARALLELISM:-10}
# The mock's Clouddriver knows 20 numbered accounts (clouddriver-00..19): the only ones the
# dynamic account family can migrate.
ARMORY_MAX=20

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
mock_pid=""

cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*" >&2; }
fail() { echo "bench: $*" >&2; exit 1; }

# --- set-up ------------------------------------------------------------------------------------

step "Building the provider, the no-op benchmock provider and the mock server (no -race)"
provider_bin="$work/bin/terraform-provider-agentfleet"
benchmock_bin="$work/bin/terraform-provider-benchmock"
(cd "$repo" && go build -trimpath -o "$provider_bin" . &&
  go build -trimpath -o "$benchmock_bin" ./cmd/benchmock &&
  go build -trimpath -o "$work/mockserver" ./cmd/mockserver)

step "Starting the mock server on loopback, with its admin endpoints"
"$work/mockserver" -addr 127.0.0.1:0 -admin -env-file "$work/mock.env" >"$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 1 100); do [ -s "$work/mock.env" ] && break; sleep 0.1; done
[ -s "$work/mock.env" ] || { cat "$work/mock.log" >&2; fail "the mock server did not start"; }
# shellcheck disable=SC1091
source "$work/mock.env"
mock_addr=$(sed -n '1s|.*http://||p' "$work/mock.env") # host:port, from the first line
mock_host=${mock_addr%:*} mock_port=${mock_addr##*:}

cat >"$work/terraformrc" <<HCL
provider_installation {
  dev_overrides {
    "agentfleet/agentfleet" = "$work/bin"
    "agentfleet/benchmock"  = "$work/bin"
  }
  direct {}
}
HCL
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
unset TF_LOG TF_LOG_PATH TF_LOG_CORE TF_LOG_PROVIDER

# mock_admin METHOD PATH prints the body of the mock's answer: an HTTP/1.0 exchange over bash's
# /dev/tcp, so that no HTTP client needs to be installed.
mock_admin() {
  local status
  exec 3<>"/dev/tcp/$mock_host/$mock_port"
  printf '%s %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" "$2" "$mock_addr" >&3
  IFS= read -r status <&3
  case $status in
  "HTTP/1."?" 200"*) sed '1,/^\r$/d' <&3 ;;
  *) exec 3<&-; fail "mock admin $1 $2 answered: $status" ;;
  esac
  exec 3<&-
}
reset_calls() { mock_admin DELETE /_mock/calls >/dev/null; }
set_latency() { mock_admin PUT "/_mock/faults?latency=$1" >/dev/null; }
# set_rate_limit LATENCY RATE BURST: the mock answers after LATENCY and turns away, with 429,
# what each platform receives beyond RATE requests a second (a bucket of BURST).
set_rate_limit() { mock_admin PUT "/_mock/faults?latency=$1&rate=$2&burst=$3" >/dev/null; }
# calls_report prints the counters: "route<TAB>n<TAB>pattern", "limited<TAB>n<TAB>platform"
# (the 429s of the rate limit) and "repeat<TAB>n<TAB>request".
calls_report() { mock_admin GET /_mock/calls; }
# total_calls, list_calls, single_calls and limited_calls read a calls_report of agent tokens:
# every call, the lists of tokens, the GETs of single tokens, and the 429s of the rate limit.
total_calls() { awk -F'\t' '$1 == "route" { n += $2 } END { print n + 0 }'; }
list_calls() { awk -F'\t' '$1 == "route" && $3 ~ /^GET .*\/agent_tokens$/ { n += $2 } END { print n + 0 }'; }
single_calls() { awk -F'\t' '$1 == "route" && $3 ~ /^GET .*\/agent_tokens\/\{id\}$/ { n += $2 } END { print n + 0 }'; }
limited_calls() { awk -F'\t' '$1 == "limited" { n += $2 } END { print n + 0 }'; }

# --- stacks ------------------------------------------------------------------------------------

# stack NAME FAMILY COUNT writes a configuration of COUNT resources of FAMILY into its own folder.
stack() {
  mkdir -p "$work/$1"
  {
    case $2 in
    benchmock) printf 'terraform {\n  required_providers {\n    benchmock = { source = "agentfleet/benchmock" }\n  }\n}\n\n' ;;
    *) printf 'terraform {\n  required_providers {\n    agentfleet = { source = "agentfleet/agentfleet" }\n  }\n}\n\nprovider "agentfleet" {}\n\n' ;;
    esac
    family_body "$2" "$3"
  } >"$work/$1/main.tf"
}

# family_body FAMILY COUNT prints COUNT resources of one family.
family_body() {
  local n=$2
  case $1 in
  benchmock) printf 'resource "benchmock_token" "r" {\n  count = %d\n  label = "bench-${count.index}"\n}\n' "$n" ;;
  agent_token) printf 'resource "agentfleet_agent_token" "r" {\n  count = %d\n  label = "bench-${count.index}"\n}\n' "$n" ;;
  agent)
    printf 'resource "agentfleet_agent" "r" {\n  count              = %d\n  service_account_id = "sa-bench${count.index}"\n' "$n"
    printf '  options = {\n    cluster_name = "bench-${count.index}"\n  }\n}\n'
    ;;
  agent_secret) printf 'resource "agentfleet_agent_secret" "r" {\n  count = %d\n  name  = "bench-${count.index}"\n}\n' "$n" ;;
  service_account)
    printf 'resource "agentfleet_service_account" "r" {\n  count        = %d\n  display_name = "bench ${count.index}"\n' "$n"
    printf '  scope        = "project"\n  scope_id     = "proj-bench"\n}\n'
    ;;
  service_account_credential)
    # k0rdent IAM allows 5 active credentials per service account: the credentials share owners
    # by fives.
    printf 'resource "agentfleet_service_account" "owner" {\n  count        = %d\n  display_name = "bench owner ${count.index}"\n' $(((n + 4) / 5))
    printf '  scope        = "project"\n  scope_id     = "proj-bench"\n}\n\n'
    printf 'resource "agentfleet_service_account_credential" "r" {\n  count              = %d\n' "$n"
    printf '  service_account_id = agentfleet_service_account.owner[floor(count.index / 5)].id\n}\n'
    ;;
  dynamic_account) printf 'resource "agentfleet_dynamic_account" "r" {\n  count = %d\n  name  = format("clouddriver-%%02d", count.index)\n}\n' "$n" ;;
  *) fail "unknown family $1" ;;
  esac
}

# family_routes FAMILY is an awk regular expression for the mock routes of that family.
family_routes() {
  case $1 in
  agent_token) echo '^[A-Z]+ /monitoring/' ;;
  agent) echo '^[A-Z]+ /spaceone/' ;;
  agent_secret) echo '^[A-Z]+ /arialogs/' ;;
  service_account) echo '^[A-Z]+ /k0rdent/.*/service-accounts(/\{id\})?$' ;;
  service_account_credential) echo '^[A-Z]+ /k0rdent/.*/credentials' ;;
  dynamic_account) echo '^[A-Z]+ /clouddriver/' ;;
  esac
}

# registered FAMILY reports whether the provider under test has the resource type.
registered() { grep -q "New$(camel "$1")Resource," "$repo/internal/provider/provider.go"; }
camel() { awk -F_ '{ for (i = 1; i <= NF; i++) printf "%s", toupper(substr($i, 1, 1)) substr($i, 2) }' <<<"$1"; }

# --- measuring ---------------------------------------------------------------------------------

# tf STACK COMMAND ARGS... runs a terraform command in the stack's folder, logging to STACK.log.
# The benchmock stacks run with the plugin SDK's loggers off, as the provider turns them off by
# itself when Terraform discards provider logs (quietUnreadLogs in main.go): the two providers
# then differ by the API work alone.
tf() {
  local -a quiet=()
  [[ $1 == benchmock* ]] && quiet=(TF_LOG_SDK=off TF_LOG_SDK_PROTO=off TF_LOG_SDK_FRAMEWORK=off)
  env "${quiet[@]}" terraform -chdir="$work/$1" "$2" -input=false -no-color -parallelism="$PARALLELISM" "${@:3}" >>"$work/$1.log" 2>&1
}
tf_apply() { tf "$1" apply -auto-approve || { tail -n 30 "$work/$1.log" >&2; fail "apply of $1 failed"; }; }
# A plan right after an apply must find nothing to change: -detailed-exitcode says 2 otherwise.
tf_plan() { tf "$1" plan -detailed-exitcode || { tail -n 30 "$work/$1.log" >&2; fail "plan of $1 failed or was not empty"; }; }
# Destroys skip the refresh that terraform destroy runs first by default: the plan measures it.
tf_destroy() { tf "$1" destroy -auto-approve -refresh=false || { tail -n 30 "$work/$1.log" >&2; fail "destroy of $1 failed"; }; }

# child_cpu_ticks prints the CPU time (user + system, in clock ticks) of this shell's finished
# children: terraform and, through it, its provider processes. Bash builtins only.
child_cpu_ticks() {
  local -a stat
  read -r -a stat </proc/$$/stat
  echo $((stat[15] + stat[16]))
}
ticks_per_second=$(getconf CLK_TCK)

# timed WALL_VAR CPU_VAR COMMAND... runs the command in this shell and stores its wall and CPU
# times in seconds.
timed() {
  local -n wall_out=$1 cpu_out=$2
  local start=$EPOCHREALTIME cpu_start
  cpu_start=$(child_cpu_ticks)
  "${@:3}"
  wall_out=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  cpu_out=$(awk -v t="$(($(child_cpu_ticks) - cpu_start))" -v hz="$ticks_per_second" 'BEGIN { printf "%.2f", t / hz }')
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == "<=") ? v <= t : (op == "==") ? v == t : v < t; print ok ? "PASS" : "**FAIL**" }'; }

# peak_rss_kb BINARY PID watches until PID ends and prints the highest VmHWM (peak resident set,
# kB) of any process running BINARY meanwhile: Terraform starts its providers several times per
# command. Only bash builtins run in the loop (-ef compares the file /proc/<pid>/exe points at),
# so the sampling costs next to nothing. VmHWM only grows, so sampling every 50 ms misses at
# most the growth of a process's last 50 ms.
peak_rss_kb() {
  local binary=$1 watched=$2 peak=0 p key value _
  while kill -0 "$watched" 2>/dev/null; do
    for p in /proc/[0-9]*; do
      [[ $p/exe -ef $binary ]] || continue
      while read -r key value _; do
        if [[ $key == VmHWM: ]]; then ((value > peak)) && peak=$value; break; fi
      done <"$p/status" 2>/dev/null || true
    done
    sleep 0.05
  done
  echo "$peak"
}

# plan_peak_mb STACK BINARY plans STACK (already applied) and prints BINARY's peak RSS in MB.
plan_peak_mb() {
  tf_plan "$1" &
  local plan_pid=$!
  local kb
  kb=$(peak_rss_kb "$2" "$plan_pid")
  wait "$plan_pid"
  awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }'
}

# per_resource FAMILY COUNT reads calls_report and prints, for one operation,
# "total<TAB>breakdown<TAB>extra": the family's calls per resource (logins and polls left out),
# the routes they went to, and the logins, polls and repeated reads on the side.
per_resource() {
  awk -F'\t' -v routes="$(family_routes "$1")" -v n="$2" \
    -v login='POST /arialogs/api/v2/sessions' -v poll='GET /clouddriver/armory/accounts/{name}' '
    function fmt(x) { return (x == int(x)) ? sprintf("%d", x) : sprintf("%.2f", x) }
    $1 == "route" && $3 ~ routes {
      if ($3 == login) { logins += $2; next } # once per provider process, not per resource
      if ($3 == poll && $2 > n) { polls += $2 - n; $2 = n } # one read per resource, the rest poll
      total += $2
      route = $3 # without the path every route of the platform starts with
      sub(/ \/(monitoring\/v1\.0\/\{tenant\}|spaceone\/identity(\/v2)?|arialogs\/api\/v2|k0rdent\/v1\/regions\/\{region\}\/iam|clouddriver\/armory)/, " ", route)
      breakdown = breakdown sprintf("%s%s %s", breakdown == "" ? "" : " + ", fmt($2 / n), route)
    }
    # A read (GET, or a SpaceONE get/list POST) sent more than once with the same URL and body.
    # Armory reads of one account repeat by design while its assignment is pending.
    $1 == "repeat" && ($3 ~ /^GET / || $3 ~ /^POST [^ ]*\/(get|list) /) && $3 !~ /^GET \/clouddriver\/armory\/accounts\/[^\/?]+ / {
      extra_reads += $2 - 1; repeated++
      if (example == "") { example = $3; sub(/ body:.*/, "", example); example = example " x" $2 }
    }
    END {
      extra = ""
      if (logins) extra = extra sprintf("; %d login(s)", logins)
      if (polls) extra = extra sprintf("; %s polls/resource", fmt(polls / n))
      if (repeated) extra = extra sprintf("; %d read(s) repeated (%d extra calls), e.g. %s", repeated, extra_reads, example)
      printf "%s\t%s\t%s\n", fmt(total / n), breakdown == "" ? "none" : breakdown, extra
    }'
}

# run_once STACK VAR REP applies then plans STACK and destroys it, and appends to
# runs_of[VAR.apply] and runs_of[VAR.plan] their wall times, to runs_of[VAR.apply_cpu] and
# runs_of[VAR.plan_cpu] their CPU times, and to runs_of[VAR.plan_calls] the API calls of the plan.
declare -A runs_of
run_once() {
  local s=$1 var=$2 aw ac pw pc
  timed aw ac tf_apply "$s"
  reset_calls
  timed pw pc tf_plan "$s"
  runs_of[$var.plan_calls]+=" $(calls_report | total_calls)"
  tf_destroy "$s"
  runs_of[$var.apply]+=" $aw" runs_of[$var.apply_cpu]+=" $ac" runs_of[$var.plan]+=" $pw" runs_of[$var.plan_cpu]+=" $pc"
  printf '    run %d %-15s apply %6ss (%ss CPU)  plan %6ss (%ss CPU)\n' "$3" "$s" "$aw" "$ac" "$pw" "$pc" >&2
}
# med VAR.KIND is the median of a runs_of list.
# shellcheck disable=SC2086 # the lists are space-separated numbers
med() { median ${runs_of[$1]}; }

# --- 1 and 7: overhead against benchmock, and peak memory ------------------------------------

step "1. Overhead: $N benchmock_token and $N agentfleet_agent_token, no latency, $REPS runs"
stack benchmock benchmock "$N"
stack tokens agent_token "$N"
set_latency 0s
for rep in $(seq 1 "$REPS"); do
  # Interleaved, so that a change in the machine's load weighs on both alike.
  run_once benchmock benchmock "$rep"
  run_once tokens tokens "$rep"
done

step "7. Peak memory of the provider processes during a plan of $N resources (an extra, untimed plan)"
tf_apply tokens
peak_mb=$(plan_peak_mb tokens "$provider_bin")
tf_destroy tokens
tf_apply benchmock
benchmock_peak_mb=$(plan_peak_mb benchmock "$benchmock_bin")
tf_destroy benchmock

# --- 2: refresh at latency --------------------------------------------------------------------

latency_s=$(awk -v d="$LATENCY" 'BEGIN { v = d + 0; print (d ~ /ms$/) ? v / 1000 : v }')
step "2. Refresh at latency: plan of $N tokens with the mock answering after $LATENCY, $REPS runs"
tf_apply tokens
set_latency "$LATENCY"
declare -a latency_plan latency_lists latency_singles latency_calls
for rep in $(seq 1 "$REPS"); do
  reset_calls
  timed pw pc tf_plan tokens
  report=$(calls_report)
  latency_plan+=("$pw") latency_calls+=("$(total_calls <<<"$report")")
  latency_lists+=("$(list_calls <<<"$report")") latency_singles+=("$(single_calls <<<"$report")")
  printf '    run %d plan %6ss (%ss CPU), %d API calls: %d lists, %d GETs of single tokens\n' \
    "$rep" "$pw" "$pc" "${latency_calls[-1]}" "${latency_lists[-1]}" "${latency_singles[-1]}" >&2
done
set_latency 0s
tf_destroy tokens
lp=$(median "${latency_plan[@]}")
# The calls that are not confirmations (GETs of objects the list lacks) count against the target.
refresh_calls=$(median "${latency_calls[@]}") refresh_confirmations=$(median "${latency_singles[@]}")
refresh_budget=$(awk -v n="$N" 'BEGIN { printf "%d", n / 50 }')

# --- 3: apply at latency ----------------------------------------------------------------------

# with_latency COMMAND... runs the command while the mock answers after LATENCY.
with_latency() {
  set_latency "$LATENCY"
  "$@"
  set_latency 0s
}

step "3. Apply at latency: $LATENCY_N tokens with the mock answering after $LATENCY, and benchmock waiting as long per create, $REPS runs"
stack latency agent_token "$LATENCY_N"
declare -a latency_apply latency_apply_calls
for rep in $(seq 1 "$REPS"); do
  reset_calls
  timed lw lc with_latency tf_apply latency
  latency_apply_calls+=("$(calls_report | total_calls)")
  tf_destroy latency
  latency_apply+=("$lw")
  printf '    run %d apply %6ss with %s latency (%d API calls)\n' "$rep" "$lw" "$LATENCY" "${latency_apply_calls[-1]}" >&2
done
la=$(median "${latency_apply[@]}")
calls_per_resource=$(awk -v c="$(median "${latency_apply_calls[@]}")" -v n="$LATENCY_N" 'BEGIN { printf "%.2f", c / n }')
# Benchmock's creates wait as long as the API calls of a token create take: what any provider
# needs against an API of that latency, with Terraform's own work counted.
create_wait=$(awk -v c="$calls_per_resource" -v l="$latency_s" 'BEGIN { printf "%.3fs", c * l }')
stack benchmock_latency benchmock "$LATENCY_N"
declare -a floor_latency_apply
export BENCHMOCK_CREATE_DELAY=$create_wait
for rep in $(seq 1 "$REPS"); do
  timed bw bc tf_apply benchmock_latency
  tf_destroy benchmock_latency
  floor_latency_apply+=("$bw")
  printf '    run %d apply %6ss of %d benchmock tokens waiting %s per create\n' "$rep" "$bw" "$LATENCY_N" "$create_wait" >&2
done
unset BENCHMOCK_CREATE_DELAY
fla=$(median "${floor_latency_apply[@]}")

# --- 4: rate limit ----------------------------------------------------------------------------

step "4. Rate limit: the apply of $LATENCY_N tokens with max_requests_per_second = $RATE, against a mock that turns away more, $REPS runs"
declare -a rate_apply rate_limited rate_calls
for rep in $(seq 1 "$REPS"); do
  set_rate_limit "$LATENCY" "$RATE" "$RATE_BURST"
  reset_calls
  export AGENTFLEET_MONITORING_MAX_REQUESTS_PER_SECOND=$RATE
  timed rw rc tf_apply latency
  unset AGENTFLEET_MONITORING_MAX_REQUESTS_PER_SECOND
  report=$(calls_report)
  set_latency 0s
  tf_destroy latency
  rate_apply+=("$rw") rate_limited+=("$(limited_calls <<<"$report")") rate_calls+=("$(total_calls <<<"$report")")
  printf '    run %d apply %6ss, %d API calls, %d answered 429\n' "$rep" "$rw" "${rate_calls[-1]}" "${rate_limited[-1]}" >&2
done
ra=$(median "${rate_apply[@]}")
rate_bound=$(awk -v n="$LATENCY_N" -v c="$calls_per_resource" -v r="$RATE" 'BEGIN { printf "%.2f", n * c / r }')
most_limited=$(printf '%s\n' "${rate_limited[@]}" | sort -n | tail -n 1)

# --- 5: scaling -------------------------------------------------------------------------------

step "5. Scaling: N = $SCALE, benchmock_token and agentfleet_agent_token, $SCALE_REPS run(s) each"
for n in $SCALE; do
  if [ "$n" = "$N" ]; then # measured in 1 already
    for kind in apply plan plan_calls; do
      runs_of[scale_bm_$n.$kind]=${runs_of[benchmock.$kind]} runs_of[scale_af_$n.$kind]=${runs_of[tokens.$kind]}
    done
    continue
  fi
  stack "scale_bm_$n" benchmock "$n"
  stack "scale_af_$n" agent_token "$n"
  for rep in $(seq 1 "$SCALE_REPS"); do
    run_once "scale_bm_$n" "scale_bm_$n" "$rep"
    run_once "scale_af_$n" "scale_af_$n" "$rep"
  done
done

# --- 6: API calls per resource ---------------------------------------------------------------

step "6. API calls per resource, $FAMILY_N resources per family"
declare -a call_rows
for family in agent_token agent agent_secret service_account service_account_credential dynamic_account; do
  if ! registered "$family"; then
    call_rows+=("agentfleet_$family|not registered in the provider yet||")
    continue
  fi
  n=$FAMILY_N
  [ "$family" = dynamic_account ] && ((n > ARMORY_MAX)) && n=$ARMORY_MAX
  stack "$family" "$family" "$n"
  printf '    %s x%d\n' "$family" "$n" >&2
  reset_calls
  tf_apply "$family"
  create=$(calls_report | per_resource "$family" "$n")
  reset_calls
  tf_plan "$family"
  refresh=$(calls_report | per_resource "$family" "$n")
  reset_calls
  tf_destroy "$family"
  destroy=$(calls_report | per_resource "$family" "$n")
  call_rows+=("agentfleet_$family ($n)|$create|$refresh|$destroy")
done

# --- report ------------------------------------------------------------------------------------

# cell TOTAL<TAB>BREAKDOWN<TAB>EXTRA formats one per_resource result for a table cell.
cell() {
  local total breakdown extra
  [[ $1 == *$'\t'* ]] || { printf '%s' "$1"; return; }
  IFS=$'\t' read -r total breakdown extra <<<"$1"
  printf '**%s**: %s%s' "$total" "$breakdown" "$extra"
}
# row MEASURE AGENTFLEET FLOOR RATIO TARGET VERDICT prints one row of the targets table.
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@"; }
# times_cell VAR KIND prints "wall s (cpu s CPU)" for a table cell.
times_cell() { printf '%ss (%ss CPU)' "$(med "$1.$2")" "$(med "$1.$2_cpu")"; }

apply_ratio=$(ratio "$(med tokens.apply)" "$(med benchmock.apply)")
plan_ratio=$(ratio "$(med tokens.plan)" "$(med benchmock.plan)")
latency_plan_ratio=$(ratio "$lp" "$(med benchmock.plan)")
latency_apply_ratio=$(ratio "$la" "$fla")
rate_ratio=$(ratio "$ra" "$rate_bound")
refresh_non_confirmations=$((refresh_calls - refresh_confirmations))

results=$(
  echo "Machine: $(nproc) CPUs ($(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(terraform version | head -n 1); $(go version | awk '{ print $3 }'); $(date -u +%Y-%m-%d)."
  echo
  echo "Targets, -parallelism=$PARALLELISM, medians of $REPS runs:"
  echo
  echo "| measure | agentfleet | floor | ratio | target | verdict |"
  echo "|---|---|---|---|---|---|"
  row "apply of $N tokens, no latency" "$(times_cell tokens apply)" "benchmock $(times_cell benchmock apply)" "$apply_ratio" "<= 1.10" "$(verdict "$apply_ratio" 1.10 '<=')"
  row "plan of $N tokens, no latency" "$(times_cell tokens plan)" "benchmock $(times_cell benchmock plan)" "$plan_ratio" "<= 1.10" "$(verdict "$plan_ratio" 1.10 '<=')"
  row "plan of $N tokens, $LATENCY latency" "${lp}s" "benchmock, no latency: $(med benchmock.plan)s" "$latency_plan_ratio" "<= 1.5" "$(verdict "$latency_plan_ratio" 1.5 '<=')"
  row "API calls of that refresh" "$refresh_calls, of which $refresh_confirmations confirm objects the list lacks" "1 per 50 resources: $refresh_budget" "" "<= $refresh_budget plus confirmations" "$(verdict "$refresh_non_confirmations" "$refresh_budget" '<=')"
  row "apply of $LATENCY_N tokens, $LATENCY latency" "${la}s ($calls_per_resource calls per token)" "benchmock waiting $create_wait per create: ${fla}s" "$latency_apply_ratio" "<= 1.05" "$(verdict "$latency_apply_ratio" 1.05 '<=')"
  row "the same with max_requests_per_second = $RATE" "${ra}s" "$LATENCY_N x $calls_per_resource calls / $RATE a second: ${rate_bound}s" "$rate_ratio" "<= 1.1" "$(verdict "$rate_ratio" 1.1 '<=')"
  row "429s of the mock's limit ($RATE a second, burst $RATE_BURST) in that apply" "$most_limited (most of $REPS runs)" "" "" "0" "$(verdict "$most_limited" 0 '==')"
  row "peak RSS of the provider processes, plan of $N" "$peak_mb MB" "benchmock $benchmock_peak_mb MB" "" "< 100 MB" "$(verdict "$peak_mb" 100 '<')"
  echo
  echo "Scaling, no latency, medians of $SCALE_REPS run(s) ($REPS for N = $N, from the overhead measurement), wall seconds:"
  echo
  echo "| N | apply: benchmock | apply: agentfleet | ratio | plan: benchmock | plan: agentfleet | ratio | API calls of the refresh |"
  echo "|---|---|---|---|---|---|---|---|"
  for n in $SCALE; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$(med "scale_bm_$n.apply")" "$(med "scale_af_$n.apply")" \
      "$(ratio "$(med "scale_af_$n.apply")" "$(med "scale_bm_$n.apply")")" "$(med "scale_bm_$n.plan")" "$(med "scale_af_$n.plan")" \
      "$(ratio "$(med "scale_af_$n.plan")" "$(med "scale_bm_$n.plan")")" "$(med "scale_af_$n.plan_calls")"
  done
  echo
  echo "API calls per resource; targets: create <= 3 (a token: POST under its create label, PUT of the configured label, GET), no read sent twice. Destroy is run with -refresh=false: its refresh is the plan's."
  echo
  echo "| family (count) | create (apply) | refresh (plan) | destroy |"
  echo "|---|---|---|---|"
  for r in "${call_rows[@]}"; do
    IFS='|' read -r name create refresh destroy <<<"$r"
    echo "| $name | $(cell "$create") | $(cell "$refresh") | $(cell "$destroy") |"
  done
  echo
  echo "Every run (wall seconds): apply benchmock${runs_of[benchmock.apply]}, agentfleet${runs_of[tokens.apply]};" \
    "plan benchmock${runs_of[benchmock.plan]}, agentfleet${runs_of[tokens.plan]}; plan at $LATENCY ${latency_plan[*]};" \
    "apply of $LATENCY_N at $LATENCY ${latency_apply[*]}, benchmock waiting $create_wait per create ${floor_latency_apply[*]};" \
    "rate-limited apply ${rate_apply[*]}."
)

step "Results"
echo "$results"
