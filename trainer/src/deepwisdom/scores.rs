//! Class scores (spec §7.3): whether labels are multi-label, and the scores of a network's
//! logits, a sigmoid per class for multi-label data, else a softmax across each row.

use crate::error::Result;

/// Multi-label when some row has more than one positive (spec §7.3).
pub fn is_multilabel(labels: &[f32], classes: usize) -> bool {
    labels.chunks(classes.max(1)).any(|r| r.iter().filter(|v| **v > 0.5).count() > 1)
}

/// Class scores of `logits` (rows × classes): a sigmoid per class for multi-label data, else a
/// softmax across each row (spec §7.3).
pub fn activate(logits: &tch::Tensor, multilabel: bool) -> tch::Tensor {
    if multilabel {
        logits.sigmoid()
    } else {
        logits.softmax(1, tch::Kind::Float)
    }
}

/// [`activate`]d logits as a row-major vector on the CPU, computed without autograd.
pub fn probabilities(logits: &tch::Tensor, multilabel: bool) -> Result<Vec<f32>> {
    let p = tch::no_grad(|| activate(logits, multilabel));
    Ok(Vec::<f32>::try_from(p.to_device(tch::Device::Cpu).contiguous().view(-1))?)
}
