//! Encodes a WAT file to a `.wasm` binary: `wat2wasm <in.wat> <out.wasm>`.

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = args.as_slice() else { return Err("usage: wat2wasm <in.wat> <out.wasm>".into()) };
    let text = std::fs::read_to_string(input).map_err(|e| format!("{input}: {e}"))?;
    let buf = wast::parser::ParseBuffer::new(&text).map_err(|e| e.to_string())?;
    let mut wat: wast::Wat = wast::parser::parse(&buf).map_err(|e| e.to_string())?;
    let bytes = wat.encode().map_err(|e| e.to_string())?;
    std::fs::write(output, bytes).map_err(|e| format!("{output}: {e}"))
}
