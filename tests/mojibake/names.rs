//! `mojibake-fix names` and `undo` on real trees: damaged names created on
//! disk, repaired in one pass; legitimate names untouched; apply + undo
//! byte-identical; collisions never overwrite; invalid results refused.

use adminkit::mojibake::codepages::Codepage;
use assert_cmd::Command;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

fn tool() -> Command {
    Command::cargo_bin("mojibake-fix").unwrap()
}

/// UTF-8 bytes of `s` read as the legacy code page `cp`: one layer of damage.
fn damage(s: &str, cp: Codepage) -> String {
    cp.decode_bytes(s.as_bytes())
        .unwrap_or_else(|| panic!("{} cannot read the bytes of {s:?}", cp.name()))
}

fn damage_n(s: &str, cps: &[Codepage]) -> String {
    cps.iter().fold(s.to_string(), |acc, &cp| damage(&acc, cp))
}

/// Every entry below `root`: relative path bytes -> (kind, contents, mtime ns).
fn snapshot(root: &Path) -> BTreeMap<Vec<u8>, (String, Vec<u8>, i64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let mtime = meta.mtime() * 1_000_000_000 + meta.mtime_nsec();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .as_os_str()
                .as_bytes()
                .to_vec();
            let (kind, content) = if meta.file_type().is_symlink() {
                (
                    "link",
                    fs::read_link(&path)
                        .unwrap()
                        .as_os_str()
                        .as_bytes()
                        .to_vec(),
                )
            } else if meta.is_dir() {
                stack.push(path.clone());
                ("dir", Vec::new())
            } else {
                ("file", fs::read(&path).unwrap())
            };
            out.insert(rel, (kind.to_string(), content, mtime));
        }
    }
    out
}

fn names_in(dir: &Path) -> Vec<OsString> {
    let mut v: Vec<OsString> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    v.sort();
    v
}

fn touch(path: &Path, content: &str) {
    fs::write(path, content).unwrap();
}

use Codepage::{Cp437, Cp850, Latin1, MacRoman, Windows1252 as Cp1252};

/// (original, layers of damage) for the one-pass repair test.
fn damaged_cases() -> Vec<(&'static str, Vec<Codepage>)> {
    vec![
        ("Raison D'être.txt", vec![MacRoman]),
        ("Raison D'être (2).txt", vec![MacRoman, MacRoman]),
        ("Raison D'être (3).txt", vec![MacRoman, MacRoman, MacRoman]),
        ("Café crème.pdf", vec![Cp1252]),
        ("Müller’s Größe.txt", vec![Cp1252, Cp1252]),
        ("résumé final.doc", vec![Latin1]),
        ("naïve – essai.odt", vec![Latin1, Latin1]),
        ("Ångström.csv", vec![MacRoman]),
        ("été à Nîmes.jpg", vec![Cp437]),
        ("Señor Niño.txt", vec![Cp850]),
        ("Čeština.txt", vec![Cp1252, MacRoman]),
        ("日本語の資料.txt", vec![Cp1252]),
        ("Ελληνικά έγγραφα", vec![Cp1252]),
        ("Straße – Zürich", vec![MacRoman, Cp1252]),
    ]
}

