#!/usr/bin/env bash
# Quick start, as root on Debian 12 with a Rust toolchain (rustup):
# installs the Debian packages the suite uses, builds and installs the four
# tools with their man pages and shell completions, then shows chk's main
# job on a demo tree: a dry run listing what it would repair, then the repair.
set -euo pipefail
cd "$(dirname "$0")"
prefix=${PREFIX:-/usr/local}

echo "== Debian packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046
apt-get install -y -qq --no-install-recommends $(grep -v '^#' .ci/debian-packages) >/dev/null

echo "== build"
cargo build --release --locked --quiet

echo "== install under $prefix"
tools=(chk nsca-send mojibake-fix perlenv)
for tool in "${tools[@]}"; do
    install -D -m 0755 "target/release/$tool" "$prefix/bin/$tool"
    install -D -m 0644 "man/$tool.1" "$prefix/share/man/man1/$tool.1"
    install -D -m 0644 "completions/bash/$tool" "$prefix/share/bash-completion/completions/$tool"
    install -D -m 0644 "completions/zsh/_$tool" "$prefix/share/zsh/site-functions/_$tool"
    install -D -m 0644 "completions/fish/$tool.fish" "$prefix/share/fish/vendor_completions.d/$tool.fish"
done
# The example configuration is installed once; an admin's own file is never overwritten.
[ -e /etc/adminkit/chk.conf ] || install -D -m 0644 examples/chk.conf /etc/adminkit/chk.conf

echo "== demo: a shared directory after a careless untar"
demo=$(mktemp -d /tmp/adminkit-demo.XXXXXX)
mkdir -p "$demo/tree/src" "$demo/tree/secrets"
echo 'echo hello' > "$demo/tree/src/build.sh"
echo 'data' > "$demo/tree/src/notes.txt"
echo 'key' > "$demo/tree/secrets/id_rsa"
chmod 0777 "$demo/tree/src"; chmod 0755 "$demo/tree/src/build.sh"; chmod 0666 "$demo/tree/src/notes.txt"
chmod 0644 "$demo/tree/secrets/id_rsa"
cat > "$demo/rules" <<'RULES'
# everything: the owner and the "users" group may work, others see nothing
~	u::rw@UX,g::r-@GX,o::---,g:users:rw@GX,m::rw@GX
secrets	PRIVATE
RULES
echo "\$ chk path $demo/tree --rules $demo/rules --dry-run"
"$prefix/bin/chk" path "$demo/tree" --rules "$demo/rules" --dry-run || true
echo "\$ chk path $demo/tree --rules $demo/rules -v"
"$prefix/bin/chk" path "$demo/tree" --rules "$demo/rules" -v
echo "\$ getfacl -R $demo/tree/src"
getfacl -R -p "$demo/tree/src"
echo "Installed: ${tools[*]} (man pages: man chk). Demo left in $demo."
