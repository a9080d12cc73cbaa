//! The booster's data side: features binned once into a row-major `u8` matrix, and gradient
//! histograms built over a leaf's row indices (in fixed row blocks, so the sums are the same on
//! any number of threads).

use rayon::prelude::*;

/// Rows per histogram block: big leaves are split into these and summed in block order.
const BLOCK: usize = 32_768;
/// Bin edges come from at most this many rows (evenly spaced), as LightGBM samples 200,000.
const EDGE_SAMPLE: usize = 200_000;

/// One histogram cell: gradient and Hessian sums and the row count of a bin.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cell {
    pub g: f64,
    pub h: f64,
    pub n: u32,
}

/// Quantile bins of every feature and the binned matrix.
pub struct Binned {
    /// `edges[f][b]` = upper bound of bin `b` of feature `f` (the last bin is open).
    pub edges: Vec<Vec<f32>>,
    /// Feature `f`'s cells are `offsets[f]..offsets[f + 1]` of a histogram.
    pub offsets: Vec<usize>,
    /// `rows × dim`, row-major: one histogram pass reads each row's bins together.
    pub bins: Vec<u8>,
    /// The same bins column-major, for partitioning a leaf's rows by one feature.
    cols: Vec<u8>,
    pub dim: usize,
    rows: usize,
}

fn feature_edges(x: &[f32], rows: usize, dim: usize, f: usize, max_bin: usize) -> Vec<f32> {
    let step = rows.div_ceil(EDGE_SAMPLE).max(1);
    let mut col: Vec<f32> = (0..rows).step_by(step).map(|i| x[i * dim + f]).filter(|v| !v.is_nan()).collect();
    col.sort_by(|a, b| a.partial_cmp(b).expect("NaN filtered above"));
    col.dedup();
    if col.len() <= max_bin {
        // Midpoints between distinct values: exact splits for low-cardinality columns.
        col.windows(2).map(|w| w[0] + (w[1] - w[0]) / 2.0).collect()
    } else {
        let mut e: Vec<f32> = (1..max_bin).map(|b| col[b * col.len() / max_bin]).collect();
        e.dedup();
        e
    }
}

impl Binned {
    /// Bins `x` (`rows × dim`, row-major); NaN goes to bin 0.
    pub fn new(x: &[f32], rows: usize, dim: usize, max_bin: usize) -> Binned {
        let max_bin = max_bin.clamp(2, 255);
        let edges: Vec<Vec<f32>> = (0..dim).into_par_iter().map(|f| feature_edges(x, rows, dim, f, max_bin)).collect();
        let mut offsets = Vec::with_capacity(dim + 1);
        offsets.push(0);
        for e in &edges {
            offsets.push(offsets.last().copied().unwrap_or(0) + e.len() + 1);
        }
        let mut bins = vec![0u8; rows * dim];
        if dim > 0 {
            bins.par_chunks_mut(dim * 1024).enumerate().for_each(|(c, out)| {
                for (j, b) in out.iter_mut().enumerate() {
                    let f = j % dim;
                    let v = x[c * dim * 1024 + j];
                    *b = if v.is_nan() { 0 } else { edges[f].partition_point(|edge| *edge < v) as u8 };
                }
            });
        }
        let mut cols = vec![0u8; rows * dim];
        cols.par_chunks_mut(rows.max(1)).enumerate().for_each(|(f, col)| {
            col.iter_mut().enumerate().for_each(|(r, b)| *b = bins[r * dim + f]);
        });
        Binned { edges, offsets, bins, cols, dim, rows }
    }

    pub fn cells(&self) -> usize {
        self.offsets.last().copied().unwrap_or(0)
    }

    #[inline]
    pub fn bin(&self, row: usize, f: usize) -> u8 {
        self.cols[f * self.rows + row]
    }

    fn accumulate(&self, idx: &[u32], gh: &[[f32; 2]], out: &mut [Cell]) {
        let dim = self.dim;
        for &r in idx {
            let r = r as usize;
            let [g, h] = gh[r];
            let (g, h) = (f64::from(g), f64::from(h));
            let row = &self.bins[r * dim..(r + 1) * dim];
            for (off, &b) in self.offsets.iter().zip(row) {
                let c = &mut out[off + b as usize];
                c.g += g;
                c.h += h;
                c.n += 1;
            }
        }
    }

    /// Overwrites `out` with the histogram of the rows `idx`.
    pub fn histogram(&self, idx: &[u32], gh: &[[f32; 2]], out: &mut [Cell]) {
        out.fill(Cell::default());
        if idx.len() < 2 * BLOCK {
            self.accumulate(idx, gh, out);
            return;
        }
        let parts: Vec<Vec<Cell>> = idx
            .par_chunks(BLOCK)
            .map(|block| {
                let mut part = vec![Cell::default(); out.len()];
                self.accumulate(block, gh, &mut part);
                part
            })
            .collect();
        for part in parts {
            for (o, p) in out.iter_mut().zip(&part) {
                o.g += p.g;
                o.h += p.h;
                o.n += p.n;
            }
        }
    }
}

/// `parent -= child`: the sibling's histogram without a pass over its rows.
pub fn subtract(parent: &mut [Cell], child: &[Cell]) {
    for (p, c) in parent.iter_mut().zip(child) {
        p.g -= c.g;
        p.h -= c.h;
        p.n -= c.n;
    }
}

/// Stable partition of `idx` by `goes_left`, using `scratch` for the right side; returns the
/// left count.
pub fn partition(idx: &mut [u32], scratch: &mut Vec<u32>, goes_left: impl Fn(u32) -> bool) -> usize {
    scratch.clear();
    let mut left = 0;
    for i in 0..idx.len() {
        let r = idx[i];
        if goes_left(r) {
            idx[left] = r;
            left += 1;
        } else {
            scratch.push(r);
        }
    }
    idx[left..].copy_from_slice(scratch);
    left
}