#[test]
fn damaged_names_are_repaired_in_one_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("tree");
    let sub_original = "Dossier réservé";
    let sub = root.join(damage_n(sub_original, &[MacRoman, MacRoman]));
    fs::create_dir_all(&sub).unwrap();
    let mut expected = Vec::new();
    for (i, (original, layers)) in damaged_cases().into_iter().enumerate() {
        let dir = if i % 2 == 0 { &root } else { &sub };
        let name = damage_n(original, &layers);
        assert_ne!(name, original);
        touch(&dir.join(&name), original);
        expected.push((i % 2 == 0, original));
    }
    let dry = tool().args(["names", "-r"]).arg(&root).assert().code(1);
    let listing = String::from_utf8(dry.get_output().stdout.clone()).unwrap();
    assert_eq!(
        listing.lines().count(),
        damaged_cases().len() + 1,
        "{listing}"
    );
    assert!(names_in(&root).len() == 8, "a dry run renames nothing");

    let journal = tmp.path().join("run.journal");
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(&journal)
        .arg(&root)
        .assert()
        .code(0);
    let fixed_sub = root.join(sub_original);
    for (top, original) in expected {
        let path = if top {
            root.join(original)
        } else {
            fixed_sub.join(original)
        };
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            original,
            "{}",
            path.display()
        );
    }
    // Nothing left to do: a second run finds nothing.
    tool()
        .args(["names", "-r"])
        .arg(&root)
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn nfd_names_from_macos() {
    let tmp = tempfile::tempdir().unwrap();
    let nfd: String = "Café crème.txt".nfd().collect();
    // The NFD bytes read as Mac OS Roman, as an old Mac file server shows them.
    let damaged = damage(&nfd, MacRoman);
    touch(&tmp.path().join(&damaged), "x");
    // Clean NFD name: left alone without --nfc, composed with it.
    let plain_nfd: String = "Ånge.txt".nfd().collect();
    touch(&tmp.path().join(&plain_nfd), "y");
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(tmp.path().join("j"))
        .arg(tmp.path().join("."))
        .assert()
        .code(0);
    assert!(
        tmp.path().join(&nfd).exists(),
        "repaired, still NFD: {:?}",
        names_in(tmp.path())
    );
    assert!(tmp.path().join(&plain_nfd).exists());
    tool()
        .args(["names", "-r", "--nfc", "--apply", "--journal"])
        .arg(tmp.path().join("j2"))
        .arg(tmp.path().join("."))
        .assert()
        .code(0);
    assert!(
        tmp.path().join("Café crème.txt").exists(),
        "{:?}",
        names_in(tmp.path())
    );
    assert!(tmp.path().join("Ånge.txt").exists());
}

/// Issue #28 point 5: NFD names read as Mac OS Roman, whose combining
/// marks windows-1252 would also read (`JeÃ®drzejewski` as `Jeîdrzejewski`):
/// Mac OS Roman wins when every mark composes.
#[test]
fn nfd_names_read_as_mac_roman_beat_windows_1252() {
    let tmp = tempfile::tempdir().unwrap();
    let originals = ["Jędrzejewski.txt", "Księstwo.odt"];
    for original in originals {
        let nfd: String = original.nfd().collect();
        touch(&tmp.path().join(damage(&nfd, MacRoman)), original);
    }
    tool()
        .args(["names", "-r", "--nfc", "--apply", "--journal"])
        .arg(tmp.path().join("j"))
        .arg(tmp.path().join("."))
        .assert()
        .code(0);
    for original in originals {
        assert!(
            tmp.path().join(original).exists(),
            "{original}: {:?}",
            names_in(tmp.path())
        );
    }
}

#[test]
fn legitimate_names_are_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "NESTLÉ®",
        "Part 2—Éric.txt",
        "Ångström",
        "日本語.txt",
        "Ελληνικά",
        "naïve café",
        "Raison D'être",
        "Übersicht 2024 – Q1.xlsx",
        "Smørrebrød.md",
        "русский.txt",
    ] {
        touch(&tmp.path().join(name), name);
    }
    let before = snapshot(tmp.path());
    tool()
        .args(["names", "-r"])
        .arg(tmp.path())
        .assert()
        .code(0)
        .stdout("");
    let outside = tempfile::tempdir().unwrap();
    let journal = outside.path().join("j");
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(&journal)
        .arg(tmp.path())
        .assert()
        .code(0)
        .stdout("");
    assert_eq!(snapshot(tmp.path()), before);
    // The (empty) journal is written all the same, so undo always works.
    assert!(journal.exists());
}

