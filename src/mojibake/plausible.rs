//! How unlike real text a reading of some bytes is: the measure that picks
//! the legacy code page a name or a line was really written in, among
//! readings of the same bytes. Lower is more plausible.
//!
//! Where `badness` looks for the traces of UTF-8 read as a code page, this
//! scores what each reading of legacy bytes looks like: letters of the
//! reading's own script are cheap (Cyrillic and Greek by how often each
//! letter is used; kana, hanzi and hangul by whether the language's
//! catalogs use them), while control characters, box drawing, symbols
//! inside words, punctuation glued where nobody types it, a capital after a
//! small letter, letters of two scripts glued together, a lone letter of
//! another alphabet, accented letters no one language has together
//! (`Meksièke Države`) and long runs of accented Latin letters (`Ïðèâåò` is
//! `Привет` read as Latin-1) cost.

use super::cjk_common;
use super::letters::{alphabetic, glued_runs};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// A control character, a lost byte or a private-use one.
const CONTROL: u32 = 20;
/// Box drawing and block elements.
const BOX: u32 = 8;
/// Letters of two scripts glued together (`Mьller`).
const SCRIPT_MIX: u32 = 6;
/// A capital right after a small letter, one of them not ASCII (`JÇrÇmy`).
const CAPITAL_AFTER_SMALL: u32 = 4;
/// Each accented Latin letter past the second of a run of them.
const LATIN_RUN: u32 = 3;
/// A Greek word with two accents, or a final sigma inside a word.
const GREEK: u32 = 6;
/// Each symbol of a run of them glued between letters (`Îò÷¸ò`): a word
/// has letters, not symbols, inside.
const GLUED_RUN: u32 = 3;

/// What runs of two symbols or more glued between letters add.
fn glued_symbols(chars: &[char]) -> u32 {
    let symbol = |c: char| !c.is_ascii() && !alphabetic(c) && !c.is_whitespace();
    glued_runs(chars, symbol)
        .filter(|&run| run >= 2)
        .map(|run| GLUED_RUN * run as u32)
        .sum()
}

/// A capital between a letter and a small letter.
const INNER_CAPITAL: u32 = 3;

/// What makes a Greek word implausible: two accents, a final sigma inside
/// it or a plain sigma at its end, no accent on a small word of three
/// letters or more.
#[derive(Default)]
struct GreekWord {
    letters: u32,
    small: bool,
    accents: u32,
    last: Option<char>,
    cost: u32,
}

impl GreekWord {
    fn push(&mut self, c: char, next: Option<char>) {
        self.letters += 1;
        self.small |= c.is_lowercase();
        if "άέήίόύώΆΈΉΊΌΎΏΐΰ".contains(c) {
            self.accents += 1;
            if self.accents > 1 {
                self.cost += GREEK;
            }
        }
        if c == 'ς' && next.is_some_and(alphabetic) {
            self.cost += GREEK;
        }
        self.last = Some(c);
    }

    fn cost(&self) -> u32 {
        let mut cost = self.cost;
        if self.small && self.letters >= 3 && self.accents == 0 {
            cost += GREEK;
        }
        if self.last == Some('σ') {
            cost += GREEK;
        }
        cost
    }
}

/// Each letter of an alphabet the text has at most half as many of as of
/// another (`Séamus α Ciardhuáin`).
const MINORITY: u32 = 4;
/// Each accented Latin letter that the language most of them fit lacks.
const MIXED_LANGUAGES: u32 = 5;

/// The script a letter belongs to, as far as gluing goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    /// Kana and CJK ideographs: Japanese mixes them.
    Cjk,
    Hangul,
    Hebrew,
    Arabic,
    Other,
}

/// The language whose frequent characters a CJK reading is held to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum CjkLanguage {
    Japanese,
    SimplifiedChinese,
    TraditionalChinese,
    Korean,
}

