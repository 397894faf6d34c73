//! Which values of a function the baseline tier keeps in a register of their own for the
//! whole function (*pinned*), chosen by one cheap pre-pass before emission.
//!
//! A pinned value's home is its register instead of a frame slot: it is written there when
//! computed (or by a branch, for a block parameter) and read from there by every use, in
//! every block, so loop-carried values and values defined before a loop and read in it
//! never touch memory. Registers are not shared between pinned values (no liveness is
//! computed), so the number of pinned values is the number of registers the ISA part
//! offers: callee-saved integer registers, which survive calls (the prologue saves the
//! ones used), and float registers only in functions without calls when the ABI has no
//! callee-saved float register.
//!
//! Input: the function, its [`Uses`], the register budget. Output: for each value, the
//! index of its register in the integer or float list, or none.
//!
//! Invariants: only write-through values (read outside their block, block arguments,
//! floats; see [`Uses`]) are pinned; integer constants never are (the tier
//! rematerializes them at each use). The choice is by weight: each read, definition and
//! edge copy of a value counts `8^depth`, where `depth` is the loop depth of its block
//! as seen in the layout (a branch from a block to one at or before it in the layout
//! closes a loop over the blocks between them). Ties go to the lower value number, so
//! the choice is deterministic.

use super::Uses;
use crate::entity::EntityRef;
use crate::ir::{Function, Opcode, ValueDef};

const NONE: u8 = u8::MAX;
/// Float registers are numbered from here in `slot`.
const FLOAT_BASE: u8 = 32;

/// How many registers an ISA part offers for pinned values.
#[derive(Clone, Copy, Debug)]
pub struct PinBudget {
    /// Integer registers that survive calls.
    pub int: usize,
    /// Float registers, in a function without calls.
    pub float_without_calls: usize,
    /// Float registers, in a function with calls.
    pub float_with_calls: usize,
}

/// The pinned values of one function (see the module documentation).
pub struct Pins {
    slot: Vec<u8>,
    num_int: usize,
    num_float: usize,
}

/// Weight of one access at loop depth `depth`.
fn weight(depth: u32) -> u32 {
    1 << (3 * depth.min(6))
}

impl Pins {
    /// Chooses the pinned values of `func` within `budget`.
    pub fn choose(func: &Function, uses: &Uses, budget: PinBudget) -> Self {
        let dfg = &func.dfg;
        let n = dfg.num_values();
        // Layout position of each block, then the loop depth of each position from the
        // back edges (a difference array over positions).
        let mut pos_of = vec![u32::MAX; dfg.num_blocks()];
        for (i, b) in func.layout.blocks().enumerate() {
            pos_of[b.index()] = i as u32;
        }
        let num_blocks = pos_of.iter().filter(|&&p| p != u32::MAX).count();
        let mut diff = vec![0i32; num_blocks + 1];
        let mut has_calls = false;
        for (i, b) in func.layout.blocks().enumerate() {
            for inst in func.layout.block_insts(b) {
                has_calls |= dfg.insts[inst].opcode().is_call();
                for call in dfg.inst_branches(inst) {
                    let j = pos_of[call.block.index()] as usize;
                    if j <= i {
                        diff[j] += 1;
                        diff[i + 1] -= 1;
                    }
                }
            }
        }
        let mut w = vec![0u32; n];
        let mut depth = 0i32;
        for (i, b) in func.layout.blocks().enumerate() {
            depth += diff[i];
            let k = weight(depth.max(0) as u32);
            for inst in func.layout.block_insts(b) {
                for &a in dfg.inst_args(inst) {
                    let a = dfg.resolve_aliases(a).index();
                    w[a] = w[a].saturating_add(k);
                }
                for call in dfg.inst_branches(inst) {
                    let params = dfg.block_params(call.block);
                    for (&a, &p) in call.args_slice(&dfg.value_lists).iter().zip(params) {
                        if crate::ir::BlockArg::is_value(a) {
                            let a = dfg.resolve_aliases(a).index();
                            w[a] = w[a].saturating_add(k);
                        }
                        w[p.index()] = w[p.index()].saturating_add(k);
                    }
                }
                for &r in dfg.inst_results(inst) {
                    w[r.index()] = w[r.index()].saturating_add(k);
                }
            }
        }
        let float_regs = if has_calls { budget.float_with_calls } else { budget.float_without_calls };
        let mut ints = Vec::new();
        let mut floats = Vec::new();
        for v in 0..n {
            let value = crate::ir::Value::new(v);
            // Aliases and placeholders have no definition of their own (an alias's
            // target is counted).
            let is_const = match dfg.value_def(value) {
                ValueDef::Result(inst, _) => dfg.insts[inst].opcode() == Opcode::Iconst,
                ValueDef::Param(..) => false,
                ValueDef::Alias(_) | ValueDef::Placeholder => continue,
            };
            let ty = dfg.value_type(value);
            if ty.is_int_scalar() && ty.bits() <= 64 {
                // A push and a pop in the prologue and epilogue buy it: worth it when
                // the value is read several times or in a loop.
                if uses.write_through(v as u32) && !is_const && w[v] >= 4 {
                    ints.push((w[v], v));
                }
            } else if (ty == crate::ir::types::F32 || ty == crate::ir::types::F64) && w[v] >= 2 {
                floats.push((w[v], v));
            }
        }
        let by_weight = |list: &mut Vec<(u32, usize)>| list.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        by_weight(&mut ints);
        by_weight(&mut floats);
        let mut slot = vec![NONE; n];
        let num_int = ints.len().min(budget.int);
        for (k, &(_, v)) in ints.iter().take(num_int).enumerate() {
            slot[v] = k as u8;
        }
        let num_float = floats.len().min(float_regs);
        for (k, &(_, v)) in floats.iter().take(num_float).enumerate() {
            slot[v] = FLOAT_BASE + k as u8;
        }
        Self { slot, num_int, num_float }
    }

