//! Issue #28 on real files: names that were never UTF-8 (zips unpacked by
//! Debian's unzip, Python's zipfile), legacy code pages read through the
//! wrong one (DOS names as Latin-1 or cp437, Cyrillic as Latin-1), `--from`
//! as a preference, NFC/NFD twins, `--suffix`, shell-quoted listings, the
//! default journal directory, and a names list nobody can place.

use assert_cmd::Command;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use testkit::users::User;
use unicode_normalization::UnicodeNormalization;

fn tool() -> Command {
    Command::cargo_bin("mojibake-fix").unwrap()
}

/// The names in `dir`, as bytes.
fn names(dir: &Path) -> BTreeSet<Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().as_bytes().to_vec())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<Vec<u8>> {
    names.iter().map(|n| n.as_bytes().to_vec()).collect()
}

/// `names -r --apply` on `dir` with a journal outside it; its status.
fn apply(dir: &Path, journal: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    tool()
        .args(["names", "-r", "--apply"])
        .args(extra)
        .arg("--journal")
        .arg(journal)
        .arg(dir)
        .assert()
}

/// Runs a Python script (zipfile is Python's own zip code).
fn python(script: &str, dir: &Path) {
    let out = Process::new("python3")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .expect("python3 is installed");
    assert!(out.status.success(), "{script}: {out:?}");
}

fn run(program: &str, args: &[&str], dir: &Path) {
    let out = Process::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {out:?}");
}

/// A zip made by Info-ZIP's `zip` (in the C locale: names stored as the
/// bytes they are, no UTF-8 flag) from files whose names are `codec` bytes,
/// as DOS and Windows tools wrote them.
fn make_zip(dir: &Path, zip: &str, codec: &str, files: &[&str]) {
    let src = dir.join(format!("{zip}.src"));
    fs::create_dir(&src).unwrap();
    let list = files
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    python(
        &format!(
            "for name in [{list}]:\n\
             \x20   open(name.encode({codec:?}), 'w').write(name)\n"
        ),
        &src,
    );
    let out = Process::new("zip")
        .env("LC_ALL", "C")
        .arg("-q")
        .arg(dir.join(zip))
        .args(names(&src).into_iter().map(OsString::from_vec))
        .current_dir(&src)
        .output()
        .expect("zip (Debian package zip) is installed");
    assert!(out.status.success(), "{out:?}");
}

/// Unpacks `zip` into `out` with `how`: Debian's unzip (bytes as stored),
/// Python's zipfile (names read as cp437), or zipfile told the names are
/// ISO-8859-1 (as tools that assume it do).
fn unpack(dir: &Path, zip: &str, out: &str, how: &str) {
    match how {
        "unzip" => {
            fs::create_dir_all(dir.join(out)).unwrap();
            let zip = dir.join(zip);
            run("unzip", &["-q", zip.to_str().unwrap()], &dir.join(out));
        }
        "zipfile" => run("python3", &["-m", "zipfile", "-e", zip, out], dir),
        _ => python(
            &format!(
                "import zipfile\nzipfile.ZipFile({zip:?}, metadata_encoding='latin-1').extractall({out:?})\n"
            ),
            dir,
        ),
    }
}

const DOS: [&str; 5] = [
    "Jérémy Lal.odt",
    "Mohammed Adnène Trojette.txt",
    "Müller Straße.doc",
    "Señor Niño.txt",
    "Noël Köthe.txt",
];
const NORDIC: [&str; 4] = [
    "Kampbjørn.txt",
    "Bjørn Åsen.doc",
    "Smørrebrød.txt",
    "Søren Ørsted.pdf",
];
const JAPANESE: [&str; 4] = [
    "テスト資料.txt",
    "議事録.docx",
    "東京都の地図.pdf",
    "会議のメモ.txt",
];
const RUSSIAN: [&str; 4] = [
    "Пятница.txt",
    "Россия.doc",
    "Отчёт за июль.pdf",
    "Москва.jpg",
];

