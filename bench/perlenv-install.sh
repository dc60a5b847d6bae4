#!/bin/sh
# perlenv install against cpanm -L, side by side in one hyperfine run each,
# from the same real CPAN tarballs (target/cpan-cache, fetched by
# tests/testkit/fetch-cpan.sh), tests run in both.
#
#   1. one dist (Try::Tiny), perlenv -j1 and default: perlenv's overhead
#   2. the 7-dist Moo chain (Moo JSON Try::Tiny Test::Fatal), cold: no cache
#   3. the same chain into a fresh env with perlenv's build cache warm
#
# Usage: bench/perlenv-install.sh [path/to/perlenv] [RUNS] [PARTS]
# (default: a release build, 3 runs, parts "1 2 3"). Run it on a quiet
# machine, e.g. under `flock -x /tmp/adminkit-cpu.lock`. Needs hyperfine,
# cpanminus, perl.
set -eu
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
    PERLENV=$(realpath "$1")
else
    cargo build --release --bin perlenv >&2
    PERLENV=$PWD/target/release/perlenv
fi
RUNS=${2:-3}
PARTS=${3:-1 2 3}
part() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
SOURCES=$PWD/target/cpan-cache
bash tests/testkit/fetch-cpan.sh "$SOURCES" >&2
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# Both read the same offline sources: a CPAN-layout mirror of the tarballs
# (authors/id) with a 02packages index of their packages.
M=$W/mirror
mkdir -p "$M/authors/id/L/LO/LOCAL" "$M/modules" "$W/scan"
cp "$SOURCES"/*.tar.gz "$M/authors/id/L/LO/LOCAL/"
for t in "$M"/authors/id/L/LO/LOCAL/*.tar.gz; do tar -xzf "$t" -C "$W/scan"; done
perl -MModule::Metadata -e '
    my @lines;
    for my $dir (glob "$ARGV[0]/*") {
        (my $dist = $dir) =~ s{.*/}{};
        my $p = Module::Metadata->provides(version => 2, dir => "$dir/lib") || {};
        push @lines, sprintf "%s %s L/LO/LOCAL/%s.tar.gz\n", $_, $p->{$_}{version} // "undef", $dist
            for sort keys %$p;
    }
    print "File: 02packages.details.txt\nLine-Count: ", scalar @lines, "\n\n", @lines;
' "$W/scan" | gzip >"$M/modules/02packages.details.txt.gz"

CPANM="env -u PERL5LIB -u PERL_LOCAL_LIB_ROOT PERL_CPANM_HOME=$W/cpanm-home cpanm -q -L $W/c --mirror file://$M --mirror-only"
PE="env PERLENV_CACHE_DIR=$W/cache $PERLENV install -q"
CHAIN="Moo JSON Try::Tiny Test::Fatal"

if part 1; then
echo "## one dist (Try::Tiny), cold" >&2
hyperfine -N --runs "$RUNS" \
    --prepare "sh -c 'rm -rf $W/c $W/cpanm-home; $PERLENV create --clear $W/p >/dev/null'" \
    -n 'cpanm -L (Try::Tiny)' "$CPANM Try::Tiny" \
    -n 'perlenv install -j1 --no-cache (Try::Tiny)' "$PE -j1 --no-cache $W/p --from file://$M Try::Tiny" \
    -n 'perlenv install --no-cache (Try::Tiny)' "$PE --no-cache $W/p --from file://$M Try::Tiny"

fi

if part 2; then
echo "## the Moo chain, 7 dists, cold (no cache)" >&2
hyperfine -N --runs "$RUNS" \
    --prepare "sh -c 'rm -rf $W/c $W/cpanm-home; $PERLENV create --clear $W/p >/dev/null'" \
    -n "cpanm -L ($CHAIN)" "$CPANM $CHAIN" \
    -n "perlenv install --no-cache ($CHAIN)" "$PE --no-cache $W/p --from file://$M $CHAIN"

fi

if part 3; then
echo "## the Moo chain into a fresh env, perlenv's build cache warm" >&2
# Filled by an install into a fresh env (one that has the chain builds
# nothing, so caches nothing).
$PERLENV create --clear "$W/p" >/dev/null
$PE "$W/p" --from "file://$M" $CHAIN
hyperfine -N --runs "$RUNS" \
    --prepare "sh -c 'rm -rf $W/c $W/cpanm-home; $PERLENV create --clear $W/p >/dev/null'" \
    -n "cpanm -L ($CHAIN)" "$CPANM $CHAIN" \
    -n "perlenv install, cache warm ($CHAIN)" "$PE $W/p --from file://$M $CHAIN"
fi
