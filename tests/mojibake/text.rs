//! `mojibake-fix text`, `check` and `explain` as a user runs them.

use assert_cmd::Command;
use predicates::str::contains;

fn tool() -> Command {
    Command::cargo_bin("mojibake-fix").unwrap()
}

#[test]
fn the_seed_chain_is_repaired_from_stdin() {
    tool()
        .arg("text")
        .write_stdin("Raison D'√™tre\nRaison D'‚àö‚Ñ¢tre\nRaison D'être\n")
        .assert()
        .success()
        .stdout("Raison D'être\nRaison D'être\nRaison D'être\n");
}

#[test]
fn lines_keep_their_endings_and_foreign_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("in.txt");
    let mut input: Vec<u8> = Vec::new();
    input.extend_from_slice("clean ascii\r\n".as_bytes());
    input.extend_from_slice("DivisÃ£o - SÃ©rie F > Classificação\n".as_bytes());
    input.extend_from_slice(b"latin-1 bytes \xe9t\xe9 stay\n");
    input.extend_from_slice("NESTLÉ® and naïve café\n".as_bytes());
    input.extend_from_slice("â€œquotedâ€\u{9D} at the end without newline".as_bytes());
    std::fs::write(&file, &input).unwrap();
    let mut expected: Vec<u8> = Vec::new();
    expected.extend_from_slice("clean ascii\r\n".as_bytes());
    expected.extend_from_slice("Divisão - Série F > Classificação\n".as_bytes());
    expected.extend_from_slice(b"latin-1 bytes \xe9t\xe9 stay\n");
    expected.extend_from_slice("NESTLÉ® and naïve café\n".as_bytes());
    expected.extend_from_slice("“quoted” at the end without newline".as_bytes());
    tool()
        .arg("text")
        .arg(&file)
        .assert()
        .success()
        .stdout(expected);
}

