//! `interrupt` (issue 9) inside one process: with the handler installed, SIGINT raised while a
//! dataset job holds its temporary folder does not end the process; the job's next record,
//! and its `finish`, fail as interrupted, and dropping the job leaves the output's parent empty.
//! (The binary's behaviour, exit status included, is tested in the root `tests/interrupt.rs`.)

use converters_common::output::{DatasetJob, OutputTarget};
use converters_common::sink::DatasetSink;
use converters_common::{interrupt, ConvertError, ErrorPolicy, SkipReport};
use formats::example::Frames;
use formats::metadata::DataSpec;

#[test]
fn sigint_during_a_job_stops_it_and_the_job_removes_its_temporary_folder() {
    interrupt::install().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    let mut job = DatasetJob::start(OutputTarget::new(&out, "ds"), 2).unwrap();
    let frames = Frames::dense_uniform(vec![1.0, 2.0], 2).unwrap();
    job.push_test(&frames, &[0], &[1.0]).unwrap();
    let temp: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(temp.len(), 1, "the job writes in one temporary folder: {temp:?}");

    // Delivered to this thread before `raise` returns; would end the test process if the
    // handler did not defer it to the job.
    signal_hook::low_level::raise(signal_hook::consts::SIGINT).unwrap();
    assert_eq!(interrupt::received(), Some(signal_hook::consts::SIGINT));

    let err = job.push_train(&frames, &[1], &[1.0]).unwrap_err();
    assert!(err.to_string().contains("interrupted by SIGINT"), "{err}");
    let report = SkipReport::new(ErrorPolicy::default());
    match job.finish(DataSpec::default(), None, &report) {
        Err(ConvertError::Interrupted { signal }) => assert_eq!(signal, "SIGINT"),
        other => panic!("finish after SIGINT: {:?}", other.map(|w| w.summary)),
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "nothing may be left next to the output: {left:?}");
    assert_eq!(interrupt::exit_code(signal_hook::consts::SIGINT), 130);
}
