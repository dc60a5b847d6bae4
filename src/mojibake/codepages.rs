//! The legacy 8-bit encodings UTF-8 text is commonly misread as, and exact
//! reversal of a character to its byte in each.
//!
//! The encodings encoding_rs knows are read from encoding_rs itself (one byte
//! at a time, without replacement), so the tables are exactly its mappings;
//! a unit test checks them against `encode_from_utf8_to_vec_without_replacement`.
//! True ISO-8859-1 (encoding_rs maps the `latin1` label to windows-1252) and
//! the DOS code pages cp437 and cp850 are tables of their own.

use std::sync::OnceLock;

/// One candidate legacy encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codepage {
    Windows1252,
    Latin1,
    MacRoman,
    Windows1250,
    Windows1251,
    Windows1253,
    Windows1254,
    Windows1257,
    Iso8859_2,
    Cp437,
    Cp850,
    Cp852,
    Cp866,
    Koi8R,
    Koi8U,
    Iso8859_5,
    Iso8859_7,
    Iso8859_9,
    Iso8859_15,
}

/// Every code page with a table: the 16 candidates ([`ALL`], in the order
/// ties are broken), then those only read from raw bytes (names that were
/// never UTF-8).
const EVERY: [Codepage; 19] = [
    Codepage::Windows1252,
    Codepage::Latin1,
    Codepage::MacRoman,
    Codepage::Windows1251,
    Codepage::Windows1250,
    Codepage::Windows1253,
    Codepage::Windows1254,
    Codepage::Windows1257,
    Codepage::Iso8859_2,
    Codepage::Cp437,
    Codepage::Cp850,
    Codepage::Cp852,
    Codepage::Cp866,
    Codepage::Koi8R,
    Codepage::Koi8U,
    Codepage::Iso8859_5,
    Codepage::Iso8859_7,
    Codepage::Iso8859_9,
    Codepage::Iso8859_15,
];

/// Every candidate, in the order ties are broken (most common mix-up
/// first): the first entries of [`EVERY`].
pub const ALL: &[Codepage] = EVERY.split_at(16).0;

const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐\
└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
const CP852_HIGH: &str = "ÇüéâäůćçłëŐőîŹÄĆÉĹĺôöĽľŚśÖÜŤťŁ×čáíóúĄąŽžĘę¬źČş«»░▒▓│┤ÁÂĚŞ╣║╗╝Żż┐\
└┴┬├─┼Ăă╚╔╩╦╠═╬¤đĐĎËďŇÍÎě┘┌█▄ŢŮ▀ÓßÔŃńňŠšŔÚŕŰýÝţ´\u{ad}˝˛ˇ˘§÷¸°¨˙űŘř■\u{a0}";
const CP850_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐\
└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}";

/// The 128 characters of bytes 0x80..=0xFF (None: undefined byte) and the
/// reverse map, sorted by character for binary search.
pub struct Table {
    high: [Option<char>; 128],
    reverse: Vec<(char, u8)>,
    /// The byte of each character below DIRECT (0: none), for speed.
    direct: Vec<u8>,
}

/// Characters below this are looked up directly, the rest by binary search.
const DIRECT: usize = 0x2600;

impl Table {
    fn new(high: [Option<char>; 128]) -> Table {
        let mut reverse: Vec<(char, u8)> = high
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.map(|c| (c, 0x80 + i as u8)))
            .collect();
        reverse.sort_unstable();
        let mut direct = vec![0u8; DIRECT];
        for &(c, b) in &reverse {
            if (c as usize) < DIRECT {
                direct[c as usize] = b;
            }
        }
        Table {
            high,
            reverse,
            direct,
        }
    }

    /// The byte that decodes to `c`, if any. U+FFFD maps to 0x1A (SUB): a
    /// byte a strict decoder lost, which the UTF-8 reader treats as unknown.
    #[inline]
    pub fn encode(&self, c: char) -> Option<u8> {
        if c.is_ascii() {
            return Some(c as u8);
        }
        if let Some(&b) = self.direct.get(c as usize) {
            return (b != 0).then_some(b);
        }
        if c == '\u{FFFD}' {
            return Some(0x1A);
        }
        self.reverse
            .binary_search_by_key(&c, |&(k, _)| k)
            .ok()
            .map(|i| self.reverse[i].1)
    }

    pub fn decode(&self, b: u8) -> Option<char> {
        if b < 0x80 {
            Some(b as char)
        } else {
            self.high[(b - 0x80) as usize]
        }
    }
}

