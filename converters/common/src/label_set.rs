//! The labels of one example, whatever the layout that gave them (a leaf module: the
//! listing ([`crate::labels`]) and the `labels.csv` reader ([`crate::labels_csv`]) both use it).

/// Labels of one example: `(class index, score)` pairs in source order (spec §3.2, §5.7).
/// Plain labels have score 1.0; label-confidence pairs keep their confidence.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Labels {
    pub pairs: Vec<(u32, f32)>,
}

impl Labels {
    pub fn single(index: u32) -> Self {
        Labels { pairs: vec![(index, 1.0)] }
    }
    /// The sorted class indices: the stratification key of the split.
    pub fn key(&self) -> Vec<u32> {
        let mut k: Vec<u32> = self.pairs.iter().map(|p| p.0).collect();
        k.sort_unstable();
        k
    }
    /// `label_index` of the record (spec §3.2).
    pub fn indices(&self) -> Vec<i64> {
        self.pairs.iter().map(|p| p.0 as i64).collect()
    }
    /// `label_score` of the record (spec §3.2).
    pub fn scores(&self) -> Vec<f32> {
        self.pairs.iter().map(|p| p.1).collect()
    }
    pub fn max_index(&self) -> Option<u32> {
        self.pairs.iter().map(|p| p.0).max()
    }
}
