//! The repair: peel layers of "UTF-8 decoded as a legacy code page" off a
//! string, one layer at a time, choosing at each layer the code page whose
//! reversal lowers the badness most.
//!
//! A layer is reversed per segment: every character is mapped back to its
//! byte (a character the code page lacks is a barrier), the bytes are read
//! as UTF-8 and each sequence found replaces the characters it came from.
//! When the whole string reverses cleanly it is one candidate; otherwise
//! each word is judged on its own, so a broken word is fixed next to a
//! correct accented one. A partial repair must leave nothing bad behind.

use super::badness::badness;
use super::cjk;
use super::codepages::{ALL, Codepage};
use super::legacy::{Legacy, MISREADS, Misread, reread, suspicious};
use super::letters;
use super::plausible;
use super::utf8::{Sequence, decode_at};
use encoding_rs::Encoding;
use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// How much more plausible than the UTF-8 layers' result a reading of the
/// input as legacy bytes must be to replace it.
const REREAD_OVER_CHAIN: u32 = 5;

/// Layers peeled at most (UTF-8 misread four times over).
pub(crate) const MAX_LAYERS: usize = 4;

/// A partial repair (some words only) must remove at least this much
/// badness: one weak pair next to correct text is not enough evidence...
const PARTIAL_MIN_GAIN: u32 = 3;

/// ...unless the line also has correct accented letters that the repair
/// keeps (`cafÃ© crème`): the line mixes a correct and a broken source.
const PARTIAL_MIN_GAIN_BESIDE_ACCENTS: u32 = 2;

/// Which repair of a layer wins when the whole-string one and the
/// word-by-word one are equally bad.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tie {
    Whole,
    Words,
}

/// One step of a repair chain, for `explain`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    /// The code page the text had been misread as, or
    /// `c1-controls-as-<code page>` for a last step that reads stray C1
    /// controls as that code page; for a reread, the code page the text
    /// really was in.
    pub encoding: &'static str,
    /// A reread: the code page its bytes had been shown through (not UTF-8:
    /// legacy bytes read as the wrong legacy code page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_as: Option<&'static str>,
    pub before: String,
    pub after: String,
    /// Only some words were changed.
    pub partial: bool,
    pub badness_before: u32,
    pub badness_after: u32,
}

/// The repair settings: which code pages to consider.
#[derive(Clone, Debug)]
pub struct Repairer {
    candidates: Vec<Codepage>,
    /// Multi-byte East Asian encodings, tried on the whole text once the
    /// 8-bit layers are peeled (their misreads are CJK, which no badness sees).
    east_asian: Vec<&'static Encoding>,
    /// Legacy bytes shown through the wrong legacy code page, read right
    /// last, when the text still looks like one.
    misreads: Vec<&'static Misread>,
    /// `--from`: the code page that wins close calls.
    prefer: Option<Codepage>,
}

impl Default for Repairer {
    fn default() -> Self {
        Repairer {
            candidates: ALL.to_vec(),
            east_asian: cjk::MISREAD_AS.to_vec(),
            misreads: MISREADS.iter().collect(),
            prefer: None,
        }
    }
}

/// Characters `start..end` stand for `seq`.
struct Unit {
    start: usize,
    end: usize,
    seq: Sequence,
}

impl Unit {
    fn push_to(&self, out: &mut String) {
        out.push(self.seq.ch);
        if self.seq.space {
            out.push(' ');
        }
    }
}

impl Repairer {
    /// Only `cp` is tried (`--from`).
    pub fn only(cp: Codepage) -> Repairer {
        Repairer {
            candidates: vec![cp],
            east_asian: Vec::new(),
            misreads: MISREADS.iter().filter(|m| m.really == cp).collect(),
            prefer: Some(cp),
        }
    }

    /// Only UTF-8 read as the multi-byte `encoding` is repaired (`--from gbk`).
    pub fn only_east_asian(encoding: &'static Encoding) -> Repairer {
        Repairer {
            candidates: Vec::new(),
            east_asian: vec![encoding],
            misreads: Vec::new(),
            prefer: None,
        }
    }

