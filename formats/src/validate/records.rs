//! Record checks: framing and CRCs of every record file, then each SequenceExample against
//! the subset's metadata (storage, shape, labels, ids, values).

use super::*;

impl Validator {
    /// Reads every record file of a subset. Returns the record count when every file was read
    /// to its end (a framing error makes the count unknown).
    pub(super) fn check_records(&mut self, layout: &SubsetLayout, spec: Option<&DataSpec>) -> Option<u64> {
        let ctx = spec.map(RecordRules::from_spec);
        let mut subset_stats = SubsetStats {
            subset: layout.subset.dir_name().to_string(),
            sample_count: layout.spec.as_ref().map(|s| s.sample_count),
            ..SubsetStats::default()
        };
        let mut complete = true;
        // The classes met, not one flag per declared class: memory follows the records, never
        // a declared output_dim (issue 22: output_dim 2147483647 cost 16.9 GB).
        let mut class_seen: HashSet<u64> = HashSet::new();
        let output_dim = ctx.as_ref().map_or(0, |c| c.output_dim);
        let mut test_position = 0u64;
        for path in &layout.record_files {
            let fs_stats = self.check_file(
                path,
                layout.subset,
                ctx.as_ref(),
                &mut class_seen,
                &mut test_position,
            );
            complete &= fs_stats.complete;
            subset_stats.records += fs_stats.records;
            subset_stats.files.push(fs_stats);
        }
        let records = subset_stats.records;
        if let Some(own) = &layout.spec {
            if complete && own.sample_count >= 0 && own.sample_count as u64 != records {
                self.out.error(
                    "META_SAMPLE_COUNT_MISMATCH",
                    Location::field(&layout.metadata_path, "sample_count"),
                    format!("sample_count is {} but the {} files hold {records} records", own.sample_count, layout.subset.dir_name()),
                );
            }
        }
        if layout.subset == Subset::Train && complete && records > 0 && output_dim > 0 {
            let unused = output_dim - class_seen.len().min(output_dim);
            if unused > 0 {
                // At most 10 + |seen| steps, whatever output_dim says.
                let list: Vec<String> = (0..output_dim as u64).filter(|i| !class_seen.contains(i)).take(10).map(|i| i.to_string()).collect();
                let more = if unused > 10 { ", …" } else { "" };
                self.out.warn(
                    "LABEL_CLASS_UNUSED",
                    Location::field(&layout.metadata_path, "output_dim"),
                    format!("{unused} of {output_dim} classes never appear in training records: {}{more}", list.join(", ")),
                );
            }
        }
        self.stats.subsets.push(subset_stats);
        complete.then_some(records)
    }

    fn check_file(
        &mut self,
        path: &Path,
        subset: Subset,
        rules: Option<&RecordRules>,
        class_seen: &mut HashSet<u64>,
        test_position: &mut u64,
    ) -> FileStats {
        let mut stats = FileStats { file: path.to_path_buf(), ..FileStats::default() };
        let supplied = self.source.as_mut().and_then(|source| source(path));
        let mut reader = match supplied {
            Some((r, len)) => {
                stats.bytes = len;
                TfRecordReader::new(r, path, Some(len))
            }
            None => match File::open(path).and_then(|f| Ok((f.metadata()?.len(), f))) {
                Ok((len, f)) => {
                    stats.bytes = len;
                    let r: Box<dyn Read> = Box::new(std::io::BufReader::with_capacity(1 << 16, f));
                    TfRecordReader::new(r, path, Some(len))
                }
                Err(e) => {
                    self.out.error("TFR_IO", Location::file(path), strip_path(&Error::io(path, e)));
                    return stats;
                }
            },
        };
        let mut labelled_tests = 0u64;
        let mut reported = 0u64;
        loop {
            let payload_len = match reader.next_record() {
                Ok(Some(rec)) => {
                    let loc = Location::record(path, rec.index, rec.offset);
                    match example::decode(rec.payload) {
                        Ok(ex) => {
                            let labelled = self.check_example(&ex, loc, subset, rules, class_seen, *test_position);
                            labelled_tests += u64::from(subset != Subset::Train && labelled);
                        }
                        Err(e) => self.out.error(e.code, loc, e.message),
                    }
                    rec.payload.len() as u64
                }
                Ok(None) => {
                    stats.complete = true;
                    break;
                }
                Err(e) => {
                    match &e {
                        Error::Framing { record, offset, kind, .. } => {
                            self.out.error(
                                kind.code(),
                                Location::record(path, *record, *offset),
                                format!("{kind}; the rest of the file is not read"),
                            );
                        }
                        other => self.out.error("TFR_IO", Location::file(path), strip_path(other)),
                    }
                    break;
                }
            };
            stats.records += 1;
            if subset == Subset::Test {
                *test_position += 1;
            }
            let read = payload_len + FRAMING_BYTES;
            self.stats.bytes_read += read;
            reported += read;
            if reported >= 1 << 22 {
                self.progress(Progress::Advance { bytes: reported });
                reported = 0;
            }
        }
        let left = stats.bytes.saturating_sub(reader.position());
        self.progress(Progress::Advance { bytes: reported + left });
        if labelled_tests > 0 {
            // spec §1.3: legacy test files keep the true class; readers must ignore it.
            self.out.warn(
                "LEGACY_TEST_LABELS",
                Location::file(path),
                format!(
                    "{labelled_tests} of {} {} records carry labels (legacy; ignored, the solution is authoritative)",
                    stats.records,
                    subset.dir_name()
                ),
            );
        }
        stats
    }

