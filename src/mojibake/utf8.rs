//! Reading back the bytes a reversal produced as UTF-8, strictly, with the
//! three kinds of damage a mojibake round trip leaves behind:
//!
//! - a byte the legacy decoder could not map became U+FFFD or `?` (encoded
//!   here as 0x1A or 0x3F): the sequence is read as one U+FFFD;
//! - the byte 0xA0 became a plain space (the no-break space it decoded to
//!   was normalised away);
//! - UTF-16 surrogate pairs encoded one by one (CESU-8): joined into the real
//!   code point; a lone surrogate is refused, never written.

/// One decoded sequence: how many bytes it used and what it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sequence {
    pub len: usize,
    pub ch: char,
    /// A space follows `ch` (the `à ` of a lost no-break space).
    pub space: bool,
}

impl Sequence {
    fn new(len: usize, ch: char) -> Sequence {
        Sequence {
            len,
            ch,
            space: false,
        }
    }

    /// The replacement text (for tests).
    #[cfg(test)]
    pub(crate) fn text(&self) -> String {
        let mut s = self.ch.to_string();
        if self.space {
            s.push(' ');
        }
        s
    }
}

/// The lost byte markers a lossy decoder leaves: SUB (our encoding of U+FFFD) and `?`.
fn is_lost(b: u8) -> bool {
    b == 0x1A || b == b'?'
}

fn is_continuation(b: u8) -> bool {
    (0x80..=0xBF).contains(&b)
}

/// Lead bytes whose sequences commonly lose an 0xA0 continuation to a
/// space: the no-break space itself (C2), Š (C5), Greek Π (CE), Cyrillic Р
/// (D0), Arabic ٠ (D9), Thai and U+2000 punctuation (E0..E3), surrogate
/// halves (ED), emoji (F0). Only when the code page read the lead as a
/// letter (`Â`, `Ð`): in Mac OS Roman D0 is a dash, and `– ` is just that.
fn a0_may_be_space(lead: u8, lead_is_letter: bool) -> bool {
    lead_is_letter
        && matches!(
            lead,
            0xC2 | 0xC5 | 0xCE | 0xD0 | 0xD9 | 0xE0..=0xE3 | 0xED | 0xF0
        )
}

/// Words after `Ã ` that show the space itself was the lost 0xA0 (`às`,
/// `àquele`); anywhere else the no-break space was dropped and the word
/// boundary kept (`Ã nos` is `à nos`).
const A_GRAVE_JOINED: [&[u8]; 5] = [b" ", b"s ", b"quel", b"quil", b"s,"];

/// Vietnamese syllable endings: after `à` and a lost no-break space they
/// continue the word (`hĂ i` is `hài`), where a French or Italian `à` ends
/// one (`città di`).
const VIETNAMESE_CODAS: [&[u8]; 12] = [
    b"i", b"y", b"o", b"u", b"n", b"m", b"c", b"p", b"t", b"ng", b"nh", b"ch",
];

/// Decodes the sequence starting at `bytes[0]` (a byte >= 0x80), which the
/// code page read as `lead_char`; `in_word`: a letter comes right before
/// it. `None` means this is no UTF-8 sequence: the characters stay as
/// they are.
pub(crate) fn decode_at(bytes: &[Option<u8>], lead_char: char, in_word: bool) -> Option<Sequence> {
    let lead = bytes.first().copied().flatten()?;
    let need = match lead {
        0xC2..=0xDF => 1,
        0xE0..=0xEF => 2,
        0xF0..=0xF4 => 3,
        _ => return None,
    };
    if lead == 0xC3 && bytes.get(1) == Some(&Some(b' ')) && lead_char.is_alphabetic() {
        return Some(a_grave(bytes, in_word));
    }
    // `â€` closing a word, its third byte lost (windows-1252 has no 0x9D):
    // the closing quote it must have been (`â€œquotedâ€ â€“`), not the
    // dagger a lost no-break space would make.
    if lead == 0xE2
        && in_word
        && bytes.get(1) == Some(&Some(0x80))
        && matches!(bytes.get(2), None | Some(Some(b' ')))
    {
        return Some(Sequence::new(2, '”'));
    }
    let mut value = u32::from(lead) & (0x7F >> (need + 1));
    let (mut lost, mut question_marks, mut real) = (false, false, 0);
    for j in 1..=need {
        let mut b = bytes.get(j).copied().flatten()?;
        if b == b' ' && a0_may_be_space(lead, lead_char.is_alphabetic()) {
            b = 0xA0;
        }
        if is_lost(b) {
            lost = true;
            question_marks |= b == b'?';
            continue;
        }
        real += 1;
        if !is_continuation(b) || (j == 1 && !second_byte_ok(lead, b)) {
            return None;
        }
        value = (value << 6) | u32::from(b & 0x3F);
    }
    if lost {
        // A `?` is a lost byte only with evidence around it: another real
        // continuation byte (`â€?`), or, after a lone lead, more mojibake
        // glued on (`Ã?Â¢`). `QUÉ? Café` is a question.
        let glued = bytes
            .get(need + 1)
            .copied()
            .flatten()
            .is_some_and(|b| b >= 0x80);
        if question_marks && real == 0 && !glued {
            return None;
        }
        return Some(Sequence::new(need + 1, '\u{FFFD}'));
    }
    if (0xD800..=0xDBFF).contains(&value) {
        return surrogate_pair(value, &bytes[need + 1..]);
    }
    if (0xDC00..=0xDFFF).contains(&value) {
        return None;
    }
    Some(Sequence::new(need + 1, char::from_u32(value)?))
}

