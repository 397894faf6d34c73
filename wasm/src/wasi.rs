//! WASI preview 1 (placeholder while the core runtime settles).
