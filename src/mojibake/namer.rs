//! What each name of a directory should be called: the repair of one
//! name, decided with the other names of its directory as context (their
//! normalisation form; for names that are not UTF-8, the code page the
//! directory's names share).

use super::cjk;
use super::cli::Encoding;
use super::legacy::{self, Legacy, Misread, RawReader};
use super::plausible;
use super::repair::Repairer;
use crate::common::Result;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use unicode_normalization::{UnicodeNormalization, is_nfc, is_nfd};

/// A name read through the directory's misread may cost this much more than
/// as it is.
const NEAR: u32 = 2;
/// What a misread that does not apply to a name adds to its total.
const MISSING: u32 = 10;

/// A Unicode normalisation form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Norm {
    Nfc,
    Nfd,
}

impl Norm {
    pub(crate) fn apply(self, text: &str) -> String {
        match self {
            Norm::Nfc => text.nfc().collect(),
            Norm::Nfd => text.nfd().collect(),
        }
    }
}

/// The repair of one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NewName {
    pub(crate) name: OsString,
    /// Which steps made it: `mojibake`, `legacy-bytes`, `dos-unzipped`,
    /// `nfc`, `mojibake+nfc`...
    pub(crate) reason: String,
    /// The legacy encoding the name was read from, when one was.
    pub(crate) encoding: Option<&'static str>,
}

/// What to do with one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Keep,
    Rename(NewName),
    /// Not UTF-8, and no encoding reads it plausibly: listed with a hint.
    Unplaced,
}

/// The settings of one run: which repairs, which encodings, which form.
pub(crate) struct Namer {
    repairer: Repairer,
    /// How to read names that are not UTF-8.
    raw: RawReader,
    /// The multi-byte encoding of names unpacked as cp437/cp850
    /// (`âeâXâg`): Shift_JIS unless `--from` names another.
    unzipped: &'static encoding_rs::Encoding,
    /// `--nfc`/`--nfd`: every name takes this form. Otherwise a repaired
    /// name takes its directory's.
    norm: Option<Norm>,
}

impl Namer {
    pub(crate) fn new(encoding: &Encoding, norm: Option<Norm>) -> Result<Namer> {
        let chosen = encoding.parse()?;
        let (prefer, only) = match chosen {
            Some((legacy, only)) => (Some(legacy), only),
            None => (None, false),
        };
        Ok(Namer {
            repairer: match (prefer, only) {
                (Some(legacy), true) => Repairer::only_legacy(legacy),
                (Some(legacy), false) => Repairer::preferring(legacy),
                (None, _) => Repairer::default(),
            },
            raw: RawReader { prefer, only },
            unzipped: match prefer {
                Some(Legacy::Multi(encoding)) => encoding,
                _ => encoding_rs::SHIFT_JIS,
            },
            norm,
        })
    }

    /// The verdict on every name of one directory, in order.
    pub(crate) fn decide(&self, names: &[OsString]) -> Vec<Verdict> {
        // The names that are not UTF-8 are read together: each is context
        // for the others.
        let raw: Vec<&[u8]> = names
            .iter()
            .map(|n| n.as_bytes())
            .filter(|b| std::str::from_utf8(b).is_err())
            .collect();
        let mut chosen = self.raw.choose(&raw).into_iter();
        let readings: Vec<Option<Reading>> = names
            .iter()
            .map(|name| match name.to_str() {
                Some(text) => Some(self.read(text)),
                None => chosen.next().flatten().map(|c| Reading {
                    text: c.text,
                    reason: "legacy-bytes",
                    encoding: Some(c.encoding.name()),
                    misread: None,
                }),
            })
            .collect();
        let readings = self.with_context(names, readings);
        // The form of the names that stay as they are.
        let form = self.norm.unwrap_or_else(|| {
            form_of(
                readings
                    .iter()
                    .flatten()
                    .filter(|r| r.reason.is_empty())
                    .map(|r| r.text.as_str()),
            )
        });
        names
            .iter()
            .zip(readings)
            .map(|(name, reading)| match reading {
                Some(reading) => self.normalised(name, reading, form),
                None => Verdict::Unplaced,
            })
            .collect()
    }