fn common(language: CjkLanguage) -> &'static HashSet<char> {
    static SETS: OnceLock<[HashSet<char>; 4]> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        [
            cjk_common::JA,
            cjk_common::ZH_HANS,
            cjk_common::ZH_HANT,
            cjk_common::KO,
        ]
        .map(|chars| chars.chars().collect())
    });
    &sets[language as usize]
}

/// The cost of `text` read as a legacy encoding, with kana, hanzi and
/// hangul held to `language`'s frequent characters (any when None).
pub(crate) fn cost(text: &str, language: Option<CjkLanguage>) -> u32 {
    let chars: Vec<char> = text.chars().collect();
    let mut total = 0;
    let mut latin_run = 0;
    let mut letters = [0u32; 8];
    // For each language, how many of the accented Latin letters it has.
    let mut fitting = [0u32; LANGUAGES];
    let mut accented = 0u32;
    let mut greek = GreekWord::default();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        total += char_cost(c, prev, next, language);
        let sc = script(c);
        if !alphabetic(c) {
            latin_run = 0;
            total += std::mem::take(&mut greek).cost();
            continue;
        }
        // ASCII words (an extension, a brand) go with any script.
        if !c.is_ascii() {
            letters[sc as usize] += 1;
        }
        if sc == Script::Latin && !c.is_ascii() {
            // (A letter said again is no new one: `ééé`, whatever script.)
            if prev != Some(c) {
                latin_run += 1;
                if latin_run > 2 {
                    total += LATIN_RUN;
                }
            }
            if let Some(mask) = languages(c) {
                accented += 1;
                for (l, count) in fitting.iter_mut().enumerate() {
                    *count += (mask >> l) & 1;
                }
            }
        } else {
            latin_run = 0;
        }
        if sc == Script::Greek {
            greek.push(c, next);
        }
        // The same letter three times and more.
        if !c.is_ascii() && prev == Some(c) && i >= 2 && chars[i - 2] == c {
            total += LATIN_RUN;
        }
        // A capital inside a word, before small letters (`TŠrras`).
        if c.is_uppercase()
            && !c.is_ascii()
            && prev.is_some_and(alphabetic)
            && next.is_some_and(char::is_lowercase)
        {
            total += INNER_CAPITAL;
        }
        if let Some(p) = prev.filter(|&p| alphabetic(p)) {
            let sp = script(p);
            if sp != sc && sp != Script::Other && sc != Script::Other {
                // A Latin word with a CJK one is a file name often enough.
                let cjk_latin = matches!(
                    (sp, sc),
                    (Script::Latin, Script::Cjk) | (Script::Cjk, Script::Latin)
                );
                total += if cjk_latin {
                    SCRIPT_MIX / 2
                } else {
                    SCRIPT_MIX
                };
            }
            if c.is_uppercase() && p.is_lowercase() && !(c.is_ascii() && p.is_ascii()) {
                total += CAPITAL_AFTER_SMALL;
            }
        }
    }
    total += greek.cost() + glued_symbols(&chars);
    let alphabets = [Script::Latin, Script::Greek, Script::Cyrillic].map(|s| letters[s as usize]);
    let most = alphabets.iter().copied().max().unwrap_or(0);
    for &count in &alphabets {
        if count > 0 && most >= 2 * count {
            total += MINORITY * count;
        }
    }
    let consistent = fitting.iter().copied().max().unwrap_or(0);
    total + MIXED_LANGUAGES * accented.saturating_sub(consistent)
}

/// A letter of the Latin script (ASCII or not).
pub(crate) fn is_latin(c: char) -> bool {
    script(c) == Script::Latin
}