/// The four zips, each in the code page its names were written in.
fn zips(dir: &Path) {
    make_zip(dir, "dos.zip", "cp437", &DOS);
    make_zip(dir, "nordic.zip", "cp850", &NORDIC);
    make_zip(dir, "sjis.zip", "shift_jis", &JAPANESE);
    make_zip(dir, "russian.zip", "cp866", &RUSSIAN);
}

/// Point 1: names unpacked by Debian's unzip from a zip made on Unix from
/// DOS or Japanese Windows names are raw bytes (`J\x82r\x82my Lal.odt`).
/// One run reads each directory in its code page; undo gives the bytes
/// back.
#[test]
fn raw_names_unpacked_by_unzip_are_read_in_their_code_page() {
    let tmp = tempfile::tempdir().unwrap();
    zips(tmp.path());
    for dir in ["dos", "nordic", "sjis", "russian"] {
        unpack(
            tmp.path(),
            &format!("{dir}.zip"),
            &format!("trees/{dir}"),
            "unzip",
        );
    }
    let trees = tmp.path().join("trees");
    let raw = names(&trees.join("dos"));
    assert!(raw.contains(b"J\x82r\x82my Lal.odt".as_slice()), "{raw:?}");
    let journals = tempfile::tempdir().unwrap();
    let journal = journals.path().join("j");
    let out = apply(&trees, &journal, &[]).code(0);
    let listing = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for (dir, want) in [
        ("dos", &DOS[..]),
        ("nordic", &NORDIC[..]),
        ("sjis", &JAPANESE[..]),
        ("russian", &RUSSIAN[..]),
    ] {
        assert_eq!(names(&trees.join(dir)), set(want), "{dir}: {listing}");
    }
    tool().arg("undo").arg(&journal).assert().success();
    assert_eq!(names(&trees.join("dos")), raw);
}

/// Point 2: the same zips unpacked by Python's zipfile, which reads names
/// without the UTF-8 flag as cp437 (`Kampbj¢rn`, Cyrillic as box lines,
/// Japanese as `âeâXâg`), and by zipfile told they are ISO-8859-1 (C1
/// controls: `J\u0082r\u0082my`, `Adn\u008ane`).
#[test]
fn dos_names_read_as_cp437_or_latin1_are_reread() {
    let tmp = tempfile::tempdir().unwrap();
    zips(tmp.path());
    for dir in ["nordic", "sjis", "russian"] {
        unpack(
            tmp.path(),
            &format!("{dir}.zip"),
            &format!("trees/{dir}"),
            "zipfile",
        );
    }
    unpack(tmp.path(), "dos.zip", "trees/dos-latin1", "latin1");
    unpack(tmp.path(), "nordic.zip", "trees/nordic-latin1", "latin1");
    let trees = tmp.path().join("trees");
    assert!(trees.join("nordic/Kampbj¢rn.txt").exists());
    assert!(trees.join("dos-latin1/J\u{82}r\u{82}my Lal.odt").exists());
    let journals = tempfile::tempdir().unwrap();
    let out = apply(&trees, &journals.path().join("j"), &[]).code(0);
    let listing = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for (dir, want) in [
        ("nordic", &NORDIC[..]),
        ("nordic-latin1", &NORDIC[..]),
        ("dos-latin1", &DOS[..]),
        ("russian", &RUSSIAN[..]),
        ("sjis", &JAPANESE[..]),
    ] {
        assert_eq!(names(&trees.join(dir)), set(want), "{dir}: {listing}");
    }
}

/// `s` as `really`'s bytes read as ISO-8859-1, written as UTF-8.
fn misread(s: &str, really: &'static encoding_rs::Encoding) -> String {
    really.encode(s).0.iter().map(|&b| b as char).collect()
}

