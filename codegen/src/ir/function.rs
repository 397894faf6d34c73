//! A function: its name and signature, the preamble entities (stack slots, global values,
//! signatures, external functions), the data-flow graph, the layout and source locations.
//! Also the types of stack slots, alias regions and global values; signatures are in
//! `signature.rs` and external names in `extname.rs`.

use super::dfg::DataFlowGraph;
use super::entities::{AliasRegion, GlobalValue, Inst, SigRef, StackSlot};
use super::extname::{ExtFuncData, ExternalName};
use super::immediates::{Imm64, Offset32};
use super::layout::Layout;
use super::memflags::{AliasClass, MemFlags};
use super::signature::Signature;
use super::types::Type;
use crate::entity::{PrimaryMap, SecondaryMap};
use std::fmt;

/// The kind of a stack slot.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum StackSlotKind {
    /// Memory the function reads and writes explicitly (`explicit_slot`).
    ExplicitSlot,
}

/// A stack slot declaration.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct StackSlotData {
    /// The kind.
    pub kind: StackSlotKind,
    /// Size in bytes.
    pub size: u32,
    /// log2 of the alignment in bytes.
    pub align_shift: u8,
}

impl StackSlotData {
    /// An explicit slot of `size` bytes aligned to `2^align_shift`.
    pub fn new(kind: StackSlotKind, size: u32, align_shift: u8) -> Self {
        Self { kind, size, align_shift }
    }
}

impl fmt::Display for StackSlotData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            StackSlotKind::ExplicitSlot => write!(f, "explicit_slot {}", self.size)?,
        }
        if self.align_shift != 0 {
            write!(f, ", align = {}", 1u64 << self.align_shift)?;
        }
        Ok(())
    }
}

/// An alias region declaration, `region0 = 8 "vmctx+8"`: a key that identifies the region
/// (two declarations with one key are one region) and a name for people to read.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AliasRegionData {
    /// The identity of the region.
    pub key: u32,
    /// A description, printed as a string literal.
    pub name: String,
}

impl fmt::Display for AliasRegionData {
    /// `KEY "NAME"`, the name escaped as Rust escapes a string (`\"`, `\\`, `\n`,
    /// `\u{e9}`), so that any name prints as ASCII and reads back unchanged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} \"{}\"", self.key, self.name.escape_default())
    }
}

/// The part of memory an access touches as far as alias reasoning knows
/// ([`Function::memory_part`]).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum MemoryPart {
    /// Anything: an access without an alias class.
    Any,
    /// The older `heap` keyword.
    Heap,
    /// The older `table` keyword.
    Table,
    /// The older `vmctx` keyword.
    Vmctx,
    /// A declared region, by key.
    Region(u32),
}

impl MemoryPart {
    /// Whether accesses to these parts may touch the same bytes: the one statement of the
    /// rules. Parts of different classes never overlap: regions with different keys, and
    /// different keywords. A keyword and a declared region may (nothing relates the two
    /// spellings), and `Any` may overlap everything.
    pub fn may_overlap(self, other: MemoryPart) -> bool {
        match (self, other) {
            (MemoryPart::Any, _) | (_, MemoryPart::Any) => true,
            (MemoryPart::Region(x), MemoryPart::Region(y)) => x == y,
            (MemoryPart::Region(_), _) | (_, MemoryPart::Region(_)) => true,
            (x, y) => x == y,
        }
    }
}

/// A global value declaration.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum GlobalValueData {
    /// The VM context pointer passed as the function's `vmctx` parameter.
    VMContext,
    /// A value loaded from `base + offset`.
    Load {
        /// The global value holding the address.
        base: GlobalValue,
        /// Byte offset added to the address.
        offset: Offset32,
        /// Type of the loaded value.
        global_type: Type,
        /// Flags of the load.
        flags: MemFlags,
    },
    /// `base + offset`.
    IAddImm {
        /// The base global value.
        base: GlobalValue,
        /// The constant added.
        offset: Imm64,
        /// Type of the result.
        global_type: Type,
    },
    /// The address of a symbol plus an offset.
    Symbol {
        /// The symbol.
        name: ExternalName,
        /// Byte offset from the symbol.
        offset: Imm64,
        /// Whether the symbol is in the same compilation unit.
        colocated: bool,
        /// Whether it is a thread-local symbol.
        tls: bool,
    },
}

/// A source location: an opaque 32-bit offset chosen by the producer (for Wasm, the byte
/// offset in the module). Written `@xxxx` in hex before an instruction.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct SourceLoc(u32);

impl SourceLoc {
    /// A location; `u32::MAX` is reserved for "no location".
    pub fn new(bits: u32) -> Self {
        SourceLoc(bits)
    }
    /// Whether this is the default "no location".
    pub fn is_default(self) -> bool {
        self.0 == u32::MAX
    }
    /// The offset.
    pub fn bits(self) -> u32 {
        self.0
    }
}

impl Default for SourceLoc {
    fn default() -> Self {
        SourceLoc(u32::MAX)
    }
}

impl fmt::Display for SourceLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_default() { f.write_str("@-") } else { write!(f, "@{:04x}", self.0) }
    }
}