fn script(c: char) -> Script {
    match c {
        'A'..='Z' | 'a'..='z' | '\u{C0}'..='\u{24F}' | '\u{1E00}'..='\u{1EFF}' => Script::Latin,
        '\u{370}'..='\u{3FF}' | '\u{1F00}'..='\u{1FFF}' => Script::Greek,
        '\u{400}'..='\u{52F}' => Script::Cyrillic,
        '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' => Script::Cjk,
        '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' => {
            Script::Hangul
        }
        '\u{5D0}'..='\u{5EA}' => Script::Hebrew,
        '\u{620}'..='\u{64A}' | '\u{671}'..='\u{6D3}' => Script::Arabic,
        _ => Script::Other,
    }
}

fn char_cost(
    c: char,
    prev: Option<char>,
    next: Option<char>,
    language: Option<CjkLanguage>,
) -> u32 {
    let between_letters = prev.is_some_and(alphabetic) && next.is_some_and(alphabetic);
    match c {
        '\0'..='\u{7F}' if c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r') => CONTROL,
        '\0'..='\u{7F}' => 0,
        '\u{80}'..='\u{9F}' | '\u{FFFD}' | '\u{E000}'..='\u{F8FF}' => CONTROL,
        '\u{A0}' => 2,
        '‘' | '’' | '“' | '”' | '«' | '»' | '–' | '—' | '…' | '·' | '•' | '„' | '‚' | '‹' | '›' => {
            punctuation_cost(c, prev, next)
        }
        '\u{2500}'..='\u{259F}' => BOX,
        // Symbols of the code pages' upper halves: rare in names, rarer
        // inside a word.
        '\u{A1}'..='\u{BF}' | '×' | '÷' | '€' | '™' | '†' | '‡' | '‰' | 'ˆ' | '˜' | 'ƒ' | '№' => {
            if between_letters {
                6
            } else {
                3
            }
        }
        '\u{2190}'..='\u{23FF}' | '\u{25A0}'..='\u{25FF}' | 'ⁿ' | '₧' => 6,
        'а'..='я' | 'А'..='Я' | 'ё' | 'Ё' | 'Ѐ'..='Џ' | 'ѐ'..='џ' | 'Ґ' | 'ґ' => {
            cyrillic_cost(c)
        }
        'α'..='ω' | 'Α'..='Ω' | 'ά'..='ώ' | 'Ά'..='Ώ' | 'ΐ' => greek_cost(c),
        '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7A3}' => cjk_cost(c, language),
        // The CJK extensions beyond the first plane: rare in any name.
        '\u{20000}'..='\u{3FFFF}' => 10,
        // Halfwidth katakana: Shift_JIS's single bytes, rare in names.
        '\u{FF61}'..='\u{FF9F}' => 6,
        // Fullwidth forms and CJK punctuation.
        '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF60}' => 2,
        _ if alphabetic(c) && script(c) == Script::Latin => latin_cost(c),
        _ if alphabetic(c) => 4,
        // Combining marks: an NFD name's accents.
        '\u{300}'..='\u{36F}' => 2,
        _ => 4,
    }
}

/// Punctuation people type, where they type it: a quote opens or closes a
/// word, a dash stands between words, an apostrophe and a middle dot sit
/// inside one (`d’Ivoire`, `l·l`). Glued anywhere else it is a misread.
fn punctuation_cost(c: char, prev: Option<char>, next: Option<char>) -> u32 {
    // (Quotes open and close either way round: „German“, »Danish«, ”Swedish”.)
    let word = |x: Option<char>| x.is_some_and(char::is_alphanumeric);
    let fits = match c {
        '’' => true,
        '·' => word(prev) && word(next),
        _ => !word(prev) || !word(next),
    };
    if fits { 1 } else { 5 }
}

