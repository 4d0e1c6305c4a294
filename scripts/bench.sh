#!/usr/bin/env bash
# make bench: what the provider costs on top of Terraform itself, measured against the in-repo
# mock on loopback, in one run. BENCHMARKS.md explains each figure and its target.
#
#   1. Overhead: apply, then plan (refresh), of N agent tokens, against N builtin terraform_data
#      (Terraform's own floor, no plugin at all) and N benchmock_token (cmd/benchmock: a plugin
#      with the same schema that makes no API call, the floor of any framework provider).
#   2. Latency bound: apply of BENCH_LATENCY_N tokens with the mock answering after
#      BENCH_LATENCY, against N x calls-per-resource x latency / parallelism.
#   3. API calls per resource for create, refresh and destroy, from the mock's counters, per
#      resource family, and any read an operation sent twice.
#   4. Peak resident memory of the provider process during the N-token plan, from /proc.
#
# Each timing is the median of BENCH_REPS runs, with everything destroyed in between. Times are
# wall clock; the CPU seconds beside them (terraform and its provider processes, from the shell's
# child rusage) are steadier when other work shares the machine.
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
# calls_report prints the counters: "route<TAB>n<TAB>pattern" and "repeat<TAB>n<TAB>request".
calls_report() { mock_admin GET /_mock/calls; }

# --- stacks ------------------------------------------------------------------------------------

# stack NAME FAMILY COUNT writes a configuration of COUNT resources of FAMILY into its own folder.
stack() {
  mkdir -p "$work/$1"
  {
    case $2 in
    floor) ;;
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
  floor) printf 'resource "terraform_data" "r" {\n  count = %d\n  input = "bench-${count.index}"\n}\n' "$n" ;;
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
    printf 'resource "agentfleet_service_account" "owner" {\n  display_name = "bench owner"\n  scope        = "project"\n  scope_id     = "proj-bench"\n}\n\n'
    printf 'resource "agentfleet_service_account_credential" "r" {\n  count              = %d\n  service_account_id = agentfleet_service_account.owner.id\n}\n' "$n"
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
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == "<=") ? v <= t : v < t; print ok ? "met" : "**missed**" }'; }

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

# --- 1 and 4: overhead against the floors, and peak memory ------------------------------------

step "1. Overhead: $N resources each of terraform_data, benchmock_token and agentfleet_agent_token, $REPS runs"
stack floor floor "$N"
stack benchmock benchmock "$N"
stack tokens agent_token "$N"
set_latency 0s
declare -A apply_wall apply_cpu plan_wall plan_cpu
for rep in $(seq 1 "$REPS"); do
  for s in floor benchmock tokens; do
    timed aw ac tf_apply "$s"
    timed pw pc tf_plan "$s"
    tf_destroy "$s"
    apply_wall[$s]+=" $aw" apply_cpu[$s]+=" $ac" plan_wall[$s]+=" $pw" plan_cpu[$s]+=" $pc"
    printf '    run %d %-9s apply %6ss (%ss CPU)  plan %6ss (%ss CPU)\n' "$rep" "$s" "$aw" "$ac" "$pw" "$pc" >&2
  done
done
declare -A med
for s in floor benchmock tokens; do
  # shellcheck disable=SC2086 # the lists are space-separated numbers
  med[$s.aw]=$(median ${apply_wall[$s]}) med[$s.ac]=$(median ${apply_cpu[$s]}) \
    med[$s.pw]=$(median ${plan_wall[$s]}) med[$s.pc]=$(median ${plan_cpu[$s]})
done

step "4. Peak memory of the provider processes during a plan of $N resources (an extra, untimed plan)"
tf_apply tokens
peak_mb=$(plan_peak_mb tokens "$provider_bin")
tf_destroy tokens
tf_apply benchmock
benchmock_peak_mb=$(plan_peak_mb benchmock "$benchmock_bin")
tf_destroy benchmock

# --- 2: latency bound --------------------------------------------------------------------------

step "2. Latency bound: $LATENCY_N tokens, mock latency $LATENCY (and none, for comparison), $REPS runs"
stack latency agent_token "$LATENCY_N"
latency_s=$(awk -v d="$LATENCY" 'BEGIN { v = d + 0; print (d ~ /ms$/) ? v / 1000 : v }')
# with_latency COMMAND... runs the command while the mock answers after LATENCY.
with_latency() {
  set_latency "$LATENCY"
  "$@"
  set_latency 0s
}
# apply_saved_plan STACK applies a plan saved beforehand: the apply phase alone, where the API
# latency is spent, without the plan phase that terraform apply runs first.
apply_saved_plan() { tf "$1" apply saved.tfplan || { tail -n 30 "$work/$1.log" >&2; fail "apply of the saved plan of $1 failed"; }; }
declare -a latency_apply latency_phase zero_apply
for rep in $(seq 1 "$REPS"); do
  timed zw zc tf_apply latency
  tf_destroy latency
  reset_calls
  timed lw lc with_latency tf_apply latency
  latency_calls=$(calls_report | awk -F'\t' '$1 == "route" { n += $2 } END { print n + 0 }')
  tf_destroy latency
  tf latency plan -out=saved.tfplan || fail "plan of latency failed"
  timed pw pc with_latency apply_saved_plan latency
  tf_destroy latency
  latency_apply+=("$lw") latency_phase+=("$pw") zero_apply+=("$zw")
  printf '    run %d apply %6ss with %s latency (%d API calls), apply phase alone %6ss, apply without latency %6ss\n' \
    "$rep" "$lw" "$LATENCY" "$latency_calls" "$pw" "$zw" >&2
