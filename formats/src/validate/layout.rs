//! The validator's walk of a dataset folder: layout, side files (label and feature names),
//! solution files, and the order in which subsets are checked.

use super::*;

impl Validator {
    /// Runs every check; returns the dataset name when the `.data` folder was found.
    pub(super) fn run(&mut self, dir: &Path) -> Option<String> {
        if !dir.is_dir() {
            let why = if dir.exists() { "is not a folder" } else { "does not exist" };
            self.out.error("LAYOUT_NOT_A_DIRECTORY", Location::file(dir), format!("dataset path {why}"));
            return None;
        }
        let entries = list_dir(dir, &mut self.out)?;
        let data_dirs: Vec<&(String, PathBuf)> =
            entries.iter().filter(|(n, _)| n.ends_with(".data")).collect();
        let solutions: Vec<&(String, PathBuf)> =
            entries.iter().filter(|(n, p)| n.ends_with(".solution") && p.is_file()).collect();
        // A `.solution` that is a folder, FIFO or device is an error, not a missing file (issue 22).
        for (n, p) in entries.iter().filter(|(n, p)| n.ends_with(".solution") && !p.is_file()) {
            self.out.error("SOL_NOT_A_FILE", Location::file(p), format!("`{n}` is not a regular file"));
        }

        // spec §1.3: an unlabelled dataset has `unlabelled/` instead of `<name>.data/`.
        if data_dirs.is_empty() && dir.join(Subset::Unlabelled.dir_name()).is_dir() {
            return self.run_unlabelled(dir);
        }
        // spec §1.1: exactly one `*.data` entry; its stem is the dataset name.
        let data = match data_dirs.len() {
            0 => {
                self.out.error(
                    "LAYOUT_NO_DATA_DIR",
                    Location::file(dir),
                    "no `<name>.data` folder in the dataset folder",
                );
                None
            }
            1 => Some(data_dirs[0]),
            _ => {
                let names: Vec<&str> = data_dirs.iter().map(|(n, _)| n.as_str()).collect();
                self.out.error(
                    "LAYOUT_MULTIPLE_DATA_DIRS",
                    Location::file(dir),
                    format!("{} `*.data` entries ({}); ingestion needs exactly one", names.len(), names.join(", ")),
                );
                // Go on with the one the solution names, else the first, to report the rest.
                let sol_stem = solutions.first().map(|(n, _)| solution_stem(n).to_string());
                data_dirs
                    .iter()
                    .find(|(n, _)| Some(n.trim_end_matches(".data")) == sol_stem.as_deref())
                    .or(data_dirs.first())
                    .copied()
            }
        };
        let name = data.map(|(n, _)| n.trim_end_matches(".data").to_string());

        let solution = self.check_solution_files(dir, &solutions, name.as_deref());

        let Some((_, data_path)) = data else {
            return name;
        };
        if !data_path.is_dir() {
            self.out.error(
                "LAYOUT_DATA_NOT_A_DIRECTORY",
                Location::file(data_path),
                "the `.data` entry is not a folder",
            );
            return name;
        }

        let train = self.layout_subset(data_path, Subset::Train);
        let test = self.layout_subset(data_path, Subset::Test);
        if let (Some(tr), Some(te)) = (&train, &test) {
            if let (Some(a), Some(b)) = (&tr.spec, &te.spec) {
                self.compare_specs(a, b, &te.metadata_path);
            }
        }
        if let (Some(name), Some(spec)) = (&name, train.as_ref().and_then(|t| t.spec.as_ref())) {
            self.check_label_names_file(dir, name, spec);
            self.check_feat_names_file(dir, name, spec);
        }

        let total: u64 = [&train, &test]
            .iter()
            .filter_map(|s| s.as_ref())
            .flat_map(|s| s.record_files.iter())
            .filter_map(|p| fs::metadata(p).ok().map(|m| m.len()))
            .sum();
        self.progress(Progress::Start { total_bytes: total });

        // A subset whose own metadata failed is checked against the other's (they must agree).
        let fallback_train = test.as_ref().and_then(|t| t.spec.clone());
        let fallback_test = train.as_ref().and_then(|t| t.spec.clone());
        let mut test_records = None;
        if let Some(tr) = &train {
            let spec = tr.spec.clone().or(fallback_train);
            self.check_records(tr, spec.as_ref());
        }
        if let Some(te) = &test {
            let spec = te.spec.clone().or(fallback_test);
            test_records = self.check_records(te, spec.as_ref());
        }
        self.progress(Progress::Finish);

        // spec §6: one solution row per test record, `output_dim` columns.
        if let Some((sol_path, sol)) = solution {
            let output_dim = test
                .as_ref()
                .and_then(|t| t.spec.as_ref())
                .or(train.as_ref().and_then(|t| t.spec.as_ref()))
                .map(|s| s.output_dim);
            let expected_rows = test_records.or_else(|| {
                test.as_ref().and_then(|t| t.spec.as_ref()).map(|s| s.sample_count.max(0) as u64)
            });
            if let Some(rows) = expected_rows {
                if sol.rows as u64 != rows {
                    self.out.error(
                        "SOL_ROWS_MISMATCH",
                        Location::file(&sol_path),
                        format!("{} solution rows but {rows} test records", sol.rows),
                    );
                }
            }
            if let Some(dim) = output_dim {
                if sol.rows > 0 && sol.cols as i64 != i64::from(dim) {
                    self.out.error(
                        "SOL_COLS_MISMATCH",
                        Location::file(&sol_path),
                        format!("{} solution columns but output_dim is {dim}", sol.cols),
                    );
                }
            }
            if sol.rows == 1 {
                self.out.warn(
                    "SOL_SINGLE_ROW",
                    Location::file(&sol_path),
                    "a single test row is read by the scorer as one column (spec §6)",
                );
            }
            if let Some(dim) = output_dim.filter(|&d| d > 0 && sol.cols as i64 == i64::from(d)) {
                self.check_test_classes(&sol_path, &sol, dim as usize);
            }
        }
        if let (Some(te), Some(dim)) = (&test, train.as_ref().and_then(|t| t.spec.as_ref()).map(|s| s.output_dim)) {
            if let Some(records) = test_records.filter(|&r| r > 0) {
                self.check_test_size(&te.metadata_path, records, dim);
            }
        }
        name
    }

