//! The JPEG/PNG structure checks of the image converter (`converters/image/src/probe.rs`, issue
//! 22): any bytes give a header or a reason, never a panic, a hang or an allocation; an accepted
//! file has a non-zero size, and where the `image` crate also reads the header the sizes agree.
//! The walk of JPEG scan data (`jpeg_scan.rs`) vouches only for files the structure check accepts.
#![no_main]

use converters_image::jpeg_scan::walk_scan;
use converters_image::probe::{check_jpeg, check_png, sniff, Container};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let container = sniff(data);
    if walk_scan(data).is_ok() {
        assert!(check_jpeg(data).is_ok(), "the scan walk vouched for a file the structure check refuses");
    }
    for (want, result) in [(Container::Jpeg, check_jpeg(data)), (Container::Png, check_png(data))] {
        match result {
            Ok(h) => {
                assert_eq!(h.container, want);
                assert_eq!(container, want, "an accepted file is sniffed as its container");
                assert!(h.width > 0 && h.height > 0, "accepted with a zero size: {h:?}");
                let dims = image::ImageReader::new(std::io::Cursor::new(data))
                    .with_guessed_format()
                    .ok()
                    .and_then(|r| r.into_dimensions().ok());
                if let Some((w, h2)) = dims {
                    assert_eq!((w, h2), (h.width, h.height), "probe and decoder disagree on the size");
                }
            }
            Err(reason) => assert!(!reason.is_empty()),
        }
    }
});