#[test]
fn apply_then_undo_is_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let deep = root
        .join(damage("Année 2019", Cp1252))
        .join(damage("Été", MacRoman))
        .join(damage_n("Über", &[MacRoman, MacRoman]));
    fs::create_dir_all(&deep).unwrap();
    touch(&deep.join(damage("Brief an Jürgen.txt", Cp1252)), "hallo");
    touch(&root.join(damage("Crème brûlée.txt", MacRoman)), "recette");
    touch(&root.join("clean.txt"), "clean");
    std::os::unix::fs::symlink(
        "/nonexistent/target",
        root.join(damage("lien cassé", Cp1252)),
    )
    .unwrap();
    // Distinct, old mtimes everywhere, directories last (files change them).
    let mut stamp = 1_000_000_000;
    for path in [
        deep.join(damage("Brief an Jürgen.txt", Cp1252)),
        root.join("clean.txt"),
    ] {
        set_mtime(&path, stamp);
        stamp += 1000;
    }
    for dir in [
        deep.clone(),
        deep.parent().unwrap().to_path_buf(),
        deep.parent().unwrap().parent().unwrap().to_path_buf(),
        root.clone(),
    ] {
        set_mtime(&dir, stamp);
        stamp += 1000;
    }
    let before = snapshot(&root);
    let root_mtime = fs::metadata(&root).unwrap().mtime();

    let journal = tmp.path().join("j");
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(&journal)
        .arg(&root)
        .assert()
        .code(0);
    let after = snapshot(&root);
    assert_ne!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    assert!(
        after.contains_key("Année 2019/Été/Über/Brief an Jürgen.txt".as_bytes()),
        "{:?}",
        after
            .keys()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect::<Vec<_>>()
    );
    assert!(after.contains_key("lien cassé".as_bytes()));
    assert_eq!(
        fs::metadata(&root).unwrap().mtime(),
        root_mtime,
        "directory mtime kept"
    );
    let dir_mtime = |snap: &BTreeMap<Vec<u8>, (String, Vec<u8>, i64)>| {
        snap.values()
            .filter(|v| v.0 == "dir")
            .map(|v| v.2)
            .collect::<Vec<_>>()
    };
    let mut a = dir_mtime(&after);
    let mut b = dir_mtime(&before);
    a.sort();
    b.sort();
    assert_eq!(a, b, "every directory mtime kept");

    tool().arg("undo").arg(&journal).assert().code(0);
    assert_eq!(snapshot(&root), before);
    assert_eq!(fs::metadata(&root).unwrap().mtime(), root_mtime);
}

fn set_mtime(path: &Path, secs: i64) {
    let f = fs::File::open(path).unwrap();
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64);
    f.set_times(fs::FileTimes::new().set_modified(t).set_accessed(t))
        .unwrap();
}

#[test]
fn undo_after_an_interrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let damaged = damage("Noël.txt", Cp1252);
    touch(&tmp.path().join(&damaged), "a");
    let journal = tmp.path().join("j");
    tool()
        .args(["names", "--apply", "--journal"])
        .arg(&journal)
        .arg(tmp.path().join(&damaged))
        .assert()
        .code(0);
    // The run was killed after journaling its next rename but before doing it.
    let base = fs::canonicalize(tmp.path()).unwrap();
    let mut text = fs::read_to_string(&journal).unwrap();
    text.push_str(&format!(
        "{}/Ã©tÃ©\t{}/été\n",
        base.display(),
        base.display()
    ));
    touch(&base.join("Ã©tÃ©"), "b");
    fs::write(&journal, text).unwrap();
    tool().arg("undo").arg(&journal).assert().code(0);
    let mut expected = ["Ã©tÃ©", damaged.as_str(), "j"]
        .map(OsString::from)
        .to_vec();
    expected.sort();
    assert_eq!(names_in(tmp.path()), expected);
}