/// A function of the IR.
#[derive(Clone, Debug, Default)]
pub struct Function {
    /// Its name.
    pub name: ExternalName,
    /// Its signature.
    pub signature: Signature,
    /// Stack slots.
    pub stack_slots: PrimaryMap<StackSlot, StackSlotData>,
    /// Global values.
    pub global_values: PrimaryMap<GlobalValue, GlobalValueData>,
    /// Alias regions declared in the preamble (`region0 = 8 "vmctx+8"`).
    pub alias_regions: PrimaryMap<AliasRegion, AliasRegionData>,
    /// Instructions, values, blocks and the tables they use.
    pub dfg: DataFlowGraph,
    /// Order of blocks and instructions.
    pub layout: Layout,
    /// Source location of each instruction (the default where none was given).
    pub srclocs: SecondaryMap<Inst, SourceLoc>,
    /// `stack_limit = gvN`: the lowest address the stack pointer may reach once the
    /// function's frame is set up; below it the function traps `stk_ovf` on entry.
    pub stack_limit: Option<GlobalValue>,
}

impl Function {
    /// An empty function with a name and signature.
    pub fn with_name_signature(name: ExternalName, signature: Signature) -> Self {
        Self { name, signature, ..Self::default() }
    }

    /// Makes this an empty function of that name and signature, keeping the memory of
    /// its tables: translating many functions one after another into one `Function`
    /// saves growing (and the kernel zeroing) every table again for each.
    pub fn reset(&mut self, name: ExternalName, signature: Signature) {
        // Destructured, so a field added later cannot be forgotten here.
        let Function {
            name: old_name,
            signature: old_signature,
            stack_slots,
            global_values,
            alias_regions,
            dfg,
            layout,
            srclocs,
            stack_limit,
        } = self;
        *old_name = name;
        *old_signature = signature;
        stack_slots.clear();
        global_values.clear();
        alias_regions.clear();
        dfg.clear();
        layout.clear();
        srclocs.clear();
        *stack_limit = None;
    }

    /// An empty function named `%name`.
    pub fn new_test(name: &str, signature: Signature) -> Self {
        Self::with_name_signature(ExternalName::TestCase(name.to_string()), signature)
    }

    /// Adds a stack slot.
    pub fn create_stack_slot(&mut self, data: StackSlotData) -> StackSlot {
        self.stack_slots.push(data)
    }

    /// Declares an alias region.
    pub fn create_alias_region(&mut self, data: AliasRegionData) -> AliasRegion {
        self.alias_regions.push(data)
    }

    /// What part of memory an access with `flags` touches, for alias reasoning: its
    /// class with a declared region resolved to its key (two declarations with one key
    /// are one region). [`MemoryPart::Any`] for an access without a class, naming an
    /// undeclared region, or naming conflicting classes.
    pub fn memory_part(&self, flags: MemFlags) -> MemoryPart {
        match flags.alias_class() {
            None => MemoryPart::Any,
            Some(AliasClass::Heap) => MemoryPart::Heap,
            Some(AliasClass::Table) => MemoryPart::Table,
            Some(AliasClass::Vmctx) => MemoryPart::Vmctx,
            Some(AliasClass::Region(r)) => {
                self.alias_regions.get(r).map_or(MemoryPart::Any, |d| MemoryPart::Region(d.key))
            }
        }
    }

    /// Whether two accesses with these flags may touch the same bytes, as far as their
    /// alias classes tell ([`MemoryPart::may_overlap`]).
    pub fn may_alias(&self, a: MemFlags, b: MemFlags) -> bool {
        self.memory_part(a).may_overlap(self.memory_part(b))
    }

    /// Adds a global value.
    pub fn create_global_value(&mut self, data: GlobalValueData) -> GlobalValue {
        self.global_values.push(data)
    }

    /// Adds a signature for calls.
    pub fn import_signature(&mut self, sig: Signature) -> SigRef {
        self.dfg.signatures.push(sig)
    }

    /// Declares an external function.
    pub fn import_function(&mut self, data: ExtFuncData) -> super::FuncRef {
        self.dfg.ext_funcs.push(data)
    }

    /// The entry block.
    pub fn entry_block(&self) -> Option<super::Block> {
        self.layout.entry_block()
    }

    /// Number of instructions in the layout.
    pub fn num_placed_insts(&self) -> usize {
        self.layout.num_placed_insts()
    }

    /// Sets the source location of `inst`.
    pub fn set_srcloc(&mut self, inst: Inst, loc: SourceLoc) {
        self.srclocs[inst] = loc;
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::{AliasClass, AliasRegionData, Function, MemFlags, Signature};

    #[test]
    fn alias_classes_separate_accesses() {
        let mut f = Function::new_test("f", Signature::default());
        let named = |key: u32| AliasRegionData { key, name: format!("r{key}") };
        let (a, a2, b) =
            (f.create_alias_region(named(1)), f.create_alias_region(named(1)), f.create_alias_region(named(2)));
        let class = |c| MemFlags::new().with_alias_class(Some(c));
        let (ra, ra2, rb) = (class(AliasClass::Region(a)), class(AliasClass::Region(a2)), class(AliasClass::Region(b)));
        let (heap, table) = (class(AliasClass::Heap), class(AliasClass::Table));
        let none = MemFlags::new();
        assert!(!f.may_alias(ra, rb), "different keys are disjoint");
        assert!(f.may_alias(ra, ra2), "one key is one region");
        assert!(!f.may_alias(heap, table));
        assert!(f.may_alias(heap, heap));
        assert!(f.may_alias(heap, ra), "a keyword and a declared region are unrelated");
        assert!(f.may_alias(none, ra) && f.may_alias(rb, none) && f.may_alias(none, none));
        let undeclared = class(AliasClass::Region(crate::ir::AliasRegion::from_u32(9)));
        assert!(f.may_alias(undeclared, rb));
        assert!(heap.with_alias_region(a).has_conflicting_alias_classes());
        assert_eq!(heap.with_alias_region(a).alias_class(), None);
        assert_eq!(ra.alias_class(), Some(AliasClass::Region(a)));
    }
}
