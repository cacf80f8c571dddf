//! Progress bars on stderr for long work (indicatif), only when stderr is a terminal.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A replication progress bar on stderr
/// (`plant: [#####-----] 12/100 replications, 00:00:08 (eta 00:00:58)`), redrawn in place;
/// hidden unless stderr is a terminal, so piped or redirected output (batch logs) never sees
/// it. Ticks may come from any worker thread.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub(crate) fn new(label: &str, total: u64) -> Self {
        let enabled = total > 1 && std::io::stderr().is_terminal();
        let bar = if enabled {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix}: [{bar:30}] {pos}/{len} replications, {elapsed_precise} (eta {eta_precise})",
        ) {
            bar.set_style(style.progress_chars("#>-"));
        }
        bar.set_prefix(label.to_owned());
        Self { bar }
    }

    pub(crate) fn tick(&self) {
        self.bar.inc(1);
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