    /// Appendix B.4/B.5/B.7 checks of one decoded record. Returns whether it carries labels.
    fn check_example(
        &mut self,
        ex: &AutoDlExample,
        loc: Location,
        subset: Subset,
        rules: Option<&RecordRules>,
        class_seen: &mut HashSet<u64>,
        test_position: u64,
    ) -> bool {
        if let Some(id) = ex.id {
            if !self.ids.insert(id) {
                self.out.warn("DUPLICATE_ID", loc.clone().with_field("id"), format!("id {id} already used by another record"));
            }
            if subset == Subset::Test && id as u64 != test_position {
                self.out.warn(
                    "TEST_ID_NOT_POSITION",
                    loc.clone().with_field("id"),
                    format!("test record at position {test_position} has id {id}; ids should equal solution rows (spec §1.4)"),
                );
            }
        }
        let labelled = ex.has_labels();
        if subset == Subset::Train {
            if !labelled {
                self.out.warn("TRAIN_RECORD_UNLABELLED", loc.clone().with_field("label_index"), "training record without labels");
            }
            if let Some(r) = rules {
                let mut seen = HashSet::new();
                for (i, s) in ex.labels() {
                    if i < 0 || i as u64 >= r.output_dim as u64 {
                        self.out.error(
                            "LABEL_INDEX_OUT_OF_RANGE",
                            loc.clone().with_field("label_index"),
                            format!("label index {i} outside [0, {})", r.output_dim),
                        );
                        continue;
                    }
                    if !seen.insert(i) {
                        self.out.error(
                            "LABEL_INDEX_DUPLICATE",
                            loc.clone().with_field("label_index"),
                            format!("label index {i} listed twice"),
                        );
                    }
                    class_seen.insert(i as u64);
                    if !s.is_finite() {
                        self.out.error(
                            "LABEL_SCORE_NON_FINITE",
                            loc.clone().with_field("label_score"),
                            format!("score {s} for class {i}"),
                        );
                    }
                }
            }
        }
        let Some(r) = rules else { return labelled };
        let frames = ex.frames.num_frames();
        if ex.frames.format() != r.format {
            self.out.error(
                "FORMAT_MISMATCH",
                loc.clone(),
                format!("record stores {:?} frames but the metadata says {:?}", ex.frames.format(), r.format),
            );
            return labelled;
        }
        if frames == 0 {
            self.out.error("EXAMPLE_NO_FRAMES", loc.clone(), "record holds no frame (at least one required)");
        } else if r.sequence_size > 0 && frames as i64 != i64::from(r.sequence_size) {
            let msg = format!("{frames} frames but sequence_size is {}", r.sequence_size);
            if r.format == Format::Dense {
                self.out.error("SEQUENCE_SIZE_MISMATCH", loc.clone(), msg);
            } else {
                self.out.warn("SEQUENCE_SIZE_MISMATCH", loc.clone(), msg);
            }
        }
        match &ex.frames {
            Frames::Dense { values, offsets } => {
                if let Some(expected) = r.dense_frame_len {
                    if let Some(t) = offsets.windows(2).position(|w| w[1] - w[0] != expected) {
                        self.out.error(
                            "DENSE_FRAME_LENGTH",
                            loc.clone().with_field(format!("{}[{t}]", example::KEY_DENSE)),
                            format!(
                                "frame {t} holds {} floats, expected H·W·C = {expected}",
                                offsets[t + 1] - offsets[t]
                            ),
                        );
                    }
                }
                if let Some(vocab) = r.vocabulary {
                    // spec §5.4: token t is stored as the float value of its vocabulary index.
                    if let Some(pos) = values.iter().position(|&v| !(v >= 0.0 && v.fract() == 0.0 && (v as usize) < vocab)) {
                        let t = offsets.partition_point(|&o| o <= pos).saturating_sub(1);
                        self.out.warn(
                            "TEXT_TOKEN_OUT_OF_RANGE",
                            loc.clone().with_field(format!("{}[{t}]", example::KEY_DENSE)),
                            format!("token value {} is not an index of the {vocab}-entry vocabulary", values[pos]),
                        );
                    }
                }
                if !values.iter().all(|v| v.is_finite()) {
                    let pos = values.iter().position(|v| !v.is_finite()).unwrap_or(0);
                    let bad = values[pos];
                    let t = offsets.partition_point(|&o| o <= pos).saturating_sub(1);
                    let field = format!("{}[{t}]", example::KEY_DENSE);
                    let infinite = values.iter().any(|v| v.is_infinite());
                    if r.tabular && !infinite {
                        self.out.warn(
                            "DENSE_NAN",
                            loc.clone().with_field(field),
                            "NaN in tabular data (the converter's missing value, spec §5.5)",
                        );
                    } else {
                        self.out.error(
                            "DENSE_NON_FINITE",
                            loc.clone().with_field(field),
                            format!("non-finite value {bad} at position {} of frame {t}", pos - offsets[t]),
                        );
                    }
                }
            }
            Frames::Compressed(images) => {
                let mut first_size = None;
                for (t, bytes) in images.iter().enumerate() {
                    let field = format!("{}[{t}]", example::KEY_COMPRESSED);
                    match image::guess_format(bytes) {
                        Ok(image::ImageFormat::Gif) => self.out.warn(
                            "COMPRESSED_GIF",
                            loc.clone().with_field(field.clone()),
                            "GIF frame: the reference decoder returns 4-D tensors for GIF (spec §3.3)",
                        ),
                        Ok(_) => {}
                        Err(_) => {
                            self.out.error(
                                "COMPRESSED_UNKNOWN_FORMAT",
                                loc.clone().with_field(field),
                                format!("frame {t} ({} bytes) is not a known image format", bytes.len()),
                            );
                            continue;
                        }
                    }
                    if !self.opts.deep {
                        continue;
                    }
                    self.stats.frames_decoded += 1;
                    match decode_frame(bytes) {
                        Ok((w, h)) => {
                            if let Some((rh, rw)) = r.fixed_size {
                                if (h, w) != (rh, rw) {
                                    self.out.error(
                                        "COMPRESSED_SIZE_MISMATCH",
                                        loc.clone().with_field(field.clone()),
                                        format!("frame {t} is {h}×{w} (H×W) but the metadata fixes {rh}×{rw}"),
                                    );
                                }
                            }
                            match first_size {
                                None => first_size = Some((h, w)),
                                Some(s) if s != (h, w) => {
                                    self.out.error(
                                        "COMPRESSED_FRAME_SIZES_DIFFER",
                                        loc.clone().with_field(field),
                                        format!("frame {t} is {h}×{w} but frame 0 is {}×{}", s.0, s.1),
                                    );
                                }
                                Some(_) => {}
                            }
                        }
                        Err(msg) => {
                            self.out.error("COMPRESSED_UNDECODABLE", loc.clone().with_field(field), format!("frame {t}: {msg}"))
                        }
                    }
                }
            }
            Frames::Sparse(sparse) => {
                for (t, f) in sparse.iter().enumerate() {
                    let check = |list: &[i64], bound: i64| list.iter().find(|&&i| i < 0 || (bound > 0 && i >= bound)).copied();
                    let mut bad = Vec::new();
                    if let Some(i) = check(&f.row, r.rows) {
                        bad.push(format!("row {i} (row_count {})", r.rows));
                    }
                    if let Some(i) = check(&f.col, r.cols) {
                        bad.push(format!("col {i} (col_count {})", r.cols));
                    }
                    if let Some(ch) = &f.channel {
                        if let Some(i) = check(ch, r.channels) {
                            bad.push(format!("channel {i} (num_channels {})", r.channels));
                        }
                    }
                    if !bad.is_empty() {
                        self.out.error(
                            "SPARSE_INDEX_OUT_OF_RANGE",
                            loc.clone().with_field(format!("sparse frame {t}")),
                            format!("frame {t}: index out of range: {}", bad.join(", ")),
                        );
                    }
                }
            }
        }
        labelled
    }
}