/// Point 3: Cyrillic windows-1251 and KOI8-R text read as Latin-1 or
/// windows-1252, in text and in names (`èþëÿ` is `июля`, never `顔汚`).
#[test]
fn cyrillic_read_as_latin1_is_reread_in_text_and_names() {
    let text = "Ïÿòíèöà 13 èþëÿ\nòÏÓÓÉÑ\n";
    assert_eq!(misread("Пятница", encoding_rs::WINDOWS_1251), "Ïÿòíèöà");
    tool()
        .arg("text")
        .write_stdin(text)
        .assert()
        .success()
        .stdout("Пятница 13 июля\nРоссия\n");
    let tmp = tempfile::tempdir().unwrap();
    for (name, code_page) in [
        ("июля.txt", encoding_rs::WINDOWS_1251),
        ("Отчёт.doc", encoding_rs::WINDOWS_1251),
        ("Россия.pdf", encoding_rs::KOI8_R),
    ] {
        fs::write(tmp.path().join(misread(name, code_page)), "").unwrap();
    }
    let journals = tempfile::tempdir().unwrap();
    apply(tmp.path(), &journals.path().join("j"), &[]).code(0);
    assert_eq!(
        names(tmp.path()),
        set(&["июля.txt", "Отчёт.doc", "Россия.pdf"])
    );
}

/// Point 4: `--from cp437` reads DOS names as cp437 but a Latin-1 name as
/// Latin-1 (no `cafΘ dΘjα vu`) and leaves UTF-8 read as Latin-1 to its own
/// repair; `--only-from cp437` is the old blindfold.
#[test]
fn from_is_a_preference_and_only_from_a_blindfold() {
    let make = || {
        let tmp = tempfile::tempdir().unwrap();
        for raw in [&b"caf\xe9 d\xe9j\xe0 vu.txt"[..], b"J\x82r\x82my.odt"] {
            fs::write(tmp.path().join(OsString::from_vec(raw.to_vec())), "").unwrap();
        }
        fs::write(tmp.path().join("doesn\u{e2}\u{80}\u{99}t.txt"), "").unwrap();
        tmp
    };
    let journals = tempfile::tempdir().unwrap();
    let tree = make();
    apply(
        tree.path(),
        &journals.path().join("from"),
        &["--from", "cp437"],
    )
    .code(0);
    assert_eq!(
        names(tree.path()),
        set(&["café déjà vu.txt", "Jérémy.odt", "doesn’t.txt"])
    );
    let tree = make();
    apply(
        tree.path(),
        &journals.path().join("only"),
        &["--only-from", "cp437"],
    )
    .code(0);
    assert!(names(tree.path()).contains("cafΘ dΘjα vu.txt".as_bytes()));
}

/// Point 1: bytes no encoding reads as text are listed, escaped, counted
/// and hinted at, never renamed or skipped silently (exit 1).
#[test]
fn names_no_encoding_reads_are_listed_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = OsString::from_vec(b"\x80\x80\xb0\xb1\xb2.bin".to_vec());
    fs::write(tmp.path().join(&raw), "").unwrap();
    let journals = tempfile::tempdir().unwrap();
    let out = apply(tmp.path(), &journals.path().join("j"), &[]).code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains(r"$'\200\200\260\261\262''.bin'"), "{err}");
    assert!(err.contains("1 unplaced"), "{err}");
    assert!(err.contains("--from ENC"), "{err}");
    assert!(tmp.path().join(&raw).exists());
}