done
la=$(median "${latency_apply[@]}") lp=$(median "${latency_phase[@]}") za=$(median "${zero_apply[@]}")
calls_per_resource=$(awk -v c="$latency_calls" -v n="$LATENCY_N" 'BEGIN { printf "%.2f", c / n }')
bound=$(awk -v n="$LATENCY_N" -v c="$calls_per_resource" -v l="$latency_s" -v p="$PARALLELISM" 'BEGIN { printf "%.2f", n * c * l / p }')
latency_ratio=$(ratio "$la" "$bound")
phase_ratio=$(ratio "$lp" "$bound")

# The same apply with benchmock, whose creates wait as long as the API calls of a token create
# take: what any provider would need, with the latency and Terraform's own work both counted.
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

# --- 3: API calls per resource -----------------------------------------------------------------

step "3. API calls per resource, $FAMILY_N resources per family"
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
# times STACK KIND prints "wall s (cpu s CPU)" for a table cell.
times_cell() { printf '%ss (%ss CPU)' "${med[$1.${2}w]}" "${med[$1.${2}c]}"; }

results=$(
  echo "Machine: $(nproc) CPUs ($(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(terraform version | head -n 1); $(go version | awk '{ print $3 }'); $(date -u +%Y-%m-%d)."
  echo
  echo "| $N resources, -parallelism=$PARALLELISM, median of $REPS | terraform_data | benchmock_token | agentfleet_agent_token | ratio to terraform_data (target) | ratio to benchmock |"
  echo "|---|---|---|---|---|---|"
  echo "| apply | $(times_cell floor a) | $(times_cell benchmock a) | $(times_cell tokens a) | **$(ratio "${med[tokens.aw]}" "${med[floor.aw]}")** (<= 1.5: $(verdict "$(ratio "${med[tokens.aw]}" "${med[floor.aw]}")" 1.5 '<=')) | $(ratio "${med[tokens.aw]}" "${med[benchmock.aw]}") |"
  echo "| plan (refresh) | $(times_cell floor p) | $(times_cell benchmock p) | $(times_cell tokens p) | **$(ratio "${med[tokens.pw]}" "${med[floor.pw]}")** (<= 1.2: $(verdict "$(ratio "${med[tokens.pw]}" "${med[floor.pw]}")" 1.2 '<=')) | $(ratio "${med[tokens.pw]}" "${med[benchmock.pw]}") |"
  echo "| peak RSS of the provider processes, plan | | $benchmock_peak_mb MB | **$peak_mb MB** | < 100 MB: $(verdict "$peak_mb" 100 '<') | |"
  echo
  echo "| $LATENCY_N agent tokens, -parallelism=$PARALLELISM, median of $REPS | with $LATENCY latency | bound: $LATENCY_N x $calls_per_resource calls x $LATENCY / $PARALLELISM | ratio (target <= 1.15) | without latency |"
  echo "|---|---|---|---|---|"
  echo "| terraform apply | ${la}s | ${bound}s | **$latency_ratio** ($(verdict "$latency_ratio" 1.15 '<=')) | ${za}s |"
  echo "| apply phase alone (terraform apply of a saved plan) | ${lp}s | ${bound}s | $phase_ratio | |"
  echo
  echo "| $LATENCY_N tokens, -parallelism=$PARALLELISM, median of $REPS | benchmock_token, each create waiting $create_wait | agentfleet_agent_token, mock latency $LATENCY | ratio |"
  echo "|---|---|---|---|"
  echo "| terraform apply | ${fla}s | ${la}s | $(ratio "$la" "$fla") |"
  echo
  echo "API calls per resource; targets: create <= 2, refresh = 1, no read sent twice. Destroy is run with -refresh=false: its refresh is the plan's."
  echo
  echo "| family (count) | create (apply) | refresh (plan) | destroy |"
  echo "|---|---|---|---|"
  for r in "${call_rows[@]}"; do
    IFS='|' read -r name create refresh destroy <<<"$r"
    echo "| $name | $(cell "$create") | $(cell "$refresh") | $(cell "$destroy") |"
  done
  echo
  echo "Every run (wall seconds): apply terraform_data${apply_wall[floor]}, benchmock${apply_wall[benchmock]}, agentfleet${apply_wall[tokens]};" \
    "plan terraform_data${plan_wall[floor]}, benchmock${plan_wall[benchmock]}, agentfleet${plan_wall[tokens]};" \
    "apply of $LATENCY_N with latency ${latency_apply[*]}, its apply phase alone ${latency_phase[*]}, without latency ${zero_apply[*]}," \
    "benchmock waiting $create_wait per create ${floor_latency_apply[*]}."
)

step "Results"
echo "$results"
