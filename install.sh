#!/usr/bin/env bash
# Quick start, as root on Debian 12 with a Rust toolchain (rustup).
#
#   bash install.sh              everything the tools and tests need (Debian
#                                packages, NSCA-ng's client, CPAN tarballs),
#                                release build, install under $PREFIX
#                                (/usr/local), then the demo
#   bash install.sh --demo       only the demo, with the installed chk
#   bash install.sh --uninstall  remove the demo (its group, the groups and
#                                user it created, its shared directory) and
#                                the installed files
#
# The demo is chk's main job as admins meet it: an archive untarred into a
# group's shared directory comes with foreign owners and no ACLs; `chk group
# NAME -n` lists what it would repair and that members could then only read
# it (the group is not permissive), `chk group NAME --adopt MEMBER` repairs
# and gives the archive's entries to the member who untarred it, getfacl
# shows the result, and the member writes in it (checked with su).
set -euo pipefail
cd "$(dirname "$0")"
prefix=${PREFIX:-/usr/local}
tools=(chk nsca-send mojibake-fix perlenv)
demo_group=adminkit-demo
# A member of the demo group: the one who untarred the archive.
demo_user=adminkit-demo-user
# What the demo created, one "KIND NAME" a line, so that --uninstall removes
# exactly that and never a group or directory the site already had.
state_dir=/var/lib/adminkit-demo
state=$state_dir/created

# Everything the tools and their tests use, so that `cargo test --locked`
# runs right after this script.
packages() {
    echo "== Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2046
    apt-get install -y -qq --no-install-recommends $(grep -v '^#' .ci/debian-packages) >/dev/null
    echo "== NSCA-ng's send_nsca (conflicts with nsca-client, so unpacked in /opt)"
    bash .ci/nsca-ng-client
    echo "== real CPAN tarballs for the perlenv tests (Debian's .orig.tar.gz)"
    bash tests/testkit/fetch-cpan.sh target/cpan-cache
}

build_and_install() {
    echo "== build"
    bash .ci/build-release
    echo "== install under $prefix"
    for tool in "${tools[@]}"; do
        install -D -m 0755 "target/release/$tool" "$prefix/bin/$tool"
        install -D -m 0644 "man/$tool.1" "$prefix/share/man/man1/$tool.1"
        install -D -m 0644 "completions/bash/$tool" "$prefix/share/bash-completion/completions/$tool"
        install -D -m 0644 "completions/zsh/_$tool" "$prefix/share/zsh/site-functions/_$tool"
        install -D -m 0644 "completions/fish/$tool.fish" "$prefix/share/fish/vendor_completions.d/$tool.fish"
    done
    # nsca-send runs it for NSCA-ng and Icinga 2 (src/nsca/tls.rs says why).
    install -D -m 0755 target/release/nsca-send-tls "$prefix/lib/adminkit/nsca-send-tls"
    # The example configuration is installed once; an admin's own file is never overwritten.
    [ -e /etc/adminkit/chk.conf ] || install -D -m 0644 examples/chk.conf /etc/adminkit/chk.conf
}

# The groups_root chk will use: chk.conf's value, else the default.
groups_root() {
    local root
    root=$(sed -n 's/^[[:space:]]*groups_root[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' \
        /etc/adminkit/chk.conf 2>/dev/null | tail -n 1)
    echo "${root:-/home/groups}"
}

remember() {
    mkdir -p "$state_dir"
    echo "$1 $2" >>"$state"
}

ensure_group() {
    if ! getent group "$1" >/dev/null; then
        groupadd "$1"
        remember group "$1"
        echo "created group $1"
    fi
}

# Runs a command after showing it, like an admin's terminal would.
show() {
    local shown=("${1##*/}" "${@:2}")
    echo "# ${shown[*]}"
    "$@" 2>&1
}

