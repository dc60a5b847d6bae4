//! The false-fix corpus and the damage corpus (tests/data/mojibake-*.tsv,
//! rebuilt by tests/data/mojibake-corpus-gen.py; sources in
//! tests/data/mojibake-corpus.README.md).
//!
//! Clean text written by people, in every script, must come out unchanged:
//! a false fix renames a correct file into garbage. The same text run through
//! real encoders must be repaired at least as often as today (a ratchet:
//! raise the numbers when the repair improves, never lower them).

use adminkit::mojibake::Repairer;
use std::collections::BTreeMap;
use testkit::mojibake::read_tsv;

/// Damaged lines repaired exactly; raise it when the repair improves.
const DAMAGE_REPAIRED: usize = 2750;
/// Damaged lines changed into something else than the original; lower it.
const DAMAGE_WRONG: usize = 28;

#[test]
fn clean_text_in_every_script_is_never_changed() {
    let repairer = Repairer::default();
    let rows = read_tsv("mojibake-clean.tsv");
    assert!(rows.len() > 5000, "corpus too small: {}", rows.len());
    let mut false_fixes = Vec::new();
    for row in &rows {
        let text = &row["text"];
        let got = repairer.repair(text);
        if got != *text {
            false_fixes.push(format!(
                "{} {}: {text:?}\n     -> {got:?}",
                row["lang"], row["source"]
            ));
        }
    }
    eprintln!(
        "clean corpus: {} lines, {} false fixes",
        rows.len(),
        false_fixes.len()
    );
    assert!(
        false_fixes.is_empty(),
        "{} false fixes:\n{}",
        false_fixes.len(),
        false_fixes.join("\n")
    );
}

#[test]
fn damaged_text_is_repaired_and_the_count_never_drops() {
    let repairer = Repairer::default();
    let rows = read_tsv("mojibake-damaged.tsv");
    // chain -> (repaired, unchanged, wrong)
    let mut by_chain: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    let (mut repaired, mut wrong) = (0, 0);
    for row in &rows {
        let got = repairer.repair(&row["damaged"]);
        let slot = by_chain.entry(row["chain"].as_str()).or_default();
        if got == row["original"] {
            repaired += 1;
            slot[0] += 1;
        } else if got == row["damaged"] {
            slot[1] += 1;
        } else {
            wrong += 1;
            slot[2] += 1;
            eprintln!(
                "WRONG {} {}: {:?}\n   got {got:?}\n  want {:?}",
                row["lang"], row["chain"], row["damaged"], row["original"]
            );
        }
    }
    for (chain, [ok, same, bad]) in &by_chain {
        eprintln!("{chain:>28}: {ok:4} repaired, {same:4} unchanged, {bad:4} wrong");
    }
    eprintln!(
        "damage corpus: {repaired}/{} repaired (ratchet {DAMAGE_REPAIRED}), {wrong} wrong (ratchet {DAMAGE_WRONG})",
        rows.len()
    );
    assert!(
        repaired >= DAMAGE_REPAIRED,
        "repairs dropped: {repaired} < {DAMAGE_REPAIRED}"
    );
    assert!(
        wrong <= DAMAGE_WRONG,
        "wrong repairs rose: {wrong} > {DAMAGE_WRONG}"
    );
}

/// Issue #12 point 6: Cyrillic damage through the DOS and KOI8 code pages
/// is repaired whole or left as it is, never half repaired.
#[test]
fn cyrillic_code_page_damage_is_repaired_whole_or_left_alone() {
    let repairer = Repairer::default();
    let mut repaired = 0;
    for row in read_tsv("mojibake-damaged.tsv") {
        if !["cp866", "iso-8859-5", "koi8-r", "koi8-u"].contains(&row["chain"].as_str()) {
            continue;
        }
        let got = repairer.repair(&row["damaged"]);
        assert!(
            got == row["original"] || got == row["damaged"],
            "{} half repaired: {:?} -> {got:?}",
            row["chain"],
            row["damaged"]
        );
        repaired += usize::from(got == row["original"]);
    }
    assert!(repaired >= 187, "{repaired}");
}

/// The Windows zip repair (Shift_JIS names unpacked as cp437/cp850) never
/// takes a clean line for one.
#[test]
fn no_clean_line_is_taken_for_an_unzipped_shift_jis_name() {
    for row in read_tsv("mojibake-clean.tsv") {
        let text = &row["text"];
        for encoding in [
            encoding_rs::SHIFT_JIS,
            encoding_rs::GBK,
            encoding_rs::BIG5,
            encoding_rs::EUC_KR,
        ] {
            assert_eq!(
                adminkit::mojibake::cjk::dos_unzipped(text, encoding),
                None,
                "{} {text:?} as {}",
                row["lang"],
                encoding.name()
            );
        }
    }
}

/// Issue #12 point 10: every clean line of the corpus (all scripts), as
/// UTF-8 read by encoding_rs as each newer code page, strictly (a line with
/// a byte the code page leaves undefined is no such damage). A ratchet per
/// code page: (name, repaired at least, wrong at most). The East Asian
/// misreads are repaired only when the result is CJK, and never wrongly.
const NEWER_CODE_PAGES: [(&encoding_rs::Encoding, usize, usize); 8] = [
    (encoding_rs::SHIFT_JIS, 78, 0),
    (encoding_rs::GBK, 194, 0),
    (encoding_rs::BIG5, 1, 0),
    (encoding_rs::EUC_KR, 27, 0),
    (encoding_rs::IBM866, 9325, 15),
    (encoding_rs::KOI8_R, 9428, 14),
    (encoding_rs::KOI8_U, 8928, 15),
    (encoding_rs::ISO_8859_5, 7751, 31),
];

#[test]
fn the_clean_corpus_read_as_each_newer_code_page_is_repaired() {
    let repairer = Repairer::default();
    let rows = read_tsv("mojibake-clean.tsv");
    for (encoding, min_repaired, max_wrong) in NEWER_CODE_PAGES {
        let (mut damaged, mut repaired, mut wrong) = (0, 0, 0);
        for row in &rows {
            let text = &row["text"];
            let Some(bad) =
                encoding.decode_without_bom_handling_and_without_replacement(text.as_bytes())
            else {
                continue;
            };
            if bad == *text {
                continue;
            }
            damaged += 1;
            let got = repairer.repair(&bad);
            if got == *text {
                repaired += 1;
            } else if got != bad {
                wrong += 1;
                eprintln!(
                    "WRONG {} {}: {bad:?} -> {got:?}",
                    encoding.name(),
                    row["lang"]
                );
            }
        }
        let name = encoding.name();
        eprintln!("{name:>10}: {repaired}/{damaged} repaired, {wrong} wrong");
        assert!(
            repaired >= min_repaired,
            "{name}: {repaired} < {min_repaired}"
        );
        assert!(wrong <= max_wrong, "{name}: {wrong} > {max_wrong}");
    }
}
