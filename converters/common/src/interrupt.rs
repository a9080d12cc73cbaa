//! SIGINT / SIGTERM during a conversion (issue 9: an interrupted `convert` leaves nothing).
//!
//! [`install`] replaces the default "die at once" of both signals. While a [`DatasetJob`]
//! holds a temporary folder, a signal only raises a flag: the conversion loop sees it
//! ([`check`]), returns [`ConvertError::Interrupted`], and dropping the job removes the
//! temporary folder; the binary then exits with `128 + signal` (130 for SIGINT). Outside a job
//! (scanning the input, before any file is written) or on a second signal, the process exits
//! at once with that code, as it would without a handler.
//!
//! [`DatasetJob`]: crate::output::DatasetJob

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

use crate::error::ConvertError;

/// The first signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// How many guards (dataset jobs, [`defer`]) want a first signal handled by an orderly return;
/// a count, so that a job ending inside a longer guard does not end the deferral.
static WRITING: AtomicUsize = AtomicUsize::new(0);

const SIGNALS: [i32; 2] = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];

/// Installs the handler for SIGINT and SIGTERM (once per process; later calls do nothing).
pub fn install() -> std::io::Result<()> {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    for signal in SIGNALS {
        // SAFETY: the action only touches atomics and calls `_exit`, both async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                let first = RECEIVED.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst).is_ok();
                if !first || WRITING.load(Ordering::SeqCst) == 0 {
                    signal_hook::low_level::exit(exit_code(signal));
                }
            })?;
        }
    }
    Ok(())
}

/// The signal received so far, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// `Err(Interrupted)` once a signal has been received; the conversion loop calls it per item.
pub fn check() -> Result<(), ConvertError> {
    match received() {
        Some(signal) => Err(ConvertError::Interrupted { signal: signal_name(signal) }),
        None => Ok(()),
    }
}

/// The shell's convention for a process ended by `signal`.
pub fn exit_code(signal: i32) -> i32 {
    128 + signal
}

pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT",
        signal_hook::consts::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// Marks the lifetime of a temporary output folder: while one lives, a first signal is
/// deferred to the conversion loop instead of ending the process.
#[derive(Debug)]
pub struct WritingGuard(());

impl WritingGuard {
    pub(crate) fn new() -> Self {
        WRITING.fetch_add(1, Ordering::SeqCst);
        WritingGuard(())
    }
}

impl Drop for WritingGuard {
    fn drop(&mut self) {
        WRITING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// While the guard lives, a first signal only raises the flag ([`received`]) for the caller to
/// act on (e.g. `rate`: stop the learner, score, write the report); a second one still exits.
pub fn defer() -> WritingGuard {
    WritingGuard::new()
}
