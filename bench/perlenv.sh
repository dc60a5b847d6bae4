#!/bin/sh
# Benchmark perlenv against local::lib, carton and python3 -m venv.
# Usage: bench/perlenv.sh [path/to/perlenv]   (default: a release build)
# Needs hyperfine, perl, liblocal-lib-perl, carton, python3-venv, cc.
set -eu
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
    PERLENV=$(realpath "$1")
else
    cargo build --release --bin perlenv >&2
    PERLENV=$PWD/target/release/perlenv
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"

echo "## create" >&2
hyperfine -N --warmup 3 --runs 50 \
    --prepare "rm -rf $W/pe $W/ll $W/venv" \
    -n 'perlenv create' "$PERLENV create $W/pe" \
    -n 'perl -Mlocal::lib=DIR (create + print env)' "perl -Mlocal::lib=$W/ll" \
    -n 'python3 -m venv --without-pip' "python3 -m venv --without-pip $W/venv"

# Environments that stay for the next rounds.
"$PERLENV" create "$W/pe"
perl -Mlocal::lib="$W/ll" >/dev/null
python3 -m venv --without-pip "$W/venv"
mkdir -p "$W/carton/local/lib/perl5"
echo "requires 'perl';" > "$W/carton/cpanfile"
(cd "$W/carton" && carton install >/dev/null)

echo "## activate (in a fresh bash; the first row is bash alone)" >&2
hyperfine -N --warmup 3 --runs 100 \
    -n 'bash -c :' "bash -c :" \
    -n '. ENV/bin/activate' "bash -c '. $W/pe/bin/activate'" \
    -n 'eval "$(perlenv activate ENV)"' "bash -c 'eval \"\$($PERLENV activate $W/pe --shell bash)\"'" \
    -n 'eval "$(perl -Mlocal::lib=DIR)"' "bash -c 'eval \"\$(perl -Mlocal::lib=$W/ll)\"'" \
    -n '. venv/bin/activate' "bash -c '. $W/venv/bin/activate'"

# The floor of any wrapper: a C program that does nothing but exec its
# arguments. On a VM one exec in between costs most of a millisecond.
printf '#include <unistd.h>\nint main(int c, char **v) { return c > 1 ? execv(v[1], v + 1) : 0; }\n' >"$W/hop.c"
cc -O2 -o "$W/hop" "$W/hop.c"

echo "## run one command" >&2
hyperfine -N --warmup 100 --runs 2000 \
    -n 'perl -e1' "perl -e1" \
    -n 'perlenv run ENV -- perl -e1' "$PERLENV run $W/pe -- perl -e1" \
    -n 'hop /usr/bin/perl -e1 (a C exec, the floor)' "$W/hop /usr/bin/perl -e1"
hyperfine -N --warmup 3 --runs 100 \
    -n 'perl -Mlocal::lib=DIR -e1' "perl -Mlocal::lib=$W/ll -e1" \
    -n 'carton exec -- perl -e1' "sh -c 'cd $W/carton && exec carton exec -- perl -e1'"

# CPU time per command (task-clock, 200 runs): steadier than wall time on a
# busy machine. Needs perf (linux-perf); skipped without it.
if command -v perf >/dev/null; then
    echo "## CPU time (perf stat task-clock, ms)" >&2
    cpu() {
        printf '%-40s ' "$1" >&2
        shift
        perf stat -r 200 -x, -e task-clock "$@" 2>&1 >/dev/null | tail -1 | cut -d, -f1 >&2
    }
    cpu '/bin/true' /bin/true
    cpu 'perlenv run ENV -- /bin/true' "$PERLENV" run "$W/pe" -- /bin/true
    cpu 'perl -e1' perl -e1
    cpu 'perl -IENV/lib/perl5 -Mperlenv::isolate -e1' perl -I"$W/pe/lib/perl5" -Mperlenv::isolate -e1
    cpu 'perlenv run ENV -- perl -e1' "$PERLENV" run "$W/pe" -- perl -e1
    cpu 'hop /usr/bin/perl -e1' "$W/hop" /usr/bin/perl -e1
    cpu 'perl -Mlocal::lib=DIR -e1' perl -Mlocal::lib="$W/ll" -e1
    cpu 'bash -c :' bash -c :
    cpu 'bash -c ". ENV/bin/activate"' bash -c ". $W/pe/bin/activate"
    cpu 'perlenv create (incl. sh + rm -rf)' sh -c "rm -rf $W/pc; exec $PERLENV create $W/pc"
    cpu 'sh + rm -rf alone' sh -c "rm -rf $W/pc"
fi
