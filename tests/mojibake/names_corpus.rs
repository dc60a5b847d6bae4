//! Issue #28 on real names: people's names from this machine's changelogs,
//! copyright files, translation catalogs and Perl's POD, and places from
//! iso-codes and glibc's locale data (tests/data/mojibake-names-gen.py,
//! built at test time and cached under target/: they are people's names,
//! not committed). Clean names must all be left alone; damaged ones (every
//! mistake of the issue, through Python's real codecs) are put in trees of
//! up to 8 names per directory and repaired by one `names -r` run, the
//! count per kind of damage never dropping below what it is today.

use assert_cmd::Command;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use testkit::mojibake::unescape;

fn tool() -> Command {
    Command::cargo_bin("mojibake-fix").unwrap()
}

/// The corpus directory, built once per version of the generator.
fn corpus() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(build).clone()
}

fn build() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/data/mojibake-names-gen.py");
    let text = fs::read(&script).unwrap();
    let hash = text.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let dir = root.join(format!("target/mojibake-names-{hash:016x}"));
    if !dir.join("names-damaged.tsv").exists() {
        let partial = dir.with_extension(format!("tmp{}", std::process::id()));
        let status = std::process::Command::new("python3")
            .arg(&script)
            .arg(&partial)
            .status()
            .expect("python3 is installed");
        assert!(status.success(), "{}", script.display());
        let _ = fs::rename(&partial, &dir);
    }
    dir
}

fn rows(file: &str) -> Vec<HashMap<String, String>> {
    let text = fs::read_to_string(corpus().join(file)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .map(|line| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(line.split('\t').map(unescape))
                .collect()
        })
        .collect()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// `names -r --json` on `root`: every name's record, by its path's bytes.
fn run_names(root: &Path) -> Vec<serde_json::Value> {
    let out = tool()
        .args(["-q", "names", "-r", "--json"])
        .arg(root)
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("status").is_some())
        .collect()
}

/// A JSON path field's exact bytes.
fn bytes_of(record: &serde_json::Value, key: &str) -> Vec<u8> {
    match record.get(format!("{key}_base64")) {
        Some(b64) => base64_decode(b64.as_str().unwrap()),
        None => record[key].as_str().unwrap().as_bytes().to_vec(),
    }
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

fn file_name(path: &[u8]) -> Vec<u8> {
    path.rsplit(|&b| b == b'/').next().unwrap().to_vec()
}

#[test]
fn clean_names_are_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let rows = rows("names-clean.tsv");
    assert!(rows.len() > 5000, "corpus too small: {}", rows.len());
    for (i, row) in rows.iter().enumerate() {
        let dir = tmp.path().join(format!("{}-{}", row["script"], i / 8));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(&row["name"]), "").unwrap();
    }
    let changed: Vec<String> = run_names(tmp.path())
        .iter()
        .map(|r| format!("{} {} -> {}", r["status"], r["path"], r["new"]))
        .collect();
    eprintln!("clean names: {}, changed: {}", rows.len(), changed.len());
    assert!(changed.is_empty(), "false fixes:\n{}", changed.join("\n"));
}

