//! How much a piece of text looks like mojibake, in the spirit of ftfy's
//! "badness": pairs of characters that real text almost never has next to
//! each other (an accented capital followed by a currency sign, `√©`, a box
//! drawing line after a letter, C1 controls) and characters that are
//! improbable on their own (IPA, Armenian, a lone Cyrillic or Hebrew letter
//! between Latin letters or digits). Repairs are accepted only when they
//! lower this score.

use super::letters;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    AsciiLower,
    AsciiUpper,
    Digit,
    Space,
    Ascii,
    /// U+0080..U+009F
    C1,
    AccUpper,
    AccLower,
    /// Quotes, dashes, ellipsis, ™ ®: common in real text after a word.
    Punct,
    /// Other symbols of the legacy code pages' upper halves.
    Symbol,
    Box,
    /// Cyrillic, Greek, Hebrew, Arabic letters.
    Script,
    /// IPA, Armenian, combining marks after nothing, rare blocks.
    Improbable,
    /// Combining marks: the common accents of NFD text are fine, overlays
    /// and rarer marks after a letter are not.
    Combining,
    Other,
}

/// Characters below this have their class in a table.
const TABLED: usize = 0x10000;

fn class(c: char) -> Class {
    static TABLE: std::sync::OnceLock<Vec<Class>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..TABLED as u32)
            .map(|u| char::from_u32(u).map_or(Class::Other, classify))
            .collect()
    });
    table
        .get(c as usize)
        .copied()
        .unwrap_or_else(|| classify(c))
}

fn classify(c: char) -> Class {
    use Class::*;
    match c {
        'a'..='z' => AsciiLower,
        'A'..='Z' => AsciiUpper,
        '0'..='9' => Digit,
        ' ' | '\t' | '\n' | '\r' => Space,
        '\0'..='\x7F' => Ascii,
        '\u{80}'..='\u{9F}' => C1,
        '×' | '÷' => Symbol,
        'À'..='Þ' => AccUpper,
        'ß'..='ÿ' => AccLower,
        'ƒ' => Symbol,
        '\u{100}'..='\u{24F}' => {
            if c.is_uppercase() {
                AccUpper
            } else if c.is_lowercase() {
                AccLower
            } else {
                Other
            }
        }
        '‘' | '’' | '“' | '”' | '„' | '‚' | '…' | '–' | '—' | '•' | '™' | '®' | '¡' | '¿' | '«'
        | '»' | '‹' | '›' | '´' => Punct,
        '\u{A0}'..='\u{BF}'
        | '\u{2C6}'..='\u{2DD}'
        | '\u{2010}'..='\u{206F}'
        | '€'
        | '₧'
        | '∂'
        | '∆'
        | '∏'
        | '∑'
        | '√'
        | '∞'
        | '∫'
        | '≈'
        | '≠'
        | '≤'
        | '≥'
        | '◊'
        | 'Ω'
        | 'π'
        | '⌐'
        | 'ⁿ'
        | '∙'
        | '∩'
        | '≡'
        | '⌠'
        | '⌡'
        | '■'
        | '\u{F8FF}' => Symbol,
        '\u{2500}'..='\u{259F}' => Box,
        // (and CJK compatibility ideographs, which only round trips of old
        // encodings use: `ï«¡` read as UTF-8 is U+FAE1)
        '\u{250}'..='\u{2C5}'
        | '\u{2DE}'..='\u{2FF}'
        | '\u{E000}'..='\u{F8FE}'
        | '\u{F900}'..='\u{FAFF}' => Improbable,
        '\u{300}'..='\u{36F}' => Combining,
        // Coptic and archaic Greek, archaic Cyrillic: what a misread Greek
        // or Cyrillic word of capitals turns into (`ΚΟΎ` -> `ΚϾ`).
        '\u{3E2}'..='\u{3FF}' | '\u{460}'..='\u{489}' => Improbable,
        '\u{370}'..='\u{3FF}'
        | '\u{400}'..='\u{4FF}'
        | '\u{531}'..='\u{58A}'
        | '\u{590}'..='\u{6FF}' => Script,
        '\u{500}'..='\u{52F}' | '\u{700}'..='\u{8FF}' | '\u{1780}'..='\u{1DFF}' => Improbable,
        _ => Other,
    }
}

