//! Builds an object file with two functions from Lathe's builder API, links it with a C
//! `main` using the system C compiler, and runs it.
//!
//! ```text
//! cargo run -p lathe-object --example two_functions [OUT_DIR]
//! ```
//!
//! The functions are `gcd(a, b)` (a loop) and `lcm(a, b)` (which calls `gcd`). Their
//! instructions carry source locations that a [`LineMap`] turns into lines of a made-up
//! source file `math.src`, so `gdb OUT_DIR/two` can break on `gcd` and show those lines.

use lathe_codegen::ir::types::I64;
use lathe_codegen::ir::{
    AbiParam, CallConv, ExtFuncData, ExternalName, Function, InstBuilder, IntCC, Signature, SourceLoc,
};
use lathe_codegen::isa::{self, TargetIsa};
use lathe_codegen::settings::Flags;
use lathe_frontend::{FunctionBuilder, FunctionBuilderContext};
use lathe_object::{DebugOptions, LineLoc, Linkage, ObjectModule};
use std::path::PathBuf;
use std::process::Command;

const MAIN_C: &str = r#"#include <stdio.h>
long gcd(long, long);
long lcm(long, long);
int main(void) {
    printf("gcd(84, 36) = %ld, lcm(4, 6) = %ld\n", gcd(84, 36), lcm(4, 6));
    return 0;
}
"#;

fn signature() -> Signature {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params = vec![AbiParam::new(I64), AbiParam::new(I64)];
    sig.returns = vec![AbiParam::new(I64)];
    sig
}

/// `gcd(a, b)`: `while b != 0 { (a, b) = (b, a % b) } return a`. Source location N stands
/// for line N of math.src.
fn gcd(name: ExternalName) -> Function {
    let mut func = Function::with_name_signature(name, signature());
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    let head = b.create_block();
    let body = b.create_block();
    let exit = b.create_block();
    b.append_block_params_for_function_params(entry);
    let a = b.append_block_param(head, I64);
    let bb = b.append_block_param(head, I64);
    b.switch_to_block(entry);
    let (p0, p1) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    b.set_srcloc(SourceLoc::new(1));
    b.ins().jump(head, &[p0, p1]);
    b.switch_to_block(head);
    b.set_srcloc(SourceLoc::new(2));
    let zero = b.ins().icmp_imm(IntCC::Equal, bb, 0);
    b.ins().brif(zero, exit, &[], body, &[]);
    b.switch_to_block(body);
    b.set_srcloc(SourceLoc::new(3));
    let r = b.ins().urem(a, bb);
    b.ins().jump(head, &[bb, r]);
    b.switch_to_block(exit);
    b.set_srcloc(SourceLoc::new(5));
    b.ins().return_(&[a]);
    b.seal_all_blocks();
    b.finish().expect("gcd is complete");
    func
}

/// `lcm(a, b) = a / gcd(a, b) * b`, lines 8 and 9.
fn lcm(name: ExternalName, gcd_name: ExternalName) -> Function {
    let mut func = Function::with_name_signature(name, signature());
    let mut ctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (x, y) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    let sig = b.import_signature(signature());
    let callee = b.import_function(ExtFuncData { name: gcd_name, signature: sig, colocated: true });
    b.set_srcloc(SourceLoc::new(8));
    let call = b.ins().call(callee, &[x, y]);
    let g = b.inst_results(call)[0];
    b.set_srcloc(SourceLoc::new(9));
    let q = b.ins().udiv(x, g);
    let m = b.ins().imul(q, y);
    b.ins().return_(&[m]);
    b.finish().expect("lcm is complete");
    func
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/two_functions".into()));
    std::fs::create_dir_all(&out_dir)?;

    let isa: Box<dyn TargetIsa> = isa::host_isa(Flags::default())?;
    let mut module = ObjectModule::new(&*isa)?;
    // Source location N is line N of math.src (a front end would consult its own table).
    let mut debug = DebugOptions::new("math.src");
    debug.lines =
        Box::new(|loc: SourceLoc| (!loc.is_default()).then(|| LineLoc { file: 0, line: loc.bits(), column: 1 }));
    module.set_debug_info(debug);

    let gcd_id = module.declare_function("gcd", Linkage::Export)?;
    let lcm_id = module.declare_function("lcm", Linkage::Export)?;
    let gcd_code = isa.compile_function(&gcd(module.func_ref(gcd_id)), false)?;
    let lcm_code = isa.compile_function(&lcm(module.func_ref(lcm_id), module.func_ref(gcd_id)), false)?;
    module.define_function(gcd_id, &gcd_code)?;
    module.define_function(lcm_id, &lcm_code)?;

    let object = out_dir.join("two.o");
    std::fs::write(&object, module.finish()?)?;
    let main_c = out_dir.join("main.c");
    std::fs::write(&main_c, MAIN_C)?;
    let exe = out_dir.join("two");
    let status = Command::new("cc").arg(&main_c).arg(&object).arg("-o").arg(&exe).status()?;
    if !status.success() {
        return Err(format!("cc failed: {status}").into());
    }
    let output = Command::new(&exe).output()?;
    print!("{}", String::from_utf8_lossy(&output.stdout));
    println!("wrote {} and linked {}", object.display(), exe.display());
    Ok(())
}
