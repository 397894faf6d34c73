//! Which values of a function the baseline tier keeps in a register of their own
//! (*pinned*), per region, chosen by one cheap pre-pass before emission.
//!
//! A region is an innermost loop of the layout (overlapping ones merged; a function
//! without loops is one region). Inside its region a pinned value's home is its
//! register instead of its frame slot: it is written there when computed (or by a
//! branch, for a block parameter) and read from there by every use, so loop-carried
//! values and values defined before a loop and read in it never touch memory inside the
//! loop. Only the edges that enter or leave a region move pinned values between their
//! registers and their frame slots. Registers are not shared between the pinned values
//! of one region (no liveness is computed), so a region pins at most as many values as
//! the ISA part offers registers: callee-saved integer registers, which survive calls
//! (the prologue saves the ones used), more integer registers in regions without calls,
//! and float registers only in regions without calls when the ABI has no callee-saved
//! float register.
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
    /// More integer registers (after those), in a region without calls that does not
    /// hold the entry block (whose arguments arrive in registers).
    pub int_without_calls: usize,
    /// Float registers, in a region without calls.
    pub float_without_calls: usize,
    /// Float registers, in a region with calls.
    pub float_with_calls: usize,
}

/// A run of blocks (by layout position) whose pinned values stay in registers.
struct Region {
    start: u32,
    end: u32,
    /// The pinned values and their slots (integer indices, or `FLOAT_BASE` and up).
    pins: Vec<(u32, u8)>,
    num_int: usize,
}

/// The pinned values of one function, by region (see the module documentation).
pub struct Pins {
    /// The slot of each value in the region being emitted.
    slot: Vec<u8>,
    current: Option<usize>,
    regions: Vec<Region>,
    /// The region of each block (by block number).
    region_of: Vec<u32>,
    max_int: usize,
    max_float: usize,
}

/// Weight of one access at loop depth `depth`.
fn weight(depth: u32) -> u32 {
    1 << (3 * depth.min(6))
}