#[test]
fn a_collision_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    touch(
        &tmp.path().join(damage("café.txt", MacRoman)),
        "damaged one",
    );
    touch(&tmp.path().join("café.txt"), "the real one");
    // Two damaged names that repair to the same name.
    touch(&tmp.path().join(damage("thé.txt", MacRoman)), "mac");
    touch(&tmp.path().join(damage("thé.txt", Cp1252)), "win");
    let dry = tool()
        .args(["names", "-r"])
        .arg(tmp.path())
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&dry.get_output().stderr).into_owned();
    assert_eq!(err.matches("collision").count(), 3, "{err}");
    let before = snapshot(tmp.path());
    // Issue #28 point 11: a collision is found and left, not a failure.
    let journals = tempfile::tempdir().unwrap();
    let out = tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(journals.path().join("j-collide"))
        .arg(tmp.path())
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("rerun with --suffix"), "{err}");
    assert_eq!(
        fs::read_to_string(tmp.path().join("café.txt")).unwrap(),
        "the real one"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join(damage("café.txt", MacRoman))).unwrap(),
        "damaged one"
    );
    let after = snapshot(tmp.path());
    assert_eq!(after.len(), before.len(), "no file lost");
    let contents: Vec<_> = after.values().map(|v| v.1.clone()).collect();
    for c in ["damaged one", "the real one", "mac", "win"] {
        assert!(contents.contains(&c.as_bytes().to_vec()));
    }
}

#[test]
fn a_name_that_would_become_invalid_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // 120 × é is 240 bytes; decomposed it would be 360, past NAME_MAX.
    let long: String = "é".repeat(120);
    touch(&tmp.path().join(&long), "x");
    let out = tool()
        .args(["names", "--nfd", "--apply", "--journal"])
        .arg(tmp.path().join("j"))
        .arg(tmp.path().join(&long))
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("refused"));
    assert!(tmp.path().join(&long).exists());
}

/// Issue #28 point 1: a name that is not UTF-8 is read in the code page
/// that gives plausible text; JSON carries its exact bytes (base64).
#[test]
fn raw_legacy_names_are_read_in_their_code_page() {
    let tmp = tempfile::tempdir().unwrap();
    // "été.txt" as a DOS zip stores it: cp437 bytes, not UTF-8.
    let raw = OsString::from_vec(b"\x82t\x82.txt".to_vec());
    fs::write(tmp.path().join(&raw), "x").unwrap();
    let out = tool()
        .args(["names", "-r", "--json"])
        .arg(tmp.path())
        .assert()
        .code(1);
    let v = first_json_line(&out.get_output().stdout);
    assert_eq!(v["reason"], "legacy-bytes");
    assert_eq!(v["encoding"], "cp437");
    let raw_path = tmp.path().join(&raw);
    assert_eq!(
        base64_decode(v["path_base64"].as_str().unwrap()),
        raw_path.as_os_str().as_bytes()
    );
    assert!(v["new"].as_str().unwrap().ends_with("/été.txt"));
    assert!(v.get("new_base64").is_none(), "the new name is UTF-8");
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(tmp.path().join("j"))
        .arg(tmp.path())
        .assert()
        .code(0);
    assert!(tmp.path().join("été.txt").exists());
    tool()
        .args(["names", "--from", "ebcdic"])
        .arg(tmp.path())
        .assert()
        .code(2);
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|&c| c != b'=') {
        acc = acc << 6 | ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn symlinks_are_renamed_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let inner = damage("privé.txt", Cp1252);
    touch(&outside.join(&inner), "x");
    let tree = tmp.path().join("tree");
    fs::create_dir(&tree).unwrap();
    std::os::unix::fs::symlink(&outside, tree.join(damage("lié", Cp1252))).unwrap();
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(tmp.path().join("j"))
        .arg(&tree)
        .assert()
        .code(0);
    assert!(
        fs::symlink_metadata(tree.join("lié"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        outside.join(&inner).exists(),
        "the link's target was not walked"
    );
}

#[test]
fn an_unreadable_directory_does_not_abort_the_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("r");
    fs::create_dir(&root).unwrap();
    let locked = root.join("locked");
    fs::create_dir(&locked).unwrap();
    touch(&locked.join(damage("caché", Cp1252)), "x");
    touch(&root.join(damage("visible é", Cp1252)), "y");
    use std::os::unix::fs::PermissionsExt;
    for p in [tmp.path(), root.as_path()] {
        fs::set_permissions(p, fs::Permissions::from_mode(0o777)).unwrap();
    }
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads everything: run as nobody to meet a directory we cannot read.
    // A copy of the binary nobody can reach even if the checkout is private.
    let bin = tmp.path().join("mojibake-fix");
    fs::copy(assert_cmd::cargo::cargo_bin("mojibake-fix"), &bin).unwrap();
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["names", "-r"])
        .arg(&root)
        .output()
        .unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("locked") && stderr.contains("Permission denied"),
        "{stderr}"
    );
    assert!(
        stdout.contains("visible é"),
        "the rest of the tree was still walked: {stdout}"
    );
}