    /// Only `legacy` is tried (`--only-from`).
    pub(crate) fn only_legacy(legacy: Legacy) -> Repairer {
        match legacy {
            Legacy::Byte(cp) => Repairer::only(cp),
            Legacy::Multi(encoding) => Repairer::only_east_asian(encoding),
        }
    }

    /// Every candidate, `legacy` first: it wins every tie (`--from`).
    pub(crate) fn preferring(legacy: Legacy) -> Repairer {
        let mut repairer = Repairer::default();
        match legacy {
            Legacy::Byte(cp) => {
                repairer.candidates.retain(|&c| c != cp);
                repairer.candidates.insert(0, cp);
                repairer.prefer = Some(cp);
            }
            Legacy::Multi(encoding) => {
                repairer.east_asian.retain(|&e| e != encoding);
                repairer.east_asian.insert(0, encoding);
            }
        }
        repairer
    }

    /// The misreads of legacy bytes this repairer reads through.
    pub(crate) fn misreads(&self) -> &[&'static Misread] {
        &self.misreads
    }

    /// The code page `--from` prefers, if any.
    pub(crate) fn preferred(&self) -> Option<Codepage> {
        self.prefer
    }

    /// The repaired text; borrowed when nothing changed (no allocation for
    /// clean text).
    pub fn repair<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if text.is_ascii() {
            return Cow::Borrowed(text);
        }
        match self.chain(text, badness(text)).pop() {
            Some(step) => Cow::Owned(step.after),
            None => Cow::Borrowed(text),
        }
    }

    /// The chain of repairs that were accepted, first layer first. Empty
    /// when the text is left alone.
    pub fn explain(&self, text: &str) -> Vec<Step> {
        self.chain(text, badness(text))
    }

    /// The 8-bit layers, then a multi-byte East Asian one when the text
    /// left is UTF-8 read as one of those.
    /// The input is tried first: an 8-bit chain would read its stray C1
    /// controls (Shift_JIS keeps 0x80 as U+0080) as windows-1252.
    fn chain(&self, text: &str, start: u32) -> Vec<Step> {
        if let Some(step) = self.east_asian_step(text, start) {
            return vec![step];
        }
        let mut steps = self.chain_8bit(text, start);
        if let Some(last) = steps.last()
            && let Some(step) = self.east_asian_step(&last.after, last.badness_after)
        {
            steps.push(step);
        }
        if self.misreads.is_empty() || !suspicious(text) {
            return steps;
        }
        // Legacy bytes shown through the wrong code page: read right after
        // the UTF-8 layers, or instead of them when that reads better (a
        // cp866 name shown as cp437 has pairs that decode as UTF-8).
        let (last, last_bad) = steps
            .last()
            .map_or((text, start), |s| (s.after.as_str(), s.badness_after));
        // A text the UTF-8 layers left clean is read again only when that
        // is clearly better.
        let extra = if steps.is_empty() {
            0
        } else {
            REREAD_OVER_CHAIN
        };
        if let Some(step) = self.reread_step(last, last_bad, extra) {
            steps.push(step);
        }
        if !steps.is_empty()
            && let Some(direct) = self.reread_step(text, start, 0)
        {
            // UTF-8 sequences found for the whole text are strong evidence:
            // the reading must be clearly better than what they gave; a
            // repair of some words only just better.
            let chained = steps.last().map_or(text, |s| s.after.as_str());
            let margin = if steps.iter().any(|s| s.partial) {
                1
            } else {
                REREAD_OVER_CHAIN
            };
            if plausible::cost(&direct.after, None) + margin <= plausible::cost(chained, None) {
                return vec![direct];
            }
        }
        steps
    }

    /// Legacy bytes shown through the wrong legacy code page, read right.
    fn reread_step(&self, text: &str, bad: u32, extra_gain: u32) -> Option<Step> {
        if !suspicious(text) {
            return None;
        }
        let (after, misread) = reread(text, &self.misreads, self.prefer, extra_gain)?;
        Some(Step {
            encoding: misread.really.name(),
            read_as: Some(misread.read_as.name()),
            before: text.to_string(),
            badness_after: badness(&after),
            after,
            partial: false,
            badness_before: bad,
        })
    }

    fn east_asian_step(&self, text: &str, bad: u32) -> Option<Step> {
        let (after, encoding) = cjk::misread_utf8(text, &self.east_asian)?;
        Some(Step {
            encoding: cjk::name(encoding),
            read_as: None,
            before: text.to_string(),
            badness_after: badness(&after),
            after,
            partial: false,
            badness_before: bad,
        })
    }

    /// The chain of 8-bit layers with the lower final badness of two: whole
    /// reversals preferred over equally bad word-by-word ones (`Ã„Æ’` must go
    /// whole through its middle layer), or the other way (`r√©gime rÃ©gime`
    /// must not read `rÃ©` as Mac OS Roman). The second is tried only when
    /// the first leaves something bad.
    fn chain_8bit(&self, text: &str, start: u32) -> Vec<Step> {
        let tied = std::cell::Cell::new(false);
        let whole_first = self.chain_with(text, start, Tie::Whole, &tied);
        let left = whole_first.last().map_or(start, |s| s.badness_after);
        if left == 0 || !tied.get() {
            return whole_first;
        }
        let words_first = self.chain_with(text, start, Tie::Words, &tied);
        if words_first.last().map_or(start, |s| s.badness_after) < left {
            words_first
        } else {
            whole_first
        }
    }

    /// `tied` is set when a tie between whole and word-by-word repair was met.
    fn chain_with(
        &self,
        text: &str,
        start: u32,
        tie: Tie,
        tied: &std::cell::Cell<bool>,
    ) -> Vec<Step> {
        if start == 0 {
            return Vec::new();
        }
        let mut steps: Vec<Step> = Vec::new();
        let mut current = text.to_string();
        let mut current_bad = start;
        while steps.len() < MAX_LAYERS {
            let found = match self.best_layer(&current, current_bad, tie, tied) {
                Some(step) => vec![step],
                None if steps.len() + 2 <= MAX_LAYERS => {
                    self.two_layers(&current, current_bad, tie, tied)
                }
                None => Vec::new(),
            };
            let Some(last) = found.last() else {
                break;
            };
            current = last.after.clone();
            current_bad = last.badness_after;
            steps.extend(found);
            if current_bad == 0 {
                break;
            }
        }
        // C1 controls in a text Latin-1 encodes are a reread's to read.
        if Codepage::Latin1.encode_str(&current).is_none()
            && let Some(step) = c1_step(&current, current_bad)
        {
            steps.push(step);
        }
        // Keep the longest prefix of the chain that is convincing.
        while let Some(last) = steps.last() {
            let partial = steps.iter().any(|s| s.partial);
            let gain = start.saturating_sub(last.badness_after);
            let convincing = if partial {
                let min_gain = if keeps_accented_letters(text, &last.after) {
                    PARTIAL_MIN_GAIN_BESIDE_ACCENTS
                } else {
                    PARTIAL_MIN_GAIN
                };
                last.badness_after == 0 && gain >= min_gain
            } else {
                last.badness_after < start
            };
            if convincing {
                break;
            }
            steps.pop();
        }
        steps
    }

    /// The code page whose reversal lowers the badness most, if any does.
    /// Whole-string reversals are tried first: any that helps beats every
    /// word-by-word repair.
    fn best_layer(
        &self,
        text: &str,
        bad: u32,
        tie: Tie,
        tied: &std::cell::Cell<bool>,
    ) -> Option<Step> {
        let chars: Vec<char> = text.chars().collect();
        let mut best: Option<Step> = None;
        for &cp in &self.candidates {
            // Cheap test first: every character must have a byte.
            let table = cp.table();
            if !chars.iter().all(|&c| table.encode(c).is_some()) {
                continue;
            }
            let layer = Layer::new(&chars, cp);
            if layer.whole && !layer.units.is_empty() {
                let mut after = apply(&chars, layer.units.iter());
                let mut after_bad = badness(&after);
                let mut partial = false;
                // Something bad is left: if keeping the words that did not
                // improve is no worse, keep them (nothing improbable may
                // appear; a middle layer may look worse word by word).
                // (Only for a reversal that already helps: the others are
                // not this layer's code page, and skipping them is what keeps
                // 16 candidates fast.)
                if after_bad > 0
                    && after_bad < bad
                    && let Some(words) = repair_words(&chars, &layer.bytes, &layer.units)
                    && words != after
                {
                    let words_bad = badness(&words);
                    if words_bad == after_bad {
                        tied.set(true);
                    }
                    if words_bad < after_bad || (words_bad == after_bad && tie == Tie::Words) {
                        (after, after_bad, partial) = (words, words_bad, true);
                    }
                }
                let best_bad = best.as_ref().map_or(bad, |b| b.badness_after);
                // Two code pages that both leave nothing bad (windows-1250
                // and ISO-8859-2 differ in a few letters: `BeĹĄaro` is
                // `Bešaro` in one, `Beťaro` in the other): the more
                // plausible text wins.
                let better_tie = after_bad == 0
                    && best_bad == 0
                    && !partial
                    && best.as_ref().is_some_and(|b| {
                        plausible::cost(&after, None) < plausible::cost(&b.after, None)
                    });
                if after_bad < best_bad || better_tie {
                    best = Some(Step::new(cp, text, after, partial, bad, after_bad));
                }
            }
        }
        if let Some(step) = &best
            && step.badness_after == 0
            && let Some(nfd) = self.nfd_mac_roman(&chars, bad)
            && nfd.after != step.after
        {
            return Some(nfd);
        }
        if best.is_some() {
            return best;
        }
        let layers = self.candidates.iter().map(|&cp| Layer::new(&chars, cp));
        for layer in layers.filter(|l| !l.units.is_empty()) {
            let Some(after) = repair_words(&chars, &layer.bytes, &layer.units) else {
                continue;
            };
            let after_bad = badness(&after);
            if after_bad < best.as_ref().map_or(bad, |b| b.badness_after) {
                best = Some(Step::new(layer.cp, text, after, true, bad, after_bad));
            }
        }
        best
    }
}

