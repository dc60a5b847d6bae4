//! Which characters are letters, asked of every character the scorers
//! read: a leaf module, so that each of them may use it.

/// `char::is_alphabetic`, without searching Unicode's table for the
/// letters text is mostly made of (ASCII, Latin, Greek, Cyrillic, kana,
/// ideographs, hangul): the scoring asks it of every character.
pub(crate) fn alphabetic(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | 'ª' | 'µ' | 'º' => true,
        // ASCII's and Latin-1's symbols, general punctuation, currency
        // signs, box drawing: what mojibake is made of.
        '\0'..='\u{BF}' | '×' | '÷' | '\u{2000}'..='\u{206F}' | '\u{20A0}'..='\u{20CF}' => false,
        '\u{2500}'..='\u{25FF}' => false,
        'À'..='ɏ'
        | 'Α'..='Ρ'
        | 'Σ'..='ω'
        | 'Ѐ'..='ҁ'
        | 'Ҋ'..='ԯ'
        | 'ぁ'..='ゖ'
        | 'ァ'..='ヺ'
        | '一'..='\u{9FEF}'
        | '가'..='힣' => true,
        _ => c.is_alphabetic(),
    }
}

/// The length of each run of `symbol` characters glued between two
/// letters (`Îò÷¸ò`, `Poka┼żi`): a word has letters inside, not symbols.
pub(crate) fn glued_runs<'a>(
    chars: &'a [char],
    symbol: impl Fn(char) -> bool + 'a,
) -> impl Iterator<Item = usize> + 'a {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < chars.len() {
            if !symbol(chars[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && symbol(chars[i]) {
                i += 1;
            }
            let letter_before = start > 0 && alphabetic(chars[start - 1]);
            if letter_before && chars.get(i).is_some_and(|&c| alphabetic(c)) {
                return Some(i - start);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabetic_is_char_is_alphabetic() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(alphabetic(c), c.is_alphabetic(), "{c:?}");
        }
    }
}