/// Accented Latin letters: the ones many languages use cheapest, the ones
/// only a few use (`ð`, `þ`) dearer, the ones of no language dearest.
fn latin_cost(c: char) -> u32 {
    // (Esperanto's letters are rare, but a language's.)
    if languages(c).is_none() && super::badness::is_rare_latin(c) {
        return 6;
    }
    let lower = if c == 'İ' {
        'ı'
    } else {
        c.to_lowercase().next().unwrap_or(c)
    };
    match lower {
        'é' | 'è' | 'à' | 'á' | 'í' | 'ó' | 'ú' | 'ü' | 'ö' | 'ä' | 'ç' | 'ñ' | 'ã' | 'õ' | 'ê'
        | 'â' | 'ô' | 'î' | 'å' | 'ø' | 'æ' | 'ß' | 'ë' | 'ï' | 'ò' | 'ù' | 'ì' | 'ý' | 'ł'
        | 'ą' | 'ę' | 'ś' | 'ż' | 'ź' | 'ć' | 'ń' | 'č' | 'š' | 'ž' | 'ř' | 'ě' | 'ů' | 'ň'
        | 'đ' | 'ı' | 'ğ' | 'ş' | 'ă' | 'ț' | 'ș' | 'ţ' | 'ő' | 'ű' => 1,
        'ð' | 'þ' | 'ÿ' | 'ĳ' => 3,
        _ => 2,
    }
}

/// The languages of the Latin alphabet told apart by their accented letters.
const LANGUAGES: usize = 27;

/// The accented letters of each language (lowercase).
const LANGUAGE_LETTERS: [&str; LANGUAGES] = [
    "àâæçéèêëîïôœùûüÿ",  // French
    "äöüß",              // German
    "áéíóúñü",           // Spanish
    "áâãàçéêíóôõúü",     // Portuguese
    "àèéìíîòóùú",        // Italian
    "àçèéíïòóúü",        // Catalan
    "éëïöüèáóú",         // Dutch
    "åäöé",              // Swedish
    "æøåéóô",            // Danish, Norwegian
    "äöåšž",             // Finnish
    "áðéíóúýþæö",        // Icelandic
    "áðíóúýæø",          // Faroese
    "ąćęłńóśźż",         // Polish
    "áčďéěíňóřšťúůýž",   // Czech
    "áäčďéíĺľňóôŕšťúýž", // Slovak
    "áéíóöőúüű",         // Hungarian
    "ăâîșşțţ",           // Romanian
    "čćđšž",             // Croatian, Bosnian, Serbian, Slovene
    "çğıöşüâîû",         // Turkish
    "āčēģīķļņšūž",       // Latvian
    "ąčęėįšųūž",         // Lithuanian
    "äöõüšž",            // Estonian
    "ĉĝĥĵŝŭ",            // Esperanto
    "áéíóú",             // Irish
    "çë",                // Albanian
    "çəğıöşü",           // Azerbaijani
    "áéèêëíîïóôöúûüý",   // Afrikaans
];

/// Which languages write the accented Latin letter `c` (a bit per entry of
/// [`LANGUAGE_LETTERS`]); None for letters outside the table.
fn languages(c: char) -> Option<u32> {
    static TABLE: OnceLock<HashMap<char, u32>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        for (bit, letters) in LANGUAGE_LETTERS.iter().enumerate() {
            for l in letters.chars() {
                for form in l.to_uppercase().chain(std::iter::once(l)) {
                    *table.entry(form).or_insert(0) |= 1 << bit;
                }
            }
        }
        table.insert('İ', table[&'ı']);
        table
    });
    table.get(&c).copied()
}

/// Russian letter frequencies, as bits below the most frequent (о); the
/// letters of Ukrainian, Belarusian, Serbian and Macedonian as what they
/// are in their own languages, a little dearer.
fn cyrillic_cost(c: char) -> u32 {
    let lower = if c == 'İ' {
        'ı'
    } else {
        c.to_lowercase().next().unwrap_or(c)
    };
    match lower {
        'о' | 'е' | 'а' => 0,
        'и' | 'н' | 'т' | 'с' | 'р' | 'в' | 'л' | 'і' => 1,
        'к' | 'м' | 'д' | 'п' | 'у' | 'я' => 2,
        'ы' | 'ь' | 'г' | 'з' | 'б' | 'ч' | 'й' | 'ї' | 'є' | 'ў' | 'ј' => 3,
        'х' | 'ж' | 'ш' | 'ю' | 'ё' | 'љ' | 'њ' | 'ћ' => 4,
        'ц' | 'щ' | 'э' | 'ф' | 'ґ' | 'ђ' | 'џ' | 'ѓ' | 'ќ' | 'ѕ' => 5,
        'ъ' => 6,
        _ => 7,
    }
}

