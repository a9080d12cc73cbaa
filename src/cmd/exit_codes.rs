//! The exit status of every command, as each `--help` lists it (one wording for the shared
//! codes: 0 done, 2 could not run or refused before any work, 128 + signal when interrupted).

/// `convert`.
pub const CONVERT: &str = "Exit status: 0 the dataset was written (inputs skipped under --on-error skip are listed \
in OUT/<name>_skipped.tsv); 2 nothing was written: a refused option or OUT, an unreadable input, a failed \
conversion, more skips than --max-errors; 130 / 143 interrupted by SIGINT (Ctrl-C) / SIGTERM: nothing written.";

/// `validate`.
pub const VALIDATE: &str = "Exit status: 0 valid (warnings allowed); 1 the dataset has errors (listed); \
2 the validator could not run (DIR missing or unreadable).";

/// `inspect`.
pub const INSPECT: &str = "Exit status: 0 summarised; 2 the dataset could not be read (`validate` says why).";

/// `score`.
pub const SCORE: &str = "Exit status: 0 scored; 2 could not score (the message names the file at fault; SCORE_DIR \
holds scores and no --force).";

/// `train`.
pub const TRAIN: &str = "Exit status: 0 at least one prediction was recorded and scored; 1 the run ended without \
success: the learner failed (ingestion_success: 0; predictions made before the failure are kept and scored) or \
no prediction was recorded within the budget (the reason is printed; give more --time-budget); 2 refused or could \
not run (a bad option, OUT holds a run and no --force, the dataset unreadable, scoring failed); 130 / 143 \
interrupted by SIGINT (Ctrl-C) / SIGTERM: the learner is stopped and the predictions made so far are scored \
(a second Ctrl-C ends at once). A run that fails before it scored anything removes the folders it created \
(never one that existed before) unless --keep.";

/// `predict`.
pub const PREDICT: &str = "Exit status: 0 predictions written; 2 could not run (the run has no model, the input \
does not fit the model, an unreadable input, the CSV exists and no --force, …).";

/// `rate`.
pub const RATE: &str = "Exit status: 0 rated (at least one prediction recorded and scored, report.html written); \
1 not rated: the dataset has validation errors (the validator's findings are printed, nothing is trained), the \
learner failed, or no prediction was recorded within the budget (the reason is printed; report.html says so); \
2 refused or could not run (a bad option — checked before any conversion —, OUT taken, conversion or scoring \
failed); 130 / 143 interrupted by SIGINT (Ctrl-C) / SIGTERM: during training the learner is stopped, the \
predictions made so far are scored and report.html is written marked interrupted (a second Ctrl-C ends at once). \
A run that stops before report.html is written removes what it created (never a folder that existed before) \
unless --keep.";

/// `plan`.
pub const PLAN: &str = "Exit status: 0 the plan was written; 2 nothing was written (a refused option or OUT, an \
unreadable input).";

/// `merge`.
pub const MERGE: &str = "Exit status: 0 the dataset was written; 2 nothing was written (a shard missing or not \
matching the plan, OUT refused).";

/// `audit`.
pub const AUDIT: &str = "Exit status: 0 audited and no finding of a --fail-on kind (default: leakage, conflict); \
1 at least one such finding (all findings are printed); 2 could not run (INPUT is not an AutoDL dataset — raw \
input is converted first with `autodl-format convert` —, an unreadable record, an unknown --fail-on kind).";
