//! The network stages of the text learner (spec DEEPWISDOM.md §5.3 TextCNN, §5.4 GRU): run
//! set-up, class-balanced epochs, checkpoints and the stop rules.

use std::collections::HashMap;
use std::time::Instant;

use tch::nn;
use tch::Tensor;

use super::{NetRun, Scored, TextLearner, CPU_CNN_FILTERS, CPU_EMBED_DIM, CPU_GRU_UNITS, CPU_MAX_SEQUENCE, STEPS_PER_CALL};
use crate::deepwisdom::ensemble::validation_nauc;
use crate::deepwisdom::members::MemberModel;
use crate::deepwisdom::resnet::snapshot;
use crate::deepwisdom::text_models::{frequent_tokens, loss, optimizer, predict_net, NetMode, TextArch, TextNet, TextNetSpec, MAX_SEQUENCE};
use crate::error::Result;
use crate::learner::CancelToken;

impl TextLearner {
    pub(super) fn build_run(&mut self, mode: NetMode) -> Result<()> {
        let cpu = self.core.on_cpu();
        let k = self.classes();
        let fasttext = mode == NetMode::CnnFastText;
        let arch = if mode == NetMode::Gru { TextArch::Gru } else { TextArch::TextCnn };
        // spec §5.3 vocabulary (30 000; 20 000 is for punctuation-heavy text, not measurable
        // on token ids) and length; §5.4: tokens seen ≥ 3 times, 95th-percentile length.
        let (kept, max_len) = if arch == TextArch::Gru {
            let mut lens: Vec<usize> = self.train.docs.iter().map(|d| crate::deepwisdom::text_models::clean(d, self.zh).len()).collect();
            lens.sort_unstable();
            let p95 = lens.get(lens.len() * 95 / 100).copied().unwrap_or(1);
            (frequent_tokens(&self.train.docs, self.zh, 30_000, 3, self.vocab_size), p95)
        } else {
            let lens: Vec<f64> = self.train.docs.iter().map(|d| crate::deepwisdom::text_models::clean(d, self.zh).len() as f64).collect();
            let n = lens.len().max(1) as f64;
            let mean = lens.iter().sum::<f64>() / n;
            let std = (lens.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n).sqrt();
            let max = lens.iter().cloned().fold(0.0, f64::max);
            let len = if std > 150.0 { MAX_SEQUENCE as f64 } else if max <= MAX_SEQUENCE as f64 { max } else { mean };
            (frequent_tokens(&self.train.docs, self.zh, 30_000, 1, self.vocab_size), len as usize)
        };
        let cap = if cpu { CPU_MAX_SEQUENCE } else { MAX_SEQUENCE };
        let max_len = max_len.clamp(5, cap);
        let embed_dim = match (&self.pretrained, fasttext) {
            (Some(t), true) => t.size()[1],
            _ if cpu => CPU_EMBED_DIM,
            _ if arch == TextArch::Gru => 64,
            _ => 300,
        };
        let width = match (arch, cpu) {
            (TextArch::TextCnn, true) => CPU_CNN_FILTERS,
            (TextArch::TextCnn, false) => 64,
            (TextArch::Gru, true) => CPU_GRU_UNITS,
            (TextArch::Gru, false) => 128,
        };
        let base = match mode {
            NetMode::CnnLearned => "cnn_a",
            NetMode::CnnFastText => "cnn_b",
            NetMode::Gru => "gru",
        };
        // Later rounds (after the convergence check) train the same stages with other seeds.
        let round = self.finished.len() / self.modes.len().max(1);
        let prefix = if round == 0 { format!("{base}.") } else { format!("{base}{round}.") };
        let spec = TextNetSpec {
            arch,
            vocab_size: self.vocab_size,
            zh: self.zh,
            kept,
            embed_dim,
            width,
            max_len,
            classes: k,
            multilabel: self.multilabel,
            frozen_embedding: fasttext,
            prefix,
        };
        let pretrained_rows = match (&self.pretrained, fasttext) {
            (Some(t), true) => {
                // Row 0 = padding (zeros), row 1 = the out-of-vocabulary id, then kept tokens.
                let mut ids: Vec<i64> = vec![self.vocab_size as i64, self.vocab_size as i64];
                ids.extend(spec.kept.iter().map(|t| i64::from(*t)));
                let rows = t.index_select(0, &Tensor::from_slice(&ids));
                let _ = rows.get(0).zero_();
                Some(rows)
            }
            _ => None,
        };
        tch::manual_seed(self.core.config.seed as i64 + mode as i64 + 1000 * round as i64);
        let vs = nn::VarStore::new(self.core.config.device);
        let net = TextNet::new(&vs.root(), &spec, pretrained_rows.as_ref());
        let opt = optimizer(arch, &vs)?;
        let lr = if arch == TextArch::Gru { 0.016 * 0.65 } else { 1e-3 };
        let name = if round == 0 { mode.label().to_string() } else { format!("{} (round {})", mode.label(), round + 1) };
        self.core.say().plain(&format!("training {name}"));
        self.core.log(&format!("{name}: embedding {}×{embed_dim}, width {width}, length {max_len}", spec.kept.len() + 2));
        self.run = Some(NetRun { mode, name, spec, vs, net, opt, epoch: 0, stale: 0, lr, order: Vec::new(), cursor: 0, best: None, best_weights: None });
        Ok(())
    }

