//! Phase two of reading a function: structural checks and result types.
//!
//! After every line is read, this checks that each used block and value is defined in the
//! function, then gives each instruction its results: the controlling type comes from the
//! `.type` suffix or from the operand the opcode table names, and the result types from
//! `dfg.result_types` (calls: from the signature). Because an operand may be defined below
//! its use (back edges), instructions and aliases are handled in passes until nothing
//! changes; whatever is left cannot be typed and is an error.

use super::error::{PResult, ParseError};
use super::parser::Parser;
use crate::ir::{CtrlSource, types};

impl Parser<'_> {
    /// Checks the function read so far and creates every instruction's results.
    pub(crate) fn finish_function(&mut self) -> PResult<()> {
        let st = &self.st;
        for &(b, pos) in &st.block_uses {
            if !st.defined_blocks.contains(&b.as_u32()) {
                return Err(ParseError::at(pos, format!("undefined block {b}")));
            }
        }
        for &(v, pos) in &st.value_uses {
            if !st.defined_values.contains(&v.as_u32()) {
                return Err(ParseError::at(pos, format!("undefined value {v}")));
            }
        }
        loop {
            let mut progress = false;
            for i in 0..self.st.aliases.len() {
                let a = &self.st.aliases[i];
                if !a.done && self.st.func.dfg.value_is_defined(a.src) {
                    let (dest, src) = (a.dest, a.src);
                    self.st.func.dfg.make_alias(dest, src);
                    self.st.aliases[i].done = true;
                    progress = true;
                }
            }
            for i in 0..self.st.pending.len() {
                if !self.st.pending[i].done && self.try_make_results(i)? {
                    self.st.pending[i].done = true;
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        if let Some(p) = self.st.pending.iter().find(|p| !p.done) {
            return Err(ParseError::at(
                p.pos,
                format!("cannot infer the controlling type of `{}`; add a .type suffix", p.opcode),
            ));
        }
        if let Some(a) = self.st.aliases.iter().find(|a| !a.done) {
            return Err(ParseError::at(a.pos, format!("alias {} -> {} is part of an alias cycle", a.dest, a.src)));
        }
        // A suffix written on an opcode whose type is inferred must match the operand.
        let dfg = &self.st.func.dfg;
        for p in &self.st.pending {
            if let (CtrlSource::Arg(i), Some((ty, pos))) = (p.opcode.info().ctrl, p.suffix) {
                let arg_ty = dfg.inst_args(p.inst).get(i as usize).map_or(types::INVALID, |&v| dfg.value_type(v));
                if !arg_ty.is_invalid() && arg_ty != ty {
                    return Err(ParseError::at(
                        pos,
                        format!("type suffix {ty} does not match the type {arg_ty} of the controlling operand"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Creates the results of pending instruction `i` if its controlling type is known.
    fn try_make_results(&mut self, i: usize) -> PResult<bool> {
        let p = &self.st.pending[i];
        let dfg = &mut self.st.func.dfg;
        let ctrl = match (p.opcode.info().ctrl, p.suffix) {
            (_, Some((ty, _))) => ty,
            (CtrlSource::Arg(n), None) => match dfg.inst_args(p.inst).get(n as usize) {
                Some(&v) if dfg.value_is_defined(v) => dfg.value_type(v),
                Some(_) => return Ok(false),
                None => types::INVALID,
            },
            _ => types::INVALID,
        };
        let tys = dfg.result_types(p.inst, ctrl);
        if tys.len() != p.results.len() {
            return Err(ParseError::at(
                p.pos,
                format!("`{}` has {} result(s), but {} are named", p.opcode, tys.len(), p.results.len()),
            ));
        }
        for (&(v, pos), &ty) in p.results.iter().zip(&tys) {
            if !dfg.attach_result(p.inst, v, ty) {
                return Err(ParseError::at(pos, format!("value {v} is defined more than once")));
            }
        }
        Ok(true)
    }
}
