//! Prints the program the generator makes from a seed (`cargo run -p lathe-fuzzgen
//! --example show -- [jit|interp] SEED`), and the size of the programs of the first
//! thousand seeds.

use lathe_fuzzgen::seed::seed_bytes;
use lathe_fuzzgen::{Config, arbitrary::Unstructured, generate_program};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cfg = if args.get(1).map(String::as_str) == Some("interp") { Config::interpreter() } else { Config::jit() };
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let bytes = seed_bytes(seed, 4096);
    let program = generate_program(&mut Unstructured::new(&bytes), &cfg).expect("generation");
    println!("{}", program.to_clif());
    let (mut insts, mut blocks, mut n) = (0, 0, 0);
    for s in 0..1000 {
        let bytes = seed_bytes(s, 4096);
        let p = generate_program(&mut Unstructured::new(&bytes), &cfg).expect("generation");
        for f in &p.functions {
            insts += f.num_placed_insts();
            blocks += f.layout.blocks().count();
            n += 1;
        }
    }
    println!(
        "; {n} functions, {:.1} instructions and {:.1} blocks on average",
        insts as f64 / n as f64,
        blocks as f64 / n as f64
    );
}
