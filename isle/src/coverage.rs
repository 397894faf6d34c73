//! Rule coverage reports.
//!
//! Input: the `RULES` table and the hit counts (`rule_hits()`) of code generated with
//! coverage on. Output: a [`CoverageReport`] listing the rules that never fired. The
//! counting itself is in the generated code (one relaxed atomic add per firing); this module
//! only interprets the numbers, so it works for any number of generated modules.

use std::fmt;

/// A rule as listed in the generated `RULES` table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRef {
    /// The rule's name, or its location when unnamed.
    pub label: String,
    /// The term the rule belongs to.
    pub term: String,
    /// `file:line`.
    pub location: String,
    /// How many times it fired.
    pub hits: u64,
}

impl RuleRef {
    /// The file part of `location` (all of it when it has no `:line`).
    pub fn file(&self) -> &str {
        self.location.rsplit_once(':').map_or(self.location.as_str(), |(file, _)| file)
    }
}

/// Which rules fired and which did not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageReport {
    /// Every rule with its count, in coverage-id order.
    pub rules: Vec<RuleRef>,
}

impl CoverageReport {
    /// The rules with zero hits.
    pub fn never_fired(&self) -> Vec<&RuleRef> {
        self.rules.iter().filter(|r| r.hits == 0).collect()
    }

    /// How many rules fired at least once.
    pub fn fired_count(&self) -> usize {
        self.rules.iter().filter(|r| r.hits > 0).count()
    }

    /// The report split by rule file, files in the order of their first rule.
    pub fn by_file(&self) -> Vec<(String, CoverageReport)> {
        let mut files: Vec<(String, CoverageReport)> = Vec::new();
        for r in &self.rules {
            match files.iter_mut().find(|(f, _)| f == r.file()) {
                Some((_, report)) => report.rules.push(r.clone()),
                None => files.push((r.file().to_string(), CoverageReport { rules: vec![r.clone()] })),
            }
        }
        files
    }
}

/// Builds a report from a generated `RULES` table and the matching hit counts. Missing
/// counts (a shorter `hits`) count as zero.
pub fn report(rules: &[(&str, &str, &str)], hits: &[u64]) -> CoverageReport {
    CoverageReport {
        rules: rules
            .iter()
            .enumerate()
            .map(|(i, (label, term, location))| RuleRef {
                label: label.to_string(),
                term: term.to_string(),
                location: location.to_string(),
                hits: hits.get(i).copied().unwrap_or(0),
            })
            .collect(),
    }
}

impl fmt::Display for CoverageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.rules.len();
        let fired = self.fired_count();
        writeln!(f, "{fired} of {total} rules fired")?;
        let never = self.never_fired();
        if !never.is_empty() {
            writeln!(f, "never fired:")?;
            for r in never {
                // An unnamed rule's label is its location: say it once.
                if r.label == r.location {
                    writeln!(f, "  {} (term `{}`)", r.location, r.term)?;
                } else {
                    writeln!(f, "  {} rule `{}` (term `{}`)", r.location, r.label, r.term)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_rules_without_hits() {
        let rules = [("a", "t", "x.isle:1"), ("x.isle:2", "t", "x.isle:2"), ("c", "u", "x.isle:3")];
        let r = report(&rules, &[3, 0]);
        assert_eq!(r.fired_count(), 1);
        let never: Vec<&str> = r.never_fired().iter().map(|r| r.label.as_str()).collect();
        assert_eq!(never, ["x.isle:2", "c"]);
        assert_eq!(
            r.to_string(),
            "1 of 3 rules fired\nnever fired:\n  x.isle:2 (term `t`)\n  x.isle:3 rule `c` (term `u`)\n"
        );
    }

    #[test]
    fn splits_by_file_in_order_of_first_rule() {
        let rules = [("y.isle:4", "t", "y.isle:4"), ("a", "t", "x.isle:1"), ("y.isle:9", "u", "y.isle:9")];
        let r = report(&rules, &[1, 0, 0]);
        let files = r.by_file();
        let names: Vec<&str> = files.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(names, ["y.isle", "x.isle"]);
        assert_eq!(files[0].1.to_string(), "1 of 2 rules fired\nnever fired:\n  y.isle:9 (term `u`)\n");
        assert_eq!(files[1].1.fired_count(), 0);
    }
}
