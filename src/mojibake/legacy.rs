//! The legacy encodings a name or a line may really be in: the 8-bit code
//! pages and the East Asian multi-byte encodings, by the names `--from`
//! and `--only-from` take; and the reading of names that are not UTF-8,
//! chosen by plausibility with the names of their directory as context.

use super::cjk;
use super::codepages::Codepage;
use super::letters;
use super::plausible::{self, CjkLanguage};
use encoding_rs::Encoding;

/// One legacy encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Legacy {
    Byte(Codepage),
    Multi(&'static Encoding),
}

impl Legacy {
    /// Parses a name as `--from` takes it (common aliases accepted).
    pub(crate) fn from_name(name: &str) -> Option<Legacy> {
        Codepage::from_name(name)
            .map(Legacy::Byte)
            .or_else(|| cjk::from_name(name).map(Legacy::Multi))
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Legacy::Byte(cp) => cp.name(),
            Legacy::Multi(encoding) => cjk::name(encoding),
        }
    }

    /// The bytes decoded strictly (None when a byte or sequence is not
    /// defined in this encoding).
    pub(crate) fn decode(self, bytes: &[u8]) -> Option<String> {
        match self {
            Legacy::Byte(cp) => cp.decode_bytes(bytes),
            Legacy::Multi(encoding) => cjk::decode(encoding, bytes),
        }
    }
}

/// The encodings a name that is not UTF-8 may be in, in the order ties are
/// broken (the most common first).
const RAW: [Legacy; 21] = [
    Legacy::Byte(Codepage::Windows1252),
    Legacy::Byte(Codepage::Latin1),
    Legacy::Byte(Codepage::Iso8859_15),
    Legacy::Byte(Codepage::Cp437),
    Legacy::Byte(Codepage::Cp850),
    Legacy::Byte(Codepage::MacRoman),
    Legacy::Byte(Codepage::Windows1250),
    Legacy::Byte(Codepage::Iso8859_2),
    Legacy::Byte(Codepage::Cp852),
    Legacy::Byte(Codepage::Windows1251),
    Legacy::Byte(Codepage::Koi8R),
    Legacy::Byte(Codepage::Koi8U),
    Legacy::Byte(Codepage::Cp866),
    Legacy::Byte(Codepage::Iso8859_5),
    Legacy::Byte(Codepage::Iso8859_7),
    Legacy::Byte(Codepage::Iso8859_9),
    Legacy::Multi(encoding_rs::SHIFT_JIS),
    Legacy::Multi(encoding_rs::EUC_JP),
    Legacy::Multi(encoding_rs::GBK),
    Legacy::Multi(encoding_rs::BIG5),
    Legacy::Multi(encoding_rs::EUC_KR),
];

impl Legacy {
    /// The language whose characters a reading in this encoding should use.
    pub(crate) fn language(self) -> Option<CjkLanguage> {
        let Legacy::Multi(encoding) = self else {
            return None;
        };
        Some(match cjk::name(encoding) {
            "shift_jis" | "euc-jp" => CjkLanguage::Japanese,
            "gbk" => CjkLanguage::SimplifiedChinese,
            "big5" => CjkLanguage::TraditionalChinese,
            _ => CjkLanguage::Korean,
        })
    }

    /// The reading of `bytes` in this encoding and its cost, if it reads
    /// as text: mostly letters, not symbols (`‚t‚` is no reading of
    /// `\x82t\x82`).
    fn reading(self, bytes: &[u8]) -> Option<(String, u32)> {
        let text = self.decode(bytes)?;
        let (letters, others) = text
            .chars()
            .filter(|c| !c.is_ascii())
            .fold((0, 0), |(l, o), c| {
                if letters::alphabetic(c) {
                    (l + 1, o)
                } else {
                    (l, o + 1)
                }
            });
        if letters < others {
            return None;
        }
        let cost = plausible::cost(&text, self.language());
        Some((text, cost))
    }
}

/// `--from`: its reading is taken unless another is better by more than
/// this (or a third of that reading's cost).
const PREFER_MARGIN: u32 = 8;
/// The encoding most of a directory's names read best in is taken for a
/// name unless another reads that name better by more than this.
const CONTEXT_MARGIN: u32 = 6;
/// A reading costing more than this per byte that is not ASCII, or with
/// more symbols than letters, is no reading: the name is listed as
/// unplaced.
const UNPLACED_PER_CHAR: u32 = 4;

/// How names that are not UTF-8 are read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawReader {
    pub(crate) prefer: Option<Legacy>,
    /// `--only-from`: no other reading.
    pub(crate) only: bool,
}

/// A name's chosen reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chosen {
    pub(crate) text: String,
    pub(crate) encoding: Legacy,
}

