//! `-q` / `-v` and the diagnostic log on stderr.

use std::io::Write;

/// The `-v`/`-q` flags every tool flattens into its arguments.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct Verbosity {
    /// More detail (repeat for even more: -vv, -vvv)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less output: only errors
    #[arg(short, long, action = clap::ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
}

impl Verbosity {
    /// -q = errors only, default = warnings, -v = info, -vv = debug, -vvv = trace.
    pub fn level(self) -> log::LevelFilter {
        use log::LevelFilter::*;
        if self.quiet > 0 {
            return Error;
        }
        match self.verbose {
            0 => Warn,
            1 => Info,
            2 => Debug,
            _ => Trace,
        }
    }

    pub fn is_quiet(self) -> bool {
        self.quiet > 0
    }

    /// Starts the logger: `<tool>: warning: <message>` on stderr, coloured
    /// only on a terminal and never when NO_COLOR is set. Calling it twice
    /// (as tests do) keeps the first logger.
    pub fn init_logger(self, tool: &'static str) {
        let _ = env_logger::Builder::new()
            .filter_level(self.level())
            .format(move |buf, record| {
                let level = match record.level() {
                    log::Level::Error => "error",
                    log::Level::Warn => "warning",
                    log::Level::Info => "info",
                    log::Level::Debug => "debug",
                    log::Level::Trace => "trace",
                };
                let style = buf.default_level_style(record.level());
                writeln!(buf, "{tool}: {style}{level}{style:#}: {}", record.args())
            })
            .try_init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_flags() {
        let v = |verbose, quiet| Verbosity { verbose, quiet }.level();
        assert_eq!(v(0, 0), log::LevelFilter::Warn);
        assert_eq!(v(1, 0), log::LevelFilter::Info);
        assert_eq!(v(3, 0), log::LevelFilter::Trace);
        assert_eq!(v(0, 1), log::LevelFilter::Error);
    }
}