    /// The misread most of a directory's damaged names show (a zip unpacks
    /// all its names from one code page), read through for the names it
    /// reads about as plausibly as their own repair: `Michaê` is `Michał`
    /// beside `Gda±sk` (cp852 shown as cp437). The directory's misread is
    /// the one that reads its names that look misread best together (a
    /// name it does not apply to counts as dear), and it must be some
    /// name's best reading for two names at least and a third of those that
    /// are not ASCII.
    fn with_context(
        &self,
        names: &[OsString],
        mut readings: Vec<Option<Reading>>,
    ) -> Vec<Option<Reading>> {
        let misreads = self.repairer.misreads();
        let mut totals = vec![0u32; misreads.len()];
        let mut best_of = vec![0usize; misreads.len()];
        let mut foreign = 0;
        for text in names.iter().filter_map(|n| n.to_str()) {
            if text.is_ascii() {
                continue;
            }
            foreign += 1;
            if !legacy::suspicious(text) {
                continue;
            }
            let found = legacy::rereads(text, misreads, self.repairer.preferred(), false);
            let Some(best) = found.iter().map(|(_, _, c)| *c).min() else {
                continue;
            };
            for (i, m) in misreads.iter().enumerate() {
                let cost = found.iter().find(|(x, _, _)| std::ptr::eq(*x, *m));
                totals[i] += cost.map_or(best + MISSING, |(_, _, c)| *c);
                best_of[i] += usize::from(cost.is_some_and(|(_, _, c)| *c <= best + 1));
            }
        }
        let Some(chosen) = (0..misreads.len()).rev().min_by_key(|&i| totals[i]) else {
            return readings;
        };
        let count = best_of[chosen];
        if count < 2 || 3 * count < foreign {
            return readings;
        }
        let misread = misreads[chosen];
        for (name, reading) in names.iter().zip(readings.iter_mut()) {
            let (Some(text), Some(current)) = (name.to_str(), reading.as_mut()) else {
                continue;
            };
            let untouched = current.reason.is_empty();
            let other = current.misread.is_some_and(|m| !std::ptr::eq(m, misread));
            if !(untouched || other) {
                continue;
            }
            let Some(alt) = legacy::read_through(text, misread) else {
                continue;
            };
            if plausible::cost(&alt, None) <= plausible::cost(&current.text, None) + NEAR {
                *current = Reading {
                    text: alt,
                    reason: "mojibake",
                    encoding: None,
                    misread: Some(misread),
                };
            }
        }
        readings
    }

    /// A UTF-8 name's repaired text, before normalisation.
    fn read(&self, text: &str) -> Reading {
        let steps = self.repairer.explain(text);
        let misread = steps
            .last()
            .and_then(|s| legacy::misread_of(s.read_as?, s.encoding));
        let fixed = steps.last().map_or(text, |s| s.after.as_str());
        // East Asian names a zip tool unpacked as cp437 or cp850, unless
        // the repair reads the name better (`èþëÿ` is `июля`, not `顔汚`).
        if let Some(unzipped) = cjk::dos_unzipped(text, self.unzipped) {
            let language = Legacy::Multi(self.unzipped).language();
            let fixed_cost = (fixed != text).then(|| plausible::cost(fixed, None));
            if fixed_cost.is_none_or(|c| plausible::cost(&unzipped, language) < c) {
                return Reading {
                    text: unzipped,
                    reason: "dos-unzipped",
                    encoding: Some(cjk::name(self.unzipped)),
                    misread: None,
                };
            }
        }
        if fixed != text {
            Reading {
                text: fixed.to_string(),
                reason: "mojibake",
                encoding: None,
                misread,
            }
        } else {
            Reading {
                text: text.to_string(),
                reason: "",
                encoding: None,
                misread: None,
            }
        }
    }

    /// A repaired name takes the directory's form; a name left alone
    /// changes form only when --nfc/--nfd asks for it.
    fn normalised(&self, name: &OsStr, reading: Reading, form: Norm) -> Verdict {
        let Reading {
            text,
            reason,
            encoding,
            ..
        } = reading;
        let normal = match (reason.is_empty(), self.norm) {
            (true, None) => text.clone(),
            (true, Some(norm)) => norm.apply(&text),
            (false, _) => form.apply(&text),
        };
        let reason = match (reason, normal != text) {
            (r, false) => r.to_string(),
            ("", true) => norm_label(form).to_string(),
            (r, true) if self.norm.is_some() => format!("{r}+{}", norm_label(form)),
            (r, true) => r.to_string(),
        };
        if normal.as_bytes() == name.as_bytes() {
            return Verdict::Keep;
        }
        Verdict::Rename(NewName {
            name: OsString::from_vec(normal.into_bytes()),
            reason,
            encoding,
        })
    }
}

/// A name as read, before normalisation.
struct Reading {
    text: String,
    /// Empty when the name needs no repair.
    reason: &'static str,
    encoding: Option<&'static str>,
    /// The name was legacy bytes shown through this wrong code page.
    misread: Option<&'static Misread>,
}

fn norm_label(norm: Norm) -> &'static str {
    match norm {
        Norm::Nfc => "nfc",
        Norm::Nfd => "nfd",
    }
}

/// The form most of a directory's names are in (only names that differ
/// between the forms count); NFC when none tells.
fn form_of<'a>(names: impl Iterator<Item = &'a str>) -> Norm {
    let (mut nfc, mut nfd) = (0usize, 0usize);
    for text in names {
        if text.is_ascii() {
            continue;
        }
        match (is_nfc(text), is_nfd(text)) {
            (true, false) => nfc += 1,
            (false, true) => nfd += 1,
            _ => {}
        }
    }
    if nfd > nfc { Norm::Nfd } else { Norm::Nfc }
}

/// The key under which canonically equivalent names collide: their NFC
/// form (a name that is not UTF-8 is its own key).
pub(crate) fn collision_key(name: &OsStr) -> OsString {
    match name.to_str() {
        Some(text) if !text.is_ascii() => OsString::from(text.nfc().collect::<String>()),
        _ => name.to_os_string(),
    }
}