impl RawReader {
    fn candidates(&self) -> Vec<Legacy> {
        match (self.prefer, self.only) {
            (Some(legacy), true) => vec![legacy],
            (Some(legacy), false) => {
                let mut all = vec![legacy];
                all.extend(RAW.iter().copied().filter(|&l| l != legacy));
                all
            }
            (None, _) => RAW.to_vec(),
        }
    }

    /// The reading of each of a directory's names that are not UTF-8: per
    /// name the most plausible, but the directory's own encoding (the one
    /// its names read best in together: a zip unpacks all its names from
    /// one code page) when that reads the name nearly as well, and `--from`
    /// when that does. None: no encoding reads the name plausibly.
    pub(crate) fn choose(&self, names: &[&[u8]]) -> Vec<Option<Chosen>> {
        let candidates = self.candidates();
        let readings: Vec<Vec<Option<(String, u32)>>> = names
            .iter()
            .map(|bytes| candidates.iter().map(|l| l.reading(bytes)).collect())
            .collect();
        // The directory's encoding: the one most of its names read best in
        // (a name whose best reading several encodings share counts for
        // each; ties between encodings: the most common first).
        let mut votes = vec![0usize; candidates.len()];
        for readings in &readings {
            let best = readings.iter().flatten().map(|(_, c)| *c).min();
            for (vote, reading) in votes.iter_mut().zip(readings) {
                *vote += usize::from(reading.as_ref().map(|(_, c)| *c) == best);
            }
        }
        let directory = (0..candidates.len()).rev().max_by_key(|&i| votes[i]);
        names
            .iter()
            .zip(&readings)
            .map(|(bytes, readings)| {
                let cost = |i: usize| readings[i].as_ref().map(|(_, c)| *c);
                let own = (0..candidates.len())
                    .filter(|&i| cost(i).is_some())
                    .min_by_key(|&i| cost(i))?;
                let best = cost(own)?;
                let near = |i: usize, margin: u32| cost(i).is_some_and(|c| c <= best + margin);
                let pick = if self.prefer.is_some() && near(0, PREFER_MARGIN.max(best / 3)) {
                    0
                } else if let Some(d) = directory.filter(|&d| near(d, CONTEXT_MARGIN)) {
                    d
                } else {
                    own
                };
                let (text, cost) = readings[pick].clone()?;
                let strange = bytes.iter().filter(|b| !b.is_ascii()).count() as u32;
                let plausible = cost <= UNPLACED_PER_CHAR * strange.max(1);
                (self.only || plausible).then(|| Chosen {
                    text,
                    encoding: candidates[pick],
                })
            })
            .collect()
    }
}

/// Bytes of one 8-bit code page shown through another: `really` read as
/// `read_as` (a DOS name unpacked by a tool that assumes ISO-8859-1,
/// Cyrillic windows-1251 or KOI8-R text on a Western system).
#[derive(Debug)]
pub(crate) struct Misread {
    pub(crate) read_as: Codepage,
    pub(crate) really: Codepage,
}

const fn misread(read_as: Codepage, really: Codepage) -> Misread {
    Misread { read_as, really }
}

/// The misreads `reread` undoes, the most common first (ties go to the
/// first).
pub(crate) const MISREADS: [Misread; 25] = {
    use Codepage::*;
    [
        misread(Latin1, Windows1252),
        misread(Latin1, Cp437),
        misread(Latin1, Cp850),
        misread(Latin1, Windows1251),
        misread(Latin1, Koi8R),
        misread(Latin1, Koi8U),
        misread(Latin1, Windows1250),
        misread(Latin1, Iso8859_2),
        misread(Latin1, Cp852),
        misread(Latin1, Cp866),
        misread(Latin1, MacRoman),
        misread(Latin1, Windows1253),
        misread(Latin1, Iso8859_7),
        misread(Windows1252, Windows1251),
        misread(Windows1252, Koi8R),
        misread(Windows1252, Koi8U),
        misread(Windows1252, Windows1250),
        misread(Windows1252, Windows1253),
        misread(Windows1252, Cp437),
        misread(Windows1252, Cp850),
        misread(Windows1252, Cp852),
        misread(Windows1252, Cp866),
        misread(Cp437, Cp850),
        misread(Cp437, Cp852),
        misread(Cp437, Cp866),
    ]
};

/// A reread is taken only when it lowers the cost by this much, or by a
/// quarter of the text's cost if that is more.
const REREAD_GAIN: u32 = 5;

