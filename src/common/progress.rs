//! Progress bars that appear only for a person watching a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A progress indicator, shared between threads by cloning. Under cron, in a
/// pipe, with `-q` or with TERM=dumb it draws nothing at all.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// `total` is known for a fixed amount of work, `None` for a tree walk.
    pub fn new(total: Option<u64>, what: &'static str, quiet: bool) -> Self {
        if quiet || !stderr_is_interactive() {
            return Progress::hidden();
        }
        let bar = match total {
            Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template(
                        "{bar:30} {human_pos}/{human_len} {msg} ({per_sec}, {elapsed})",
                    )
                    .expect("static template"),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {human_pos} {msg} ({per_sec}, {elapsed})")
                    .expect("static template"),
            ),
        };
        bar.set_message(what);
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar }
    }

    pub fn hidden() -> Self {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Prints a line above the bar (or plainly when there is no bar).
    pub fn println(&self, line: impl AsRef<str>) {
        if self.bar.is_hidden() {
            eprintln!("{}", line.as_ref());
        } else {
            self.bar.println(line);
        }
    }

    /// Runs `f` (writing to the terminal) with the bar cleared, so its
    /// lines never mix with the bar's.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

pub(crate) fn stderr_is_interactive() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}
