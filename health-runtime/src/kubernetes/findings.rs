//! What `verify` found in a manifest: each finding names the document, the field, the value
//! written, what the checks need and why, in one line; the list reads as a report.

use std::fmt::{self, Display, Formatter};

/// One field of a manifest that does not fit the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub(super) document: String,
    pub(super) field: String,
    pub(super) written: String,
    pub(super) needed: String,
    pub(super) why: String,
}

impl Finding {
    /// The document: `Deployment/orders`.
    pub fn document(&self) -> &str {
        &self.document
    }

    /// The field path in it: `spec.template.spec.containers[0].readinessProbe.timeoutSeconds`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The value the manifest gives it (or its default): `1 (the default)`.
    pub fn written(&self) -> &str {
        &self.written
    }

    /// What the checks need there: `at least 3`.
    pub fn needed(&self) -> &str {
        &self.needed
    }

    /// Why, in a sentence.
    pub fn why(&self) -> &str {
        &self.why
    }
}

impl Display for Finding {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}; needs {}: {}",
            self.document, self.field, self.written, self.needed, self.why
        )
    }
}

/// The findings of [`Probes::verify`](super::Probes::verify); empty when the manifest fits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings(pub(super) Vec<Finding>);

impl Findings {
    /// Whether the manifest fits the checks.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many findings.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Each finding.
    pub fn iter(&self) -> std::slice::Iter<'_, Finding> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a Findings {
    type Item = &'a Finding;
    type IntoIter = std::slice::Iter<'a, Finding>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Display for Findings {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0.len() {
            0 => return f.write_str("the manifest fits the checks"),
            1 => writeln!(f, "1 finding in the manifest:")?,
            n => writeln!(f, "{n} findings in the manifest:")?,
        }
        for finding in &self.0 {
            writeln!(f, "- {finding}")?;
        }
        Ok(())
    }
}
