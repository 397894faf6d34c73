//! `test verifier`: the verifier's errors on each function must be exactly the ones the
//! file expects. An expectation is a comment `; error: <substring>` on the line of the
//! offending instruction, on a block header line for block-level errors, or on the
//! `function` line for function-level ones; a comment on a line of its own matches an
//! error anywhere in the function. A function without expectations must verify cleanly.

use super::{Failure, FileContext, SubTest};
use lathe_codegen::ir::{Function, ValueDef};
use lathe_codegen::text::CommentEntity;
use lathe_codegen::verifier::{AnyEntity, verify_function};

/// The `verifier` kind.
pub struct Verifier;

/// Where an error is reported, in the terms comments are attached to.
fn error_site(func: &Function, loc: &AnyEntity) -> CommentEntity {
    match *loc {
        AnyEntity::Inst(i) => CommentEntity::Inst(i),
        AnyEntity::Block(b) => CommentEntity::Block(b),
        AnyEntity::Value(v) if func.dfg.value_is_valid(v) => match func.dfg.value_def(v) {
            ValueDef::Result(i, _) => CommentEntity::Inst(i),
            ValueDef::Param(b, _) => CommentEntity::Block(b),
            _ => CommentEntity::Function,
        },
        _ => CommentEntity::Function,
    }
}

impl SubTest for Verifier {
    fn run(&self, ctx: &mut FileContext<'_>) -> Result<(), Failure> {
        let mut problems = Vec::new();
        for tf in &ctx.file.functions {
            let func = &tf.function;
            let mut expected: Vec<(usize, &CommentEntity, &str, bool)> = tf
                .comments
                .iter()
                .filter_map(|c| {
                    let body = c.text.trim_start_matches(';').trim_start();
                    body.strip_prefix("error:").map(|m| (c.line, &c.entity, m.trim(), false))
                })
                .collect();
            let errors = match verify_function(func) {
                Ok(()) => Vec::new(),
                Err(errs) => errs.0,
            };
            for err in &errors {
                let site = error_site(func, &err.location);
                let full = err.to_string();
                let hit = expected.iter_mut().find(|(_, entity, text, used)| {
                    !*used && (matches!(entity, CommentEntity::None) || **entity == site) && full.contains(*text)
                });
                match hit {
                    Some(e) => e.3 = true,
                    None => {
                        problems.push(format!("function at line {}: unexpected verifier error: {full}", tf.start_line))
                    }
                }
            }
            for (line, _, text, used) in &expected {
                if !used {
                    problems
                        .push(format!("line {line}: expected a verifier error containing `{text}` here; none came"));
                }
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(Failure::Failed(problems.join("\n"))) }
    }
}