#[test]
fn json_lines_and_undo_of_a_bad_journal() {
    let tmp = tempfile::tempdir().unwrap();
    touch(&tmp.path().join(damage("façade", Cp1252)), "x");
    let out = tool()
        .args(["names", "-r", "--json"])
        .arg(tmp.path())
        .assert()
        .code(1);
    let line = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let v = first_json_line(line.as_bytes());
    assert_eq!(v["status"], "would-rename");
    assert!(v["new"].as_str().unwrap().ends_with("façade"));
    assert_eq!(v["reason"], "mojibake");
    let bad = tmp.path().join("bad.journal");
    fs::write(&bad, "hello\n").unwrap();
    tool()
        .arg("undo")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "bad.journal:1: not a mojibake-fix journal",
        ));
    tool()
        .arg("undo")
        .arg(tmp.path().join("missing"))
        .assert()
        .code(3);
}

#[test]
fn a_zip_without_the_utf8_flag_is_repaired() {
    // Info-ZIP under the C locale stores the UTF-8 bytes without the UTF-8
    // flag; Python's zipfile then reads them as cp437, as DOS tools do.
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(src.join("Señor")).unwrap();
    touch(&src.join("été à Nîmes.jpg"), "jpg");
    touch(&src.join("Señor").join("Niño.txt"), "txt");
    let zip = tmp.path().join("names.zip");
    let status = std::process::Command::new("zip")
        .env("LC_ALL", "C")
        .current_dir(&src)
        .args(["-qr"])
        .arg(&zip)
        .arg(".")
        .status()
        .expect("zip (Debian package zip) is installed");
    assert!(status.success());
    let out = tmp.path().join("out");
    let status = std::process::Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(&zip)
        .arg(&out)
        .status()
        .expect("python3 is installed");
    assert!(status.success());
    assert!(
        out.join("├⌐t├⌐ ├á N├«mes.jpg").exists(),
        "{:?}",
        names_in(&out)
    );
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(tmp.path().join("j"))
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(
        fs::read_to_string(out.join("été à Nîmes.jpg")).unwrap(),
        "jpg"
    );
    assert_eq!(
        fs::read_to_string(out.join("Señor/Niño.txt")).unwrap(),
        "txt"
    );
}

#[test]
fn normalisation_collisions_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let nfd: String = "Café".nfd().collect();
    touch(&tmp.path().join("Café"), "composed");
    touch(&tmp.path().join(&nfd), "decomposed");
    // Without --nfc both names are fine as they are.
    tool()
        .args(["names", "-r"])
        .arg(tmp.path())
        .assert()
        .code(0);
    let out = tool()
        .args(["names", "-r", "--nfc", "--json"])
        .arg(tmp.path())
        .assert()
        .code(1);
    let v = first_json_line(&out.get_output().stdout);
    assert_eq!(v["status"], "collision");
    assert_eq!(v["reason"], "nfc");
    tool()
        .args(["names", "-r", "--nfc", "--apply", "--journal"])
        .arg(tmp.path().join("j"))
        .arg(tmp.path())
        .assert()
        .code(1);
    assert_eq!(
        fs::read_to_string(tmp.path().join("Café")).unwrap(),
        "composed"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join(&nfd)).unwrap(),
        "decomposed"
    );
}