/// An accented Latin letter (U+00C0..U+024F): all are letters but `×` and
/// `÷`, so no Unicode table lookup (this runs on every damaged word).
fn is_precomposed_latin(c: char) -> bool {
    matches!(c, 'À'..='ɏ') && c != '×' && c != '÷'
}

/// An accented Latin letter of the input is still in the output.
fn keeps_accented_letters(before: &str, after: &str) -> bool {
    before
        .chars()
        .filter(|&c| is_precomposed_latin(c))
        .any(|c| after.contains(c))
}

impl Repairer {
    /// NFD text read as Mac OS Roman reverses through windows-1252 too
    /// (`KsieÃ®stwo`: `Ã®` is `î` there, e + combining ogonek here). The Mac
    /// reading wins when it is as clean and every combining mark it gives
    /// composes with the letter before it (`ę`): what a Mac writes.
    fn nfd_mac_roman(&self, chars: &[char], bad: u32) -> Option<Step> {
        let mac = Codepage::MacRoman;
        if !self.candidates.contains(&mac) || !chars.iter().any(|&c| matches!(c, 'Ã' | 'Õ')) {
            return None;
        }
        let layer = Layer::new(chars, mac);
        if !layer.whole || layer.units.is_empty() {
            return None;
        }
        let after = apply(chars, layer.units.iter());
        let marks: Vec<char> = after
            .chars()
            .filter(|c| ('\u{300}'..='\u{36F}').contains(c))
            .collect();
        // The accents European letters decompose to: the marks above, the
        // cedilla, the ogonek (not a dot or comma below: `SimÃ£o` is
        // `Simão`, no `Siṃo`).
        let usual = |c: &char| matches!(c, '\u{300}'..='\u{30F}' | '\u{327}' | '\u{328}');
        if !marks.iter().all(usual) {
            return None;
        }
        let marks = marks.len();
        let composed = after.nfc().count();
        if marks == 0 || composed + marks != after.chars().count() || badness(&after) != 0 {
            return None;
        }
        let text: String = chars.iter().collect();
        Some(Step::new(mac, &text, after, false, bad, 0))
    }