/// What a text read through the wrong code page looks like, cheaply: C1
/// controls, three accented Latin letters in a row (`Ïðèâåò`), or a symbol,
/// box line or Greek letter of the DOS code pages glued between letters
/// (`Kampbj¢rn`, `J‚r‚my`, `Istoƒni`, `Koτice`).
pub(crate) fn suspicious(text: &str) -> bool {
    let mut run = 0;
    // The character before was a letter of a Latin word.
    let mut prev_latin = false;
    // Odd characters right after a letter, waiting for the next letter.
    let mut glued = false;
    for c in text.chars() {
        // ASCII (most of any text) needs no lookup in Unicode's tables.
        if c.is_ascii() {
            let letter = c.is_ascii_alphabetic();
            if letter && glued {
                return true;
            }
            (run, glued, prev_latin) = (0, false, letter);
            continue;
        }
        if matches!(c, '\u{80}'..='\u{9F}') {
            return true;
        }
        // Latin-1's letters are À..ÿ but × and ÷.
        let latin1_letter = matches!(c, 'À'..='ÿ') && c != '×' && c != '÷';
        run = if latin1_letter { run + 1 } else { 0 };
        if run >= 3 {
            return true;
        }
        if odd(c) {
            glued |= prev_latin;
            prev_latin = false;
        } else {
            // Not odd and not ASCII: a Latin letter, `’` or `·`.
            let letter = latin1_letter || letters::alphabetic(c);
            if letter && glued {
                return true;
            }
            glued = false;
            prev_latin = letter;
        }
    }
    false
}

/// Every reading of `text` through the misreads that changes it and reads
/// in the really code page's script, with its cost (`prefer`'s lowered by
/// [`PREFER_MARGIN`]), in the order of `misreads`. `alone`: the text is
/// judged on its own, not as one of a directory's names.
pub(crate) fn rereads<'m>(
    text: &str,
    misreads: &[&'m Misread],
    prefer: Option<Codepage>,
    alone: bool,
) -> Vec<(&'m Misread, String, u32)> {
    let encodes_latin1 = Codepage::Latin1.encode_str(text).is_some();
    // DOS bytes shown as Latin-1 show their 0x80..0x9F as C1 controls;
    // without any, `¢` alone is cp437's 0x9B (`Kampbj¢rn`), not Latin-1's
    // 0xA2 (beside names with C1 controls, it is).
    let c1 = !alone || text.chars().any(|c| matches!(c, '\u{80}'..='\u{9F}'));
    // A control windows-1252 leaves undefined, standing apart from any
    // letter, is meant (ftfy's "control characters are apparently
    // intentional \x81"): no DOS or Mac letter hides there.
    let chars: Vec<char> = text.chars().collect();
    let meant = chars.iter().enumerate().any(|(i, &c)| {
        let letter = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|&c| letters::alphabetic(c))
        };
        matches!(c, '\u{81}' | '\u{8D}' | '\u{8F}' | '\u{90}' | '\u{9D}')
            && !letter(i.checked_sub(1))
            && !letter(Some(i + 1))
    });
    let mut found = Vec::new();
    for &m in misreads {
        // windows-1252 gives Latin-1's bytes to a text Latin-1 can encode.
        if m.read_as == Codepage::Windows1252 && encodes_latin1 {
            continue;
        }
        if m.read_as == Codepage::Latin1 && (meant || (m.really.is_dos() && !c1)) {
            continue;
        }
        let Some(reading) = read_through(text, m) else {
            continue;
        };
        // A Cyrillic or Greek code page is read for its letters, not for a
        // quote it has where Latin-1 has a symbol; a Latin one for letters
        // where the text has symbols (`Kampbj¢rn`), not for other symbols.
        // (Quotes and dashes are what C1 controls often were.)
        let typed = |c: char| "‘’“”„‚«»–—…•".contains(c);
        let odds = |t: &str| t.chars().filter(|&c| odd(c) && !typed(c)).count();
        let gives_letters = match m.really.alphabet() {
            Some(script) => reading.chars().filter(|c| script.contains(c)).count() >= 2,
            None => odds(&reading) < odds(text),
        };
        // And the words it reads are letters: a box line or a symbol left
        // inside one (`Poka┼żi`) means this is not the code page.
        if !gives_letters || symbol_inside_word(&reading) {
            continue;
        }
        let mut cost = plausible::cost(&reading, None);
        if prefer == Some(m.really) {
            cost = cost.saturating_sub(PREFER_MARGIN);
        }
        found.push((m, reading, cost));
    }
    found
}

/// A symbol or box line (not typed punctuation) between two letters.
fn symbol_inside_word(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let symbol = |c: char| {
        !c.is_ascii() && !letters::alphabetic(c) && !c.is_whitespace() && !"’·".contains(c)
    };
    letters::glued_runs(&chars, symbol).next().is_some()
}

