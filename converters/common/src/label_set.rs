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

/// The final order of classes named by the values an input gives, numbered in the order
/// they were first seen: numeric order when every name is a number, else text order (tables'
/// target column, a corpus's label column).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassOrder {
    /// First-seen ids in final order: class `j` is `names[order[j]]`.
    pub order: Vec<u32>,
    /// First-seen id → final class index.
    pub remap: Vec<u32>,
    /// Every name as a number, when all of them are numbers.
    pub numeric: Option<Vec<f64>>,
}

impl ClassOrder {
    pub fn new(names: &[String]) -> ClassOrder {
        let mut order: Vec<u32> = (0..names.len() as u32).collect();
        let numeric: Option<Vec<f64>> = names.iter().map(|t| t.parse::<f64>().ok()).collect();
        match &numeric {
            Some(v) => order.sort_by(|&a, &b| v[a as usize].total_cmp(&v[b as usize])),
            None => order.sort_by(|&a, &b| names[a as usize].cmp(&names[b as usize])),
        }
        let mut remap = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        ClassOrder { order, remap, numeric }
    }

    /// The names in final order.
    pub fn sorted_names(&self, names: &[String]) -> Vec<String> {
        self.order.iter().map(|&o| names[o as usize].clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_numeric_order_else_text_order() {
        let names: Vec<String> = ["10", "9", "-1.5"].iter().map(|s| s.to_string()).collect();
        let o = ClassOrder::new(&names);
        assert_eq!(o.sorted_names(&names), ["-1.5", "9", "10"]);
        assert_eq!(o.remap, [2, 1, 0]);
        assert_eq!(o.numeric, Some(vec![10.0, 9.0, -1.5]));
        let names: Vec<String> = ["b", "10", "a"].iter().map(|s| s.to_string()).collect();
        let o = ClassOrder::new(&names);
        assert_eq!(o.sorted_names(&names), ["10", "a", "b"]);
        assert_eq!(o.remap, [2, 0, 1]);
        assert_eq!(o.numeric, None);
    }
}