/// Per kind of damage, the share of names (in percent) repaired exactly
/// that must be kept: what the repair reaches today on this machine's
/// corpus, less two points for another machine's catalogs (raise them when
/// the repair improves). `kind` is `<how it was damaged>`: `raw:ENC` a name
/// of bytes in ENC (issue #28 point 1), `A>B` bytes of A read as B (points
/// 2 and 3), `utf8>...` UTF-8 read as one code page or more, `nfd>macroman`
/// an NFD name read as Mac OS Roman (point 5).
const FLOORS: &[(&str, usize)] = &[
    ("raw:gbk", 95),
    ("raw:big5", 96),
    ("raw:cp437", 98),
    ("raw:cp850", 97),
    ("raw:cp852", 97),
    ("raw:cp866", 98),
    ("raw:cp1250", 93),
    ("raw:cp1251", 98),
    ("raw:cp1252", 96),
    ("raw:cp1254", 90),
    ("raw:euc-jp", 98),
    ("raw:euc-kr", 98),
    ("raw:koi8-r", 98),
    ("raw:koi8-u", 98),
    ("raw:latin1", 96),
    ("utf8>cp437", 97),
    ("utf8>cp850", 98),
    ("cp850>cp437", 89),
    ("cp852>cp437", 95),
    ("cp866>cp437", 97),
    ("utf8>cp1250", 96),
    ("utf8>cp1251", 98),
    ("utf8>cp1252", 98),
    ("utf8>cp1253", 98),
    ("utf8>koi8-r", 98),
    ("utf8>latin1", 98),
    ("cp437>latin1", 93),
    ("cp850>latin1", 95),
    ("cp852>latin1", 79),
    ("nfd>macroman", 95),
    ("raw:macroman", 98),
    ("cp1251>cp1252", 98),
    ("cp1251>latin1", 98),
    ("koi8-r>cp1252", 97),
    ("koi8-r>latin1", 97),
    ("raw:iso8859-2", 96),
    ("raw:iso8859-5", 97),
    ("raw:iso8859-7", 97),
    ("raw:shift_jis", 98),
    ("utf8>macroman", 98),
    ("raw:iso8859-15", 96),
    ("utf8>iso8859-2", 95),
    ("shift_jis>cp437", 97),
    ("utf8>cp1252>cp1252", 98),
];

/// Names changed into something else than the original, at most (percent
/// of all damaged names).
const WRONG_PERCENT: usize = 3;

#[test]
fn damaged_names_are_repaired_per_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let mut expected: HashMap<Vec<u8>, (String, String)> = HashMap::new();
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    for row in rows("names-damaged.tsv") {
        let dir = tmp.path().join(&row["group"]);
        fs::create_dir_all(&dir).unwrap();
        let damaged = hex(&row["damaged_hex"]);
        let path = dir.join(OsString::from_vec(damaged.clone()));
        if path.exists() {
            continue;
        }
        fs::write(&path, "").unwrap();
        *totals.entry(row["kind"].clone()).or_default() += 1;
        expected.insert(
            path.as_os_str().as_bytes().to_vec(),
            (row["kind"].clone(), row["original"].clone()),
        );
    }
    // kind -> [repaired, wrong, unplaced]
    let mut counts: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for record in run_names(tmp.path()) {
        let path = bytes_of(&record, "path");
        let Some((kind, original)) = expected.get(&path) else {
            continue;
        };
        let slot = counts.entry(kind.clone()).or_default();
        if record["status"] == "unplaced" {
            slot[2] += 1;
        } else if file_name(&bytes_of(&record, "new")) == original.as_bytes() {
            slot[0] += 1;
        } else {
            slot[1] += 1;
            eprintln!(
                "WRONG {kind}: {:?} -> {:?}, want {original:?}",
                String::from_utf8_lossy(&file_name(&path)),
                record["new"]
                    .as_str()
                    .map(|n| n.rsplit('/').next().unwrap())
            );
        }
    }
    let mut report = String::new();
    for (kind, total) in &totals {
        let [ok, wrong, unplaced] = counts.get(kind).copied().unwrap_or_default();
        report.push_str(&format!(
            "{kind:>20}: {ok:4}/{total:<4} repaired, {wrong:3} wrong, {unplaced:3} unplaced\n"
        ));
    }
    eprintln!("{report}");
    for (kind, floor) in FLOORS {
        let ok = counts.get(*kind).map_or(0, |c| c[0]);
        let total = totals.get(*kind).copied().unwrap_or(0);
        assert!(total > 0, "{kind}: no such damage in the corpus");
        assert!(
            100 * ok >= floor * total,
            "{kind}: {ok}/{total} < {floor}%\n{report}"
        );
    }
    let wrong: usize = counts.values().map(|c| c[1]).sum();
    let all: usize = totals.values().sum();
    assert!(
        100 * wrong <= WRONG_PERCENT * all,
        "{wrong}/{all} wrong\n{report}"
    );
}