fn is_letter(c: Class) -> bool {
    matches!(
        c,
        Class::AsciiLower | Class::AsciiUpper | Class::AccUpper | Class::AccLower | Class::Script
    )
}

fn is_latin(c: Class) -> bool {
    matches!(
        c,
        Class::AsciiLower | Class::AsciiUpper | Class::AccUpper | Class::AccLower
    )
}

fn is_high_symbol(c: Class) -> bool {
    matches!(c, Class::Punct | Class::Symbol | Class::C1)
}

/// Cyrillic letters that sit in windows-1251's 0x80..0xBF (UTF-8
/// continuation bytes): after `Р`/`С` they are the mark of UTF-8 read as
/// windows-1251. The Ukrainian ones are also real letters, so weigh less.
fn cp1251_continuation(c: char) -> u32 {
    match c {
        'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ' | 'ё' | 'Ё' => 1,
        'Ђ' | 'Ѓ' | 'ѓ' | 'Љ' | 'Њ' | 'Ќ' | 'Ћ' | 'Џ' | 'ђ' | 'љ' | 'њ' | 'ќ' | 'ћ' | 'џ' | 'Ў'
        | 'ў' | 'Ј' | 'ј' | 'Ѕ' | 'ѕ' | '№' => 2,
        _ => 0,
    }
}

/// Greek letters in windows-1253's 0x80..0xBF.
fn cp1253_continuation(c: char) -> bool {
    matches!(c, 'Ά' | 'Έ' | 'Ή' | 'Ί' | 'Ό' | 'Ύ' | 'Ώ' | '΅' | '΄')
}

/// A character and its class, computed once per character.
type Item = (char, Class);

/// The pair (a, b) being scored and the characters around it.
struct Window {
    prev: Option<char>,
    a: char,
    ca: Class,
    b: char,
    cb: Class,
    next: Option<char>,
    next_class: Option<Class>,
    /// The character after `next`.
    after_next: Option<char>,
}

impl Window {
    fn next_is_letter(&self) -> bool {
        self.next_class.is_some_and(is_letter)
    }

    fn next_is_lower(&self) -> bool {
        self.next_class
            .is_some_and(|k| matches!(k, Class::AsciiLower | Class::AccLower))
    }

    /// `b` is an apostrophe ending a word with `s` (`ZOË’S`, `Zoë’s`): a
    /// possessive, not the continuation byte 0x92.
    fn possessive(&self) -> bool {
        self.b == '’'
            && matches!(self.next, Some('s' | 'S'))
            && !self.after_next.is_some_and(char::is_alphanumeric)
    }
}

