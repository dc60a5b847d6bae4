//! The East Asian multi-byte encodings: names that are raw Shift_JIS, GBK,
//! Big5 or EUC-KR bytes (`--from`), the Windows zip case, where Shift_JIS
//! names were unpacked as cp437 or cp850 (`テスト` becomes `âeâXâg`), and
//! UTF-8 text read as one of them (`项目` becomes `椤圭洰` in GBK).
//! Accepted only when the result is plausible CJK text.

use super::codepages::Codepage;
use encoding_rs::Encoding;

/// The encoding a `--from` name means, if it is a multi-byte one.
pub fn from_name(name: &str) -> Option<&'static Encoding> {
    let n = name.to_ascii_lowercase().replace('_', "-");
    Some(match n.as_str() {
        "shift-jis" | "sjis" | "cp932" | "windows-31j" | "ms932" => encoding_rs::SHIFT_JIS,
        "euc-jp" => encoding_rs::EUC_JP,
        "gbk" | "cp936" | "gb2312" | "gb18030" => encoding_rs::GB18030,
        "big5" | "cp950" | "big5-hkscs" => encoding_rs::BIG5,
        "euc-kr" | "cp949" | "uhc" => encoding_rs::EUC_KR,
        _ => return None,
    })
}

/// The encodings UTF-8 is misread as on East Asian systems, in the order
/// ties are broken.
pub const MISREAD_AS: [&Encoding; 4] = [
    encoding_rs::SHIFT_JIS,
    encoding_rs::GBK,
    encoding_rs::BIG5,
    encoding_rs::EUC_KR,
];

/// The name `--from` and `explain` use for an encoding.
pub fn name(encoding: &'static Encoding) -> &'static str {
    match encoding.name() {
        "Shift_JIS" => "shift_jis",
        "GBK" | "gb18030" => "gbk",
        "Big5" => "big5",
        "EUC-KR" => "euc-kr",
        _ => "euc-jp",
    }
}

/// Characters from the first non-ASCII one encoded for the quick test.
const PREFIX_CHARS: usize = 8;

/// Text that was UTF-8 read as one of `encodings`, decoded back, with the
/// encoding: the whole text must go back to its bytes exactly (no
/// replacement) and they must be strict UTF-8 that reads as plausible CJK.
pub fn misread_utf8(
    text: &str,
    encodings: &[&'static Encoding],
) -> Option<(String, &'static Encoding)> {
    // The misreads of UTF-8's three-byte sequences are ideographs or
    // halfwidth katakana: without one, nothing to look at (fast path).
    if !text
        .chars()
        .any(|c| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{FF61}'..='\u{FF9F}'))
    {
        return None;
    }
    // Clean CJK text fails within a few characters: those are tried first,
    // since encoding_rs's CJK encoders are slow on whole lines.
    let start = text.find(|c: char| !c.is_ascii()).unwrap_or(0);
    let head_end = text[start..]
        .char_indices()
        .nth(PREFIX_CHARS)
        .map_or(text.len(), |(i, _)| start + i);
    let mut bytes = Vec::with_capacity(text.len());
    encodings.iter().find_map(|&encoding| {
        for part in [&text[..head_end], text] {
            bytes.clear();
            let (result, _) = encoding
                .new_encoder()
                .encode_from_utf8_to_vec_without_replacement(part, &mut bytes, true);
            let broken = std::str::from_utf8(&bytes).is_err_and(|e| e.error_len().is_some());
            if result != encoding_rs::EncoderResult::InputEmpty || broken {
                return None;
            }
        }
        let fixed = std::str::from_utf8(&bytes).ok()?;
        (fixed != text && plausible_cjk(fixed)).then(|| (fixed.to_string(), encoding))
    })
}

/// Bytes decoded strictly (None on any malformed sequence).
pub fn decode(encoding: &'static Encoding, bytes: &[u8]) -> Option<String> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
}

/// A name that was `encoding` bytes read as cp437 or cp850, decoded back,
/// when that gives plausible CJK text.
pub fn dos_unzipped(name: &str, encoding: &'static Encoding) -> Option<String> {
    if name.is_ascii() {
        return None;
    }
    [Codepage::Cp437, Codepage::Cp850].iter().find_map(|cp| {
        let table = cp.table();
        let bytes: Vec<u8> = name
            .chars()
            .map(|c| table.encode(c))
            .collect::<Option<_>>()?;
        decode(encoding, &bytes).filter(|s| plausible_cjk(s))
    })
}

/// Kana, hanzi/kanji or hangul in runs of two or more, never glued to a
/// Latin letter (a stray byte pair: `Ångström` is no `熟gstr芭`), and no
/// other non-ASCII character but CJK and fullwidth punctuation: no
/// halfwidth katakana, no fullwidth Latin, no symbols.
fn plausible_cjk(s: &str) -> bool {
    let is_cjk = |c: char| matches!(c, '\u{3041}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}');
    let (mut run, mut cjk) = (0, 0);
    let mut before_run = ' ';
    let mut last = ' ';
    for c in s.chars().chain(std::iter::once(' ')) {
        if is_cjk(c) {
            if run == 0 {
                before_run = last;
            }
            run += 1;
            cjk += 1;
            last = c;
            continue;
        }
        // A run glued to a Latin word (`T俵俢harge`, `Le죚쟳`) is a misread
        // accent more often than a name like `Report資料`: left alone.
        let inside_word = before_run.is_ascii_alphabetic() || c.is_ascii_alphabetic();
        if run == 1 || (run > 0 && inside_word) {
            return false;
        }
        run = 0;
        last = c;
        if !c.is_ascii() && !is_cjk_punctuation(c) {
            return false;
        }
    }
    cjk >= 2
}

/// CJK symbols and the fullwidth punctuation of East Asian text (`：`, `，`).
fn is_cjk_punctuation(c: char) -> bool {
    matches!(
        c,
        '\u{3000}'..='\u{303F}'
            | '\u{FF01}'..='\u{FF0F}'
            | '\u{FF1A}'..='\u{FF20}'
            | '\u{FF3B}'..='\u{FF40}'
            | '\u{FF5B}'..='\u{FF60}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_names_unzipped_as_dos_code_pages() {
        for cp in [Codepage::Cp437, Codepage::Cp850] {
            let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("テスト資料.txt");
            let damaged = cp.decode_bytes(&sjis).unwrap();
            assert_eq!(
                dos_unzipped(&damaged, encoding_rs::SHIFT_JIS).as_deref(),
                Some("テスト資料.txt"),
                "{damaged}"
            );
        }
        for clean in ["résumé.txt", "Ångström", "café crème", "naïve", "Müller"] {
            assert_eq!(dos_unzipped(clean, encoding_rs::SHIFT_JIS), None, "{clean}");
        }
    }

    #[test]
    fn raw_legacy_bytes() {
        let (gbk, _, _) = encoding_rs::GBK.encode("报告.pdf");
        assert_eq!(decode(from_name("gbk").unwrap(), &gbk).unwrap(), "报告.pdf");
        let (big5, _, _) = encoding_rs::BIG5.encode("報告.pdf");
        assert_eq!(
            decode(from_name("big5").unwrap(), &big5).unwrap(),
            "報告.pdf"
        );
        let (kr, _, _) = encoding_rs::EUC_KR.encode("보고서.hwp");
        assert_eq!(
            decode(from_name("euc-kr").unwrap(), &kr).unwrap(),
            "보고서.hwp"
        );
        assert!(decode(encoding_rs::SHIFT_JIS, b"\x83").is_none());
    }
}
