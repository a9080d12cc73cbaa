//! Ordered parallel conversion: items are converted in chunks on the rayon pool while the
//! previous chunk is handed, in input order, to a sink (usually the dataset writer). At most
//! two chunks are in memory, so memory is bounded by `chunk_size` items whatever the dataset
//! size, and the output order never depends on thread timing.

use rayon::prelude::*;

use crate::error::{ItemError, Result};

/// Default number of items per chunk.
pub const DEFAULT_CHUNK: usize = 256;

/// Converts `items` with `convert` in parallel and calls `sink(index, result)` for every item
/// in input order. A sink error stops the run and is returned.
pub fn convert_ordered<I, O, F, S>(items: &[I], chunk_size: usize, convert: F, mut sink: S) -> Result<()>
where
    I: Sync,
    O: Send,
    F: Fn(&I) -> std::result::Result<O, ItemError> + Sync,
    S: FnMut(usize, std::result::Result<O, ItemError>) -> Result<()> + Send,
{
    let chunk_size = chunk_size.max(1);
    let mut pending: Option<(usize, Vec<std::result::Result<O, ItemError>>)> = None;
    for (c, chunk) in items.chunks(chunk_size).enumerate() {
        let to_write = pending.take();
        let (converted, written) = rayon::join(
            || chunk.par_iter().map(&convert).collect::<Vec<_>>(),
            || flush(to_write, &mut sink),
        );
        written?;
        pending = Some((c * chunk_size, converted));
    }
    flush(pending, &mut sink)
}

fn flush<O, S>(chunk: Option<(usize, Vec<std::result::Result<O, ItemError>>)>, sink: &mut S) -> Result<()>
where
    S: FnMut(usize, std::result::Result<O, ItemError>) -> Result<()>,
{
    if let Some((start, results)) = chunk {
        for (k, r) in results.into_iter().enumerate() {
            sink(start + k, r)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ConvertError;

    #[test]
    fn keeps_input_order_and_reports_errors() {
        let items: Vec<u64> = (0..1000).collect();
        let mut seen = Vec::new();
        convert_ordered(
            &items,
            7,
            |&x| {
                if x % 100 == 3 {
                    Err(ItemError::new(format!("{x}"), "bad"))
                } else {
                    // Uneven work so threads finish out of order.
                    std::thread::sleep(std::time::Duration::from_micros((x * 37) % 50));
                    Ok(x * 2)
                }
            },
            |i, r| {
                seen.push((i, r.ok()));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen.len(), 1000);
        for (k, (i, v)) in seen.iter().enumerate() {
            assert_eq!(*i, k);
            assert_eq!(*v, if k % 100 == 3 { None } else { Some(k as u64 * 2) });
        }
    }

    #[test]
    fn sink_error_stops() {
        let items: Vec<u32> = (0..100).collect();
        let mut calls = 0;
        let err = convert_ordered(&items, 10, |&x| Ok(x), |i, _| {
            calls += 1;
            if i == 15 {
                Err(ConvertError::Options("stop".into()))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert!(err.to_string().contains("stop"));
        assert_eq!(calls, 16);
    }
}