    /// Classes without a positive test row: their AUC is undefined, so the score says nothing
    /// about them (a split of 4 test rows for 10 classes left 7 unmeasured).
    fn check_test_classes(&mut self, sol_path: &Path, sol: &Solution, output_dim: usize) {
        let mut present = vec![false; output_dim];
        for row in sol.iter_rows() {
            for (c, _) in row.iter().enumerate().filter(|(_, &v)| v > 0.0) {
                present[c] = true;
            }
        }
        let missing: Vec<usize> = (0..output_dim).filter(|&c| !present[c]).collect();
        if missing.is_empty() {
            return;
        }
        let list: Vec<String> = missing.iter().take(10).map(|c| c.to_string()).collect();
        let more = if missing.len() > 10 { ", …" } else { "" };
        self.out.warn(
            "TEST_CLASS_MISSING",
            Location::file(sol_path),
            format!(
                "{} of {output_dim} classes have no test example ({}{more}): the score cannot measure them; \
                 split again with a larger test share (convert --test-size) or add examples of those classes",
                missing.len(),
                list.join(", ")
            ),
        );
    }

    /// Fewer test examples than two per class: most classes rest on one example or none.
    fn check_test_size(&mut self, test_metadata: &Path, records: u64, output_dim: i32) {
        let Ok(classes) = u64::try_from(output_dim) else { return };
        if classes < 2 || records >= MIN_TEST_PER_CLASS * classes {
            return;
        }
        self.out.warn(
            "TEST_SET_SMALL",
            Location::field(test_metadata, "sample_count"),
            format!(
                "{records} test example(s) for {classes} classes (fewer than {MIN_TEST_PER_CLASS} per class): \
                 the score rests on too few examples; aim for at least {} (convert --test-size)",
                MIN_TEST_PER_CLASS * classes
            ),
        );
    }

    /// The unlabelled layout of spec §1.3: one test-shaped subset, no solution.
    fn run_unlabelled(&mut self, dir: &Path) -> Option<String> {
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        let layout = self.layout_subset(dir, Subset::Unlabelled)?;
        let total = layout
            .record_files
            .iter()
            .filter_map(|p| fs::metadata(p).ok().map(|m| m.len()))
            .sum();
        self.progress(Progress::Start { total_bytes: total });
        let spec = layout.spec.clone();
        self.check_records(&layout, spec.as_ref());
        self.progress(Progress::Finish);
        name
    }

    /// `<name>_label.name`, when present: one class name per line, line i = class i (§1.1).
    fn check_label_names_file(&mut self, dir: &Path, name: &str, spec: &DataSpec) {
        let path = dir.join(format!("{name}_label.name"));
        if !path.is_file() {
            return;
        }
        match fs::read_to_string(&path) {
            Ok(text) => {
                let lines = text.lines().count();
                if lines as i64 != i64::from(spec.output_dim) {
                    self.out.warn(
                        "LABEL_NAMES_COUNT",
                        Location::file(&path),
                        format!("{lines} class names but output_dim is {} (spec §7.2 #10)", spec.output_dim),
                    );
                }
            }
            Err(e) => self.out.warn("LABEL_NAMES_COUNT", Location::file(&path), format!("cannot read: {e}")),
        }
    }