/// Point 6: an NFD repair beside the same name in NFC is a collision; a
/// repair takes the form of its directory's other names (NFD on a
/// macOS-made share), NFC where none tells, unless --nfc/--nfd.
#[test]
fn nfc_nfd_twins_collide_and_repairs_follow_the_directory() {
    let nfd = |s: &str| s.nfd().collect::<String>();
    let mac = |s: &str| {
        adminkit::mojibake::codepages::Codepage::MacRoman
            .decode_bytes(nfd(s).as_bytes())
            .unwrap()
    };
    let tmp = tempfile::tempdir().unwrap();
    let twins = tmp.path().join("twins");
    fs::create_dir(&twins).unwrap();
    fs::write(twins.join("Sigur Rós.flac"), "nfc").unwrap();
    fs::write(twins.join(mac("Sigur Rós.flac")), "mac").unwrap();
    let journals = tempfile::tempdir().unwrap();
    let out = apply(&twins, &journals.path().join("twins"), &[]).code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("collision") && err.contains("1 collision"),
        "{err}"
    );
    assert_eq!(names(&twins).len(), 2);

    let macos = tmp.path().join("macos");
    fs::create_dir(&macos).unwrap();
    fs::write(macos.join(nfd("Ångström.txt")), "").unwrap();
    fs::write(macos.join(nfd("Noël.txt")), "").unwrap();
    fs::write(macos.join("Caf\u{c3}\u{a9}.txt"), "").unwrap();
    apply(&macos, &journals.path().join("macos"), &[]).code(0);
    assert!(names(&macos).contains(nfd("Café.txt").as_bytes()));
    let plain = tmp.path().join("plain");
    fs::create_dir(&plain).unwrap();
    fs::write(plain.join(mac("Café.txt")), "").unwrap();
    apply(&plain, &journals.path().join("plain"), &[]).code(0);
    assert_eq!(names(&plain), set(&["Café.txt"]));
}

/// Point 11: `--suffix` gives a colliding repair the next free
/// `NAME (2).ext`; undo puts it back.
#[test]
fn suffix_names_a_colliding_repair() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("café.txt"), "real").unwrap();
    fs::write(tmp.path().join("café (2).txt"), "taken").unwrap();
    fs::write(tmp.path().join("caf\u{c3}\u{a9}.txt"), "damaged").unwrap();
    fs::write(tmp.path().join(".caf\u{c3}\u{a9}"), "dotfile").unwrap();
    fs::write(tmp.path().join(".café"), "real dotfile").unwrap();
    let before = names(tmp.path());
    let journals = tempfile::tempdir().unwrap();
    let journal = journals.path().join("j");
    apply(tmp.path(), &journal, &["--suffix"]).code(0);
    assert_eq!(
        fs::read_to_string(tmp.path().join("café (3).txt")).unwrap(),
        "damaged"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join(".café (2)")).unwrap(),
        "dotfile"
    );
    tool().arg("undo").arg(&journal).assert().success();
    assert_eq!(names(tmp.path()), before);
}

/// Point 8: every name in a listing is shell-quoted, so a newline or a
/// `$(...)` in a name can neither forge a line nor run anything, and bash
/// reads each quoted name back to its exact bytes.
#[test]
fn listings_quote_names_for_the_shell() {
    let tmp = tempfile::tempdir().unwrap();
    let hostile = [
        "it's caf\u{c3}\u{a9}.txt".as_bytes().to_vec(),
        "$(touch pwned) caf\u{c3}\u{a9}".as_bytes().to_vec(),
        "two\nlines caf\u{c3}\u{a9}".as_bytes().to_vec(),
        b"\x82t\x82 'q'.txt".to_vec(),
    ];
    for name in &hostile {
        fs::write(tmp.path().join(OsString::from_vec(name.clone())), "").unwrap();
    }
    let out = tool()
        .current_dir(tmp.path())
        .args(["names", "-r", "."])
        .assert()
        .code(1);
    let listing = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(listing.lines().count(), hostile.len(), "{listing}");
    for line in listing.lines() {
        let (old, new) = line.split_once(" -> ").unwrap();
        let name = shell_reads(old, tmp.path());
        shell_reads(new, tmp.path());
        let name = name.strip_prefix(b"./").unwrap().to_vec();
        assert!(hostile.contains(&name), "{line}");
    }
    assert!(listing.contains(r"'./two'$'\n''lines caf"), "{listing}");

    // undo lists what it puts back the same way: `NOW -> BACK`.
    let journals = tempfile::tempdir().unwrap();
    let journal = journals.path().join("j");
    apply(tmp.path(), &journal, &[]).success();
    let out = tool().arg("undo").arg(&journal).assert().success();
    let listing = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(listing.lines().count(), hostile.len(), "{listing}");
    let dir = tmp.path().as_os_str().as_bytes();
    for line in listing.lines() {
        let (now, back) = line.split_once(" -> ").unwrap();
        shell_reads(now, tmp.path());
        let path = shell_reads(back, tmp.path());
        let name = path.strip_prefix(dir).unwrap().strip_prefix(b"/").unwrap();
        assert!(hostile.contains(&name.to_vec()), "{line}");
    }
}