/// The score of the pair (a, b) with the characters around it.
fn pair(w: &Window) -> u32 {
    if let Some(score) = cp1252_lead_pair(w) {
        return score;
    }
    use Class::*;
    // `â€`, `âœ”`, `âš`, `â™«`: U+2000 punctuation and symbols; `Å‚`, `ÄŒ`:
    // Latin Extended-A (`ł`, `Č`).
    if w.a == 'â' && cp1252_c1_glyph(w.b) {
        return 2;
    }
    if matches!(w.a, 'Ä' | 'Å') && cp1252_c1_glyph(w.b) && !ends_word(w) {
        return 2;
    }
    // The rest of Latin Extended-A (`AtyraÅ«` is `Atyraū`): a symbol glued
    // to `Ä`/`Å` (a closing guillemet after a word is punctuation).
    if matches!(w.a, 'Ä' | 'Å') && matches!(w.b, '\u{A1}'..='\u{BF}') && w.b != '»' {
        return 2;
    }
    // UTF-8 read as windows-1250 or ISO-8859-2: the leads of Latin-1 and
    // Latin Extended-A (`Ă`, `Ä`, `Ĺ`) and a letter those code pages have
    // in 0x80..0xBF (`DonduĹźeni`, `IstoÄŤni`), but in a word of capitals.
    if matches!(w.a, 'Ă' | 'Ä' | 'Ĺ') && "ŠŚŤŽŹšśťžźŁĄŞŻłąşĽľż".contains(w.b)
    {
        let capitals = w.b.is_uppercase()
            && w.prev.is_none_or(|p| !p.is_lowercase())
            && w.next.is_none_or(|n| !n.is_lowercase());
        return if capitals { 0 } else { 2 };
    }
    // Vietnamese and the rest of U+1E00..U+1EFF read as windows-1252:
    // `á»` or `áº` and a continuation byte's character (`Thá»© hai`).
    if w.a == 'á'
        && matches!(w.b, 'º' | '»')
        && w.next
            .is_some_and(|n| matches!(n, '\u{A0}'..='\u{BF}') || cp1252_c1_glyph(n))
    {
        return 2;
    }
    // cp437's `┬` is the lead of Latin-1's symbols: `┬┐que` is `¿que`.
    if w.a == '┬' && w.cb == Class::Box && w.next_is_letter() {
        return 2;
    }
    // Mac OS Roman leads of emoji (F0 is the Apple logo) and of Vietnamese
    // and other U+1000..U+1FFF letters (E1 is `·`): `üéâ`, `Ti·∫øng`.
    if (w.a == '\u{F8FF}' || (w.a == '·' && w.b != '·')) && !w.b.is_ascii() && !w.b.is_whitespace()
    {
        return 2;
    }
    // A lead letter then a no-break space inside a word: `Å\u{a0}veices`.
    if w.b == '\u{A0}' {
        let leads = matches!(w.ca, AccUpper | AccLower);
        return if leads && w.next_is_lower() { 2 } else { 0 };
    }
    if w.b == '\u{FFFD}' && matches!(w.ca, AccUpper | AccLower) {
        return 2;
    }
    if matches!(w.a, 'Œ' | 'œ') && !w.next_class.is_some_and(is_latin) && w.cb != AsciiLower {
        return 2;
    }
    if w.a == '×' {
        return hebrew_pair(w);
    }
    match (w.ca, w.cb) {
        (AccUpper | AccLower, Symbol) => 2,
        (AccUpper | AccLower, Punct) if w.possessive() => 0,
        (AccUpper | AccLower, Punct) if w.next_is_letter() || w.a == 'ï' => 2,
        (AccLower, AccUpper) if w.b != 'ß' => 1,
        (Box, AccUpper | AccLower | Symbol | Punct) | (AccUpper | AccLower, Box) => 2,
        // KOI8 and cp866 readings: `п╬`, `я▀`.
        (Script, Box) | (Box, Script) => 2,
        (Symbol | Punct, Box) => 1,
        // DOS code pages: `M├╝nchen`, `Poka┼╛i` (C3, C4, C5 are the leads
        // of Latin-1 and Latin Extended-A letters); box art has no letters
        // glued on.
        (Box, Box)
            if matches!(w.a, '├' | '─' | '┼')
                && w.prev.is_some_and(|p| is_letter(class(p)))
                && w.next_is_letter()
                && !dos_pair_is_rare(w.a, w.b) =>
        {
            2
        }
        // DOS code pages: `├▒` is ñ; box art does not put shades after lines.
        (Box, Box) if matches!(w.b, '░' | '▒' | '▓') && !matches!(w.a, '░' | '▒' | '▓' | '█') => {
            2
        }
        (Script, _) => cyrillic_greek_pair(w),
        (Symbol | Punct, AccUpper | AccLower | Symbol | Punct) => {
            mac_roman_pair(w.a, w.b, w.prev.is_some_and(|p| is_letter(class(p))))
        }
        _ => 0,
    }
}

/// The letter a cp437 lead (`├`, `─`, `┼`: 0xC3..0xC5) and a box line make
/// as UTF-8 is a rare one (`┼┐` is `ſ`): box art, not a misread word.
fn dos_pair_is_rare(lead: char, b: char) -> bool {
    let table = super::codepages::Codepage::Cp437.table();
    let (Some(lead), Some(b)) = (table.encode(lead), table.encode(b)) else {
        return true;
    };
    let value = (u32::from(lead & 0x1F) << 6) | u32::from(b & 0x3F);
    char::from_u32(value).is_none_or(is_rare_latin)
}

/// Punctuation that ends a word as often as it continues a windows-1252
/// sequence (`LISÄÄ”`, `AHÅ™`, `10 Å—`, `ZOË’S`); `…` only at a word's end.
fn ends_word(w: &Window) -> bool {
    matches!(w.b, '’' | '”' | '™' | '—' | '–' | '»') || (w.b == '…' && !w.next_is_letter())
}

