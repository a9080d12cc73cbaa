//! `autodl-format predict`: writes the CSV of [`pipeline_train::predict`] (arguments in
//! `autodl_format::cmd::predict`).

use std::io::Write;

use anyhow::Context;
use autodl_format::cmd::predict::Args;
use pipeline::options::PredictOptions;
use pipeline_train::predict::predict;
use pipeline_train::session::Event;

pub fn run(args: Args) -> anyhow::Result<i32> {
    let options = PredictOptions::from(&args);
    let predicted = predict(&options, &mut |event| {
        if let Event::Note(note) = event {
            eprintln!("{note}");
        }
    })?;
    let csv = &predicted.csv;
    if args.output.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        // A closed pipe (e.g. `| head`) ends quietly.
        if let Err(e) = out.write_all(csv.as_bytes()).and_then(|_| out.flush()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(e.into());
            }
        }
    } else {
        formats::atomic::write_bytes(&args.output, csv.as_bytes()).with_context(|| "cannot write the predictions".to_string())?;
        eprintln!("{} rows × {} classes written to {}", predicted.rows, predicted.cols, args.output.display());
    }
    Ok(0)
}
