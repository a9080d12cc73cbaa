//! The new-run form: the main `convert`/`rate` options, checked, stored as JSON with the run,
//! and turned into `rate`'s arguments (each its own argv element, `--flag=value` so a value
//! can never pass for a flag; no shell anywhere).

use serde::{Deserialize, Serialize};

use super::error::{Result, ServeError};
use super::names::{clean_run_name, dataset_name};

/// Longest budget the form accepts, seconds (a day).
const MAX_BUDGET: f64 = 86_400.0;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunOptions {
    pub name: String,
    /// auto, image, tabular, text, audio, video
    pub domain: String,
    /// Target column of a table (empty = the converter's default: the last column).
    pub target: String,
    /// auto, yes, no: whether a table's first line names the columns.
    pub header: String,
    pub test_size: f64,
    pub time_budget: f64,
    pub seed: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            name: String::new(),
            domain: "auto".into(),
            target: String::new(),
            header: "auto".into(),
            test_size: 0.2,
            time_budget: crate::cmd::args::RATE_TIME_BUDGET,
            seed: crate::cmd::args::DEFAULT_SEED,
        }
    }
}

pub const DOMAINS: [&str; 6] = ["auto", "image", "tabular", "text", "audio", "video"];
pub const HEADERS: [&str; 3] = ["auto", "yes", "no"];

impl RunOptions {
    /// Sets one form field (`field` as named in the form); unknown fields are refused.
    pub fn set(&mut self, field: &str, value: &str) -> Result<()> {
        let value = value.trim();
        let bad = |why: String| ServeError::BadRequest(format!("option {field}: {why}"));
        match field {
            "name" => self.name = clean_run_name(value),
            "domain" => {
                if !DOMAINS.contains(&value) {
                    return Err(bad(format!("{value:?} is not one of {}", DOMAINS.join(", "))));
                }
                self.domain = value.into();
            }
            "target" => {
                if value.len() > 200 || value.chars().any(|c| c.is_control()) {
                    return Err(bad("a column name or position of at most 200 characters".into()));
                }
                self.target = value.into();
            }
            "header" => {
                if !HEADERS.contains(&value) {
                    return Err(bad(format!("{value:?} is not one of {}", HEADERS.join(", "))));
                }
                self.header = value.into();
            }
            "test_size" => {
                let v: f64 = value.parse().map_err(|_| bad(format!("{value:?} is not a number")))?;
                if !(v > 0.0 && v < 1.0) {
                    return Err(bad(format!("{v} is not a fraction between 0 and 1")));
                }
                self.test_size = v;
            }
            "time_budget" => {
                let v = crate::cmd::args::parse_time_budget(value).map_err(bad)?;
                if v > MAX_BUDGET {
                    return Err(bad(format!("{v} s is over the {MAX_BUDGET} s this server allows")));
                }
                self.time_budget = v;
            }
            "seed" => self.seed = value.parse().map_err(|_| bad(format!("{value:?} is not a whole number ≥ 0")))?,
            _ => return Err(ServeError::BadRequest(format!("unknown form field {field:?}"))),
        }
        Ok(())
    }

    /// `rate`'s options (after the input and `-o`).
    pub fn rate_args(&self, device: &str) -> Vec<String> {
        let mut args = vec![
            format!("--time-budget={}", self.time_budget),
            format!("--seed={}", self.seed),
            format!("--test-size={}", self.test_size),
            format!("--domain={}", self.domain),
            format!("--header={}", self.header),
            format!("--device={device}"),
        ];
        if !self.target.is_empty() {
            args.push(format!("--target={}", self.target));
        }
        if !self.name.is_empty() {
            args.push(format!("--name={}", dataset_name(&self.name)));
        }
        args
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// The stored options of a run (defaults for what an older row lacks).
    pub fn from_json(text: &str) -> RunOptions {
        serde_json::from_str(text).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_checked_and_become_flag_value_pairs() {
        let mut o = RunOptions::default();
        o.set("name", " my\tcats ").unwrap();
        o.set("time_budget", "20").unwrap();
        o.set("target", "--force").unwrap();
        for (f, v) in [("domain", "exe"), ("time_budget", "-1"), ("time_budget", "1e9"), ("test_size", "1"), ("seed", "x"), ("rm", "-rf")] {
            assert!(o.set(f, v).is_err(), "{f}={v} accepted");
        }
        let args = o.rate_args("cpu");
        assert!(args.contains(&"--time-budget=20".to_string()));
        // a value that looks like a flag stays the value of --target
        assert!(args.contains(&"--target=--force".to_string()));
        assert!(args.contains(&"--name=mycats".to_string()));
        assert_eq!(RunOptions::from_json(&o.to_json()), o);
    }
}