/// Not ASCII and not a letter of a Latin word: a symbol, a box line, a
/// control, a Greek or Cyrillic letter, or the letter-like signs of the
/// code pages (`ƒ`, `µ`, `º`, `ª`).
fn odd(c: char) -> bool {
    // (is_latin first: Unicode's alphabetic table is slow to search.)
    let latin_letter =
        plausible::is_latin(c) && !matches!(c, 'ƒ' | 'µ' | 'º' | 'ª') && letters::alphabetic(c);
    !c.is_ascii() && !latin_letter && c != '’' && c != '·'
}

/// `text` read as what it really was, when it is another code page's bytes
/// shown through the wrong one and reading them right is clearly more
/// plausible: the reading and the misread. `prefer` (`--from`) wins any
/// close call; `extra_gain` is asked of a text that is already a repair.
pub(crate) fn reread<'m>(
    text: &str,
    misreads: &[&'m Misread],
    prefer: Option<Codepage>,
    extra_gain: u32,
) -> Option<(String, &'m Misread)> {
    let current = plausible::cost(text, None);
    let (m, reading, cost) = rereads(text, misreads, prefer, true)
        .into_iter()
        .rev()
        .min_by_key(|(_, _, cost)| *cost)?;
    (cost + REREAD_GAIN.max(current / 4) + extra_gain <= current).then_some((reading, m))
}

/// The misread a step names (its `read_as` and real code page).
pub(crate) fn misread_of(read_as: &str, really: &str) -> Option<&'static Misread> {
    MISREADS
        .iter()
        .find(|m| m.read_as.name() == read_as && m.really.name() == really)
}

/// `text` read through `m`, when that changes it.
pub(crate) fn read_through(text: &str, m: &Misread) -> Option<String> {
    let bytes = m.read_as.encode_str(text)?;
    let reading = m.really.decode_bytes(&bytes)?;
    (reading != text).then_some(reading)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`suspicious`] as first written, every character through Unicode's
    /// tables: the fast one must agree with it.
    fn suspicious_plainly(text: &str) -> bool {
        let (mut run, mut prev_letter, mut glued) = (0, false, false);
        for c in text.chars() {
            if matches!(c, '\u{80}'..='\u{9F}') {
                return true;
            }
            let letter = c.is_alphabetic();
            run = if matches!(c, 'À'..='ÿ') && letter {
                run + 1
            } else {
                0
            };
            if run >= 3 {
                return true;
            }
            if odd(c) {
                glued |= prev_letter;
            } else if letter && glued {
                return true;
            } else {
                glued = false;
            }
            prev_letter = letter && !odd(c);
        }
        false
    }

    #[test]
    fn suspicious_agrees_with_its_plain_statement() {
        let palette: Vec<char> = "aZ 1.’·×÷ÀéÿªºµƒĀſǅḀỹ¢£¤┬├═░αΩжЯ日ｱ\u{85}\u{9F}\u{300}"
            .chars()
            .collect();
        let mut seed = 7u64;
        for _ in 0..200_000 {
            let mut s = String::new();
            for _ in 0..(seed >> 60) as usize + 1 {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                s.push(palette[(seed >> 33) as usize % palette.len()]);
            }
            assert_eq!(suspicious(&s), suspicious_plainly(&s), "{s:?}");
        }
        for text in [
            "Kampbj¢rn",
            "J\u{82}r\u{82}my",
            "Ïðèâåò",
            "Istoƒni",
            "naïve café",
            "Москва",
        ] {
            assert_eq!(suspicious(text), suspicious_plainly(text), "{text}");
        }
    }

    fn read(names: &[&[u8]]) -> Vec<Option<String>> {
        let reader = RawReader {
            prefer: None,
            only: false,
        };
        reader
            .choose(names)
            .into_iter()
            .map(|c| c.map(|c| c.text))
            .collect()
    }

    #[test]
    fn names_are_read_in_their_code_page_with_the_directory_as_context() {
        let koi8 = |s: &str| encoding_rs::KOI8_R.encode(s).0.into_owned();
        assert_eq!(
            read(&[
                &koi8("Москва.csv"),
                &koi8("Россия.txt"),
                &koi8("Бульгу.doc")
            ]),
            ["Москва.csv", "Россия.txt", "Бульгу.doc"].map(|s| Some(s.to_string()))
        );
        let cp1251 = encoding_rs::WINDOWS_1251
            .encode("Привет.txt")
            .0
            .into_owned();
        assert_eq!(read(&[&cp1251]), [Some("Привет.txt".to_string())]);
        assert_eq!(
            read(&[b"J\x82r\x82my Lal.odt"]),
            [Some("Jérémy Lal.odt".to_string())]
        );
        // Symbols are no reading (`‚t‚`), nor is a run of them.
        assert_eq!(read(&[b"\x82t\x82.txt"]), [Some("été.txt".to_string())]);
        assert_eq!(read(&[b"\x80\x80\xb0\xb1\xb2.bin"]), [None]);
    }
}