/// windows-1252 leads of Latin-1 letters: `Ã©`, `Â£`, `Ã‰`, `ZURÃœCK`, and
/// the Mac OS Roman reading of NFD accents (CC 81 is `ÃÅ`): `CafeÃÅ`.
fn cp1252_lead_pair(w: &Window) -> Option<u32> {
    use Class::*;
    if !matches!(w.a, 'Ã' | 'Â' | 'Õ') {
        return None;
    }
    if matches!(w.cb, AccUpper | AccLower) && w.prev.is_some_and(|p| p.is_ascii_lowercase()) {
        return Some(2);
    }
    // ... or after a capital, when a small letter follows (`SÃåiauliai` is
    // an NFD `Š` read as Mac OS Roman; `SÃO` is Portuguese).
    if w.cb == AccLower && w.prev.is_some_and(|p| p.is_ascii_uppercase()) && w.next_is_lower() {
        return Some(2);
    }
    if w.a == 'Õ' {
        return None;
    }
    if w.b == '’' {
        return Some(0); // `Ã’s` is a plural as often as an `Ò`
    }
    if w.b == '\u{A0}' {
        let after_caps = w.prev.is_some_and(|p| class(p) == AsciiUpper);
        return Some(if after_caps && !w.next_is_lower() {
            0
        } else {
            2
        });
    }
    if is_high_symbol(w.cb) || cp1252_c1_glyph(w.b) {
        return Some(2);
    }
    // `Ã ` with a lost no-break space, after a word or at the start.
    if w.b == ' ' {
        let ok_before = w
            .prev
            .is_none_or(|p| class(p) == AsciiLower || p == '\'' || p == ' ');
        let ok_after = w.next.is_none_or(|n| class(n) == AsciiLower || n == ' ');
        return Some(if ok_before && ok_after { 2 } else { 0 });
    }
    None
}

/// Hebrew in windows-1252: `×‘×”`; × is otherwise a times sign.
fn hebrew_pair(w: &Window) -> u32 {
    let hebrew = matches!(
        w.b,
        '\u{90}'
            | '‘'
            | '’'
            | '“'
            | '”'
            | '•'
            | '–'
            | '—'
            | '˜'
            | '™'
            | 'š'
            | '›'
            | 'œ'
            | '\u{9D}'
            | 'ž'
            | 'Ÿ'
            | '\u{A0}'
            | '¢'
            | '¤'
            | '¥'
            | '¦'
            | '§'
            | '¨'
            | '©'
            | 'ª'
    );
    let inside_word = w.next_class.is_some_and(|k| k != Class::Space);
    if hebrew && inside_word { 2 } else { 0 }
}

/// Punctuation after a lead letter that ends a word of capitals
/// (`ΑΔΙΚΟΎΜΕΝΟ…`, `„A-НАТПИС“`): mojibake has small letters and symbols
/// before its leads.
fn ends_word_of_capitals(w: &Window) -> bool {
    w.cb == Class::Punct
        && w.prev.is_some_and(char::is_uppercase)
        && w.next.is_none_or(|n| !n.is_alphanumeric())
}

/// UTF-8 Cyrillic read as windows-1251 (`Р`/`С` leads, `В`/`Г` for Latin-1)
/// and Greek read as windows-1253 (`Ξ`/`Ο` leads). A lead followed by a
/// capital in a word of capitals is the word itself (`ВІДПОВІДНУ`,
/// `ΚΛΕΙΔΙΟΎ`): mojibake puts a symbol or a small letter after its leads.
fn cyrillic_greek_pair(w: &Window) -> u32 {
    use Class::*;
    let (a, b) = (w.a, w.b);
    let upper = |x: Option<char>| x.is_some_and(is_upper);
    let lower = |x: Option<char>| x.is_some_and(|x| !is_upper(x) && x.is_lowercase());
    let in_capitals =
        b.is_uppercase() && (upper(w.prev) || upper(w.next)) && !lower(w.prev) && !lower(w.next);
    match a {
        'Р' | 'С' | 'Г' | 'В' => {
            if ends_word_of_capitals(w) {
                0
            } else if is_high_symbol(w.cb) {
                2
            } else if in_capitals {
                0
            } else if matches!(a, 'Г' | 'В') && cp1251_continuation(b) < 2 {
                // `Ві`, `Гі` are Ukrainian and Belarusian (`Вікторыя`);
                // as Latin-1 leads they would be `³`, `Ã`...
                0
            } else {
                cp1251_continuation(b)
            }
        }
        // Cyrillic а..п are windows-1251's three-byte leads: `п¬Ѓ`.
        _ if w.cb == Symbol && ('а'..='п').contains(&a) => 2,
        'в' if b == 'Ђ' => 2,
        'Ξ' | 'Ο' | 'Β' | 'Γ' if matches!(w.cb, Symbol | Punct | C1) => {
            if ends_word_of_capitals(w) { 0 } else { 2 }
        }
        'Ξ' if cp1253_continuation(b) && !in_capitals => 1,
        _ => 0,
    }
}

