# Shared by bench/nsca.sh, nsca-pinned.sh and nsca-single.sh (sourced, not run):
# the release binaries, a work directory removed on exit with every
# background process in `pids`, COUNT results of input, and the configs of
# one daemon and its clients.

PASSWORD=bench-password-0123456789

# The release build's OpenSSL, linked statically as .ci/build-release does.
source .ci/static-openssl
cargo build --release --bin nsca-send --bin nsca-send-tls --example nsca-daemon-limit >&2
target=${CARGO_TARGET_DIR:-$PWD/target}
NSCA_SEND=$target/release/nsca-send
LIMIT=$target/release/examples/nsca-daemon-limit

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

awk -v n="$COUNT" 'BEGIN { for (i = 0; i < n; i++) printf "host%d\tbench\t%d\tOK - result %d | time=0.%d\027", i % 100, i % 4, i, i }' >"$work/input"

# write_configs DIR PORT METHOD: DIR/nsca.cfg for a daemon on PORT writing
# DIR/commands, and DIR/send.cfg for its clients.
write_configs() {
    local dir=$1 port=$2 method=$3
    : >"$dir/commands"
    cat >"$dir/nsca.cfg" <<CFG
server_port=$port
server_address=127.0.0.1
command_file=$dir/commands
append_to_file=1
max_packet_age=900
decryption_method=$method
password=$PASSWORD
aggregate_writes=0
CFG
    printf 'password=%s\nencryption_method=%s\n' "$PASSWORD" "$method" >"$dir/send.cfg"
}

# start_daemon MODE DIR PORT: Debian's nsca on 127.0.0.1:PORT with
# DIR/nsca.cfg, in MODE (single, daemon, or inetd behind
# systemd-socket-activate), once it accepts connections.
start_daemon() {
    local mode=$1 dir=$2 port=$3
    case $mode in
    single | daemon) /usr/sbin/nsca -c "$dir/nsca.cfg" -f "--$mode" & ;;
    inetd)
        systemd-socket-activate --inetd --accept -l "127.0.0.1:$port" \
            /usr/sbin/nsca -c "$dir/nsca.cfg" --inetd 2>/dev/null &
        ;;
    esac
    pids+=($!)
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
}