    /// Two layers whose first one alone looks no better (`Ã„Æ’` is `Äƒ`, as
    /// bad, which is `ă`): a whole-string reversal that keeps the badness,
    /// then one that lowers it.
    fn two_layers(
        &self,
        text: &str,
        bad: u32,
        tie: Tie,
        tied: &std::cell::Cell<bool>,
    ) -> Vec<Step> {
        let chars: Vec<char> = text.chars().collect();
        for &cp in &self.candidates {
            let table = cp.table();
            if !chars.iter().all(|&c| table.encode(c).is_some()) {
                continue;
            }
            let layer = Layer::new(&chars, cp);
            if !layer.whole || layer.units.is_empty() {
                continue;
            }
            let middle = apply(&chars, layer.units.iter());
            let middle_bad = badness(&middle);
            if middle_bad != bad {
                continue;
            }
            if let Some(second) = self.best_layer(&middle, middle_bad, tie, tied)
                && !second.partial
            {
                let first = Step::new(cp, text, middle, false, bad, middle_bad);
                return vec![first, second];
            }
        }
        Vec::new()
    }
}

impl Step {
    fn new(
        cp: Codepage,
        before: &str,
        after: String,
        partial: bool,
        bad: u32,
        after_bad: u32,
    ) -> Step {
        Step {
            encoding: cp.name(),
            read_as: None,
            before: before.to_string(),
            after,
            partial,
            badness_before: bad,
            badness_after: after_bad,
        }
    }
}