/// UTF-8 read as Mac OS Roman: `√©`, `‚Ä¶`, `ƒÅ`, `≈°`, `◊ë`, `ÿ±`.
fn mac_roman_pair(a: char, b: char, prev_is_letter: bool) -> u32 {
    match a {
        '√' if b != 'π' || prev_is_letter => 2,
        // ¬ is Mac OS Roman's C2: `¬£`, `¬©`, `¬∞` (but `¬´` is a smiley).
        '¬' if b != '´' && !letters::alphabetic(b) => 2,
        // – and — are Mac OS Roman's leads of Cyrillic (D0, D1).
        // (`Part 2—Éric` is real: only lowercase letters count).
        '–' | '—' if b.is_lowercase() => 2,
        '‚' if matches!(b, 'Ä' | 'Ñ' | 'à' | 'â' | 'ó') => 2,
        'ƒ' | '≈' | '◊' | 'ÿ' => 2,
        _ => 0,
    }
}

/// Characters bad on their own: C1 controls, and letters that do not belong
/// where they stand.
fn single(prev: Option<char>, (c, cc): Item, next: Option<char>) -> u32 {
    use Class::*;
    let is_letter_at = |x: Option<char>| x.is_some_and(|x| is_letter(class(x)));
    match cc {
        C1 => 3,
        Improbable => 2,
        Script if !('\u{370}'..='\u{3FF}').contains(&c) => {
            // A lone Cyrillic, Hebrew or Arabic letter between Latin letters
            // or digits (`SENSЕ` has it on one side only; Greek letters are
            // common as symbols: `IL2Rγc`).
            let latinish = |x: Option<char>| {
                x.is_some_and(|x| {
                    let k = class(x);
                    is_latin(k) || k == Digit
                })
            };
            if latinish(prev) && latinish(next) {
                2
            } else {
                script_mix(prev, c, next)
            }
        }
        Script => script_mix(prev, c, next),
        // A Latin letter glued to a Cyrillic or Greek one, other than a
        // capital starting a word (`İталиа`): `ЕН_òЗУ`, `Дé`.
        AccUpper | AccLower => {
            let script_before = prev.is_some_and(|p| class(p) == Script);
            let capital_after_small =
                cc == AccLower && next.is_some_and(|n| class(n) == Script && n.is_uppercase());
            if script_before || capital_after_small {
                2
            } else {
                small_in_capitals(prev, c, next) + u32::from(is_rare_latin(c))
            }
        }
        // Marks after nothing or a space, or rare marks after a letter.
        Combining if prev.is_none_or(char::is_whitespace) => 2,
        Combining if !is_nfd_accent(c) && is_letter_at(prev) => 2,
        // A symbol inside a word (`ZO˒S`, `У²РЯ`); the middle dot is
        // Catalan (`col·lecció`), ª and º are ordinals, π is a letter in
        // Greek (`από`). After an accented letter the pair already scores it.
        Symbol
            if !matches!(c, '×' | '·' | 'ª' | 'º')
                && !greek_letter_in_greek(prev, c)
                && prev.is_some_and(|p| matches!(class(p), AsciiLower | AsciiUpper | Script))
                && is_letter_at(next) =>
        {
            2
        }
        // CJK, Indic, Thai or Braille glued to Latin, Greek or Cyrillic
        // letters is a misread sequence, on either side.
        Other if is_far_script(c) => {
            let near_at = |x: Option<char>| {
                x.is_some_and(|x| {
                    matches!(
                        class(x),
                        AsciiLower | AsciiUpper | AccLower | AccUpper | Script
                    )
                })
            };
            2 * (u32::from(near_at(prev)) + u32::from(near_at(next)))
        }
        _ => 0,
    }
}