/// The metadata facts every record is checked against.
struct RecordRules {
    output_dim: usize,
    format: Format,
    sequence_size: i32,
    /// H·W·C for dense data with a known shape.
    dense_frame_len: Option<usize>,
    /// (H, W) when both are fixed (compressed size check).
    fixed_size: Option<(u32, u32)>,
    rows: i64,
    cols: i64,
    channels: i64,
    tabular: bool,
    /// Text: dense values are indices into a vocabulary of this size (spec §5.4).
    vocabulary: Option<usize>,
}

impl RecordRules {
    fn from_spec(spec: &DataSpec) -> Self {
        let m = spec.matrix_spec.first().cloned().unwrap_or_default();
        let c = m.effective_channels();
        let dense_frame_len = (m.row_count > 0 && m.col_count > 0 && c > 0)
            .then(|| m.row_count as usize * m.col_count as usize * c as usize);
        let fixed_size = (m.row_count > 0 && m.col_count > 0).then_some((m.row_count as u32, m.col_count as u32));
        RecordRules {
            output_dim: spec.output_dim.max(0) as usize,
            format: m.format,
            sequence_size: spec.sequence_size,
            dense_frame_len,
            fixed_size,
            rows: i64::from(m.row_count),
            cols: i64::from(m.col_count),
            channels: i64::from(c),
            tabular: infer_domain(spec) == Domain::Tabular,
            vocabulary: (infer_domain(spec) == Domain::Text && m.format == Format::Dense)
                .then_some(spec.channel_to_index_map.len()),
        }
    }
}
