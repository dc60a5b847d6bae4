//! How the walker looks at entries: the system calls a compliant file
//! costs, the fallback for kernels without getxattrat, an entry swapped
//! between its inspection and its repair, and a directory with more
//! subdirectories than the task queue holds.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};
use testkit::chk::*;

const SHARED: &str = "u::rw@UX,g::---,o::---,g:users:rw@GX,m::rw@GX";

/// getxattrat(2) on every architecture.
const GETXATTRAT: u32 = 464;

/// A small tree: files in the root and in a subdirectory, some with ACLs
/// set by setfacl, some executable; returns the file names.
fn small_tree(root: &Path) -> Vec<String> {
    fs::create_dir(root.join("sub")).unwrap();
    let mut names = Vec::new();
    for i in 0..12 {
        let name = format!("file-{i:02}");
        let dir = if i % 2 == 0 {
            root.to_path_buf()
        } else {
            root.join("sub")
        };
        write(&dir.join(&name), if i % 3 == 0 { 0o755 } else { 0o644 });
        if i % 4 == 0 {
            setfacl(&["-m", "u:nobody:r"], &dir.join(&name));
        }
        names.push(name);
    }
    names
}

/// Runs `cmd` with getxattrat refused as ENOSYS by a seccomp filter, as
/// on a kernel older than 6.13 (strace and chk inherit it).
fn without_getxattrat(cmd: &mut Command) -> &mut Command {
    let filter = [
        // Load the system call number (offset 0 of struct seccomp_data).
        bpf(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, 0, 0, 0),
        bpf(
            libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K,
            0,
            1,
            GETXATTRAT,
        ),
        bpf(
            libc::BPF_RET | libc::BPF_K,
            0,
            0,
            libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32,
        ),
        bpf(libc::BPF_RET | libc::BPF_K, 0, 0, libc::SECCOMP_RET_ALLOW),
    ];
    // SAFETY: the closure runs in the child between fork and exec and only
    // makes two prctl calls on data it owns (async-signal-safe).
    unsafe {
        cmd.pre_exec(move || {
            let program = libc::sock_fprog {
                len: filter.len() as u16,
                filter: filter.as_ptr().cast_mut(),
            };
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &raw const program,
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

fn bpf(code: u32, jt: u8, jf: u8, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

/// Runs `chk ARGS` under `strace -f` (every system call); returns the
/// output and the trace.
fn traced<S: AsRef<OsStr>>(args: &[S], old_kernel: bool) -> (Output, String) {
    let trace = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-o"])
        .arg(trace.path())
        .arg(assert_cmd::cargo::cargo_bin("chk"))
        .args(args);
    if old_kernel {
        without_getxattrat(&mut cmd);
    }
    let out = cmd.output().unwrap();
    (out, fs::read_to_string(trace.path()).unwrap())
}

/// The getxattrat calls of a trace (this strace may not know its name).
fn getxattrat_calls(trace: &str) -> Vec<&str> {
    trace
        .lines()
        .filter(|l| l.contains(" syscall_0x1d0(") || l.contains(" getxattrat("))
        .collect()
}

/// The trace lines naming `name` itself (a quoted path ending in it),
/// getxattrat calls left aside.
fn calls_naming<'t>(trace: &'t str, name: &str) -> Vec<&'t str> {
    let quoted = format!("{name}\"");
    trace
        .lines()
        .filter(|l| l.contains(&quoted) && !getxattrat_calls(l).contains(l))
        .collect()
}

fn repair(root: &Path) {
    chk()
        .args(["path", "-q", "--acl", SHARED])
        .arg(root)
        .assert()
        .success();
}

#[test]
fn a_compliant_file_costs_one_statx_and_one_getxattrat_by_name_and_no_open() {
    let tmp = scratch();
    let root = tmp.path();
    let names = small_tree(root);
    repair(root);
    let (out, trace) = traced(
        &[
            "path".as_ref(),
            "--json".as_ref(),
            "--acl".as_ref(),
            SHARED.as_ref(),
            root.as_os_str(),
        ],
        false,
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(summary(&out.stdout)["changed_entries"], 0);
    for name in &names {
        let calls = calls_naming(&trace, name);
        assert_eq!(calls.len(), 1, "{name}: {calls:#?}");
        assert!(
            calls[0].contains(" statx(") && calls[0].contains("AT_SYMLINK_NOFOLLOW"),
            "{name}: {calls:#?}"
        );
    }
    // One getxattrat per file (directories are read through their open
    // descriptor), relative to a directory descriptor, AT_SYMLINK_NOFOLLOW.
    let by_name = getxattrat_calls(&trace);
    assert_eq!(by_name.len(), names.len(), "{by_name:#?}");
    for call in &by_name {
        let args: Vec<&str> = call.split(['(', ',']).map(str::trim).collect();
        assert_eq!(args[3], "0x100", "flags of {call}");
    }
    // Nothing in the tree is opened but the two directories.
    let opens: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("openat(") && !l.contains("AT_FDCWD"))
        .collect();
    assert_eq!(opens.len(), 1, "{opens:#?}");
    let open = opens[0];
    assert!(
        open.contains("\"sub\"") && open.contains("O_DIRECTORY"),
        "{open}"
    );
    assert!(open.contains("O_NOFOLLOW"), "{open}");
}

#[test]
fn without_getxattrat_the_same_repair_reads_through_proc_self_fd() {
    let tmp = scratch();
    let root = tmp.path();
    let names = small_tree(root);
    let twin = scratch();
    small_tree(twin.path());
    let args = |root: &Path| -> Vec<std::ffi::OsString> {
        vec![
            "path".into(),
            "--json".into(),
            "--acl".into(),
            SHARED.into(),
            root.into(),
        ]
    };
    // The repair on an "old kernel" ends exactly where the usual one does.
    let (old, _) = traced(&args(root), true);
    assert!(old.status.success(), "{old:?}");
    let (new, _) = traced(&args(twin.path()), false);
    assert!(new.status.success(), "{new:?}");
    assert_eq!(summary(&old.stdout), summary(&new.stdout));
    assert_eq!(summary(&old.stdout)["changed_entries"], 14);
    for (i, name) in names.iter().enumerate() {
        let rel = if i % 2 == 0 {
            name.clone()
        } else {
            format!("sub/{name}")
        };
        assert_eq!(
            getfacl(&root.join(&rel)),
            getfacl(&twin.path().join(&rel)),
            "{rel}"
        );
        assert_eq!(
            mode(&root.join(&rel)),
            mode(&twin.path().join(&rel)),
            "{rel}"
        );
    }
    assert_eq!(
        getfacl(&root.join("file-04")),
        "user::rw-,group::---,group:100:rw-,mask::rw-,other::---"
    );
    // The re-check: still no open per file, statx and lgetxattr on
    // /proc/self/fd/DIR/NAME instead, once getxattrat said ENOSYS.
    let (out, trace) = traced(&args(root), true);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(summary(&out.stdout)["changed_entries"], 0);
    for name in &names {
        let calls = calls_naming(&trace, name);
        assert_eq!(calls.len(), 2, "{name}: {calls:#?}");
        assert!(calls[0].contains(" statx(") && calls[0].contains("AT_SYMLINK_NOFOLLOW"));
        assert!(
            calls[1].contains(" lgetxattr(\"/proc/self/fd/"),
            "{calls:#?}"
        );
    }
    let asked = getxattrat_calls(&trace);
    assert!(!asked.is_empty(), "{trace}");
    assert!(
        asked.len() <= 2,
        "asked once per thread at most: {asked:#?}"
    );
    let answers: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("syscall_0x1d0") && l.contains(") = "))
        .collect();
    assert!(
        answers
            .iter()
            .all(|l| l.ends_with("ENOSYS (Function not implemented)")),
        "{answers:#?}"
    );
}

#[test]
fn a_file_swapped_for_a_symlink_after_its_inspection_is_not_followed() {
    let tmp = scratch();
    let tree = tmp.path().join("tree");
    let outside = tmp.path().join("secret");
    fs::create_dir(&tree).unwrap();
    // The root is already as PRIVATE wants: only `victim` differs. It is
    // a user's (nobody's), who may swap its entries: in a directory only
    // root can write, chk changes files by name (nobody else can swap).
    set_mode(&tree, 0o700);
    std::os::unix::fs::chown(&tree, Some(65534), None).unwrap();
    write(&tree.join("victim"), 0o666);
    write(&outside, 0o644);
    let before = (mode(&outside), getfacl(&outside));
    // The walking thread's second statx is the by-name look at `victim`
    // (its first is the root's): strace holds the thread there while the
    // "attacker" swaps it for a symlink to a file outside the tree.
    let trace = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=statx,openat", "-e"])
        .arg("inject=statx:delay_exit=1500000:when=2")
        .arg("-o")
        .arg(trace.path())
        .arg(assert_cmd::cargo::cargo_bin("chk"))
        .args(["path", "-j1", "--acl", "PRIVATE"])
        .arg(&tree)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let seen = |trace: &str| {
        trace
            .lines()
            .any(|l| l.contains("\"victim\"") && l.contains("(DELAYED)"))
    };
    let started = std::time::Instant::now();
    while !seen(&fs::read_to_string(trace.path()).unwrap()) {
        assert!(
            started.elapsed().as_secs() < 120,
            "chk never looked at victim"
        );
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            let trace = fs::read_to_string(trace.path()).unwrap();
            let trace: Vec<&str> = trace.lines().filter(|l| !l.contains("ENOENT")).collect();
            panic!("chk ended before the swap: {out:?}\n{trace:#?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    fs::rename(tree.join("victim"), tmp.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(&outside, tree.join("victim")).unwrap();
    let out = child.wait_with_output().unwrap();
    let trace = fs::read_to_string(trace.path()).unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("victim': replaced while being checked, left for the next run"),
        "{stderr}\n{trace}"
    );
    // The repair opened what was there by then, without following it,
    // saw a symlink through that descriptor, and changed nothing.
    let open = trace
        .lines()
        .find(|l| l.contains("openat(") && l.contains("\"victim\""))
        .unwrap_or_else(|| panic!("{trace}"));
    assert!(
        open.contains("O_NOFOLLOW") && open.contains("O_PATH"),
        "{open}"
    );
    assert_eq!((mode(&outside), getfacl(&outside)), before);
    assert_eq!(mode(&tmp.path().join("moved")), 0o666);
    // The next run skips the symlink and still leaves the target alone.
    chk()
        .args(["path", "--acl", "PRIVATE"])
        .arg(&tree)
        .assert()
        .success();
    assert_eq!((mode(&outside), getfacl(&outside)), before);
}

#[test]
fn a_directory_with_more_subdirectories_than_the_queue_holds_is_walked_whole() {
    let tmp = scratch();
    let root = tmp.path();
    let siblings = 4500;
    for i in 0..siblings {
        fs::create_dir(root.join(format!("d{i:05}"))).unwrap();
    }
    // The sibling listed last is reached when the queue is full (one
    // worker thread): it is walked at once, nested; a chain below it
    // deeper than the nesting limit goes back to the queue.
    let last = fs::read_dir(root).unwrap().last().unwrap().unwrap().path();
    let levels = 300;
    let mut deepest = last.clone();
    for _ in 0..levels {
        deepest.push("n");
    }
    fs::create_dir_all(&deepest).unwrap();
    write(&deepest.join("f"), 0o644);
    let out = chk()
        .args(["path", "-j1", "--json", "--acl", "PRIVATE"])
        .arg(root)
        .assert()
        .success();
    let s = summary(&out.get_output().stdout);
    let entries = 1 + siblings + levels + 1;
    assert_eq!(s["checked"], entries);
    assert_eq!(s["changed_entries"], entries);
    assert_eq!(mode(&deepest), 0o700);
    assert_eq!(mode(&deepest.join("f")), 0o600);
    assert_eq!(mode(&root.join("d00000")), 0o700);
}
