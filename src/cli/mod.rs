//! The commands of the `bibkit` program that have grown beyond a function in `main.rs`.

pub(crate) mod check;
pub(crate) mod fmt;
