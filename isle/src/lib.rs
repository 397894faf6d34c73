//! The ISLE compiler (work in progress on this commit).
