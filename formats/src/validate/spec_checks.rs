//! Metadata checks: parsing each subset's `metadata.textproto`, its fields against the schema
//! (§4.2), and train against test.

use super::*;

impl Validator {
    pub(super) fn parse_metadata(&mut self, path: &Path) -> Option<DataSpec> {
        let text = match fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    self.out.error("META_PARSE", Location::file(path), format!("not UTF-8 text: {e}"));
                    return None;
                }
            },
            Err(e) => {
                self.out.error("META_PARSE", Location::file(path), format!("cannot read: {e}"));
                return None;
            }
        };
        let parsed = match DataSpec::parse_with_notes(&text, path) {
            Ok(p) => p,
            Err(e) => {
                let (line, message) = match &e {
                    Error::Metadata { line, message, .. } => (Some(*line), message.clone()),
                    other => (None, strip_path(other)),
                };
                let code = if is_unknown_field_message(&message) { "META_UNKNOWN_FIELD" } else { "META_PARSE" };
                let mut loc = Location::file(path);
                loc.line = line;
                if let Error::Metadata { column, .. } = &e {
                    loc.column = Some(*column);
                }
                self.out.error(code, loc, message);
                return None;
            }
        };
        for MetadataNote { line, column, code, message } in &parsed.notes {
            let mut loc = Location::file(path);
            loc.line = Some(*line);
            loc.column = Some(*column);
            self.out.warn(code, loc, message.clone());
        }
        let field_line = |field: &str| {
            parsed.fields.iter().find(|f| f.field == field).map(|f| (f.line, f.column))
        };
        self.check_spec(&parsed.spec, path, &field_line);
        Some(parsed.spec)
    }

    /// Appendix B.2 checks on one metadata file.
    fn check_spec(&mut self, spec: &DataSpec, path: &Path, line_of: &dyn Fn(&str) -> Option<(usize, usize)>) {
        let at = |field: &str| {
            let mut loc = Location::field(path, field);
            if let Some((line, column)) = line_of(field) {
                loc.line = Some(line);
                loc.column = Some(column);
            }
            loc
        };
        if spec.matrix_spec.len() != 1 {
            self.out.error(
                "META_MATRIX_SPEC_COUNT",
                at("matrix_spec"),
                format!("{} matrix_spec blocks; exactly one is supported (spec §3.3)", spec.matrix_spec.len()),
            );
        }
        if spec.output_dim < 1 {
            self.out.error("META_OUTPUT_DIM_INVALID", at("output_dim"), format!("output_dim {} < 1", spec.output_dim));
        }
        if spec.sample_count < 0 {
            self.out.error(
                "META_SAMPLE_COUNT_NEGATIVE",
                at("sample_count"),
                format!("sample_count {} < 0", spec.sample_count),
            );
        }
        if spec.sequence_size == 0 || spec.sequence_size < -1 {
            self.out.error(
                "META_SEQUENCE_SIZE_INVALID",
                at("sequence_size"),
                format!("sequence_size {} is neither -1 nor >= 1", spec.sequence_size),
            );
        }
        if !spec.sequence_size_present {
            self.out.warn(
                "META_LEGACY_NO_SEQUENCE_SIZE",
                Location::field(path, "sequence_size"),
                "no sequence_size line (legacy metadata); the default 1 applies",
            );
        }
        for (i, m) in spec.matrix_spec.iter().enumerate() {
            for (field, value) in [("row_count", m.row_count), ("col_count", m.col_count)] {
                let name = format!("matrix_spec[{i}].{field}");
                if value == 0 || value < -1 {
                    self.out.error("META_SIZE_INVALID", at(&name), format!("{field} {value} is not a valid size"));
                } else if value == -1 && m.format != Format::Compressed {
                    // spec §4.2: -1 (variable) only with COMPRESSED storage.
                    self.out.error(
                        "META_NEGATIVE_SIZE_FORBIDDEN",
                        at(&name),
                        format!("{field} -1 is not allowed with {:?} storage (only COMPRESSED)", m.format),
                    );
                }
            }
            if m.num_channels == 0 || m.num_channels < -1 {
                self.out.error(
                    "META_NUM_CHANNELS_INVALID",
                    at(&format!("matrix_spec[{i}].num_channels")),
                    format!("num_channels {} is neither -1 nor >= 1", m.num_channels),
                );
            }
            if m.is_sparse && m.format != Format::Sparse {
                self.out.warn(
                    "META_IS_SPARSE_CONFLICT",
                    at(&format!("matrix_spec[{i}].is_sparse")),
                    format!("deprecated is_sparse: true but format is {:?}", m.format),
                );
            }
        }
        for (field, map) in [
            ("label_to_index_map", &spec.label_to_index_map),
            ("feature_to_index_map", &spec.feature_to_index_map),
            ("channel_to_index_map", &spec.channel_to_index_map),
        ] {
            if !map_is_contiguous(map) {
                self.out.error(
                    "META_MAP_NOT_CONTIGUOUS",
                    at(field),
                    format!("{field} values are not exactly 0..{} (spec §4.2)", map.len()),
                );
            }
        }
        let labels = spec.label_to_index_map.len();
        if labels > 0 && labels as i64 != i64::from(spec.output_dim) {
            self.out.warn(
                "META_LABEL_MAP_SIZE",
                at("label_to_index_map"),
                format!("{labels} label names but output_dim is {}", spec.output_dim),
            );
        }
    }

    /// spec §4.2: train and test metadata agree on everything but `sample_count`.
    pub(super) fn compare_specs(&mut self, train: &DataSpec, test: &DataSpec, test_path: &Path) {
        if train.output_dim != test.output_dim {
            self.out.error(
                "META_OUTPUT_DIM_MISMATCH",
                Location::field(test_path, "output_dim"),
                format!("test output_dim {} ≠ train output_dim {}", test.output_dim, train.output_dim),
            );
        }
        let mut differ = Vec::new();
        if train.is_sequence != test.is_sequence {
            differ.push("is_sequence");
        }
        if train.sequence_size != test.sequence_size {
            differ.push("sequence_size");
        }
        if train.matrix_spec != test.matrix_spec {
            differ.push("matrix_spec");
        }
        let sorted = |m: &Vec<(String, i32)>| {
            let mut v = m.clone();
            v.sort();
            v
        };
        if sorted(&train.label_to_index_map) != sorted(&test.label_to_index_map) {
            differ.push("label_to_index_map");
        }
        if sorted(&train.feature_to_index_map) != sorted(&test.feature_to_index_map) {
            differ.push("feature_to_index_map");
        }
        if sorted(&train.channel_to_index_map) != sorted(&test.channel_to_index_map) {
            differ.push("channel_to_index_map");
        }
        if !differ.is_empty() {
            self.out.error(
                "META_TRAIN_TEST_DIFFER",
                Location::field(test_path, differ.join(",")),
                format!("train and test metadata differ in {}", differ.join(", ")),
            );
        }
    }
}
