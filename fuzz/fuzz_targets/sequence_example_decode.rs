//! SequenceExample payload decoder (spec §3): any bytes decode or give an `EX_*` error; a
//! decoded example re-encodes canonically and decodes again to the same bytes.
#![no_main]

use formats::example::{decode, try_encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(ex) = decode(data) else { return };
    let _ = ex.frames.check();
    let _ = ex.label_vector(16);
    for t in 0..ex.frames.num_frames().min(4) {
        let _ = ex.frames.dense_frame(t);
        let _ = ex.frames.compressed_frame(t);
    }
    if let Ok(bytes) = try_encode(&ex) {
        let again = decode(&bytes).expect("a canonical encoding must decode");
        let twice = try_encode(&again).expect("a decoded canonical example must encode");
        assert_eq!(bytes, twice, "canonical encoding must be stable");
    }
});
