//! What went wrong according to cpanm's own report: it can exit 0 when a
//! module was not found, and it names a test failure only in passing. The
//! result is one reason per dist or module, such as
//! `Foo-Bar-0.01: tests failed`.

/// Where cpanm was told to look, for saying why a module was not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sources {
    /// `--from` tarballs, directories or mirrors.
    Given,
    /// None: cpanm asks CPAN over the network.
    Cpan,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Outcome {
    /// Modules cpanm could not find anywhere it looked.
    not_found: Vec<String>,
    /// Dists given up on, with the prerequisites that were not installed.
    bailed: Vec<(String, Vec<String>)>,
    /// Targets (modules or paths) whose `Installing X failed`.
    failed: Vec<String>,
    /// Dists whose `Building and testing … FAIL` cpanm printed.
    tests_failed: Vec<String>,
    /// The prerequisites of the next `Bailing out` line.
    pending: Vec<String>,
    /// The dist cpanm is building and testing, until it says OK or FAIL.
    testing: Option<String>,
    /// cpanm could not fetch CPAN's index or metadata.
    offline: bool,
}

fn push(list: &mut Vec<String>, name: &str) {
    let name = name.trim().trim_end_matches('.').to_string();
    if !name.is_empty() && !list.contains(&name) {
        list.push(name);
    }
}

impl Outcome {
    pub(super) fn read_line(&mut self, mut line: &str) {
        // `Building and testing X ... ` is followed by OK or FAIL, on the
        // same line or, after a message of its own, on the next.
        if let Some((name, after)) = line
            .strip_prefix("Building and testing ")
            .and_then(|rest| rest.split_once(" ... "))
        {
            self.testing = Some(name.to_string());
            line = after;
        }
        if let Some(name) = self.testing.take() {
            let end = line.trim_end();
            if end.ends_with("FAIL") {
                push(&mut self.tests_failed, &name);
            } else if !end.ends_with("OK") {
                self.testing = Some(name);
            }
        }
        // A message may follow the build step on its line.
        if let Some(at) = line.find("! ") {
            line = &line[at..];
        }
        let first_word = |rest: &str| rest.split_whitespace().next().unwrap_or(rest).to_string();
        if let Some(rest) = line.strip_prefix("! Couldn't find module or a distribution ") {
            push(&mut self.not_found, &first_word(rest));
        } else if let Some(rest) = line.strip_prefix("! Finding ") {
            // `on cpanmetadb failed`: CPAN was asked and did not answer.
            if rest.contains(" on cpanmetadb failed") {
                self.offline = true;
            }
        } else if line.contains("http%www.cpan.org") && line.contains("opening compressed index") {
            self.offline = true;
        } else if let Some(rest) = line.strip_prefix("! Installing the dependencies failed: ") {
            for part in rest.split(", ") {
                if let Some(name) = part.split('\'').nth(1) {
                    push(&mut self.pending, name);
                }
            }
        } else if let Some(rest) = line.strip_prefix("! Bailing out the installation for ") {
            let dist = rest.trim().trim_end_matches('.').to_string();
            self.bailed.push((dist, std::mem::take(&mut self.pending)));
        } else if let Some((name, _)) = line
            .strip_prefix("! Installing ")
            .and_then(|rest| rest.split_once(" failed"))
        {
            push(&mut self.failed, name);
        }
    }

    /// One `what: why` per failure, the dist or module named; empty when
    /// cpanm reported none.
    pub(super) fn problems(&self, sources: Sources) -> Vec<String> {
        let not_found = match (sources, self.offline) {
            (Sources::Given, _) => "not found in the given sources",
            (Sources::Cpan, true) => "not found: no sources given and no network",
            (Sources::Cpan, false) => "not found on CPAN",
        };
        let is_prerequisite = |m: &String| self.bailed.iter().any(|(_, deps)| deps.contains(m));
        let mut out: Vec<String> = self
            .not_found
            .iter()
            .filter(|m| !is_prerequisite(m))
            .map(|m| format!("{m}: {not_found}"))
            .collect();
        out.extend(
            self.tests_failed
                .iter()
                .map(|d| format!("{d}: tests failed")),
        );
        for (dist, deps) in &self.bailed {
            let why: Vec<String> = deps
                .iter()
                .map(|d| match self.not_found.contains(d) {
                    true => format!("{d} {not_found}"),
                    false => format!("{d} failed"),
                })
                .collect();
            out.push(format!(
                "{dist}: prerequisites not installed: {}",
                why.join(", ")
            ));
        }
        // A target that failed for another reason than its tests or its
        // prerequisites (those were named above).
        let named = |t: &String| {
            let name = t.rsplit('/').next().unwrap_or(t).replace("::", "-");
            let name = name.as_str();
            self.tests_failed
                .iter()
                .chain(self.bailed.iter().map(|(d, _)| d))
                .any(|d| d == name || d.strip_prefix(name).is_some_and(|v| v.starts_with('-')))
                || self.bailed.iter().any(|(_, deps)| deps.contains(t))
        };
        out.extend(
            self.failed
                .iter()
                .filter(|t| !named(t))
                .map(|t| format!("{t}: building or installing failed")),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(lines: &[&str]) -> Outcome {
        let mut o = Outcome::default();
        for line in lines {
            o.read_line(line);
        }
        o
    }

    #[test]
    fn names_what_was_not_found_and_where() {
        let o = read(&[
            "! Couldn't find module or a distribution No::Such",
            "--> Working on X",
        ]);
        assert_eq!(
            o.problems(Sources::Given),
            ["No::Such: not found in the given sources"]
        );
        assert_eq!(o.problems(Sources::Cpan), ["No::Such: not found on CPAN"]);
        let o = read(&[
            "! Finding Foo::Bar on cpanmetadb failed.",
            "! Couldn't find module or a distribution Foo::Bar",
        ]);
        assert_eq!(
            o.problems(Sources::Cpan),
            ["Foo::Bar: not found: no sources given and no network"]
        );
    }

    #[test]
    fn a_failed_prerequisite_is_not_called_missing() {
        // cpanm's real output for Needy, which requires Fails, whose test fails.
        let o = read(&[
            "Building and testing Fails-0.01 ... ! Installing Fails failed. See x for details.",
            "! Installing the dependencies failed: Module 'Fails' is not installed",
            "! Bailing out the installation for Needy-0.01.",
            "FAIL",
            "! Couldn't find module or a distribution No::Dep",
            "! Installing the dependencies failed: Module 'No::Dep' is not installed",
            "! Bailing out the installation for Other-2.",
        ]);
        assert_eq!(
            o.problems(Sources::Given),
            [
                "Fails-0.01: tests failed",
                "Needy-0.01: prerequisites not installed: Fails failed",
                "Other-2: prerequisites not installed: No::Dep not found in the given sources",
            ]
        );
    }

    #[test]
    fn other_failures_name_the_target() {
        let o = read(&[
            "Building and testing Good-1.0 ... OK",
            "! Installing /src/Bad-0.01 failed. See x for details.",
        ]);
        assert_eq!(
            o.problems(Sources::Given),
            ["/src/Bad-0.01: building or installing failed"]
        );
    }
}