/// Issue #12 point 10: Shift_JIS names a Windows zip unpacked as cp437 or
/// cp850 are repaired by default; raw GBK, Big5 and EUC-KR names with
/// `--from`; apply and undo round-trip.
#[test]
fn cjk_names_from_zips_and_raw_legacy_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("テスト資料.txt");
    let from_437 = Codepage::Cp437.decode_bytes(&sjis).unwrap();
    let (sjis2, _, _) = encoding_rs::SHIFT_JIS.encode("議事録.docx");
    let from_850 = Codepage::Cp850.decode_bytes(&sjis2).unwrap();
    fs::write(tmp.path().join(&from_437), "").unwrap();
    fs::write(tmp.path().join(&from_850), "").unwrap();
    fs::write(tmp.path().join("Ångström.txt"), "").unwrap();
    let journals = tempfile::tempdir().unwrap();
    let journal = journals.path().join("zip.journal");
    let before = snapshot(tmp.path());
    tool()
        .args(["names", "-r", "--apply", "--journal"])
        .arg(&journal)
        .arg(tmp.path())
        .assert()
        .success();
    assert!(tmp.path().join("テスト資料.txt").exists());
    assert!(tmp.path().join("議事録.docx").exists());
    assert!(tmp.path().join("Ångström.txt").exists());
    tool().arg("undo").arg(&journal).assert().success();
    assert_eq!(snapshot(tmp.path()), before);

    for (label, encoding, name) in [
        ("gbk", encoding_rs::GBK, "会议纪要.pdf"),
        ("big5", encoding_rs::BIG5, "會議紀錄.pdf"),
        ("euc-kr", encoding_rs::EUC_KR, "회의록.hwp"),
        ("shift_jis", encoding_rs::SHIFT_JIS, "会議録.pdf"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (raw, _, _) = encoding.encode(name);
        let raw_name = std::ffi::OsString::from_vec(raw.into_owned());
        fs::write(dir.path().join(&raw_name), "").unwrap();
        // Without --from, bytes that are not UTF-8 are read in the code
        // page that reads them best (a lone short name may be read as a
        // neighbouring one: --from settles it).
        tool()
            .args(["names", "-r"])
            .arg(dir.path())
            .assert()
            .code(1);
        tool()
            .args(["names", "-r", "--apply", "--from", label, "--journal"])
            .arg(journals.path().join(label))
            .arg(dir.path())
            .assert()
            .success();
        assert!(dir.path().join(name).exists(), "{label}");
    }
}

/// Issue #12 point 10: raw names in each newer 8-bit code page are read
/// with `--from` and its name (cp852 bytes as Python's codec writes them).
#[test]
fn raw_names_in_each_newer_code_page() {
    let journals = tempfile::tempdir().unwrap();
    let cyrillic = |e: &'static encoding_rs::Encoding| e.encode("Отчёт.txt").0.into_owned();
    for (label, raw, name) in [
        ("cp852", b"P\xfd\xa1li\xe7.txt".to_vec(), "Příliš.txt"),
        ("cp866", cyrillic(encoding_rs::IBM866), "Отчёт.txt"),
        ("koi8-r", cyrillic(encoding_rs::KOI8_R), "Отчёт.txt"),
        ("koi8-u", cyrillic(encoding_rs::KOI8_U), "Отчёт.txt"),
        ("iso-8859-5", cyrillic(encoding_rs::ISO_8859_5), "Отчёт.txt"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(OsString::from_vec(raw)), "").unwrap();
        tool()
            .args(["names", "-r", "--apply", "--from", label, "--journal"])
            .arg(journals.path().join(label))
            .arg(dir.path())
            .assert()
            .success();
        assert!(dir.path().join(name).exists(), "{label}");
    }
}

/// The first JSON line (the name's record; the result envelope ends the output).
fn first_json_line(stdout: &[u8]) -> serde_json::Value {
    let text = String::from_utf8_lossy(stdout);
    serde_json::from_str(text.lines().next().expect("a JSON line")).unwrap()
}
