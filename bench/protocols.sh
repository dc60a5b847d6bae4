#!/usr/bin/env bash
# 10,000 results per protocol, on 127.0.0.1:
#   NSCA-ng:  nsca-send --protocol nsca-ng  vs  NSCA-ng's own send_nsca
#             (extracted by .ci/nsca-ng-client), against Debian's nsca-ng -F;
#   Icinga 2: nsca-send --protocol icinga2  vs  a curl loop (one curl per
#             result, what a shell script does), against `icinga2 daemon`.
#
#   bench/protocols.sh            # COUNT=10000, CURL_COUNT=1000, RUNS=2
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-10000}
CURL_COUNT=${CURL_COUNT:-1000}
RUNS=${RUNS:-2}
NG_SEND_NSCA=/opt/nsca-ng-client/usr/sbin/send_nsca

cargo build --release --bin nsca-send --bin nsca-send-tls >&2
NSCA_SEND=$PWD/target/release/nsca-send

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 -- "-$pid" "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || echo "FAILED: $*" >&2; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
best() { local best=""; for _ in $(seq "$RUNS"); do t=$(seconds "$@"); if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi; done; printf '%.2f' "$best"; }

# The same input for everyone: COUNT service results, one per ETB record.
python3 - "$COUNT" >"$work/results" <<'PY'
import sys
n = int(sys.argv[1])
sys.stdout.write("".join(f"web01\tHTTP\t0\tOK - synthetic result {i}|time={i % 97}ms\x17" for i in range(n)))
PY

# --- NSCA-ng -----------------------------------------------------------
ng_port=$(free_port)
mkfifo "$work/ng.cmd"
cat "$work/ng.cmd" >/dev/null &
pids+=($!)
exec 7<>"$work/ng.cmd"
cat >"$work/nsca-ng.cfg" <<CFG
command_file = "$work/ng.cmd"
listen = "127.0.0.1:$ng_port"
temp_directory = "$work"
authorize "web01" {
  password = "s3cret"
  hosts = ".*"
  services = ".*"
}
CFG
setsid /usr/sbin/nsca-ng -c "$work/nsca-ng.cfg" -F 2>"$work/ng.log" &
pids+=($!)
printf 'identity = "web01"\npassword = "s3cret"\nserver = 127.0.0.1\nport = %s\n' "$ng_port" >"$work/ng-client.cfg"
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$ng_port") 2>/dev/null && break; sleep 0.05; done

ng_ours=$(best sh -c "'$NSCA_SEND' --protocol nsca-ng -c '$work/ng-client.cfg' <'$work/results'")
ng_theirs=$(best sh -c "'$NG_SEND_NSCA' -c '$work/ng-client.cfg' <'$work/results'")

# --- Icinga 2 ------------------------------------------------------------
ic=$work/icinga
mkdir -p "$ic"/{etc,data,log,cache,spool,run/icinga2,certs}
(
    cd "$ic/certs"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench CA" -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout api.key -out api.csr 2>/dev/null
    echo "subjectAltName=IP:127.0.0.1" >api.ext
    openssl x509 -req -in api.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out api.crt -extfile api.ext 2>/dev/null
)
ic_port=$(free_port)
cat >"$ic/etc/icinga2.conf" <<CFG
const NodeName = "127.0.0.1"
const ZoneName = "master"
object Endpoint NodeName { }
object Zone ZoneName { endpoints = [ NodeName ] }
object IcingaApplication "app" { }
object ApiListener "api" {
  bind_host = "127.0.0.1"
  bind_port = $ic_port
  cert_path = "$ic/certs/api.crt"
  key_path = "$ic/certs/api.key"
  ca_path = "$ic/certs/ca.crt"
  accept_commands = true
}
object ApiUser "nsca" { password = "s3cret"; permissions = [ "actions/process-check-result" ] }
object CheckCommand "dummy" { command = [ "/bin/true" ] }
object Host "web01" { check_command = "dummy"; enable_active_checks = false }
object Service "HTTP" { host_name = "web01"; check_command = "dummy"; enable_active_checks = false }
CFG
setsid icinga2 daemon -c "$ic/etc/icinga2.conf" -DConfigDir="$ic/etc" -DDataDir="$ic/data" \
    -DLogDir="$ic/log" -DCacheDir="$ic/cache" -DSpoolDir="$ic/spool" -DInitRunDir="$ic/run/icinga2" \
    -DRunAsUser=root -DRunAsGroup=root >"$ic/icinga2.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do grep -q "Started new listener" "$ic/icinga2.log" && break; sleep 0.05; done
printf 'protocol = icinga2\napi_user = nsca\npassword = s3cret\nserver = 127.0.0.1\nport = %s\nca = %s\n' \
    "$ic_port" "$ic/certs/ca.crt" >"$work/ic-client.cfg"

ic_ours=$(best sh -c "'$NSCA_SEND' -c '$work/ic-client.cfg' <'$work/results'")
cat >"$work/curl-loop.sh" <<SH
for i in \$(seq $CURL_COUNT); do
  curl -sS -o /dev/null --fail -u nsca:s3cret --cacert '$ic/certs/ca.crt' -H 'Accept: application/json' \
    -X POST 'https://127.0.0.1:$ic_port/v1/actions/process-check-result' \
    -d "{\"type\":\"Service\",\"service\":\"web01!HTTP\",\"exit_status\":0,\"plugin_output\":\"OK - synthetic result \$i\",\"performance_data\":[\"time=1ms\"]}"
done
SH
ic_curl=$(best bash "$work/curl-loop.sh")
ic_curl_scaled=$(echo "$ic_curl * $COUNT / $CURL_COUNT" | bc -l)

printf '| protocol | client | %s results | results/s |\n|---|---|---:|---:|\n' "$COUNT"
row() { printf '| %s | %s | %.2f s | %.0f |\n' "$1" "$2" "$3" "$(echo "$COUNT / $3" | bc -l)"; }
row "NSCA-ng" "nsca-send --protocol nsca-ng" "$ng_ours"
row "NSCA-ng" "NSCA-ng's send_nsca 1.6" "$ng_theirs"
row "Icinga 2 API" "nsca-send --protocol icinga2" "$ic_ours"
row "Icinga 2 API" "curl loop (${CURL_COUNT} timed, scaled)" "$ic_curl_scaled"
