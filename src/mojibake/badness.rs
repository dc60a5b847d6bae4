//! How much a piece of text looks like mojibake, in the spirit of ftfy's
//! "badness": pairs of characters that real text almost never has next to
//! each other (an accented capital followed by a currency sign, `√©`, a box
//! drawing line after a letter, C1 controls) and characters that are
//! improbable on their own (IPA, Armenian, a lone Cyrillic or Hebrew letter
//! between Latin letters or digits). Repairs are accepted only when they
//! lower this score.

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
        '\u{250}'..='\u{2C5}'
        | '\u{2DE}'..='\u{2FF}'
        | '\u{530}'..='\u{58F}'
        | '\u{E000}'..='\u{F8FE}' => Improbable,
        '\u{300}'..='\u{36F}' => Combining,
        '\u{370}'..='\u{3FF}' | '\u{400}'..='\u{4FF}' | '\u{590}'..='\u{6FF}' => Script,
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

/// The score of the pair (a, b) with the characters around it.
fn pair(prev: Option<char>, (a, ca): Item, (b, cb): Item, next: Option<Item>) -> u32 {
    use Class::*;
    let next_class = next.map(|n| n.1);
    let next = next.map(|n| n.0);
    let next_is_letter = next_class.is_some_and(is_letter);
    // Mac OS Roman reading of NFD accents (CC 81 is `ÃÅ`): `CafeÃÅ`.
    if matches!(a, 'Ã' | 'Õ')
        && matches!(cb, AccUpper | AccLower)
        && prev.is_some_and(|p| p.is_ascii_lowercase())
    {
        return 2;
    }
    // windows-1252 leads of Latin-1 letters: `Ã©`, `Â£`, `Ã‰`, `ZURÃœCK`.
    if matches!(a, 'Ã' | 'Â') {
        if b == '’' {
            return 0; // `Ã’s` is a plural as often as an `Ò`
        }
        if b == '\u{A0}' {
            let after_caps = prev.is_some_and(|p| class(p) == AsciiUpper);
            let lower_next = next_class.is_some_and(|k| matches!(k, AsciiLower | AccLower));
            return if after_caps && !lower_next { 0 } else { 2 };
        }
        if is_high_symbol(cb) || cp1252_c1_glyph(b) {
            return 2;
        }
        // `Ã ` with a lost no-break space, after a word or at the start.
        if b == ' ' {
            let ok_before = prev.is_none_or(|p| class(p) == AsciiLower || p == '\'' || p == ' ');
            let ok_after = next.is_none_or(|n| class(n) == AsciiLower || n == ' ');
            return if ok_before && ok_after { 2 } else { 0 };
        }
    }
    // `â€`, `âœ”`, `âš`, `â™«`: U+2000 punctuation and symbols.
    if a == 'â' && cp1252_c1_glyph(b) {
        return 2;
    }
    // A lead letter then a no-break space inside a word: `Å\u{a0}veices`.
    if b == '\u{A0}' {
        let leads = matches!(ca, AccUpper | AccLower);
        let lower_next = next_class.is_some_and(|k| matches!(k, AsciiLower | AccLower));
        return if leads && lower_next { 2 } else { 0 };
    }
    if b == '\u{FFFD}' && matches!(ca, AccUpper | AccLower) {
        return 2;
    }
    if matches!(a, 'Œ' | 'œ') && !next_class.is_some_and(is_latin) && cb != AsciiLower {
        return 2;
    }
    match (ca, cb) {
        // Hebrew in windows-1252: `×‘×”`; × is otherwise a times sign.
        _ if a == '×' => {
            let hebrew = matches!(
                b,
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
            let inside_word = next_class.is_some_and(|k| k != Space);
            if hebrew && inside_word { 2 } else { 0 }
        }
        (AccUpper | AccLower, Symbol) => 2,
        (AccUpper | AccLower, Punct) if next_is_letter || a == 'ï' => 2,
        (AccLower, AccUpper) if b != 'ß' => 1,
        (Box, AccUpper | AccLower | Symbol | Punct) | (AccUpper | AccLower, Box) => 2,
        (Symbol | Punct, Box) => 1,
        // DOS code pages: `├▒` is ñ; box art does not put shades after lines.
        (Box, Box) if matches!(b, '░' | '▒' | '▓') && !matches!(a, '░' | '▒' | '▓' | '█') => {
            2
        }
        (Script, _) if matches!(a, 'Р' | 'С' | 'Г' | 'В') => {
            if is_high_symbol(cb) {
                2
            } else {
                cp1251_continuation(b)
            }
        }
        // Cyrillic а..п are windows-1251's three-byte leads: `п¬Ѓ`.
        (Script, Symbol) if ('а'..='п').contains(&a) => 2,
        (Script, _) if a == 'в' && b == 'Ђ' => 2,
        (Script, Symbol | Punct | C1) if matches!(a, 'Ξ' | 'Ο' | 'Β' | 'Γ') => 2,
        (Script, Script) if matches!(a, 'Ξ' | 'Ο') && cp1253_continuation(b) => 1,
        (Symbol | Punct, AccUpper | AccLower | Symbol | Punct) => {
            mac_roman_pair(a, b, prev.is_some_and(|p| is_letter(class(p))))
        }
        _ => 0,
    }
}

/// UTF-8 read as Mac OS Roman: `√©`, `‚Ä¶`, `ƒÅ`, `≈°`, `◊ë`, `ÿ±`.
fn mac_roman_pair(a: char, b: char, prev_is_letter: bool) -> u32 {
    match a {
        '√' if b != 'π' || prev_is_letter => 2,
        // ¬ is Mac OS Roman's C2: `¬£`, `¬©`, `¬∞` (but `¬´` is a smiley).
        '¬' if b != '´' && !b.is_alphabetic() => 2,
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
                0
            }
        }
        Combining if !is_nfd_accent(c) && prev.is_some_and(|p| is_letter(class(p))) => 2,
        Symbol if c != '×' && is_ascii_lower(prev) && is_ascii_lower(next) => 2,
        Other if is_cjk(c) && prev.is_some_and(|p| is_latin(class(p))) => 2,
        _ => 0,
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

fn is_ascii_lower(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_lowercase())
}

/// CJK and Hangul: a syllable glued to a Latin letter is a misread sequence.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{11FF}' | '\u{3040}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}')
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
pub fn badness(text: &str) -> u32 {
    let mut score = 0;
    let mut before_prev: Option<char> = None;
    let mut prev: Option<Item> = None;
    let mut chars = text.chars();
    let mut current = chars.next().map(|c| (c, class(c)));
    while let Some(item) = current {
        let c = item.0;
        let next = chars.next().map(|n| {
            (
                n,
                if n.is_ascii() {
                    ascii_class(n)
                } else {
                    class(n)
                },
            )
        });
        // Every rule needs a non-ASCII character in the pair.
        if !(c.is_ascii() && prev.is_none_or(|p| p.0.is_ascii())) {
            score += single(prev.map(|p| p.0), item, next.map(|n| n.0));
            if let Some(p) = prev {
                score += pair(before_prev, p, item, next);
            }
        }
        before_prev = prev.map(|p| p.0);
        prev = Some(item);
        current = next;
    }
    score
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
