//! ftfy 6.3.1's own test cases (tests/data/ftfy-cases.tsv): every case the
//! data says must stay unchanged stays unchanged, and the number of cases
//! right never drops below what the repair reaches today (ftfy: 151/161).

use adminkit::mojibake::Repairer;
use std::path::Path;

/// The score reached; raise it when the repair improves.
const CASES_RIGHT: usize = 155;

/// Undoes the TSV escaping: `\\`, `\t`, `\n`, `\r` and `\u{HEX}`.
fn unescape(field: &str) -> String {
    let mut out = String::new();
    let mut chars = field.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('u') => {
                assert_eq!(chars.next(), Some('{'), "bad escape in {field}");
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let code = u32::from_str_radix(&hex, 16).expect("hex escape");
                out.push(char::from_u32(code).expect("valid code point"));
            }
            other => panic!("unknown escape \\{other:?} in {field}"),
        }
    }
    out
}

struct Case {
    id: String,
    original: String,
    expected: String,
    expects_fix: bool,
}

fn cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ftfy-cases.tsv");
    let text = std::fs::read_to_string(&path).expect("reading ftfy-cases.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (id, original, expected, fix) = (
        col("id"),
        col("original"),
        col("expected"),
        col("expects_fix"),
    );
    lines
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            Case {
                id: f[id].to_string(),
                original: unescape(f[original]),
                expected: unescape(f[expected]),
                expects_fix: f[fix] == "yes",
            }
        })
        .collect()
}

#[test]
fn ftfy_cases() {
    let repairer = Repairer::default();
    let cases = cases();
    assert_eq!(cases.len(), 161);
    let mut right = 0;
    let mut damaged_negatives = Vec::new();
    for case in &cases {
        let got = repairer.repair(&case.original);
        if got == case.expected {
            right += 1;
        } else {
            eprintln!(
                "MISS {}: {:?}\n   got {:?}\n  want {:?}",
                case.id, case.original, got, case.expected
            );
            if !case.expects_fix {
                damaged_negatives.push(case.id.clone());
            }
        }
    }
    eprintln!(
        "ftfy cases right: {right}/{} (ftfy itself: 151/161)",
        cases.len()
    );
    assert!(
        damaged_negatives.is_empty(),
        "changed text that must stay: {damaged_negatives:?}"
    );
    assert!(
        right >= CASES_RIGHT,
        "score dropped: {right} < {CASES_RIGHT}"
    );
}