demo() {
    local chk=$prefix/bin/chk root shared archive status
    root=$(groups_root)
    shared=$root/$demo_group
    echo "== demo: an archive untarred into the shared directory of group $demo_group"
    # chk group needs the group itself and the model's acl and admins groups;
    # Licorn gives every group its responsibles (rsp-) and guests (gst-).
    local group
    for group in acl admins "$demo_group" "rsp-$demo_group" "gst-$demo_group"; do
        ensure_group "$group"
    done
    if ! getent passwd "$demo_user" >/dev/null; then
        useradd -M -N -g "$demo_group" -d /nonexistent -s /usr/sbin/nologin "$demo_user"
        remember user "$demo_user"
        echo "created user $demo_user (a member of $demo_group)"
    fi
    if [ ! -d "$root" ]; then
        mkdir -p "$root"
        remember dir "$root"
    fi
    if [ ! -d "$shared" ]; then
        mkdir "$shared"
        remember dir "$shared"
    fi

    # An upload made on another machine: its owners (uid 4321, gid 8765) mean
    # nothing here, its modes are whatever the author's umask gave.
    archive=$(mktemp -d)
    mkdir -p "$archive/proj/doc"
    printf '#!/bin/sh\necho build\n' >"$archive/proj/build.sh"
    echo 'notes' >"$archive/proj/doc/notes.txt"
    chmod 0755 "$archive/proj/build.sh"
    chmod 0666 "$archive/proj/doc/notes.txt"
    tar -C "$archive" --owner=4321 --group=8765 -cf "$archive.tar" proj
    rm -r "$archive"

    show tar -xpf "$archive.tar" -C "$shared"
    rm "$archive.tar"
    status=0
    show "$chk" group "$demo_group" -n || status=$?
    [ "$status" -eq 1 ] || { echo "chk group -n: expected exit 1 (differences), got $status" >&2; exit 1; }
    # The group is not permissive: the archive's entries go to the member
    # who untarred them, instead of root, so that they can work on them.
    show "$chk" group "$demo_group" --adopt "$demo_user"
    show getfacl -p "$shared/proj/build.sh"
    show "$chk" group "$demo_group" -n
    echo "# su -s /bin/sh $demo_user -c 'echo more >>$shared/proj/doc/notes.txt'"
    su -s /bin/sh "$demo_user" -c "echo more >>'$shared/proj/doc/notes.txt'" ||
        { echo "the member $demo_user cannot write after chk group --adopt" >&2; exit 1; }
    echo "$demo_user wrote proj/doc/notes.txt"
    echo "Demo left in $shared; remove it with: bash install.sh --uninstall"
}

uninstall() {
    local kind name
    if [ -e "$state" ]; then
        # Directories first (newest first), then the user, then the groups.
        tac "$state" | while read -r kind name; do
            [ "$kind" = dir ] || continue
            rm -rf --one-file-system -- "$name" && echo "removed $name"
        done
        tac "$state" | while read -r kind name; do
            [ "$kind" = user ] || continue
            userdel "$name" && echo "removed user $name"
        done
        tac "$state" | while read -r kind name; do
            [ "$kind" = group ] || continue
            groupdel "$name" && echo "removed group $name"
        done
        rm -r "$state_dir"
    fi
    for tool in "${tools[@]}"; do
        rm -f "$prefix/bin/$tool" "$prefix/share/man/man1/$tool.1" \
            "$prefix/share/bash-completion/completions/$tool" \
            "$prefix/share/zsh/site-functions/_$tool" \
            "$prefix/share/fish/vendor_completions.d/$tool.fish"
    done
    rm -f "$prefix/lib/adminkit/nsca-send-tls"
    rmdir --ignore-fail-on-non-empty "$prefix/lib/adminkit" 2>/dev/null || true
    # The configuration goes only if it is still the example, untouched.
    if cmp -s examples/chk.conf /etc/adminkit/chk.conf; then
        rm /etc/adminkit/chk.conf
        rmdir --ignore-fail-on-non-empty /etc/adminkit
    fi
    echo "Uninstalled: ${tools[*]} from $prefix."
}

case ${1:-} in
"")
    packages
    build_and_install
    demo
    echo "Installed: ${tools[*]} (man pages: man chk)."
    ;;
--demo) demo ;;
--uninstall) uninstall ;;
*)
    echo "usage: bash install.sh [--demo | --uninstall]" >&2
    exit 2
    ;;
esac
