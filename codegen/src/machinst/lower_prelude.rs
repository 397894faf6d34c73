//! The Rust side of the shared lowering prelude (`lower_prelude.isle`): the extern terms
//! every ISA's rules use, implemented once.
//!
//! An ISA's rule context (the type implementing its generated `isle::Context`) holds the
//! driver as a field named `lower` (`&mut Lower<'_, Inst>`) and writes
//! `crate::lower_prelude_methods!();` inside that impl; it then only implements
//! `put_in_reg` (which types fit one register is the ISA's business) and its own terms.

/// Implements the shared prelude's extern terms (all but `put_in_reg`) for a rule context
/// with a `lower: &mut Lower` field. See the module docs.
#[macro_export]
macro_rules! lower_prelude_methods {
    () => {
        fn inst_kind(&mut self, inst: $crate::ir::Inst) -> $crate::isle_view::InstKind {
            $crate::isle_view::inst_kind(&self.lower.f.dfg, inst)
        }
        fn float_ty(&mut self, ty: $crate::ir::Type) -> Option<$crate::ir::Type> {
            ty.is_float_scalar().then_some(ty)
        }
        fn scalar_ty(&mut self, ty: $crate::ir::Type) -> Option<$crate::ir::Type> {
            ((ty.is_int_scalar() && ty.bits() <= 64) || ty.is_float_scalar()).then_some(ty)
        }
        fn fits_in_64(&mut self, ty: $crate::ir::Type) -> Option<$crate::ir::Type> {
            (ty.is_int_scalar() && ty.bits() <= 64).then_some(ty)
        }
        fn output(&mut self, v: $crate::ir::Value, r: $crate::machinst::Reg) {
            self.lower.set_output(v, r);
        }
        fn value_type(&mut self, v: $crate::ir::Value) -> $crate::ir::Type {
            self.lower.value_type(v)
        }
        fn add_offset(&mut self, off: i32, k: i64) -> Option<i32> {
            i32::try_from(off as i64 + k).ok()
        }
    };
}