    /// Nothing pinned (for a function of `num_values` values).
    pub fn none(num_values: usize) -> Self {
        Self { slot: vec![NONE; num_values], num_int: 0, num_float: 0 }
    }

    /// The integer register (index in the ISA's list) value number `v` is pinned to.
    pub fn int(&self, v: u32) -> Option<usize> {
        match self.slot.get(v as usize) {
            Some(&s) if s < FLOAT_BASE => Some(s as usize),
            _ => None,
        }
    }

    /// The float register (index in the ISA's list) value number `v` is pinned to.
    pub fn float(&self, v: u32) -> Option<usize> {
        match self.slot.get(v as usize) {
            Some(&s) if (FLOAT_BASE..NONE).contains(&s) => Some((s - FLOAT_BASE) as usize),
            _ => None,
        }
    }

    /// Whether value number `v` is pinned (to a register of either kind).
    pub fn is_pinned(&self, v: u32) -> bool {
        self.slot.get(v as usize).is_some_and(|&s| s != NONE)
    }

    /// How many integer registers are used (the first ones of the ISA's list).
    pub fn num_int(&self) -> usize {
        self.num_int
    }

    /// How many float registers are used (the first ones of the ISA's list).
    pub fn num_float(&self) -> usize {
        self.num_float
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pins(text: &str, budget: PinBudget) -> Pins {
        let f = crate::text::parse_functions(text).unwrap().remove(0);
        let uses = Uses::compute(&f);
        Pins::choose(&f, &uses, budget)
    }

    const LOOP: &str = "function %f(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = iconst.i64 0
    jump block1(v2, v0)

block1(v3: i64, v4: i64):
    v5 = iadd v3, v1
    v6 = iadd_imm v4, -1
    brif v6, block1(v5, v6), block2

block2:
    return v3
}
";

    #[test]
    fn loop_carried_values_come_first_and_constants_are_never_pinned() {
        let p = pins(LOOP, PinBudget { int: 8, float_without_calls: 0, float_with_calls: 0 });
        // v3, v4 (parameters), v1 (read in the loop), v5, v6 (branch arguments) are
        // pinned; the constant v2 is not.
        for v in [1, 3, 4, 5, 6] {
            assert!(p.int(v).is_some(), "v{v}");
        }
        assert_eq!(p.int(2), None);
        assert_eq!(p.num_int(), 5);
        // With two registers, the two heaviest: the loop's parameters and arguments
        // (v3 and v4 are read and written at depth 1 more often than v1; v0 is outside).
        let p = pins(LOOP, PinBudget { int: 2, float_without_calls: 0, float_with_calls: 0 });
        assert_eq!(p.num_int(), 2);
        assert_eq!(p.int(0), None);
        let chosen: Vec<u32> = (0..7).filter(|&v| p.int(v).is_some()).collect();
        assert_eq!(chosen.len(), 2);
        assert!(chosen.iter().all(|v| [3, 4, 5, 6].contains(v)), "{chosen:?}");
    }

    #[test]
    fn floats_are_pinned_only_within_their_budget_for_calls() {
        let text = "function %f(f64) -> f64 {
    fn0 = %g(f64) -> f64
block0(v0: f64):
    v1 = fadd v0, v0
    v2 = call fn0(v1)
    v3 = fadd v2, v1
    return v3
}
";
        let p = pins(text, PinBudget { int: 0, float_without_calls: 4, float_with_calls: 0 });
        assert_eq!(p.num_float(), 0);
        let p = pins(text, PinBudget { int: 0, float_without_calls: 0, float_with_calls: 4 });
        assert!(p.float(1).is_some() && p.int(1).is_none());
        assert!(p.is_pinned(1));
    }
}