#[test]
fn check_reports_file_and_line_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean.txt");
    let bad = tmp.path().join("bad.txt");
    std::fs::write(&clean, "Ångström\nnaïve café\n").unwrap();
    std::fs::write(&bad, "fine\nLe Vigne di Zam√≤\n").unwrap();
    tool().arg("check").arg(&clean).assert().code(0).stdout("");
    tool()
        .arg("check")
        .arg(&clean)
        .arg(&bad)
        .assert()
        .code(1)
        .stdout(format!(
            "{}:2: Le Vigne di Zam√≤ -> Le Vigne di Zamò\n",
            bad.display()
        ));
    tool()
        .args(["check", "-q"])
        .arg(&bad)
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn explain_shows_each_layer() {
    tool()
        .args([
            "explain",
            "The Mona Lisa doesnÃƒÂ¢Ã¢â€šÂ¬Ã¢â€žÂ¢t have eyebrows.",
        ])
        .assert()
        .success()
        .stdout(contains(
            "1. decoded as UTF-8 after encoding back to windows-1252",
        ))
        .stdout(contains("-> The Mona Lisa doesn’t have eyebrows."));
    let out = tool()
        .args(["explain", "--json", "Raison D'‚àö‚Ñ¢tre"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let steps: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["encoding"], "macintosh");
    assert_eq!(steps[1]["after"], "Raison D'être");
    tool()
        .args(["explain", "Ελληνικά"])
        .assert()
        .success()
        .stdout(contains("no mojibake found"));
}

#[test]
fn nfc_is_opt_in() {
    let nfd = "Cafe\u{301}\n";
    tool().arg("text").write_stdin(nfd).assert().stdout(nfd);
    tool()
        .args(["text", "--nfc"])
        .write_stdin(nfd)
        .assert()
        .stdout("Café\n");
}

/// Issue #28 point 4: `--only-from` is the blindfold `--from` used to be;
/// `--from` is a preference that leaves other damage to its own best
/// reading and clean text as it is.
#[test]
fn only_from_restricts_the_candidates_and_from_prefers() {
    // Only windows-1252 considered: the MacRoman damage is left alone.
    tool()
        .args(["text", "--only-from", "cp1252"])
        .write_stdin("r√©gime\nrÃ©gime\n")
        .assert()
        .stdout("r√©gime\nrégime\n");
    // Preferred, not alone: both repaired; UTF-8 read as Latin-1 is still
    // read as Latin-1 (`doesnâ\x80\x99t`), clean text stays.
    tool()
        .args(["text", "--from", "cp437"])
        .write_stdin("r√©gime\nrÃ©gime\ndoesn\u{e2}\u{80}\u{99}t\nÅngström\n")
        .assert()
        .stdout("régime\nrégime\ndoesn’t\nÅngström\n");
    for flag in ["--from", "--only-from"] {
        tool()
            .args(["text", flag, "klingon"])
            .write_stdin("x")
            .assert()
            .code(2)
            .stderr(contains(format!(
                "mojibake-fix: {flag} klingon: unknown encoding"
            )));
    }
}

#[test]
fn unreadable_input_is_an_error() {
    tool()
        .args(["text", "/nonexistent/input.txt"])
        .assert()
        .code(3)
        .stderr(contains(
            "mojibake-fix: reading /nonexistent/input.txt: No such file",
        ));
}

#[test]
fn works_in_a_pipeline_that_closes_early() {
    let bin = assert_cmd::cargo::cargo_bin("mojibake-fix");
    let script = format!(
        "yes 'rÃ©gime Ã  la carte' | head -n 200000 | {} text | head -n 1; exit ${{PIPESTATUS[2]}}",
        bin.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "régime à la carte\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue #12 point 10: `text --from` with each newer code page's name
/// repairs UTF-8 read as it, and only that.
#[test]
fn text_from_each_newer_code_page() {
    for (name, damaged, fixed) in [
        (
            "cp852",
            "P┼Ö├şli┼í ┼żlu┼ąou─Źk├Ż k┼»┼ł",
            "Příliš žluťoučký kůň",
        ),
        ("cp866", "╨б╤К╨╡╤И╤М ╨╢╨╡ ╨╡╤Й╤С", "Съешь же ещё"),
        ("koi8-r", "п║я┼п╣я┬я▄ п╤п╣ п╣я┴я▒", "Съешь же ещё"),
        ("koi8-u", "п║я┼п╣я┬я▄ пІп╣ п╣я┴я▒", "Съешь же ещё"),
        (
            "iso-8859-5",
            "аЁб\u{8a}аЕб\u{88}б\u{8c} аЖаЕ аЕб\u{89}б\u{91}",
            "Съешь же ещё",
        ),
        ("shift_jis", "蜊ｰ蛻ｷ(_P)", "印刷(_P)"),
        ("gbk", "椤圭洰", "项目"),
        ("euc-kr", "(訝띷삇)", "(不明)"),
    ] {
        tool()
            .args(["text", "--from", name])
            .write_stdin(format!("{damaged}\n"))
            .assert()
            .success()
            .stdout(format!("{fixed}\n"));
    }
    // With --only-from, another code page's damage is left alone.
    tool()
        .args(["text", "--only-from", "gbk"])
        .write_stdin("caf\u{c3}\u{a9}\n")
        .assert()
        .success()
        .stdout("caf\u{c3}\u{a9}\n");
}

/// Issue #28 points 5 and 7 as the issue saw them: a closing quote that lost
/// its third byte before a space is the quote (never a dagger), and stacked
/// marks (Vietnamese, Latin Extended-A) read as windows-1252 are repaired.
#[test]
fn a_lost_third_byte_and_stacked_marks() {
    tool()
        .arg("text")
        .write_stdin("â€œquotedâ€ â€“ then\nThá»© hai\nAtyraÅ«\n")
        .assert()
        .success()
        .stdout("“quoted” – then\nThứ hai\nAtyraū\n");
}