    /// `<name>_feat.name`, when present: one feature name per line, one line per value of a
    /// frame (rows × columns × channels), so a name holding a newline cannot shift the rest.
    fn check_feat_names_file(&mut self, dir: &Path, name: &str, spec: &DataSpec) {
        let path = dir.join(format!("{name}_feat.name"));
        let Some(m) = spec.matrix_spec.first() else { return };
        let (r, c, ch) = (i64::from(m.row_count), i64::from(m.col_count), i64::from(m.effective_channels()));
        if !path.is_file() || r < 1 || c < 1 || ch < 1 {
            return;
        }
        match fs::read_to_string(&path) {
            Ok(text) => {
                let lines = text.lines().count() as i64;
                if lines != r * c * ch {
                    self.out.warn(
                        "FEAT_NAMES_COUNT",
                        Location::file(&path),
                        format!("{lines} feature names but a frame holds {} values ({r}×{c}×{ch})", r * c * ch),
                    );
                }
            }
            Err(e) => self.out.warn("FEAT_NAMES_COUNT", Location::file(&path), format!("cannot read: {e}")),
        }
    }

    /// Solution-file presence and naming (§1.1); parses the one to use.
    fn check_solution_files(
        &mut self,
        dir: &Path,
        solutions: &[&(String, PathBuf)],
        name: Option<&str>,
    ) -> Option<(PathBuf, Solution)> {
        match solutions.len() {
            0 => {
                self.out.warn(
                    "SOL_MISSING",
                    Location::file(dir),
                    "no `<name>.solution`: test labels cannot be checked",
                );
                return None;
            }
            1 => {}
            n => {
                let names: Vec<&str> = solutions.iter().map(|(n, _)| n.as_str()).collect();
                self.out.error(
                    "SOL_MULTIPLE",
                    Location::file(dir),
                    format!("{n} `*.solution` files ({}); scoring needs exactly one", names.join(", ")),
                );
            }
        }
        let chosen = solutions
            .iter()
            .find(|(n, _)| Some(solution_stem(n)) == name)
            .or(solutions.first())
            .copied()?;
        let (sol_name, sol_path) = chosen;
        if let Some(name) = name {
            if solution_stem(sol_name) != name {
                self.out.error(
                    "SOL_NAME_MISMATCH",
                    Location::file(sol_path),
                    format!("solution name `{}` does not match dataset name `{name}`", solution_stem(sol_name)),
                );
            }
        }
        match Solution::read(sol_path) {
            Ok(sol) => {
                self.stats.solution_rows = Some(sol.rows);
                self.stats.solution_cols = Some(sol.cols);
                Some((sol_path.clone(), sol))
            }
            Err(e) => {
                let mut loc = Location::file(sol_path);
                if let Error::Solution { line, .. } = &e {
                    loc.line = Some(*line);
                }
                self.out.error("SOL_PARSE", loc, strip_path(&e));
                None
            }
        }
    }

    /// Lists one subset folder and parses its metadata.
    fn layout_subset(&mut self, data: &Path, subset: Subset) -> Option<SubsetLayout> {
        let dir = data.join(subset.dir_name());
        if !dir.is_dir() {
            self.out.error(
                "LAYOUT_MISSING_SUBSET",
                Location::file(&dir),
                format!("no `{}/` folder", subset.dir_name()),
            );
            return None;
        }
        let entries = list_dir(&dir, &mut self.out)?;
        let metadata_path = dir.join("metadata.textproto");
        let spec = if metadata_path.is_file() {
            self.parse_metadata(&metadata_path)
        } else {
            self.out.error("META_MISSING", Location::file(&metadata_path), "no metadata.textproto");
            None
        };

        let mut record_files = Vec::new();
        for (name, path) in &entries {
            if name.starts_with('.') {
                continue;
            }
            // spec §1.1: record files are exactly the entries whose name starts with `sample`.
            if name.starts_with("sample") {
                if path.is_file() {
                    record_files.push(path.clone());
                } else {
                    self.out.error(
                        "LAYOUT_RECORD_NOT_A_FILE",
                        Location::file(path),
                        "a `sample*` entry that is not a file breaks the reference reader",
                    );
                }
            } else if name != "metadata.textproto" && path.is_file() && looks_like_tfrecord(name, path) {
                self.out.warn(
                    "LAYOUT_NON_SAMPLE_RECORD_FILE",
                    Location::file(path),
                    "looks like a TFRecord file but its name does not start with `sample`: readers ignore it",
                );
            }
        }
        if record_files.is_empty() {
            self.out.error(
                "LAYOUT_NO_RECORD_FILES",
                Location::file(&dir),
                format!("no `sample*` record file in `{}/`", subset.dir_name()),
            );
        }
        if subset != Subset::Train && record_files.len() > 1 {
            self.out.warn(
                "LAYOUT_MULTIPLE_TEST_FILES",
                Location::file(&dir),
                format!(
                    "{} test record files: their read order vs solution rows is ambiguous (spec §1.2)",
                    record_files.len()
                ),
            );
        }
        Some(SubsetLayout { subset, metadata_path, spec, record_files })
    }
}
