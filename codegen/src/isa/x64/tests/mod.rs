//! Tests of the x86-64 encoder: hand-checked encodings and the decoder oracle.

mod encodings;
mod oracle;