/// The bytes bash makes of a shell-quoted word, checking that it ran
/// nothing.
fn shell_reads(quoted: &str, dir: &Path) -> Vec<u8> {
    let back = Process::new("bash")
        .args(["-c", &format!("printf %s {quoted}")])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(back.status.success(), "{quoted}");
    assert!(!dir.join("pwned").exists(), "{quoted}");
    back.stdout
}

/// Point 9: without --journal the journal goes to /var/lib/mojibake-fix
/// as root ($XDG_STATE_HOME/mojibake-fix for a user), 0600 in a 0700
/// directory, its path printed; `undo` without argument lists it.
#[test]
fn journals_go_to_the_state_directory_and_undo_lists_them() {
    let tmp = tempfile::tempdir().unwrap();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let tree = tmp.path().join("tree");
    fs::create_dir(&tree).unwrap();
    fs::write(tree.join("caf\u{c3}\u{a9}.txt"), "").unwrap();
    let out = tool()
        .args(["names", "-r", "--apply"])
        .arg(&tree)
        .assert()
        .code(0);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let journal = journal_path(&err);
    assert!(
        journal
            .to_str()
            .unwrap()
            .starts_with("/var/lib/mojibake-fix/names-"),
        "{err}"
    );
    assert_eq!(fs::metadata(&journal).unwrap().mode() & 0o777, 0o600);
    assert_eq!(
        fs::metadata("/var/lib/mojibake-fix").unwrap().mode() & 0o777,
        0o700
    );
    let out = tool().arg("undo").assert().success();
    let listed = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(listed.contains(journal.to_str().unwrap()), "{listed}");
    assert!(listed.contains("1 change(s) in"), "{listed}");
    tool().arg("undo").arg(&journal).assert().success();
    assert!(tree.join("caf\u{c3}\u{a9}.txt").exists());
    fs::remove_file(&journal).unwrap();

    // A user: $XDG_STATE_HOME/mojibake-fix, made 0700.
    let user = User::new(tmp.path());
    let bin = tmp.path().join("mojibake-fix");
    fs::copy(assert_cmd::cargo::cargo_bin("mojibake-fix"), &bin).unwrap();
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    let mine = user.home.join("docs");
    let state = user.home.join("state");
    let made = user.sh(&user.home, "mkdir docs && touch 'docs/caf\u{c3}\u{a9}.txt'");
    assert!(made.status.success(), "{made:?}");
    let out = user
        .command(&bin, &user.home)
        .env("XDG_STATE_HOME", &state)
        .args(["names", "--apply", "-r"])
        .arg(&mine)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    let journal = journal_path(&err);
    assert!(journal.starts_with(state.join("mojibake-fix")), "{err}");
    let meta = fs::metadata(&journal).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (user.uid, 0o600));
    assert!(mine.join("café.txt").exists());
}

/// The journal path a run prints at its end.
fn journal_path(stderr: &str) -> PathBuf {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("mojibake-fix: journal: "))
        .unwrap_or_else(|| panic!("no journal line: {stderr}"));
    PathBuf::from(line.split(" (undo with").next().unwrap())
}
