//! Checking the input: the JSON Schema (`schema`, with formats from `names`) and the typed,
//! layered `Spec` (`decode`). Every problem is a located diagnostic. No IO.

pub mod decode;
pub mod names;
pub mod schema;
