//! Tests of the x86-64 backend: hand-checked encodings, the decoder oracle, what
//! lowering refuses, and the pipeline driver's checks on a deliberately spoiled backend.

mod encodings;
mod lowering_errors;
mod oracle;
mod pipeline;
mod unwind;