/// The ranges of the second byte that make a shortest-form sequence (no
/// overlong forms, nothing past U+10FFFF). ED A0..BF is a surrogate, checked
/// by the caller.
fn second_byte_ok(lead: u8, b: u8) -> bool {
    match lead {
        0xE0 => b >= 0xA0,
        0xF0 => b >= 0x90,
        0xF4 => b <= 0x8F,
        _ => true,
    }
}

/// `Ã` followed by a space: the 0xA0 of `à` was lost.
fn a_grave(bytes: &[Option<u8>], in_word: bool) -> Sequence {
    let after: Vec<u8> = bytes[2..].iter().take(5).map_while(|b| *b).collect();
    let word_end = after
        .iter()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(after.len());
    let coda = in_word && word_end < after.len() && VIETNAMESE_CODAS.contains(&&after[..word_end]);
    Sequence {
        len: 2,
        ch: 'à',
        space: !coda && !A_GRAVE_JOINED.iter().any(|w| after.starts_with(w)),
    }
}

/// A high surrogate must be followed by an encoded low surrogate.
fn surrogate_pair(high: u32, rest: &[Option<u8>]) -> Option<Sequence> {
    let mut b = [0u8; 3];
    for (slot, byte) in b.iter_mut().zip(rest.iter()) {
        *slot = byte.as_ref().copied()?;
        if *slot == b' ' {
            *slot = 0xA0;
        }
    }
    if rest.len() < 3 || b[0] != 0xED || !(0xB0..=0xBF).contains(&b[1]) || !is_continuation(b[2]) {
        return None;
    }
    let low = 0xD000 | (u32::from(b[1] & 0x3F) << 6) | u32::from(b[2] & 0x3F);
    let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
    Some(Sequence::new(6, char::from_u32(value)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(bytes: &[u8]) -> Option<Sequence> {
        let v: Vec<Option<u8>> = bytes.iter().map(|&b| Some(b)).collect();
        decode_at(&v, 'Ã', false)
    }

    #[test]
    fn strict_sequences() {
        assert_eq!(dec(&[0xC3, 0xA9]).unwrap().text(), "é");
        assert_eq!(dec(&[0xE2, 0x80, 0x99]).unwrap().text(), "’");
        assert_eq!(dec(&[0xF0, 0x9F, 0x98, 0x80]).unwrap().text(), "😀");
        assert!(dec(&[0xC0, 0x80]).is_none(), "overlong");
        assert!(dec(&[0xE0, 0x80, 0x80]).is_none(), "overlong");
        assert!(dec(&[0xC3, 0x41]).is_none());
        assert!(dec(&[0xF4, 0x90, 0x80, 0x80]).is_none(), "past U+10FFFF");
    }

    #[test]
    fn surrogates_are_joined_or_refused() {
        let pair = [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x8D];
        assert_eq!(dec(&pair).unwrap().text(), "😍");
        assert_eq!(dec(&pair).unwrap().len, 6);
        assert!(
            dec(&[0xED, 0xA0, 0xBD, 0x41]).is_none(),
            "lone high surrogate"
        );
        assert!(dec(&[0xED, 0xB8, 0x8D]).is_none(), "lone low surrogate");
        assert_eq!(
            dec(&[0xED, b' ', 0xBD, 0xED, 0xB8, 0x8D]).unwrap().text(),
            "😍"
        );
    }

    #[test]
    fn a_closing_quote_that_lost_its_last_byte() {
        let v = |b: &[u8]| b.iter().map(|&b| Some(b)).collect::<Vec<_>>();
        let at_end = decode_at(&v(&[0xE2, 0x80, b' ', b'x']), 'â', true).unwrap();
        assert_eq!((at_end.text(), at_end.len), ("”".to_string(), 2));
        assert_eq!(decode_at(&v(&[0xE2, 0x80]), 'â', true).unwrap().text(), "”");
        // Not after a word: no quote to close.
        assert_ne!(
            decode_at(&v(&[0xE2, 0x80, b' ']), 'â', false).map(|s| s.text()),
            Some("”".to_string())
        );
    }

    #[test]
    fn lost_bytes_and_spaces() {
        assert_eq!(dec(&[0xE2, 0x80, b'?']).unwrap().text(), "\u{FFFD}");
        assert_eq!(dec(&[0xC4, 0x1A]).unwrap().text(), "\u{FFFD}");
        assert_eq!(dec(&[0xC3, b' ', b'n']).unwrap().text(), "à ");
        assert_eq!(dec(&[0xC3, b' ', b's', b' ']).unwrap().text(), "à");
    }
}
