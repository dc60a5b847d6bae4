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

#[test]
fn a_line_that_cannot_be_repaired_whole_is_left_alone() {
    // point 6: KOI8-U as Python writes it has bytes encoding_rs reads
    // otherwise; the words that would come out half decoded stay.
    let koi8 = "п²п╣ я┐пЄп╟п╩п╬я│я▄";
    assert_unchanged(koi8);
}

#[test]
fn one_broken_word_next_to_correct_accented_words_is_fixed() {
    // point 7
    assert_eq!(fix("caf\u{C3}\u{A9} cr\u{E8}me"), "café crème");
    assert_eq!(fix("M\u{C3}\u{BC}ller Stra\u{DF}e 5"), "Müller Straße 5");
    assert_eq!(fix("Jos\u{E9} Garc\u{C3}\u{AD}a"), "José García");
    assert_eq!(fix("må vÃ¦re"), "må være");
    assert_eq!(
        fix("Blokkstørrelse må vÃ¦re delbart på %d."),
        "Blokkstørrelse må være delbart på %d."
    );
}

#[test]
fn cyrillic_dos_koi8_and_iso_code_pages_are_candidates() {
    // point 10: UTF-8 Russian read as each of them, and `--from` names.
    let text = "Съешь же ещё этих мягких французских булок";
    for (name, encoding) in [
        ("cp866", encoding_rs::IBM866),
        ("koi8-r", encoding_rs::KOI8_R),
        ("koi8-u", encoding_rs::KOI8_U),
        ("iso-8859-5", encoding_rs::ISO_8859_5),
    ] {
        let (damaged, _, lossy) = encoding.decode(text.as_bytes());
        assert!(!lossy, "{name}");
        assert_eq!(fix(&damaged), text, "{name}: {damaged}");
        let only = adminkit::mojibake::codepages::Codepage::from_name(name).expect(name);
        assert_eq!(Repairer::only(only).repair(&damaged), text, "--from {name}");
    }
    // cp852: Czech UTF-8 read in a Central European DOS box.
    assert_eq!(fix("P┼Ö├şli┼í ┼żlu┼ąou─Źk├Ż k┼»┼ł"), "Příliš žluťoučký kůň");
}

#[test]
fn utf8_read_as_east_asian_code_pages_is_repaired() {
    // point 10: lines of the clean corpus as UTF-8 read by encoding_rs as
    // each multi-byte code page, by default and with `--from`.
    for (name, encoding, texts) in [
        (
            "shift_jis",
            encoding_rs::SHIFT_JIS,
            ["印刷(_P)", "シエンフエゴス"],
        ),
        ("gbk", encoding_rs::GBK, ["项目", "다시 읽기(_R)"]),
        ("big5", encoding_rs::BIG5, ["XFig 그림", "XFig 그림"]),
        ("euc-kr", encoding_rs::EUC_KR, ["prc1 封筒", "(不明)"]),
    ] {
        let from = adminkit::mojibake::cjk::from_name(name).expect(name);
        for text in texts {
            let damaged = encoding
                .decode_without_bom_handling_and_without_replacement(text.as_bytes())
                .expect("every byte defined");
            assert_eq!(fix(&damaged), text, "{name}: {damaged}");
            assert_eq!(
                Repairer::only_east_asian(from).repair(&damaged),
                text,
                "--from {name}"
            );
        }
    }
    // Clean CJK stays.
    for clean in [
        "项目",
        "日本語のファイル名「報告書」.docx",
        "한국어 파일 이름.hwp",
        "無效的向後引用",
    ] {
        assert_unchanged(clean);
    }
}

/// UTF-8 bytes of `s` read as Mac OS Roman `layers` times.
fn mac_roman(s: &str, layers: usize) -> String {
    let cp = adminkit::mojibake::codepages::Codepage::MacRoman;
    (0..layers).fold(s.to_string(), |acc, _| {
        cp.decode_bytes(acc.as_bytes())
            .expect("Mac OS Roman has every byte")
    })
}

#[test]
fn damage_that_was_never_detected_is_repaired() {
    // point 8
    assert_eq!(fix("M\u{251C}\u{255D}nchen.txt"), "München.txt");
    assert_eq!(fix("K\u{251C}\u{2562}ln.jpg"), "Köln.jpg");
    assert_eq!(fix("\u{F8FF}\u{FC}\u{E9}\u{E2}"), "🎉");
    assert_eq!(
        fix("Ti\u{B7}\u{222B}\u{F8}ng Vi\u{B7}\u{AA}\u{E1}t"),
        "Tiếng Việt"
    );
    assert_eq!(fix("Pawe\u{C5}\u{201A}.txt"), "Paweł.txt");
    assert_eq!(fix("\u{C4}\u{152}apek.txt"), "Čapek.txt");
    assert_eq!(
        fix("Zo\u{C3}\u{AB}\u{E2}\u{20AC}\u{2122}s Ti\u{E1}\u{BA}\u{BF}ng Vi\u{E1}\u{BB}\u{2021}t"),
        "Zoë’s Tiếng Việt"
    );
    assert_eq!(
        fix("Muzicolog\u{C3}\u{201E}\u{C6}\u{2019} \u{C3}\u{192}\u{C2}\u{AE}n"),
        "Muzicologă în"
    );
    // Mac OS Roman of CJK, emoji and Vietnamese, one to three layers.
    for clean in [
        "日本語のファイル.txt",
        "🎉 party",
        "Tiếng Việt",
        "中文文件名.pdf",
    ] {
        for layers in 1..=3 {
            let damaged = mac_roman(clean, layers);
            assert_eq!(fix(&damaged), clean, "{layers} layer(s): {damaged}");
        }
    }
}

#[test]
fn the_code_page_whose_result_is_plausible_text_wins() {
    // point 9: cp850 over cp437, cp1257 over windows-1250, and per segment
    // over a whole line read as Mac OS Roman.
    assert_eq!(fix("dr\u{253C}\u{A5}i"), "drži");
    assert_eq!(fix("g\u{106}\u{A9}odynamiques"), "géodynamiques");
    assert_eq!(
        fix("S\u{C3}\u{A3}o Paulo / Informa\u{221A}\u{DF}\u{221A}\u{A3}o"),
        "São Paulo / Informação"
    );
    // Esperanto and NFD text keep their letters.
    assert_unchanged("Ĉiuĵaŭde ŝi manĝas");
    assert_unchanged("Cafe\u{301} cre\u{300}me");
}