/// One layer through one code page: the UTF-8 sequences found, and whether
/// they cover the whole string (every character mapped, every byte used).
struct Layer {
    cp: Codepage,
    /// Each character's byte in the code page.
    bytes: Vec<Option<u8>>,
    units: Vec<Unit>,
    whole: bool,
}

impl Layer {
    fn new(chars: &[char], cp: Codepage) -> Layer {
        let table = cp.table();
        let bytes: Vec<Option<u8>> = chars.iter().map(|&c| table.encode(c)).collect();
        let mut units = Vec::new();
        let mut whole = bytes.iter().all(Option::is_some);
        let mut i = 0;
        while i < bytes.len() {
            if let Some(b) = bytes[i]
                && b >= 0x80
            {
                let in_word = i > 0 && letters::alphabetic(chars[i - 1]);
                if let Some(seq) = decode_at(&bytes[i..], chars[i], in_word) {
                    units.push(Unit {
                        start: i,
                        end: i + seq.len,
                        seq,
                    });
                    i += seq.len;
                    continue;
                }
                whole = false;
            }
            i += 1;
        }
        Layer {
            cp,
            bytes,
            units,
            whole,
        }
    }
}

fn apply<'u>(chars: &[char], units: impl Iterator<Item = &'u Unit>) -> String {
    let mut out = String::with_capacity(chars.len() * 2);
    let mut i = 0;
    for unit in units {
        out.extend(&chars[i..unit.start]);
        unit.push_to(&mut out);
        i = unit.end;
    }
    out.extend(&chars[i..]);
    out
}

