//! mojibake-fix: repair UTF-8 that was misread as a legacy 8-bit code page,
//! once or several times over, in text streams and in file names.

pub mod badness;
pub mod codepages;
pub mod repair;
pub mod utf8;

pub use repair::{Repairer, Step};