impl Pins {
    /// Chooses the regions of `func` and their pinned values within `budget`.
    pub fn choose(func: &Function, uses: &Uses, budget: PinBudget) -> Self {
        let dfg = &func.dfg;
        let n = dfg.num_values();
        // Layout position of each block, then the loop depth of each position from the
        // back edges (a difference array over positions), and the loops' extents.
        let mut pos_of = vec![u32::MAX; dfg.num_blocks()];
        let mut blocks = Vec::new();
        for (i, b) in func.layout.blocks().enumerate() {
            pos_of[b.index()] = i as u32;
            blocks.push(b);
        }
        let mut diff = vec![0i32; blocks.len() + 1];
        let mut loops = Vec::new();
        let mut calls = vec![false; blocks.len()];
        for (i, &b) in blocks.iter().enumerate() {
            for inst in func.layout.block_insts(b) {
                calls[i] |= dfg.insts[inst].opcode().is_call();
                for call in dfg.inst_branches(inst) {
                    let j = pos_of[call.block.index()] as usize;
                    if j <= i {
                        diff[j] += 1;
                        diff[i + 1] -= 1;
                        loops.push((j as u32, i as u32));
                    }
                }
            }
        }
        // Regions: the innermost loops (those containing no other), overlapping ones
        // merged; a function without loops is one region. Inner loops run most, and
        // each gets every register.
        loops.sort_unstable_by_key(|&(s, e)| (s, std::cmp::Reverse(e)));
        loops.dedup();
        let mut inner = Vec::with_capacity(loops.len());
        for (k, &(s, e)) in loops.iter().enumerate() {
            // Sorted by start, then longest first: a loop inside this one comes after it
            // and starts before its end.
            let contains_another =
                loops[k + 1..].iter().take_while(|&&(s2, _)| s2 <= e).any(|&(s2, e2)| s2 >= s && e2 <= e);
            if !contains_another {
                inner.push((s, e));
            }
        }
        let mut spans: Vec<(u32, u32)> = Vec::new();
        for (s, e) in inner {
            match spans.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => spans.push((s, e)),
            }
        }
        if spans.is_empty() && !blocks.is_empty() {
            spans.push((0, blocks.len() as u32 - 1));
        }
        let mut depth_at = Vec::with_capacity(blocks.len());
        let mut depth = 0i32;
        for d in &diff[..blocks.len()] {
            depth += d;
            depth_at.push(depth.max(0) as u32);
        }
        let mut region_of = vec![NO_REGION; dfg.num_blocks()];
        let mut regions = Vec::with_capacity(spans.len());
        let mut w = vec![0u32; n];
        let mut touched = Vec::new();
        let (mut max_int, mut max_float) = (0, 0);
        for (r, &(start, end)) in spans.iter().enumerate() {
            let mut has_calls = false;
            for p in start..=end {
                let b = blocks[p as usize];
                region_of[b.index()] = r as u32;
                has_calls |= calls[p as usize];
                let k = weight(depth_at[p as usize]);
                let mut count = |v: usize| {
                    if w[v] == 0 {
                        touched.push(v);
                    }
                    w[v] = w[v].saturating_add(k);
                };
                for inst in func.layout.block_insts(b) {
                    for &a in dfg.inst_args(inst) {
                        count(dfg.resolve_aliases(a).index());
                    }
                    for call in dfg.inst_branches(inst) {
                        let params = dfg.block_params(call.block);
                        for (&a, &p) in call.args_slice(&dfg.value_lists).iter().zip(params) {
                            if crate::ir::BlockArg::is_value(a) {
                                count(dfg.resolve_aliases(a).index());
                            }
                            count(p.index());
                        }
                    }
                    for &res in dfg.inst_results(inst) {
                        count(res.index());
                    }
                }
            }
            let float_regs = if has_calls { budget.float_with_calls } else { budget.float_without_calls };
            let int_regs = budget.int + if has_calls || start == 0 { 0 } else { budget.int_without_calls };
            let (ints, floats) = candidates(func, uses, &w, &touched);
            let mut pins = Vec::new();
            let num_int = ints.len().min(int_regs);
            for (k, &(_, v)) in ints.iter().take(num_int).enumerate() {
                pins.push((v as u32, k as u8));
            }
            let num_float = floats.len().min(float_regs);
            for (k, &(_, v)) in floats.iter().take(num_float).enumerate() {
                pins.push((v as u32, FLOAT_BASE + k as u8));
            }
            (max_int, max_float) = (max_int.max(num_int), max_float.max(num_float));
            for v in touched.drain(..) {
                w[v] = 0;
            }
            regions.push(Region { start, end, pins, num_int });
        }
        Self { slot: vec![NONE; n], current: None, regions, region_of, max_int, max_float }
    }

    /// The region of `block`, if it is in one.
    pub fn region_of(&self, block: crate::ir::Block) -> Option<usize> {
        match self.region_of.get(block.index()) {
            Some(&r) if r != NO_REGION => Some(r as usize),
            _ => None,
        }
    }

    /// Makes `region`'s pins the ones [`int`](Self::int) and [`float`](Self::float)
    /// answer for (none for `None`).
    pub fn enter(&mut self, region: Option<usize>) {
        if self.current == region {
            return;
        }
        if let Some(r) = self.current {
            for &(v, _) in &self.regions[r].pins {
                self.slot[v as usize] = NONE;
            }
        }
        if let Some(r) = region {
            for &(v, s) in &self.regions[r].pins {
                self.slot[v as usize] = s;
            }
        }
        self.current = region;
    }

    /// How many integer registers the current region uses.
    pub fn current_num_int(&self) -> usize {
        self.current.map_or(0, |r| self.regions[r].num_int)
    }

    /// The region entered last.
    pub fn current(&self) -> Option<usize> {
        self.current
    }

    /// The values pinned in `region`: value numbers, and for each its integer
    /// (`Ok`) or float (`Err`) register index.
    pub fn region_pins(&self, region: usize) -> impl Iterator<Item = (u32, Result<usize, usize>)> + '_ {
        self.regions[region].pins.iter().map(|&(v, s)| match s < FLOAT_BASE {
            true => (v, Ok(s as usize)),
            false => (v, Err((s - FLOAT_BASE) as usize)),
        })
    }

    /// The layout positions of `region`'s first and last blocks.
    pub fn region_span(&self, region: usize) -> (u32, u32) {
        (self.regions[region].start, self.regions[region].end)
    }

    /// The integer register (index in the ISA's list) value number `v` is pinned to in
    /// the current region.
    pub fn int(&self, v: u32) -> Option<usize> {
        match self.slot.get(v as usize) {
            Some(&s) if s < FLOAT_BASE => Some(s as usize),
            _ => None,
        }
    }

    /// The float register (index in the ISA's list) value number `v` is pinned to in the
    /// current region.
    pub fn float(&self, v: u32) -> Option<usize> {
        match self.slot.get(v as usize) {
            Some(&s) if (FLOAT_BASE..NONE).contains(&s) => Some((s - FLOAT_BASE) as usize),
            _ => None,
        }
    }

    /// Whether value number `v` is pinned (to a register of either kind) in the current
    /// region.
    pub fn is_pinned(&self, v: u32) -> bool {
        self.slot.get(v as usize).is_some_and(|&s| s != NONE)
    }

    /// How many integer registers some region uses (the first ones of the ISA's list).
    pub fn num_int(&self) -> usize {
        self.max_int
    }

    /// How many float registers some region uses (the first ones of the ISA's list).
    pub fn num_float(&self) -> usize {
        self.max_float
    }
}

const NO_REGION: u32 = u32::MAX;

