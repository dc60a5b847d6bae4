#!/usr/bin/env bash
# Fetches real CPAN release tarballs (Debian's .orig.tar.gz of Perl module
# packages are the CPAN tarballs) into a cache directory, without touching
# the machine's apt setup: a private APT_CONFIG with its own sources list,
# lists and cache. Usage: fetch-cpan.sh CACHE_DIR. Idempotent.
set -euo pipefail
cache=${1:?usage: fetch-cpan.sh CACHE_DIR}
packages=(libmoo-perl librole-tiny-perl libsub-quote-perl
    libclass-method-modifiers-perl libtry-tiny-perl libjson-perl
    libclass-xsaccessor-perl perltidy libtest-fatal-perl)
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# .complete lists the packages fetched: a longer list fetches again.
if [ "$(cat "$cache/.complete" 2>/dev/null)" = "${packages[*]}" ]; then exit 0; fi
apt_dir=$(mktemp -d)
trap 'rm -rf "$apt_dir"' EXIT
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d" "$apt_dir/work"
echo 'deb-src http://deb.debian.org/debian bookworm main' >"$apt_dir/sources.list"
cat >"$apt_dir/apt.conf" <<CONF
Dir::Etc::SourceList "$apt_dir/sources.list";
Dir::Etc::SourceParts "$apt_dir/sources.list.d";
Dir::State::Lists "$apt_dir/lists";
Dir::Cache "$apt_dir/cache";
APT::Sandbox::User "root";
CONF
export APT_CONFIG=$apt_dir/apt.conf
apt-get -qq update
(cd "$apt_dir/work" && apt-get -qq source -d "${packages[@]}" >/dev/null)
# package_1.2.orig.tar.gz -> the CPAN name inside (Moo-2.005005.tar.gz).
for orig in "$apt_dir"/work/*.orig.tar.*; do
    top=$(tar -tf "$orig" | awk -F/ 'NR == 1 { print $1 }')
    case $orig in
        *.gz) ext=tar.gz ;; *.xz) ext=tar.xz ;; *.bz2) ext=tar.bz2 ;; *) ext=tar ;;
    esac
    cp "$orig" "$cache/$top.$ext"
done
echo "${packages[*]}" >"$cache/.complete"