/// Applies the units of each word whose own badness (with one character of
/// context each side) they lower. None when no word improved.
fn repair_words(chars: &[char], bytes: &[Option<u8>], units: &[Unit]) -> Option<String> {
    // How many precomposed accented Latin letters come before each index.
    let mut precomposed = Vec::with_capacity(chars.len() + 1);
    precomposed.push(0usize);
    for &c in chars {
        let is = is_precomposed_latin(c);
        precomposed.push(precomposed.last().copied().unwrap_or(0) + usize::from(is));
    }
    let mut accepted: Vec<&Unit> = Vec::new();
    let (mut before, mut after) = (String::new(), String::new());
    let mut u = 0;
    let mut i = 0;
    while u < units.len() {
        // The word around units[u]: back to the previous unprotected
        // whitespace, forward over units and non-whitespace.
        let mut start = units[u].start;
        let floor = accepted.last().map_or(0, |a| a.end).max(i);
        while start > floor && !chars[start - 1].is_ascii_whitespace() {
            start -= 1;
        }
        let first = u;
        let mut end = units[u].end;
        u += 1;
        loop {
            if u < units.len() && units[u].start == end {
                end = units[u].end;
                u += 1;
            } else if end < chars.len() && !chars[end].is_ascii_whitespace() {
                end += 1;
                if u < units.len() && units[u].start < end {
                    end = units[u].start;
                }
            } else {
                break;
            }
        }
        i = end;
        let word_units = &units[first..u];
        let lo = start.saturating_sub(1);
        let hi = (end + 1).min(chars.len());
        before.clear();
        before.extend(&chars[lo..hi]);
        after.clear();
        after.extend(&chars[lo..start]);
        let mut k = start;
        for unit in word_units {
            after.extend(&chars[k..unit.start]);
            unit.push_to(&mut after);
            k = unit.end;
        }
        after.extend(&chars[k..hi]);
        // A word is repaired whole or not at all: a letter the code page
        // has no byte for inside it means another damage (`упЄалось`).
        let whole_word = (start..end).all(|k| bytes[k].is_some() || !letters::alphabetic(chars[k]));
        // Nor may it bring combining accents into a line whose other words
        // have precomposed ones (`SÃ£o` is no Mac OS Roman `Ṣo` beside
        // `Informação`).
        let is_mark = |c: &char| ('\u{300}'..='\u{36F}').contains(c);
        let new_marks =
            after.chars().filter(is_mark).count() > before.chars().filter(is_mark).count();
        let precomposed_elsewhere =
            precomposed[chars.len()] - precomposed[end] + precomposed[start] > 0;
        let consistent = !(new_marks && precomposed_elsewhere);
        if whole_word && consistent && badness(&after) < badness(&before) {
            accepted.extend(word_units);
        }
    }
    if accepted.is_empty() {
        None
    } else {
        Some(apply(chars, accepted.into_iter()))
    }
}

