//! Perl module versions as numbers and CPAN::Meta version ranges, to pick
//! among the given tarballs the one that satisfies a requirement (perl
//! itself decides whether what is installed does).

/// A version as `version->parse($v)->numify` gives it: `1.02` is 1.02,
/// `v1.2.3` and `1.2.3` are 1.002003; `_` (a trial marker) is dropped.
pub(crate) fn numify(text: &str) -> Option<f64> {
    let text = text.trim().replace('_', "");
    let dotted = text.starts_with('v') || text.matches('.').count() > 1;
    let text = text.trim_start_matches('v');
    if text.is_empty() {
        return None;
    }
    if !dotted {
        return text.parse().ok();
    }
    let mut number = 0.0;
    let mut scale = 1.0;
    for part in text.split('.') {
        let n: f64 = part.parse().ok()?;
        number += n * scale;
        scale /= 1000.0;
    }
    Some(number)
}

/// A CPAN::Meta version range: `0`, `1.2` (at least), or `>= 1, < 2, != 1.5`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Range(Vec<(Op, f64)>);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    AtLeast,
    More,
    AtMost,
    Less,
    Exactly,
    Not,
}

impl Range {
    /// Parses a range; `None` for what is not one.
    pub(crate) fn parse(text: &str) -> Option<Range> {
        let mut terms = Vec::new();
        for term in text.split(',') {
            let term = term.trim();
            let (op, rest) = [
                (">=", Op::AtLeast),
                ("<=", Op::AtMost),
                ("==", Op::Exactly),
                ("!=", Op::Not),
                (">", Op::More),
                ("<", Op::Less),
            ]
            .iter()
            .find_map(|(p, op)| term.strip_prefix(p).map(|rest| (*op, rest)))
            .unwrap_or((Op::AtLeast, term));
            let rest = rest.trim();
            let number = if rest.is_empty() { 0.0 } else { numify(rest)? };
            terms.push((op, number));
        }
        Some(Range(terms))
    }

    /// Whether `version` (numified) is in the range.
    pub(crate) fn accepts(&self, version: f64) -> bool {
        // Versions are compared as perl numifies them: exact decimals of a
        // few digits, so an epsilon only absorbs the float conversion.
        const EPS: f64 = 1e-9;
        self.0.iter().all(|&(op, v)| match op {
            Op::AtLeast => version >= v - EPS,
            Op::More => version > v + EPS,
            Op::AtMost => version <= v + EPS,
            Op::Less => version < v - EPS,
            Op::Exactly => (version - v).abs() <= EPS,
            Op::Not => (version - v).abs() > EPS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_version_pm_numifies_them() {
        assert_eq!(numify("1.02"), Some(1.02));
        assert_eq!(numify("v1.2.3"), Some(1.002003));
        assert_eq!(numify("2.005005"), Some(2.005005));
        assert_eq!(numify("1.2.3"), Some(1.002003));
        assert_eq!(numify("0.01_01"), Some(0.0101));
        assert_eq!(numify("undef"), None);
    }

    #[test]
    fn ranges_as_cpan_meta_reads_them() {
        let r = Range::parse(">= 1.10, < 2, != 1.5").unwrap();
        assert!(r.accepts(1.10) && r.accepts(1.99) && !r.accepts(1.5) && !r.accepts(2.0));
        assert!(Range::parse("0").unwrap().accepts(0.0));
        assert!(Range::parse("2.002003").unwrap().accepts(2.002004));
        assert!(!Range::parse("2.002003").unwrap().accepts(2.002));
        assert!(Range::parse("== 0.31").unwrap().accepts(0.31));
        assert_eq!(Range::parse(">= x"), None);
    }
}
