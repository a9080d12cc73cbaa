//! Writes a generated video dataset for `scripts/bench-audit.sh` (the shared mini-kth has 6
//! clips: too few for 3 % to give 30 near copies): COUNT clips of 8 JPEG frames 32×32, half
//! of them test, 4 classes by the direction a bright square moves (right, left, down, up) over
//! a clip's own background (a coarse random texture, so two clips differ in the low
//! frequencies the frame hash sees), square size, colour and start drawn per clip.
//!
//! Usage: gen_video OUT COUNT SEED

use std::io::Cursor;

use formats::dataset::{DatasetWriter, WriterOptions};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use scoring::rng::SplitMix64;

const SIDE: u32 = 32;
const FRAMES: usize = 8;

fn jpeg(img: &image::RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut out), 90);
    img.write_with_encoder(enc).expect("encode JPEG");
    out
}

fn clip(class: usize, rng: &mut SplitMix64) -> Frames {
    let mut draw = |n: u64| rng.next() % n;
    // a coarse random texture: an 8×8 grid of colours, bilinearly enlarged
    let grid: Vec<[f32; 3]> = (0..64).map(|_| [draw(130) as f32, draw(130) as f32, draw(130) as f32]).collect();
    let at = |gx: usize, gy: usize| grid[gy.min(7) * 8 + gx.min(7)];
    let background: Vec<[u8; 3]> = (0..SIDE * SIDE)
        .map(|k| {
            let (x, y) = ((k % SIDE) as f32 / 4.0 - 0.5, (k / SIDE) as f32 / 4.0 - 0.5);
            let (x, y) = (x.max(0.0), y.max(0.0));
            let (gx, gy, fx, fy) = (x as usize, y as usize, x.fract(), y.fract());
            let mix = |c: usize| {
                let top = at(gx, gy)[c] * (1.0 - fx) + at(gx + 1, gy)[c] * fx;
                let bottom = at(gx, gy + 1)[c] * (1.0 - fx) + at(gx + 1, gy + 1)[c] * fx;
                (top * (1.0 - fy) + bottom * fy) as u8
            };
            [mix(0), mix(1), mix(2)]
        })
        .collect();
    let size = 5 + draw(4) as i32;
    let colour = [150 + draw(105) as u8, 150 + draw(105) as u8, 150 + draw(105) as u8];
    let (x0, y0) = (draw(12) as i32 + 6, draw(12) as i32 + 6);
    let (dx, dy) = [(2, 0), (-2, 0), (0, 2), (0, -2)][class];
    let frames = (0..FRAMES as i32)
        .map(|t| {
            let (cx, cy) = (x0 + dx * t, y0 + dy * t);
            let img = image::RgbImage::from_fn(SIDE, SIDE, |x, y| {
                let (x, y) = (x as i32, y as i32);
                if (x - cx).abs() <= size / 2 && (y - cy).abs() <= size / 2 {
                    image::Rgb(colour)
                } else {
                    image::Rgb(background[(y as u32 * SIDE + x as u32) as usize])
                }
            });
            jpeg(&img)
        })
        .collect();
    Frames::Compressed(frames)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: gen_video OUT COUNT SEED");
        std::process::exit(2);
    }
    let count: usize = args[2].parse().expect("COUNT");
    let mut rng = SplitMix64(args[3].parse().expect("SEED"));
    let mut w = DatasetWriter::create(&args[1], "gen-video", WriterOptions { force: true, ..Default::default() }).expect("create output");
    // test first (the writer's order), then train; classes in turn
    for i in 0..count / 2 {
        w.push_test(&clip(i % 4, &mut rng), &[(i % 4) as i64], &[1.0]).expect("write test");
    }
    for i in 0..count - count / 2 {
        w.push_train(&clip(i % 4, &mut rng), &[(i % 4) as i64], &[1.0]).expect("write train");
    }
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec {
            row_count: SIDE as i32,
            col_count: SIDE as i32,
            has_locality_col: true,
            has_locality_row: true,
            format: Format::Compressed,
            num_channels: 3,
            num_channels_present: true,
            ..MatrixSpec::default()
        }],
        output_dim: 4,
        sequence_size: FRAMES as i32,
        sequence_size_present: true,
        ..DataSpec::default()
    };
    let names: Vec<String> = ["right", "left", "down", "up"].iter().map(|s| s.to_string()).collect();
    w.finish(spec, Some(&names)).expect("finish output");
}
