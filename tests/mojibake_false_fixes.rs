//! Clean text that looks like mojibake stays as it is (issue #12, points
//! 1-6), with the exact inputs of the issue.

use adminkit::mojibake::Repairer;

fn fix(s: &str) -> String {
    Repairer::default().repair(s).into_owned()
}

fn assert_unchanged(s: &str) {
    assert_eq!(fix(s), s, "{s:?} must stay as it is");
}

#[test]
fn capitals_with_an_accent_before_apostrophe_s_stay() {
    // point 1
    assert_unchanged("ZO\u{CB}\u{2019}S PARTY.jpg");
    assert_unchanged("PODNIECA\u{106}\u{2019}S");
    assert_unchanged("CONSOLIDAT\u{102}\u{2019}S");
    assert_unchanged("Zo\u{EB}\u{2019}s party.jpg");
}

#[test]
fn a_question_mark_after_an_accented_capital_is_no_lost_byte() {
    // point 2
    let got = fix("POR QU\u{C9}? Caf\u{C3}\u{A9}");
    assert_eq!(got, "POR QUÉ? Café");
    assert!(!got.contains('\u{FFFD}'));
    assert_unchanged("POR QU\u{C9}?");
    assert_unchanged("AMANH\u{C3}? Caf\u{E9}");
}

#[test]
fn greek_and_cyrillic_capitals_next_to_a_symbol_stay() {
    // point 3
    assert_unchanged(
        "\u{391}\u{394}\u{399}\u{39A}\u{39F}\u{38E}\u{39C}\u{395}\u{39D}\u{39F}\u{2026}",
    );
    assert_unchanged("\u{423}\u{412}\u{406}\u{420}\u{42F}\u{412}\u{AE}");
    // All-capital Ukrainian, Serbian and Kazakh from the translation catalogs.
    for clean in [
        "НА ВІДПОВІДНУ КЛАВІШУ У РОЗКЛАДЦІ QWERTY",
        "ДВІЙКОВІ ФАЙЛИ %S ТА %S ВІДРІЗНЯЮТЬСЯ",
        "ПОТРЕБНО ЈЕ ПОТВРЂИВАЊЕ ИДЕНТИТЕТА ЗА НЕПОВЕРЉИВОГ СОФТВЕРА",
        "УНОСИ „A-НАТПИС“ И „U-НАТПИС“ СЕ НЕ ПОДУДАРАЈУ",
        "%S СИМВОЛДЫҚ СІЛТЕМЕСІН ЖАСАУ ҚАТЕСІ: %S",
        "ΚΑΘΗΛΩΜΈΝΑ ΠΑΚΈΤΑ:",
        "з %s МіБ до %s МіБ, щоб",
    ] {
        assert_unchanged(clean);
    }
}

#[test]
fn an_accented_letter_and_an_em_dash_do_not_become_cjk() {
    // point 4
    assert_unchanged("odbija\u{10D}\u{2014}\u{17E}alopojka");
}

#[test]
fn catalan_middle_dot_is_text() {
    // point 5
    assert_eq!(
        fix("col\u{B7}lecci\u{F3} r\u{C3}\u{A9}sum\u{C3}\u{A9}"),
        "col·lecció résumé"
    );
    assert_eq!(
        fix("reinstal\u{252C}\u{2556}lar\u{251C}\u{E1}"),
        "reinstal·larà"
    );
    assert_unchanged("col·lecció i paral·lel");
}