impl Codepage {
    pub fn name(self) -> &'static str {
        match self {
            Codepage::Windows1252 => "windows-1252",
            Codepage::Latin1 => "iso-8859-1",
            Codepage::MacRoman => "macintosh",
            Codepage::Windows1250 => "windows-1250",
            Codepage::Windows1251 => "windows-1251",
            Codepage::Windows1253 => "windows-1253",
            Codepage::Windows1254 => "windows-1254",
            Codepage::Windows1257 => "windows-1257",
            Codepage::Iso8859_2 => "iso-8859-2",
            Codepage::Cp437 => "cp437",
            Codepage::Cp850 => "cp850",
            Codepage::Cp852 => "cp852",
            Codepage::Cp866 => "cp866",
            Codepage::Koi8R => "koi8-r",
            Codepage::Koi8U => "koi8-u",
            Codepage::Iso8859_5 => "iso-8859-5",
            Codepage::Iso8859_7 => "iso-8859-7",
            Codepage::Iso8859_9 => "iso-8859-9",
            Codepage::Iso8859_15 => "iso-8859-15",
        }
    }

    /// The IBM PC code pages of DOS (and of zip files made on it).
    pub(crate) fn is_dos(self) -> bool {
        matches!(
            self,
            Codepage::Cp437 | Codepage::Cp850 | Codepage::Cp852 | Codepage::Cp866
        )
    }

    /// The letters a Cyrillic or Greek code page is read for; None for
    /// the Latin ones.
    pub(crate) fn alphabet(self) -> Option<std::ops::RangeInclusive<char>> {
        match self {
            Codepage::Windows1251
            | Codepage::Koi8R
            | Codepage::Koi8U
            | Codepage::Cp866
            | Codepage::Iso8859_5 => Some('\u{400}'..='\u{4FF}'),
            Codepage::Windows1253 | Codepage::Iso8859_7 => Some('\u{370}'..='\u{3FF}'),
            _ => None,
        }
    }

    /// Parses a name as given to `--from` (a few common aliases accepted).
    pub fn from_name(name: &str) -> Option<Codepage> {
        let n = name.to_ascii_lowercase().replace('_', "-");
        let found = match n.as_str() {
            "latin1" | "latin-1" | "iso-8859-1" | "iso8859-1" => Codepage::Latin1,
            "cp1252" | "windows-1252" => Codepage::Windows1252,
            "macroman" | "mac-roman" | "macintosh" | "mac" => Codepage::MacRoman,
            "cp1250" | "windows-1250" => Codepage::Windows1250,
            "cp1251" | "windows-1251" => Codepage::Windows1251,
            "cp1253" | "windows-1253" => Codepage::Windows1253,
            "cp1254" | "windows-1254" => Codepage::Windows1254,
            "cp1257" | "windows-1257" => Codepage::Windows1257,
            "latin2" | "latin-2" | "iso-8859-2" | "iso8859-2" => Codepage::Iso8859_2,
            "cp437" | "ibm437" => Codepage::Cp437,
            "cp850" | "ibm850" => Codepage::Cp850,
            "cp852" | "ibm852" => Codepage::Cp852,
            "cp866" | "ibm866" => Codepage::Cp866,
            "koi8-r" | "koi8r" => Codepage::Koi8R,
            "koi8-u" | "koi8u" => Codepage::Koi8U,
            "iso-8859-5" | "iso8859-5" | "cyrillic" => Codepage::Iso8859_5,
            "iso-8859-7" | "iso8859-7" | "greek" => Codepage::Iso8859_7,
            "iso-8859-9" | "iso8859-9" | "latin5" => Codepage::Iso8859_9,
            "iso-8859-15" | "iso8859-15" | "latin9" => Codepage::Iso8859_15,
            _ => return None,
        };
        Some(found)
    }

    fn encoding_rs(self) -> Option<&'static encoding_rs::Encoding> {
        Some(match self {
            Codepage::Windows1252 => encoding_rs::WINDOWS_1252,
            Codepage::MacRoman => encoding_rs::MACINTOSH,
            Codepage::Windows1250 => encoding_rs::WINDOWS_1250,
            Codepage::Windows1251 => encoding_rs::WINDOWS_1251,
            Codepage::Windows1253 => encoding_rs::WINDOWS_1253,
            Codepage::Windows1254 => encoding_rs::WINDOWS_1254,
            Codepage::Windows1257 => encoding_rs::WINDOWS_1257,
            Codepage::Iso8859_2 => encoding_rs::ISO_8859_2,
            Codepage::Cp866 => encoding_rs::IBM866,
            Codepage::Koi8R => encoding_rs::KOI8_R,
            Codepage::Koi8U => encoding_rs::KOI8_U,
            Codepage::Iso8859_5 => encoding_rs::ISO_8859_5,
            Codepage::Iso8859_7 => encoding_rs::ISO_8859_7,
            Codepage::Iso8859_15 => encoding_rs::ISO_8859_15,
            Codepage::Latin1
            | Codepage::Cp437
            | Codepage::Cp850
            | Codepage::Cp852
            | Codepage::Iso8859_9 => {
                return None;
            }
        })
    }

    fn build(self) -> Table {
        let mut high = [None; 128];
        match self {
            Codepage::Latin1 => {
                for (i, slot) in high.iter_mut().enumerate() {
                    let mut out = [0u16; 1];
                    encoding_rs::mem::convert_latin1_to_utf16(&[0x80 + i as u8], &mut out);
                    *slot = char::from_u32(out[0] as u32);
                }
            }
            // ISO-8859-9 is windows-1254 with C1 controls at 0x80..0x9F
            // (encoding_rs maps the label to windows-1254).
            Codepage::Iso8859_9 => {
                let latin1 = Codepage::Latin1.build();
                let turkish = Codepage::Windows1254.build();
                for (i, slot) in high.iter_mut().enumerate() {
                    let table = if i < 0x20 { &latin1 } else { &turkish };
                    *slot = table.high[i];
                }
            }
            Codepage::Cp437 | Codepage::Cp850 | Codepage::Cp852 => {
                let chars = match self {
                    Codepage::Cp437 => CP437_HIGH,
                    Codepage::Cp850 => CP850_HIGH,
                    _ => CP852_HIGH,
                };
                for (slot, c) in high.iter_mut().zip(chars.chars()) {
                    *slot = Some(c);
                }
            }
            _ => {
                let enc = self.encoding_rs().expect("encoding_rs code page");
                for (i, slot) in high.iter_mut().enumerate() {
                    let byte = [0x80 + i as u8];
                    *slot = enc
                        .decode_without_bom_handling_and_without_replacement(&byte)
                        .and_then(|s| s.chars().next());
                }
            }
        }
        Table::new(high)
    }

    pub fn table(self) -> &'static Table {
        static TABLES: OnceLock<Vec<Table>> = OnceLock::new();
        let tables = TABLES.get_or_init(|| EVERY.iter().map(|cp| cp.build()).collect());
        let index = EVERY.iter().position(|&cp| cp == self).expect("listed");
        &tables[index]
    }

    /// The whole string as bytes of this code page, or None when a character
    /// has no byte (exact reversal, no replacement).
    pub fn encode_str(self, s: &str) -> Option<Vec<u8>> {
        let table = self.table();
        s.chars().map(|c| table.encode(c)).collect()
    }

    /// Bytes decoded with this code page (for tests and `--from`); None when
    /// a byte is undefined.
    pub fn decode_bytes(self, bytes: &[u8]) -> Option<String> {
        let table = self.table();
        bytes.iter().map(|&b| table.decode(b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_agree_with_encoding_rs_encoder() {
        for cp in EVERY {
            let Some(enc) = cp.encoding_rs() else {
                continue;
            };
            for b in 0x80u8..=0xFF {
                let Some(c) = cp.table().decode(b) else {
                    continue;
                };
                let mut out = Vec::with_capacity(8);
                let (result, _) = enc
                    .new_encoder()
                    .encode_from_utf8_to_vec_without_replacement(
                        c.encode_utf8(&mut [0; 4]),
                        &mut out,
                        true,
                    );
                assert_eq!(
                    result,
                    encoding_rs::EncoderResult::InputEmpty,
                    "{cp:?} {b:#x}"
                );
                assert_eq!(out, [b], "{cp:?} {c:?}");
                assert_eq!(cp.table().encode(c), Some(b));
            }
        }
    }

    #[test]
    fn sloppy_1252_and_true_latin1() {
        assert_eq!(Codepage::Windows1252.table().decode(0x81), Some('\u{81}'));
        assert_eq!(Codepage::Windows1252.table().decode(0x80), Some('€'));
        assert_eq!(Codepage::Latin1.table().decode(0x80), Some('\u{80}'));
        assert_eq!(Codepage::Windows1251.table().decode(0x98), Some('\u{98}'));
    }

    #[test]
    fn dos_code_pages() {
        assert_eq!(Codepage::Cp437.decode_bytes(&[0x82, 0xC4]).unwrap(), "é─");
        assert_eq!(Codepage::Cp850.decode_bytes(&[0x82, 0xC7]).unwrap(), "éÃ");
        assert_eq!(Codepage::Cp437.table().encode('╨'), Some(0xD0));
        assert_eq!(Codepage::MacRoman.encode_str("√©").unwrap(), [0xC3, 0xA9]);
        assert_eq!(Codepage::Windows1252.encode_str("日"), None);
    }
}
