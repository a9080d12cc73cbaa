//! Issue 22, item 7: converting one text document must cost work linear in its size. The work
//! is counted, not timed: every heap allocation of the conversion (count and bytes) goes through
//! a counting allocator, for a document of N bytes and one of 4 N. Linear work gives a ratio
//! near 4 (a little less: the vocabulary grows slower than the text); work quadratic in a
//! document or in a piece of it gives a ratio near 16.
//!
//! One test in this binary, so no other test allocates while it counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use converters_common::{ErrorPolicy, SkipReport};
use converters_text::{convert_text, MemorySink, TextOptions, TokenizerChoice};

struct Counting;

static CALLS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        CALLS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        CALLS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Class folders `pos`/`neg` with three tiny documents each, plus one document of about `bytes`
/// bytes of lines of 12 words drawn from 5,000 made-up words (a fixed generator: same text every run).
fn corpus(root: &Path, bytes: usize) {
    for c in ["pos", "neg"] {
        std::fs::create_dir_all(root.join(c)).unwrap();
        for i in 0..3 {
            std::fs::write(root.join(c).join(format!("{i}.txt")), format!("tiny {c} document {i}\n")).unwrap();
        }
    }
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let words: Vec<String> = (0..5000)
        .map(|_| (0..2 + next() % 8).map(|_| (b'a' + (next() % 10) as u8) as char).collect())
        .collect();
    let mut text = String::with_capacity(bytes + 128);
    while text.len() < bytes {
        for k in 0..12 {
            if k > 0 {
                text.push(' ');
            }
            text.push_str(&words[(next() % words.len() as u64) as usize]);
        }
        text.push('\n');
    }
    std::fs::write(root.join("pos/big.txt"), text).unwrap();
}

struct Work {
    calls: u64,
    bytes: u64,
    tokens: usize,
}

fn convert(bytes: usize, tokenizer: TokenizerChoice) -> Work {
    let tmp = tempfile::tempdir().unwrap();
    corpus(tmp.path(), bytes);
    let opts = TextOptions { tokenizer, ..TextOptions::default() };
    let mut sink = MemorySink::default();
    let mut report = SkipReport::new(ErrorPolicy::default());
    let (calls, bytes) = (CALLS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    convert_text(tmp.path(), &opts, &mut sink, &mut report).expect("conversion");
    let work = Work { calls: CALLS.load(Ordering::Relaxed) - calls, bytes: BYTES.load(Ordering::Relaxed) - bytes, tokens: 0 };
    let tokens = sink
        .test
        .iter()
        .chain(&sink.train)
        .map(|ex| match &ex.frames {
            formats::example::Frames::Dense { values, .. } => values.len(),
            other => panic!("{other:?}"),
        })
        .max()
        .unwrap_or(0);
    Work { tokens, ..work }
}

#[test]
fn work_grows_linearly_with_one_document() {
    // 40 KiB fits in one tokenizer piece (64 KiB); 160 KiB is three pieces.
    for tokenizer in [TokenizerChoice::Words, TokenizerChoice::Chars, TokenizerChoice::Bpe] {
        let small = convert(40 << 10, tokenizer);
        let large = convert(160 << 10, tokenizer);
        let tokens = large.tokens as f64 / small.tokens as f64;
        let calls = large.calls as f64 / small.calls as f64;
        let bytes = large.bytes as f64 / small.bytes as f64;
        eprintln!(
            "{tokenizer:?}: 4x the text: {tokens:.2}x tokens, {calls:.2}x allocations ({} -> {}), {bytes:.2}x allocated bytes ({} -> {})",
            small.calls, large.calls, small.bytes, large.bytes
        );
        assert!((3.5..4.5).contains(&tokens), "{tokenizer:?}: the larger document is not 4x the tokens: {tokens:.2}x");
        assert!(calls < 6.0, "{tokenizer:?}: allocations grew {calls:.2}x for 4x the text (linear: about 4x)");
        assert!(bytes < 6.0, "{tokenizer:?}: allocated bytes grew {bytes:.2}x for 4x the text (linear: about 4x)");
    }
}