    /// Class-balanced resampling of the training set with the per-class cap of spec §5.1.
    fn epoch_order(&mut self) -> Vec<usize> {
        let k = self.classes();
        let n = self.train.docs.len();
        if self.multilabel {
            let cap = if k < 50 { 100 } else if k < 100 { 50 } else { 20 };
            let mut chosen = vec![false; n];
            let mut per_class = vec![0usize; k];
            for i in self.rng.permutation(n) {
                let row = &self.train.labels[i * k..(i + 1) * k];
                if row.iter().enumerate().any(|(c, v)| *v > 0.0 && per_class[c] < cap) {
                    chosen[i] = true;
                    row.iter().enumerate().for_each(|(c, v)| per_class[c] += usize::from(*v > 0.0));
                }
            }
            let mut order: Vec<usize> = (0..n).filter(|i| chosen[*i]).collect();
            let perm = self.rng.permutation(order.len());
            order = perm.into_iter().map(|j| order[j]).collect();
            return order;
        }
        let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); k];
        for i in 0..n {
            by_class[crate::deepwisdom::text_models::argmax(&self.train.labels[i * k..(i + 1) * k])].push(i);
        }
        let cap = match (k, self.imbalance) {
            (2, 0) => 3500,
            (3..=5, 0) => 3000,
            _ => 1000,
        };
        let target = by_class.iter().map(|c| c.len()).max().unwrap_or(0).min(cap);
        let mut order = Vec::new();
        for members in by_class.iter().filter(|m| !m.is_empty()) {
            let perm = self.rng.permutation(members.len());
            order.extend(perm.iter().take(target).map(|&p| members[p]));
            // Rare classes are drawn again (oversampled) up to the common target.
            for _ in members.len()..target {
                order.push(members[(self.rng.next() % members.len() as u64) as usize]);
            }
        }
        let perm = self.rng.permutation(order.len());
        perm.into_iter().map(|j| order[j]).collect()
    }

    fn batch_size(&self, arch: TextArch) -> usize {
        match arch {
            TextArch::TextCnn => 32,
            TextArch::Gru => 64,
        }
    }

    /// One slice of network training; validation at the end of each pass over the data.
    pub(super) fn train_slice(&mut self, deadline: Instant, cancel: &CancelToken) -> Result<()> {
        let k = self.classes() as i64;
        let device = self.core.config.device;
        for _ in 0..STEPS_PER_CALL {
            cancel.check()?;
            let run = self.run.as_ref().expect("built");
            if run.order.is_empty() || run.cursor >= run.order.len() {
                let order = self.epoch_order();
                let run = self.run.as_mut().expect("built");
                run.order = order;
                run.cursor = 0;
                if run.order.is_empty() {
                    return Ok(());
                }
            }
            let bs = self.batch_size(self.run.as_ref().expect("built").spec.arch);
            let run = self.run.as_mut().expect("built");
            let end = (run.cursor + bs).min(run.order.len());
            let idx: Vec<usize> = run.order[run.cursor..end].to_vec();
            run.cursor = end;
            let docs: Vec<Vec<u32>> = idx.iter().map(|&i| self.train.docs[i].clone()).collect();
            let mut y = Vec::with_capacity(idx.len() * k as usize);
            for &i in &idx {
                y.extend_from_slice(&self.train.labels[i * k as usize..(i + 1) * k as usize]);
            }
            let x = run.spec.encode(&docs).to_device(device);
            let y = Tensor::from_slice(&y).view([idx.len() as i64, k]).to_device(device);
            run.opt.set_lr(run.lr);
            let logits = run.net.forward_t(&x, true);
            let l = loss(&logits, &y, run.spec.multilabel);
            run.opt.backward_step(&l);
            if run.cursor >= run.order.len() {
                self.end_epoch()?;
                return Ok(());
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        // Mid-epoch checkpoint: a long epoch on the CPU would otherwise keep a better network
        // from predicting for many slices (the restore and stop rules stay per epoch).
        let (val, improved) = self.checkpoint()?;
        if improved {
            let run = self.run.as_ref().expect("built");
            self.core.log(&format!("{}, epoch {} ({}/{} documents): validation NAUC {val:.4} (best so far)", run.name, run.epoch + 1, run.cursor, run.order.len()));
        }
        Ok(())
    }

    /// Validation after an epoch: keep the best, restore it when not improved, LR decay, the
    /// stop rules of spec §5.3 / §5.4.
    /// Validation NAUC of the current weights; a new best becomes the run's checkpoint (with its
    /// test scores). Returns (NAUC, new best).
    fn checkpoint(&mut self) -> Result<(f64, bool)> {
        let device = self.core.config.device;
        let run = self.run.as_mut().expect("built");
        let val_pred = predict_net(&run.net, &run.spec, &self.val.docs, device)?;
        let val = if self.val.docs.is_empty() { (run.epoch + 1) as f64 * 1e-4 } else { validation_nauc(&self.val.labels, &val_pred, self.core.facts.output_dim) };
        let improved = run.best.as_ref().is_none_or(|b| val > b.val);
        if improved {
            let test_pred = predict_net(&run.net, &run.spec, &self.test, device)?;
            let tensors = snapshot(&run.vs, &run.spec.prefix);
            run.best_weights = Some(snapshot(&run.vs, ""));
            run.best = Some(Scored { name: run.name.clone(), val, val_pred, test_pred, member: MemberModel::TextNet(run.spec.clone()), tensors });
        }
        let measured = (!self.val.docs.is_empty()).then_some(val);
        self.core.slot.board().tried(&run.name, measured, 0.0);
        Ok((val, improved))
    }

    fn end_epoch(&mut self) -> Result<()> {
        let (val, improved) = self.checkpoint()?;
        let run = self.run.as_mut().expect("built");
        run.epoch += 1;
        if improved {
            run.stale = 0;
        } else {
            run.stale += 1;
            // Not a new best: back to the best weights (spec §5.3).
            if let Some(w) = &run.best_weights {
                let map: HashMap<String, Tensor> = w.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
                crate::deepwisdom::resnet::load_prefixed(&mut run.vs, &map, "")?;
            }
        }
        let (k, imbalance, multilabel) = (self.core.facts.output_dim, self.imbalance, self.multilabel);
        let msg = format!("{}, epoch {}: validation NAUC {val:.4}{}", run.name, run.epoch, if improved { " (best so far)" } else { "" });
        let stop = match run.spec.arch {
            TextArch::TextCnn => {
                if k < 5 && imbalance < 2 && run.epoch.is_multiple_of(3) {
                    run.lr = (run.lr * 0.6).max(1e-4);
                }
                let max_epoch = if multilabel { 18 } else if self.mean_len <= 40.0 { 8 } else { 15 };
                // The spec's third rule (NAUC dropped, > 0.96, epochs > max) is implied by the second.
                run.stale >= 3 || run.epoch > max_epoch || (run.epoch >= 5 && run.stale >= 2)
            }
            TextArch::Gru => {
                // lr0 · 0.65^(epoch+1), patience 3, at most 8 epochs (spec §5.4).
                run.lr = 0.016 * 0.65f64.powi(run.epoch as i32 + 1);
                run.stale >= 3 || run.epoch >= 8
            }
        };
        if improved {
            self.core.say().plain(&msg);
        } else {
            self.core.log(&msg);
        }
        if stop {
            let run = self.run.take().expect("built");
            self.core.log(&format!("{} finished after {} epochs", run.name, run.epoch));
            if let Some(best) = run.best {
                self.finished.push((run.mode, best));
            }
        }
        Ok(())
    }

    /// The network results so far (finished modes and the running one's best).
    pub(super) fn network_results(&self) -> Vec<(NetMode, &Scored)> {
        let mut out: Vec<(NetMode, &Scored)> = self.finished.iter().map(|(m, s)| (*m, s)).collect();
        if let Some(run) = &self.run {
            if let Some(b) = &run.best {
                out.push((run.mode, b));
            }
        }
        out
    }
}