/// The values worth pinning among those `touched` (with weights `w`): integers and
/// floats, heaviest first.
#[allow(clippy::type_complexity)]
fn candidates(func: &Function, uses: &Uses, w: &[u32], touched: &[usize]) -> (Vec<(u32, usize)>, Vec<(u32, usize)>) {
    let dfg = &func.dfg;
    let mut ints = Vec::new();
    let mut floats = Vec::new();
    for &v in touched {
        let value = crate::ir::Value::new(v);
        // Aliases and placeholders have no definition of their own (an alias's target
        // is counted).
        // Constants are rematerialized where they are read, in any region.
        let is_const = match dfg.value_def(value) {
            ValueDef::Result(inst, _) => {
                matches!(dfg.insts[inst].opcode(), Opcode::Iconst | Opcode::F32const | Opcode::F64const)
            }
            ValueDef::Param(..) => false,
            ValueDef::Alias(_) | ValueDef::Placeholder => continue,
        };
        let ty = dfg.value_type(value);
        if ty.is_int_scalar() && ty.bits() <= 64 {
            // A push and a pop in the prologue and epilogue, and a load and a store where
            // the region is entered and left, buy it: worth it when the value is read
            // several times or in a loop.
            if uses.write_through(v as u32) && !is_const && w[v] >= 4 {
                ints.push((w[v], v));
            }
        } else if (ty == crate::ir::types::F32 || ty == crate::ir::types::F64) && !is_const && w[v] >= 2 {
            floats.push((w[v], v));
        }
    }
    let by_weight = |list: &mut Vec<(u32, usize)>| list.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    by_weight(&mut ints);
    by_weight(&mut floats);
    (ints, floats)
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
        let mut p = pins(LOOP, PinBudget { int: 5, int_without_calls: 3, float_without_calls: 0, float_with_calls: 0 });
        // The loop is the one region, and outside it nothing is pinned.
        assert_eq!(p.region_span(0), (1, 1));
        assert_eq!(p.int(3), None);
        p.enter(Some(0));
        // v3, v4 (parameters), v1 (read in the loop), v5, v6 (branch arguments) are
        // pinned; the constant v2 is not.
        for v in [1, 3, 4, 5, 6] {
            assert!(p.int(v).is_some(), "v{v}");
        }
        assert_eq!(p.int(2), None);
        assert_eq!(p.num_int(), 5);
        // With two registers, the two heaviest: the loop's parameters and arguments
        // (v3 and v4 are read and written at depth 1 more often than v1; v0 is outside).
        let mut p = pins(LOOP, PinBudget { int: 2, int_without_calls: 0, float_without_calls: 0, float_with_calls: 0 });
        p.enter(Some(0));
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
        let p = pins(text, PinBudget { int: 0, int_without_calls: 0, float_without_calls: 4, float_with_calls: 0 });
        assert_eq!(p.num_float(), 0);
        // Without loops the whole function is one region.
        let mut p = pins(text, PinBudget { int: 0, int_without_calls: 4, float_without_calls: 0, float_with_calls: 4 });
        p.enter(Some(0));
        assert!(p.float(1).is_some() && p.int(1).is_none());
        assert!(p.is_pinned(1));
    }

    #[test]
    fn each_loop_is_a_region_with_its_own_pins() {
        let text = "function %f(i64) -> i64 {
block0(v0: i64):
    jump block1(v0)

block1(v1: i64):
    v2 = iadd_imm v1, -1
    brif v2, block1(v2), block2(v2)

block2(v3: i64):
    v4 = iadd_imm v3, 1
    jump block3(v4)

block3(v5: i64):
    v6 = iadd_imm v5, -2
    brif v6, block3(v6), block4

block4:
    return v6
}
";
        let mut p = pins(text, PinBudget { int: 1, int_without_calls: 1, float_without_calls: 0, float_with_calls: 0 });
        let f = crate::text::parse_functions(text).unwrap().remove(0);
        let block = |n| f.layout.blocks().nth(n).unwrap();
        assert_eq!([0, 1, 2, 3, 4].map(|b| p.region_of(block(b))), [None, Some(0), None, Some(1), None]);
        p.enter(Some(0));
        assert!(p.int(1).is_some() && p.int(2).is_some() && p.int(5).is_none());
        p.enter(Some(1));
        assert!(p.int(5).is_some() && p.int(6).is_some() && p.int(1).is_none());
        // Both regions start from the first register: they are never active together.
        assert_eq!(p.int(5).min(p.int(6)), Some(0));
        assert_eq!(p.current_num_int(), 2, "the loop has no call: the extra register too");
        let listed: Vec<u32> = p.region_pins(1).map(|(v, _)| v).collect();
        assert!(listed.contains(&5) && listed.contains(&6));
        p.enter(None);
        assert!(!p.is_pinned(5));
    }
}
