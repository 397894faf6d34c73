//! The `.wast` runner (placeholder).