/// Latin letters few languages use, which a reversal through the wrong
/// code page produces (`drŝi` for `drži`, `gƩodynamiques`): Esperanto's
/// circumflexed consonants, long s, and Latin Extended-B but the letters of
/// Vietnamese (ơ ư), Pinyin (ǎ ǐ ǒ ǔ) and Romanian (ș ț).
pub(crate) fn is_rare_latin(c: char) -> bool {
    matches!(
        c,
        'ĉ' | 'Ĉ' | 'ĝ' | 'Ĝ' | 'ĥ' | 'Ĥ' | 'ĵ' | 'Ĵ' | 'ŝ' | 'Ŝ' | 'ŭ' | 'Ŭ' | 'ſ' | 'ĸ' | 'ŉ'
    ) || (matches!(c, '\u{180}'..='\u{24F}')
        && !matches!(c, 'ƒ' | 'Ơ' | 'ơ' | 'Ư' | 'ư' | '\u{1CD}'..='\u{1DC}' | '\u{218}'..='\u{21B}'))
}

/// `π`, `Ω`, `µ` after a Greek letter are letters, not symbols.
fn greek_letter_in_greek(prev: Option<char>, c: char) -> bool {
    letters::alphabetic(c) && prev.is_some_and(|p| script_of(p) == Some(0))
}

/// Greek, Cyrillic, Armenian, Hebrew, Arabic.
fn script_of(c: char) -> Option<u8> {
    match c {
        '\u{370}'..='\u{3FF}' => Some(0),
        '\u{400}'..='\u{52F}' => Some(1),
        '\u{531}'..='\u{58A}' => Some(4),
        '\u{590}'..='\u{5FF}' => Some(2),
        '\u{600}'..='\u{6FF}' => Some(3),
        _ => None,
    }
}

/// `c.is_uppercase()`, with the common Latin, Greek and Cyrillic letters
/// answered from their code points (the badness runs on every character).
fn is_upper(c: char) -> bool {
    match c {
        'A'..='Z' | 'À'..='Þ' | 'Α'..='Ω' | 'Ά'..='Ώ' | 'Ѐ'..='Я' => c != '×',
        '\0'..='\u{7F}' | 'ß'..='ÿ' | 'ά'..='ώ' | 'а'..='џ' => false,
        _ => c.is_uppercase(),
    }
}

/// A letter of one script glued to a letter of another (`Ξ٠`), or a small
/// letter between capitals (`ДвЗ`): what a partly decoded word looks like.
fn script_mix(prev: Option<char>, c: char, next: Option<char>) -> u32 {
    let other_script = prev.is_some_and(|p| {
        script_of(p).is_some_and(|s| Some(s) != script_of(c)) && letters::alphabetic(p)
    });
    if other_script {
        2
    } else {
        small_in_capitals(prev, c, next)
    }
}

/// A small letter between two capitals of its own script (`ДвЗ`, `AǔA`).
fn small_in_capitals(prev: Option<char>, c: char, next: Option<char>) -> u32 {
    let script = |x: char| script_of(x).or(is_latin(class(x)).then_some(9));
    let same_capital = |x: Option<char>| x.is_some_and(|x| is_upper(x) && script(x) == script(c));
    if same_capital(prev) && same_capital(next) && c.is_lowercase() {
        2
    } else {
        0
    }
}

/// The combining marks NFD uses for Latin letters (acute, cedilla, ogonek…).
fn is_nfd_accent(c: char) -> bool {
    matches!(
        c,
        '\u{300}'..='\u{308}'
            | '\u{30A}'..='\u{30C}'
            | '\u{30F}'
            | '\u{311}'
            | '\u{313}'
            | '\u{314}'
            | '\u{31B}'
            | '\u{323}'..='\u{328}'
            | '\u{32D}'
            | '\u{32E}'
            | '\u{330}'
            | '\u{331}'
    )
}

