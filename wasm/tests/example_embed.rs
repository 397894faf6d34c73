//! Runs the embedding example (`wasm/examples/embed.rs`) and checks its output.
//!
//! The example's work is a function, `run`, that writes to any `Write`; this test
//! includes the example's source as a module (no copy of it) and calls `run` with a
//! buffer, so the example is compiled and executed by `cargo test`, not only built.

#[path = "../examples/embed.rs"]
mod embed;

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// A writer whose bytes the test can read after the example dropped its handle.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_embedding_example_runs() {
    let out = Shared::default();
    embed::run(Box::new(out.clone())).expect("the example runs");
    let text = String::from_utf8(out.0.borrow().clone()).unwrap();
    assert_eq!(
        text,
        "guest says: hello from the guest\n\
         guest says: hello from the guest\n\
         ids: 1, 2\n\
         add(40, 2) = 42\n\
         grow(1) = 1, then -1 (past the limiter)\n"
    );
}
