//! The bad-input corpus itself: one [`Case`] per hostile or broken input, grouped by reader.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use converters_image::fixtures;
use formats::tfrecord::frame_record;

use super::builders::*;
use super::{Case, Expect, Setup};

pub(super) const CASES: &[Case] = &[
    // --- images: zero-byte and truncated files of every kind the converter reads
    Case { name: "zero_byte_jpeg", build: |d| image_case(d, "cat/empty.jpg", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "zero_byte_png", build: |d| image_case(d, "dog/empty.png", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "zero_byte_gif", build: |d| image_case(d, "dog/empty.gif", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "zero_byte_webp", build: |d| image_case(d, "dog/empty.webp", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "zero_byte_tiff", build: |d| image_case(d, "dog/empty.tiff", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "zero_byte_bmp", build: |d| image_case(d, "dog/empty.bmp", b"", &[]), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "truncated_jpeg", build: |d| image_case(d, "cat/cut.jpg", &half(fixtures::jpeg(32, 32, 1)), &[]), expect: Expect::Skipped { reason: "truncated JPEG" } },
    Case { name: "truncated_png", build: |d| image_case(d, "cat/cut.png", &half(fixtures::png(32, 32, 1)), &[]), expect: Expect::Skipped { reason: "truncated PNG" } },
    Case { name: "truncated_gif", build: |d| image_case(d, "cat/cut.gif", &half(encoded(image::ImageFormat::Gif)), &[]), expect: Expect::Skipped { reason: "does not decode" } },
    Case { name: "truncated_webp", build: |d| image_case(d, "cat/cut.webp", &half(encoded(image::ImageFormat::WebP)), &[]), expect: Expect::Skipped { reason: "decode" } },
    Case { name: "truncated_tiff", build: |d| image_case(d, "cat/cut.tiff", &half(encoded(image::ImageFormat::Tiff)), &[]), expect: Expect::Skipped { reason: "not a readable image" } },
    Case { name: "truncated_bmp", build: |d| image_case(d, "cat/cut.bmp", &half(encoded(image::ImageFormat::Bmp)), &[]), expect: Expect::Skipped { reason: "decode" } },
    Case {
        name: "decompression_bomb_png",
        build: |d| image_case(d, "cat/bomb.png", &fixtures::huge_png_header(100_000, 100_000), &[]),
        expect: Expect::Skipped { reason: "exceeds --max-pixels" },
    },
    Case {
        name: "max_pixels_flag_limits_ordinary_images",
        build: |d| image_case(d, "cat/big.png", &fixtures::png(64, 64, 9), &["--max-pixels", "1000"]),
        expect: Expect::Skipped { reason: "exceeds --max-pixels 1000" },
    },
    Case {
        name: "bomb_header_with_verify_is_not_decoded",
        build: |d| image_case(d, "cat/bomb.png", &fixtures::huge_png_header(9000, 9000), &["--verify"]),
        expect: Expect::Skipped { reason: "exceeds --max-pixels" },
    },
    Case {
        name: "lying_extension_png_named_jpg_is_read_by_content",
        build: |d| image_case(d, "cat/really_png.jpg", &fixtures::png(16, 16, 4), &[]),
        expect: Expect::Converted { records: 13, stderr: "" },
    },
    Case {
        name: "lying_extension_text_named_jpg",
        build: |d| image_case(d, "cat/notes.jpg", b"just some words, not pixels\n", &[]),
        expect: Expect::Skipped { reason: "not a readable image" },
    },
    Case {
        name: "image_symlink_loop_in_class_folder",
        build: |d| {
            let s = image_case(d, "cat/0000.jpg", &fixtures::jpeg(16, 16, 1), &[]);
            std::os::unix::fs::symlink("..", input(d).join("cat/loop")).unwrap();
            Setup { names: "loop".into(), ..s }
        },
        expect: Expect::Skipped { reason: "through a symbolic link" },
    },
    Case {
        name: "image_dangling_symlink",
        build: |d| {
            let s = image_case(d, "cat/0000.jpg", &fixtures::jpeg(16, 16, 1), &[]);
            std::os::unix::fs::symlink("nowhere.jpg", input(d).join("cat/dangling.jpg")).unwrap();
            Setup { names: "dangling.jpg".into(), ..s }
        },
        expect: Expect::Skipped { reason: "cannot read" },
    },
    Case {
        name: "unreadable_image_permissions",
        build: |d| {
            let s = image_case(d, "cat/locked.jpg", &fixtures::jpeg(16, 16, 2), &[]);
            fs::set_permissions(input(d).join("cat/locked.jpg"), fs::Permissions::from_mode(0o000)).unwrap();
            s
        },
        // Replaced at run time when the tests run as root (see `effective_expect`).
        expect: Expect::Skipped { reason: "Permission denied" },
    },
    Case {
        name: "non_utf8_file_name_converts",
        build: |d| {
            let root = image_folder(d);
            fs::write(root.join("cat").join(non_utf8_name(b"caf\xe9", ".jpg")), fixtures::jpeg(16, 16, 8)).unwrap();
            Setup { args: convert_args(d, &root, &[]), names: String::new() }
        },
        expect: Expect::Converted { records: 13, stderr: "" },
    },
    Case {
        name: "non_utf8_file_name_of_bad_image_is_named_lossily",
        build: |d| {
            let root = image_folder(d);
            fs::write(root.join("dog").join(non_utf8_name(b"bad\xff", ".png")), b"junk").unwrap();
            Setup { args: convert_args(d, &root, &[]), names: "bad\u{fffd}.png".into() }
        },
        expect: Expect::Skipped { reason: "not a readable image" },
    },
    Case {
        name: "duplicate_base_names_in_two_class_folders",
        build: |d| {
            let root = image_folder(d);
            assert!(root.join("cat/0000.jpg").is_file() && root.join("dog/0000.jpg").is_file());
            Setup { args: convert_args(d, &root, &[]), names: String::new() }
        },
        expect: Expect::Converted { records: 12, stderr: "" },
    },
    Case {
        name: "empty_class_folder",
        build: |d| {
            let root = image_folder(d);
            fs::create_dir_all(root.join("zebra")).unwrap();
            Setup { args: convert_args(d, &root, &[]), names: "zebra".into() }
        },
        expect: Expect::Converted { records: 12, stderr: "has no usable file" },
    },
    Case {
        name: "labels_csv_row_names_missing_file",
        build: |d| labels_csv_case(d, "ghost.png,1\n", "ghost.png"),
        expect: Expect::Skipped { reason: "listed in labels.csv but missing" },
    },
    Case {
        name: "labels_csv_unknown_class",
        build: |d| {
            let s = labels_csv_case(d, "img9.png,5\n", "img9.png");
            write(&input(d).join("img9.png"), &fixtures::png(12, 10, 9));
            s
        },
        expect: Expect::Skipped { reason: "unknown class index 5" },
    },
    Case {
        name: "labels_csv_ragged_row",
        build: |d| labels_csv_case(d, "img0.png,1,train,extra\n", "labels.csv"),
        expect: Expect::Skipped { reason: "4 fields, the header has 2" },
    },
    Case {
        name: "labels_csv_bad_header",
        build: |d| {
            let s = labels_csv_case(d, "", "labels.csv");
            edit(&input(d).join("labels.csv"), |t| t.replacen("FileName,Labels", "File,Class", 1));
            s
        },
        expect: Expect::Refused { reason: "header must be FileName,Labels" },
    },
    Case {
        name: "labels_csv_negative_class",
        build: |d| {
            let s = labels_csv_case(d, "img9.png,-3\n", "img9.png");
            write(&input(d).join("img9.png"), &fixtures::png(12, 10, 9));
            s
        },
        expect: Expect::Skipped { reason: "not a non-negative integer" },
    },
    Case {
        name: "image_on_error_fail_leaves_nothing",
        build: |d| image_case(d, "cat/empty.jpg", b"", &["--on-error", "fail"]),
        expect: Expect::Refused { reason: "empty file" },
    },
    Case {
        name: "image_every_file_bad",
        build: |d| {
            let root = input(d);
            for class in ["cat", "dog"] {
                for i in 0..3 {
                    write(&root.join(class).join(format!("{i}.png")), b"");
                }
            }
            Setup { args: convert_args(d, &root, &[]), names: "in".into() }
        },
        expect: Expect::Refused { reason: "test" },
    },
    // --- tables
    Case { name: "zero_byte_csv", build: |d| table_case(d, "t.csv", b"", &[]), expect: Expect::Refused { reason: "" } },
    Case {
        name: "csv_with_only_a_header",
        build: |d| table_case(d, "t.csv", b"a,b,species\n", &[]),
        expect: Expect::Refused { reason: "" },
    },
    Case {
        name: "ragged_csv_row",
        build: |d| table_case(d, "t.csv", format!("{}1,2\n", table_csv()).as_bytes(), &[]),
        expect: Expect::Skipped { reason: "field" },
    },
    Case {
        name: "csv_field_over_the_size_limit",
        build: |d| {
            let big = "9".repeat(converters_tabular::limits::MAX_CSV_FIELD_BYTES + 1);
            table_case(d, "t.csv", format!("{}{big},1,x\n", table_csv()).as_bytes(), &[])
        },
        expect: Expect::Skipped { reason: "bytes" },
    },
    Case {
        name: "csv_line_over_the_size_limit",
        build: |d| {
            let big = "7".repeat(converters_tabular::limits::MAX_CSV_LINE_BYTES + 10);
            table_case(d, "t.csv", format!("{}{big}", table_csv()).as_bytes(), &[])
        },
        expect: Expect::Refused { reason: "longer than" },
    },
    Case {
        name: "csv_invalid_utf8_cell",
        build: |d| {
            let mut bytes = table_csv().into_bytes();
            bytes.extend_from_slice(b"1,2,caf\xe9\n");
            table_case(d, "t.csv", &bytes, &[])
        },
        expect: Expect::Skipped { reason: "UTF-8" },
    },
    Case { name: "zero_byte_parquet", build: |d| table_case(d, "t.parquet", b"", &[]), expect: Expect::Refused { reason: "" } },
    Case {
        name: "truncated_parquet",
        build: |d| table_case(d, "t.parquet", &half(parquet_bytes(false)), &["--target", "y"]),
        expect: Expect::Refused { reason: "" },
    },
    Case {
        name: "parquet_with_a_nested_column",
        build: |d| table_case(d, "t.parquet", &parquet_bytes(true), &["--target", "y"]),
        expect: Expect::Refused { reason: "column 'tags'" },
    },
    Case {
        // issue 22, item 12: used to say "test subset would hold 0 example(s)"
        name: "parquet_target_all_null",
        build: |d| table_case(d, "t.parquet", &parquet_with(false, true), &["--target", "y"]),
        expect: Expect::Refused { reason: "column 'y': the target column has no values" },
    },
    Case {
        name: "csv_target_all_empty",
        build: |d| table_case(d, "t.csv", table_csv().replace(",x\n", ",\n").replace(",y\n", ",\n").as_bytes(), &[]),
        expect: Expect::Refused { reason: "column 'species': the target column has no values" },
    },
    Case { name: "zero_byte_arrow", build: |d| table_case(d, "t.arrow", b"", &[]), expect: Expect::Refused { reason: "" } },
    Case {
        name: "automl_solution_with_nan",
        build: |d| automl_case(d, &[Edit::Replace("t_train.solution", "1 0", "nan 0")], "t_train.solution"),
        expect: Expect::Skipped { reason: "not finite" },
    },
    Case {
        name: "automl_ragged_dense_row",
        build: |d| automl_case(d, &[Edit::Replace("t_train.data", "5 2 10\n", "5 2\n")], "t_train.data"),
        expect: Expect::Skipped { reason: "ragged row" },
    },
    Case {
        name: "automl_rows_do_not_match_solution",
        build: |d| automl_case(d, &[Edit::Append("t_test.solution", "1 0\n")], "t_test.data"),
        expect: Expect::Refused { reason: "rows but" },
    },
    Case {
        // 1e39 is infinite as f32: one bad row, not a dataset that fails validation.
        name: "automl_feature_value_infinite_as_f32",
        build: |d| automl_case(d, &[Edit::Replace("t_train.data", "4 1 8\n", "4 1e39 8\n")], "t_train.data"),
        expect: Expect::Skipped { reason: "'1e39' is not finite" },
    },
    Case {
        name: "automl_solution_value_infinite_as_f32",
        build: |d| automl_case(d, &[Edit::Replace("t_train.solution", "0 1", "0 1e39")], "t_train.solution"),
        expect: Expect::Skipped { reason: "'1e39' is not finite" },
    },
    Case {
        name: "automl_zero_byte_data",
        build: |d| automl_case(d, &[Edit::Set("t_train.data", "")], "t_train.data"),
        expect: Expect::Refused { reason: "rows but" },
    },
    // --- text
    Case { name: "text_zero_byte_document", build: |d| text_case(d, "pos/empty.txt", b""), expect: Expect::Skipped { reason: "empty document" } },
    Case { name: "text_whitespace_only_document", build: |d| text_case(d, "neg/blank.txt", b"  \n\t\n"), expect: Expect::Skipped { reason: "empty document" } },
    Case { name: "text_invalid_utf8", build: |d| text_case(d, "neg/latin1.txt", b"caf\xe9 au lait\n"), expect: Expect::Skipped { reason: "invalid UTF-8" } },
    Case {
        name: "text_truncated_inside_a_character",
        build: |d| text_case(d, "pos/cut.txt", &"naïve café 東京".as_bytes()[..18]),
        expect: Expect::Skipped { reason: "invalid UTF-8" },
    },
    Case {
        name: "text_jsonl_broken_line",
        build: |d| {
            let path = input(d).join("c.jsonl");
            let mut s = String::new();
            for i in 0..12 {
                s.push_str(&format!("{{\"text\": \"document number {i} words\", \"label\": \"{}\"}}\n", ["a", "b"][i % 2]));
            }
            s.push_str("{\"text\": \"unterminated\n");
            write(&path, s.as_bytes());
            Setup { args: convert_args(d, &path, &["--domain", "text"]), names: "c.jsonl".into() }
        },
        expect: Expect::Skipped { reason: "not a JSON object" },
    },
    Case {
        name: "text_zero_byte_jsonl",
        build: |d| {
            let path = input(d).join("c.jsonl");
            write(&path, b"");
            Setup { args: convert_args(d, &path, &["--domain", "text"]), names: "c.jsonl".into() }
        },
        expect: Expect::Refused { reason: "no labelled document" },
    },
    Case {
        name: "autonlp_class_num_bomb",
        build: |d| autonlp_case(d, &[Edit::Set("O1.data/meta.json", r#"{"class_num": 4000000000, "language": "EN"}"#)], "meta.json"),
        expect: Expect::Refused { reason: "exceeds the limit" },
    },
    Case {
        name: "autonlp_solution_with_nan",
        build: |d| autonlp_case(d, &[Edit::Replace("O1.data/train.solution", "1 0", "NaN 0")], "train.data"),
        expect: Expect::Skipped { reason: "no label" },
    },
    Case {
        name: "autonlp_rows_do_not_match",
        build: |d| autonlp_case(d, &[Edit::Append("O1.data/train.data", "one more line\n")], "train.data"),
        expect: Expect::Refused { reason: "documents but" },
    },
    // --- audio (cases that need generated media, and the video cases, are in MEDIA_CASES)
    Case { name: "audio_zero_byte_wav", build: |d| audio_case(d, "yes/empty.wav", b""), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case { name: "audio_truncated_wav_header", build: |d| audio_case(d, "no/cut.wav", &wav(1600, 7)[..30]), expect: Expect::Skipped { reason: "" } },
    Case {
        name: "audio_text_file_named_wav",
        build: |d| audio_case(d, "yes/notes.wav", "this is a text file, not audio\n".repeat(20).as_bytes()),
        expect: Expect::Skipped { reason: "not a known audio container" },
    },
    // --- issue 22: inputs that reach outside the input, block, never end, or cost unbounded memory
    Case {
        name: "labels_csv_row_with_parent_path",
        build: |d| {
            write(&d.join("other/x.png"), &fixtures::png(12, 10, 3));
            labels_csv_case(d, "../other/x.png,1\n", "../other/x.png")
        },
        expect: Expect::Skipped { reason: "path with .." },
    },
    Case {
        name: "labels_csv_row_with_absolute_path",
        build: |d| {
            let outside = d.join("abs.png");
            write(&outside, &fixtures::png(12, 10, 3));
            let row = format!("{},1\n", outside.display());
            let s = labels_csv_case(d, "", "abs.png");
            edit(&input(d).join("labels.csv"), |t| format!("{t}{row}"));
            s
        },
        expect: Expect::Skipped { reason: "absolute path" },
    },
    Case {
        name: "labels_csv_row_naming_a_link_to_outside",
        build: |d| {
            write(&d.join("secret.png"), &fixtures::png(12, 10, 3));
            let s = labels_csv_case(d, "img9.png,1\n", "img9.png");
            std::os::unix::fs::symlink(d.join("secret.png"), input(d).join("img9.png")).unwrap();
            s
        },
        expect: Expect::Skipped { reason: "symbolic link to a file outside" },
    },
    Case {
        name: "labels_csv_index_far_above_the_example_count",
        build: |d| {
            let s = labels_csv_case(d, "img9.png,100000000\n", "labels.csv");
            write(&input(d).join("img9.png"), &fixtures::png(12, 10, 9));
            fs::remove_file(input(d).join("label.name")).unwrap();
            s
        },
        expect: Expect::Refused { reason: "class index 100000000 would make 100000001 classes" },
    },
    Case {
        name: "labels_csv_index_2_pow_32",
        build: |d| {
            let s = labels_csv_case(d, "img9.png,4294967296\n", "img9.png");
            write(&input(d).join("img9.png"), &fixtures::png(12, 10, 9));
            s
        },
        expect: Expect::Skipped { reason: "class index 4294967296 is too large" },
    },
    Case {
        name: "labels_csv_folder_with_unlisted_image",
        build: |d| {
            let s = labels_csv_case(d, "", "stray.png");
            write(&input(d).join("stray.png"), &fixtures::png(12, 10, 9));
            s
        },
        expect: Expect::Skipped { reason: "not listed in labels.csv" },
    },
    Case { name: "image_fifo_in_class_folder", build: |d| image_special_case(d, "p.jpg", mkfifo), expect: Expect::Skipped { reason: "a FIFO, not a regular file" } },
    Case {
        name: "image_symlink_to_dev_zero",
        build: |d| image_special_case(d, "z.jpg", |p| std::os::unix::fs::symlink("/dev/zero", p).unwrap()),
        expect: Expect::Skipped { reason: "a character device, not a regular file" },
    },
    Case { name: "image_hidden_file_is_reported", build: |d| image_case(d, "cat/.hidden.jpg", &encoded(image::ImageFormat::Jpeg), &[]), expect: Expect::Skipped { reason: "hidden" } },
    Case {
        name: "image_folder_chain_deeper_than_the_limit",
        build: |d| {
            let root = image_folder(d);
            let deep = root.join("cat").join(["n"; 80].join("/"));
            write(&deep.join("x.jpg"), &encoded(image::ImageFormat::Jpeg));
            Setup { args: convert_args(d, &root, &[]), names: "n/n/n".into() }
        },
        expect: Expect::Skipped { reason: "levels deep: not entered" },
    },
    // --- issue 22, item 10: what the default check accepts, `validate --deep` accepts
    Case {
        name: "image_png_header_with_token_data",
        build: |d| image_case(d, "cat/bomb.png", &fixtures::huge_png_header(64, 64), &[]),
        expect: Expect::Skipped { reason: "PNG image data does not decode" },
    },
    Case {
        name: "image_png_idat_that_is_not_zlib",
        build: |d| image_case(d, "cat/junk.png", &png_with_junk_idat(), &[]),
        expect: Expect::Skipped { reason: "PNG image data does not decode" },
    },
    Case {
        name: "image_png_palette_without_plte",
        build: |d| image_case(d, "dog/nopal.png", &png_with_ihdr(|ihdr| ihdr[9] = 3), &[]),
        expect: Expect::Skipped { reason: "Missing palette" },
    },
    Case {
        name: "image_png_rgba16_8192_over_the_deep_bound",
        build: |d| image_case(d, "cat/big.png", &rgba16_png_header(8192, 8192), &[]),
        expect: Expect::Skipped { reason: "byte limit of deep validation" },
    },
    Case {
        name: "image_png_rgba16_8192_under_verify",
        build: |d| image_case(d, "cat/big.png", &rgba16_png_header(8192, 8192), &["--verify"]),
        expect: Expect::Skipped { reason: "byte limit of deep validation" },
    },
    Case {
        name: "image_jpeg_arithmetic_coding",
        build: |d| image_case(d, "dog/arith.jpg", &jpeg_with_sof(0xC9), &[]),
        expect: Expect::Skipped { reason: "not decodable" },
    },
    // a marker segment read from damaged scan data: the default check walks the scan and sends
    // such a file to the full decode of `validate --deep`, which refuses it
    Case {
        name: "image_jpeg_dht_marker_in_scan_data",
        build: |d| image_case(d, "cat/dht.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xC4, 0x00, 0x13, 0x25]), &[]),
        expect: Expect::Skipped { reason: "JPEG image data does not decode (marker 0xFFC4 inside the entropy-coded data" },
    },
    Case {
        name: "image_jpeg_dqt_marker_in_scan_data",
        build: |d| image_case(d, "dog/dqt.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xDB, 0x00, 0x04, 0x20]), &[]),
        expect: Expect::Skipped { reason: "Error parsing DQT segment" },
    },
    Case {
        name: "image_jpeg_sof_marker_in_scan_data",
        build: |d| image_case(d, "cat/sof.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xC0]), &[]),
        expect: Expect::Skipped { reason: "Two Start of Frame Markers" },
    },
    Case {
        name: "image_jpeg_sos_marker_in_scan_data",
        build: |d| image_case(d, "dog/sos.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xDA, 0x00, 0x05]), &[]),
        expect: Expect::Skipped { reason: "Bad SOS length 5" },
    },
    Case {
        name: "image_jpeg_app_segment_past_the_end_in_scan_data",
        build: |d| image_case(d, "dog/app.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xE0, 0xFF, 0xF0]), &[]),
        expect: Expect::Skipped { reason: "Exhausted data in the image" },
    },
    Case {
        name: "image_jpeg_comment_marker_in_scan_data_still_decodes",
        // the walk cannot vouch for it, the full decode can: kept
        build: |d| image_case(d, "cat/com.jpg", &jpeg_with_scan_bytes(&[0xFF, 0xFE, 0x00, 0x02]), &[]),
        expect: Expect::Converted { records: 13, stderr: "" },
    },
    Case { name: "audio_wav_declaring_1_hz", build: |d| audio_case(d, "yes/slow.wav", &wav_with(1, 1, 16, &[1, 2, 3, 4, 5, 6, 7, 8])), expect: Expect::Skipped { reason: "sample rate 1 Hz outside" } },
    Case { name: "audio_float_wav_with_nan", build: |d| audio_case(d, "no/nan.wav", &float_wav_with_nan()), expect: Expect::Skipped { reason: "non-finite sample (NaN) at frame 800" } },
    Case {
        name: "table_infinite_cell",
        build: |d| table_case(d, "t.csv", table_csv().replacen("3.5,", "inf,", 1).as_bytes(), &[]),
        expect: Expect::Skipped { reason: "column 'a': 'inf' is not a finite number" },
    },
    Case {
        name: "table_cell_beyond_f32",
        build: |d| table_case(d, "t.csv", table_csv().replacen(",10,", ",1e400,", 1).as_bytes(), &[]),
        expect: Expect::Skipped { reason: "column 'b': '1e400' is not a finite number" },
    },
    // --- TFRecord datasets, metadata and solution (validate)
    Case {
        name: "tfrecord_zero_byte",
        // An empty record file is well-formed (no record): the count in the metadata is wrong.
        build: |d| dataset_case(d, |r| fs::write(test_records(r), b"").unwrap(), "test/metadata.textproto"),
        expect: Expect::Finding { code: "META_SAMPLE_COUNT_MISMATCH" },
    },
    Case {
        name: "tfrecord_truncated",
        build: |d| dataset_case(d, |r| {
            let b = fs::read(train_records(r)).unwrap();
            fs::write(train_records(r), &b[..b.len() - 7]).unwrap();
        }, "sample-d-train.tfrecord"),
        expect: Expect::Finding { code: "TFR_TRUNCATED_PAYLOAD" },
    },
    Case {
        name: "tfrecord_length_field_2_pow_63",
        build: |d| dataset_case(d, |r| append(&train_records(r), &header(1 << 63)), "sample-d-train.tfrecord"),
        expect: Expect::Finding { code: "TFR_TRUNCATED_PAYLOAD" },
    },
    Case {
        name: "tfrecord_payload_crc_mismatch",
        build: |d| dataset_case(d, |r| {
            let mut b = fs::read(test_records(r)).unwrap();
            b[14] ^= 0x01;
            fs::write(test_records(r), b).unwrap();
        }, "sample-d-test.tfrecord"),
        expect: Expect::Finding { code: "TFR_BAD_PAYLOAD_CRC" },
    },
    Case {
        name: "tfrecord_trailing_bytes",
        build: |d| dataset_case(d, |r| append(&train_records(r), &[0xAB; 40]), "sample-d-train.tfrecord"),
        expect: Expect::Finding { code: "TFR_TRAILING_GARBAGE" },
    },
    Case {
        name: "tfrecord_record_that_is_not_an_example",
        build: |d| dataset_case(d, |r| append(&train_records(r), &frame_record(b"\xff\xff\xff\xff not protobuf")), "sample-d-train.tfrecord"),
        expect: Expect::Finding { code: "EX_PROTOBUF" },
    },
    Case {
        name: "tfrecord_symlink_loop",
        build: |d| dataset_case(d, |r| {
            let link = r.join("d.data/train/sample-loop");
            std::os::unix::fs::symlink("sample-loop", &link).unwrap();
        }, "sample-loop"),
        expect: Expect::Finding { code: "LAYOUT_RECORD_NOT_A_FILE" },
    },
    Case {
        name: "metadata_duplicated_field",
        build: |d| dataset_case(d, |r| edit(&r.join("d.data/train/metadata.textproto"), |t| format!("{t}output_dim: 3\n")), "train/metadata.textproto"),
        expect: Expect::Finding { code: "META_PARSE" },
    },
    Case {
        name: "metadata_zero_byte",
        build: |d| dataset_case(d, |r| fs::write(r.join("d.data/test/metadata.textproto"), b"").unwrap(), "test/metadata.textproto"),
        expect: Expect::Finding { code: "META_MATRIX_SPEC_COUNT" },
    },
    Case {
        name: "metadata_invalid_utf8",
        build: |d| dataset_case(d, |r| append(&r.join("d.data/test/metadata.textproto"), b"# \xff\xfe\n"), "test/metadata.textproto"),
        expect: Expect::Finding { code: "META_PARSE" },
    },
    // --- validate --deep on compressed frames whose header asks for too much memory
    Case {
        name: "deep_png_header_claims_huge_size",
        build: |d| deep_frame_case(d, fixtures::huge_png_header(100_000, 100_000)),
        expect: Expect::FindingSaying { code: "COMPRESSED_UNDECODABLE", message: "pixel limit" },
    },
    Case {
        // 2^26 pixels (within MAX_IMAGE_PIXELS) of 8 bytes: 512 MiB decoded, over the budget.
        name: "deep_png_header_rgba16_over_decode_budget",
        build: |d| deep_frame_case(d, rgba16_png_header(8192, 8192)),
        expect: Expect::FindingSaying { code: "COMPRESSED_UNDECODABLE", message: "byte limit of deep validation" },
    },
    Case {
        name: "solution_with_nan",
        build: |d| dataset_case(d, |r| edit(&r.join("d.solution"), |t| t.replacen('1', "nan", 1)), "d.solution"),
        expect: Expect::Finding { code: "SOL_PARSE" },
    },
    Case {
        name: "solution_truncated",
        build: |d| dataset_case(d, |r| {
            let t = fs::read_to_string(r.join("d.solution")).unwrap();
            fs::write(r.join("d.solution"), &t[..t.len() / 2 + 1]).unwrap();
        }, "d.solution"),
        expect: Expect::Finding { code: "SOL_" },
    },
];

/// Cases that need the generated media (ffmpeg CLI) and the binary's FFmpeg decoders.
#[cfg(feature = "ffmpeg")]
pub(super) const MEDIA_CASES: &[Case] = &[
    Case { name: "video_zero_byte_mp4", build: |d| video_case(d, "walk/empty.mp4", b""), expect: Expect::Skipped { reason: "empty file (0 bytes)" } },
    Case {
        name: "video_truncated_mp4",
        build: |d| video_case(d, "run/cut.mp4", &generated("video/truncated.mp4")),
        expect: Expect::Skipped { reason: "not a readable video container" },
    },
    Case {
        name: "video_with_zero_frames",
        build: |d| video_case(d, "walk/none.mkv", &generated("video/zero_frames.mkv")),
        expect: Expect::Skipped { reason: "not a readable video container" },
    },
    Case {
        name: "video_text_file_named_mp4",
        build: |d| video_case(d, "run/notes.mp4", &generated("video/text.mp4")),
        expect: Expect::Skipped { reason: "not a readable video container" },
    },
    Case {
        name: "video_lying_extension_mp4_named_avi_is_read_by_content",
        build: |d| video_case(d, "walk/really_mp4.avi", &generated("video/h264.mp4")),
        expect: Expect::Converted { records: 9, stderr: "" },
    },
    Case {
        name: "audio_truncated_flac",
        build: |d| audio_case(d, "no/cut.flac", &generated("audio/truncated.flac")),
        expect: Expect::Skipped { reason: "zero-length audio" },
    },
    Case {
        name: "audio_wav_with_zero_samples",
        build: |d| audio_case(d, "yes/none.wav", &generated("audio/empty_samples.wav")),
        expect: Expect::Skipped { reason: "zero-length audio: no samples" },
    },
    Case {
        name: "audio_lying_extension_mp3_named_wav_is_read_by_content",
        build: |d| audio_case(d, "yes/really_mp3.wav", &generated("audio/tone.mp3")),
        expect: Expect::Converted { records: 13, stderr: "" },
    },
];
#[cfg(not(feature = "ffmpeg"))]
pub(super) const MEDIA_CASES: &[Case] = &[];

/// Cases built from the shared real data (skipped without it, failing under CI=true).
pub(super) const SHARED_CASES: &[Case] = &[
    Case {
        name: "image_progressive_jpeg_with_a_short_first_scan",
        build: |d| image_case(d, "dog/prog.jpg", &shared_progressive_jpeg(false), &[]),
        expect: Expect::Skipped { reason: "Marker missing where expected" },
    },
    Case {
        name: "image_progressive_jpeg_whole",
        build: |d| image_case(d, "dog/prog.jpg", &shared_progressive_jpeg(true), &[]),
        expect: Expect::Converted { records: 13, stderr: "" },
    },
];
