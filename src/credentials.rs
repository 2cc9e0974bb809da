//! Where credential values come from.
//!
//! Until a secrets mode is chosen, every secret value is a deterministic, clearly marked
//! placeholder: never random (the output must be reproducible) and never a usable password
//! (it must be replaced before the tenant holds data). Nothing else in miniogen invents values.

use serde::Serialize;

/// How the values in the generated Secrets were produced, as annotated on each Secret.
pub const SOURCE: &str = "placeholder";

/// Marks every placeholder, so that a check or a reviewer can find one anywhere.
pub const PLACEHOLDER_PREFIX: &str = "REPLACE-ME";

/// One credential value, for a key of a Secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Credential(String);

impl Credential {
    /// The value to write.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.0
    }
}

/// The value of `key` in Secret `secret`.
#[must_use]
pub fn value(secret: &str, key: &str) -> Credential {
    Credential(format!("{PLACEHOLDER_PREFIX}:{secret}/{key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_marked_and_distinct() {
        let a = value("minio-config", "MINIO_ROOT_PASSWORD");
        let b = value("minio-user", "CONSOLE_SECRET_KEY");
        assert!(a.value().starts_with(PLACEHOLDER_PREFIX));
        assert_ne!(a, b);
        assert_eq!(a, value("minio-config", "MINIO_ROOT_PASSWORD"));
    }
}
