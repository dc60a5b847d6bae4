//! ftfy 6.3.1's own test cases (tests/data/ftfy-cases.tsv): every case the
//! data says must stay unchanged stays unchanged, and the number of cases
//! right never drops below what the repair reaches today (ftfy: 151/161).

use adminkit::mojibake::Repairer;
use testkit::mojibake::read_tsv;

/// The score reached; raise it when the repair improves.
const CASES_RIGHT: usize = 158;

struct Case {
    id: String,
    original: String,
    expected: String,
    expects_fix: bool,
}

fn cases() -> Vec<Case> {
    read_tsv("ftfy-cases.tsv")
        .into_iter()
        .map(|mut row| Case {
            id: row.remove("id").expect("id"),
            original: row.remove("original").expect("original"),
            expected: row.remove("expected").expect("expected"),
            expects_fix: row["expects_fix"] == "yes",
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