/// Indic, Thai, Hangul, CJK and Braille: what three bytes of a misread
/// sequence often decode to, and never glued to a Latin or Cyrillic letter.
fn is_far_script(c: char) -> bool {
    matches!(
        c,
        '\u{900}'..='\u{E7F}'
            | '\u{1100}'..='\u{11FF}'
            | '\u{2800}'..='\u{28FF}'
            | '\u{3040}'..='\u{9FFF}'
            | '\u{AC00}'..='\u{D7AF}'
    )
}

/// The characters windows-1252 puts at 0x80..0x9F (UTF-8 continuation bytes).
fn cp1252_c1_glyph(c: char) -> bool {
    matches!(
        c,
        '€' | '‚'
            | 'ƒ'
            | '„'
            | '…'
            | '†'
            | '‡'
            | 'ˆ'
            | '‰'
            | 'Š'
            | '‹'
            | 'Œ'
            | 'Ž'
            | '‘'
            | '’'
            | '“'
            | '”'
            | '•'
            | '–'
            | '—'
            | '˜'
            | '™'
            | 'š'
            | '›'
            | 'œ'
            | 'ž'
            | 'Ÿ'
    )
}

/// The badness of a whole string.
pub(crate) fn badness(text: &str) -> u32 {
    let mut score = 0;
    // Combining accents on ASCII letters in a line that also has
    // precomposed ones: one line is NFC or NFD, not both (`Ṣo Paulo /
    // Informação` is `SÃ£o` read as Mac OS Roman).
    let (mut precomposed, mut marks) = (false, 0);
    let mut before_prev: Option<char> = None;
    let mut prev: Option<Item> = None;
    let mut chars = text.chars().map(|c| (c, fast_class(c)));
    let mut current = chars.next();
    let mut next = chars.next();
    while let Some(item) = current {
        let c = item.0;
        let after_next = chars.next();
        // Every rule needs a non-ASCII character in the pair.
        if !(c.is_ascii() && prev.is_none_or(|p| p.0.is_ascii())) {
            precomposed |= matches!(item.1, Class::AccLower | Class::AccUpper);
            if item.1 == Class::Combining && prev.is_some_and(|p| p.0.is_ascii_alphabetic()) {
                marks += 1;
            }
            score += single(prev.map(|p| p.0), item, next.map(|n| n.0));
            if let Some((a, ca)) = prev {
                score += pair(&Window {
                    prev: before_prev,
                    a,
                    ca,
                    b: c,
                    cb: item.1,
                    next: next.map(|n| n.0),
                    next_class: next.map(|n| n.1),
                    after_next: after_next.map(|n| n.0),
                });
            }
        }
        before_prev = prev.map(|p| p.0);
        prev = Some(item);
        current = next;
        next = after_next;
    }
    if precomposed {
        score += 2 * marks;
    }
    score
}

fn fast_class(c: char) -> Class {
    if c.is_ascii() {
        ascii_class(c)
    } else {
        class(c)
    }
}

fn ascii_class(c: char) -> Class {
    match c {
        'a'..='z' => Class::AsciiLower,
        'A'..='Z' => Class::AsciiUpper,
        '0'..='9' => Class::Digit,
        ' ' | '\t' | '\n' | '\r' => Class::Space,
        _ => Class::Ascii,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mojibake_scores_and_clean_text_does_not() {
        assert!(badness("rÃ©gime") > 0);
        assert!(badness("r√©gime") > 0);
        assert!(badness("â€œquotedâ€\u{9D}") > 0);
        assert!(badness("#╨┐╤Ç╨░") > 0);
        for clean in [
            "NESTLÉ®",
            "Part 2—Éric.txt",
            "Ångström",
            "日本語.txt",
            "Ελληνικά",
            "naïve café",
            "Raison D'être",
            "αλεπού πηδάει από",
            "ВІДПОВІДНУ КЛАВІШУ",
        ] {
            assert_eq!(badness(clean), 0, "{clean}");
        }
    }

    #[test]
    fn improbable_output_scores() {
        assert!(badness("NESTLɮ") > 0);
        assert!(badness("5ף35") > 0);
        assert!(badness("r\u{329}gime") > 0);
        assert_eq!(badness("Cafe\u{301}"), 0);
    }
}
