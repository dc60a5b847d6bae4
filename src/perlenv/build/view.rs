//! What an install shows while it runs. On a terminal: one live line per
//! dist being worked on (what it is doing, for how long) under a total;
//! under cron or in a pipe, one plain line per dist installed or failed;
//! with `-q`, nothing but the final error.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub(super) struct View {
    live: Option<Live>,
    quiet: bool,
}

struct Live {
    multi: MultiProgress,
    total: ProgressBar,
    lines: Mutex<HashMap<usize, ProgressBar>>,
}

impl View {
    pub(super) fn new(quiet: bool) -> View {
        let live = (!quiet && crate::common::progress::stderr_is_interactive()).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let total = multi.add(
                ProgressBar::new(0).with_style(
                    ProgressStyle::with_template(
                        "{bar:30} {pos}/{len} dists installed ({elapsed})",
                    )
                    .expect("static template"),
                ),
            );
            Live {
                multi,
                total,
                lines: Mutex::new(HashMap::new()),
            }
        });
        View { live, quiet }
    }

    /// A dist joined the plan.
    pub(super) fn planned(&self) {
        if let Some(live) = &self.live {
            live.total.inc_length(1);
        }
    }

    /// Dist `d` (`name`) is now doing `what`.
    pub(super) fn step(&self, d: usize, name: &str, what: &str) {
        let Some(live) = &self.live else {
            log::info!("{name}: {what}");
            return;
        };
        let mut lines = live.lines.lock().unwrap_or_else(|p| p.into_inner());
        let line = lines.entry(d).or_insert_with(|| {
            let bar = live.multi.insert_before(
                &live.total,
                ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                        .expect("static template"),
                ),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        line.set_message(format!("{name}: {what}"));
    }

    pub(super) fn waiting(&self, d: usize, name: &str) {
        self.step(d, name, "waiting for its requirements");
    }

    fn end(&self, d: usize, text: String) {
        match &self.live {
            Some(live) => {
                if let Some(line) = live
                    .lines
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&d)
                {
                    line.finish_and_clear();
                    live.multi.remove(&line);
                }
                live.total.inc(1);
                let _ = live.multi.println(text);
            }
            None if !self.quiet => eprintln!("{text}"),
            None => {}
        }
    }

    pub(super) fn installed(&self, d: usize, name: &str, how: &str) {
        self.end(d, format!("Installed {name} ({how})"));
    }

    pub(super) fn failed(&self, d: usize, name: &str, why: &str) {
        self.end(d, format!("FAILED {name}: {why}"));
    }

    pub(super) fn finish(&self) {
        if let Some(live) = &self.live {
            live.total.finish_and_clear();
            let _ = live.multi.clear();
        }
    }
}