/// Stray C1 controls left after the layers are windows-1252 (or, when that
/// reads worse, Mac OS Roman) bytes read as ISO-8859-1.
fn c1_step(text: &str, bad: u32) -> Option<Step> {
    // Bytes windows-1252 leaves undefined mean the controls are no
    // windows-1252 text: leave them (they may be intentional). So do
    // Halfwidth katakana mean Shift_JIS, which keeps 0x80 as U+0080.
    let undefined = |c: char| {
        matches!(
            c,
            '\u{81}' | '\u{8D}' | '\u{8F}' | '\u{90}' | '\u{9D}' | '\u{FF61}'..='\u{FF9F}'
        )
    };
    if !text.chars().any(|c| ('\u{80}'..='\u{9F}').contains(&c)) || text.chars().any(undefined) {
        return None;
    }
    let mut best: Option<Step> = None;
    for cp in [Codepage::Windows1252, Codepage::MacRoman] {
        let table = cp.table();
        let after: String = text
            .chars()
            .map(|c| match c {
                '\u{80}'..='\u{9F}' => table.decode(c as u8).unwrap_or(c),
                _ => c,
            })
            .collect();
        let after_bad = badness(&after);
        if after_bad < best.as_ref().map_or(bad, |b| b.badness_after) {
            best = Some(Step {
                read_as: None,
                encoding: if cp == Codepage::Windows1252 {
                    "c1-controls-as-windows-1252"
                } else {
                    "c1-controls-as-macintosh"
                },
                before: text.to_string(),
                after,
                partial: false,
                badness_before: bad,
                badness_after: after_bad,
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: &str) -> String {
        Repairer::default().repair(s).into_owned()
    }

    #[test]
    fn the_seed_chain_both_ways() {
        let good = "Raison D'être";
        let mac = |s: &str| {
            Codepage::MacRoman
                .decode_bytes(s.as_bytes())
                .expect("MacRoman defines every byte")
        };
        let once = mac(good);
        let twice = mac(&once);
        assert_eq!(once, "Raison D'√™tre");
        assert_eq!(twice, "Raison D'‚àö‚Ñ¢tre");
        assert_eq!(fix(&once), good);
        assert_eq!(fix(&twice), good);
        let steps = Repairer::default().explain(&twice);
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].after, once);
        assert!(steps.iter().all(|s| s.encoding == "macintosh"));
    }

    #[test]
    fn precomposed_latin_is_the_alphabetic_part_of_the_range() {
        for c in 'À'..='ɏ' {
            assert_eq!(is_precomposed_latin(c), c.is_alphabetic(), "{c}");
        }
    }

    #[test]
    fn utf8_read_as_east_asian_code_pages() {
        for (clean, encoding) in [
            ("项目", encoding_rs::GBK),
            ("トランザクション中にパッケージ", encoding_rs::SHIFT_JIS),
        ] {
            let damaged = encoding
                .decode_without_bom_handling_and_without_replacement(clean.as_bytes())
                .unwrap();
            assert_eq!(fix(&damaged), clean, "{damaged}");
            assert_eq!(Repairer::only_east_asian(encoding).repair(&damaged), clean);
            assert_eq!(Repairer::only(Codepage::Cp437).repair(&damaged), damaged);
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            Repairer::default().repair("plain"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            Repairer::default().repair("NESTLÉ®"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn no_panic_on_arbitrary_mixtures() {
        // Characters that start, continue or break sequences in every code
        // page, spaces and lost-byte markers, in pseudo-random strings.
        let palette: Vec<char> = "Ã©â€™Â í½¸ð\u{9F}\u{81}?\u{FFFD} a√‚Ä├┐Р\u{A0}ĂéØ×∆°"
            .chars()
            .collect();
        let repairer = Repairer::default();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..3000 {
            let mut s = String::new();
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            for _ in 0..(seed >> 60) + 1 {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                s.push(palette[(seed >> 33) as usize % palette.len()]);
            }
            // A repair lowers the badness; a reread of legacy bytes lowers
            // the plausibility cost instead.
            let steps = repairer.explain(&s);
            if let Some(last) = steps.last() {
                let better = if last.read_as.is_some() {
                    plausible::cost(&last.after, None) < plausible::cost(&s, None)
                } else {
                    last.badness_after < badness(&s)
                };
                assert!(better, "{s:?}");
            }
        }
    }

    #[test]
    fn mac_roman_symbols_and_cyrillic() {
        assert_eq!(fix("¬£5 ¬© 2024 10 ¬∞C"), "£5 © 2024 10 °C");
        assert_eq!(fix("–ñ –® –© –Æ –Ø"), "Ж Ш Щ Ю Я");
        assert_eq!(fix("Part 2—Éric.txt"), "Part 2—Éric.txt");
        assert_eq!(fix("a×b = 2012—∞"), "a×b = 2012—∞");
    }

    #[test]
    fn two_kinds_of_damage_on_one_line() {
        assert_eq!(fix("r√©gime rÃ©gime"), "régime régime");
    }

    #[test]
    fn broken_word_next_to_correct_one() {
        assert_eq!(
            fix("DivisÃ£o - SÃ©rie F > Classificação"),
            "Divisão - Série F > Classificação"
        );
    }
}
