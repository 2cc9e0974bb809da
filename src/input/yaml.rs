//! The one general YAML reader: for files users may have written or edited (files already in an
//! output folder, the texts `mask` compares) and for YAML held as text inside an object (a
//! ConfigMap's Synapse configuration, for the cross-check). It accepts all of YAML that
//! serde-saphyr reads (a hand edit may use anchors or tags); the documents our templates render
//! are read back by `readback`, which refuses whatever no template writes.

use serde_json::Value;

/// Every document of `text`, or `None` when it is not YAML.
#[must_use]
pub fn documents(text: &str) -> Option<Vec<Value>> {
    serde_saphyr::from_multiple::<Value>(text).ok()
}

/// The one document of `text`; `None` when it is not YAML or holds more than one document.
/// A text without a document (empty, or only comments) reads as `null`.
#[must_use]
pub fn document(text: &str) -> Option<Value> {
    let mut docs = documents(text)?;
    match docs.len() {
        0 => Some(Value::Null),
        1 => docs.pop(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_document_or_none() {
        assert_eq!(document("a: 1\n"), Some(serde_json::json!({"a": 1})));
        assert_eq!(document(""), Some(Value::Null));
        assert_eq!(document("a: 1\n---\nb: 2\n"), None);
        assert_eq!(document("a: [\n"), None);
        assert_eq!(documents("a: 1\n---\nb: 2\n").map(|d| d.len()), Some(2));
    }

    /// `document` reads what serde-saphyr's single-document reader reads, which the folder's
    /// readers used before.
    #[test]
    fn same_as_the_single_document_reader() {
        for text in [
            "",
            "# only a comment\n",
            "a: 1\n",
            "- x\n",
            "a: &x 1\nb: *x\n",
            "---\na: 1\n",
        ] {
            assert_eq!(
                document(text),
                serde_saphyr::from_str::<Value>(text).ok(),
                "{text:?}"
            );
        }
    }
}