/// Greek letter frequencies, the same way, a point dearer than Cyrillic:
/// of the two readings Cyrillic bytes give, the Cyrillic one is far the
/// more common.
fn greek_cost(c: char) -> u32 {
    match c.to_lowercase().next().unwrap_or(c) {
        'α' | 'ο' | 'ι' | 'ε' | 'τ' | 'σ' | 'ς' | 'ν' => 1,
        'η' | 'υ' | 'ρ' | 'π' | 'κ' | 'μ' | 'ά' | 'έ' | 'ί' | 'ό' => 2,
        'λ' | 'ω' | 'δ' | 'γ' | 'ή' | 'ύ' | 'ώ' => 3,
        'χ' | 'θ' | 'φ' | 'β' => 4,
        'ξ' | 'ζ' | 'ψ' => 5,
        _ => 7,
    }
}

/// Kana and hangul are cheap in the language that has them; hanzi, kanji
/// and hangul syllables cost more when the language's catalogs never use
/// them (a reading of another encoding's bytes gives rare characters).
fn cjk_cost(c: char, language: Option<CjkLanguage>) -> u32 {
    let kana = matches!(c, '\u{3040}'..='\u{30FF}');
    let hangul = matches!(c, '\u{AC00}'..='\u{D7A3}');
    // A character stands for two bytes here, for one or two elsewhere:
    // even a frequent one costs what two cheap letters do.
    match language {
        None => 3,
        Some(CjkLanguage::Japanese) if kana => 2,
        Some(CjkLanguage::Korean) if hangul && common(CjkLanguage::Korean).contains(&c) => 2,
        Some(CjkLanguage::Korean) if hangul => 7,
        // Korean names are written in hangul; hanja among them are rare.
        Some(CjkLanguage::Korean) => 8,
        Some(_) if kana || hangul => 10,
        Some(l) if common(l).contains(&c) => 3,
        Some(_) => 7,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_reading_costs_least() {
        // Привет in windows-1251, read three ways.
        let bytes = b"\xcf\xf0\xe8\xe2\xe5\xf2";
        let cp1251 = encoding_rs::WINDOWS_1251.decode(bytes).0;
        let latin1: String = bytes.iter().map(|&b| b as char).collect();
        let koi8 = encoding_rs::KOI8_R.decode(bytes).0;
        assert_eq!(cp1251, "Привет");
        assert!(cost(&cp1251, None) < cost(&latin1, None), "{latin1}");
        assert!(cost(&cp1251, None) < cost(&koi8, None), "{koi8}");
        // Jérémy in cp437 (0x82), read as cp437, Mac OS Roman, Latin-1.
        assert!(cost("Jérémy", None) < cost("JÇrÇmy", None));
        assert!(cost("Jérémy", None) < cost("J\u{82}r\u{82}my", None));
        assert!(cost("Müller", None) < cost("Mьller", None));
        assert!(cost("Kampbjørn", None) < cost("Kampbj¢rn", None));
        assert!(cost("Meksičke Države", None) < cost("Meksièke Države", None));
        assert!(cost("Séamus Ó Ciardhuáin", None) < cost("Séamus α Ciardhuáin", None));
    }

    #[test]
    fn clean_names_are_cheap() {
        for name in [
            "Jérémy Lal",
            "Ondřej Surý",
            "Пятница",
            "Ελληνικά",
            "Smørrebrød",
        ] {
            assert!(cost(name, None) < 16, "{name}: {}", cost(name, None));
        }
    }
}
