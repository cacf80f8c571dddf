//! Progress display on stderr for long work (terminal only).

use std::io::{IsTerminal as _, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A one-line replication counter on stderr (`plant: 12/100 replications, 8 s`), redrawn in
/// place; only when stderr is a terminal, so piped or redirected output never sees it.
#[derive(Debug)]
pub(crate) struct Progress {
    label: String,
    total: u64,
    done: AtomicU64,
    start: Instant,
    enabled: bool,
}

impl Progress {
    pub(crate) fn new(label: &str, total: u64) -> Self {
        Self {
            label: label.to_owned(),
            total,
            done: AtomicU64::new(0),
            start: Instant::now(),
            enabled: total > 1 && std::io::stderr().is_terminal(),
        }
    }

    pub(crate) fn tick(&self) {
        let k = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r{}: {k}/{} replications, {:.0} s ",
                self.label,
                self.total,
                self.start.elapsed().as_secs_f64()
            );
            let _ = err.flush();
        }
    }

    pub(crate) fn finish(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}
