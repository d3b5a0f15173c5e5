//! A manifest's text read into its pod templates: YAML (one document or many) or JSON, a
//! `kind: List`, and any object, a custom resource's too, that holds a pod spec. Hostile text
//! gets an error that says where, in bounded time and memory.

use std::fmt::{self, Display, Formatter, Write as _};

use k8s_openapi::api::core::v1::{Container, PodSpec};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::outcome::cut;
use crate::redact;

/// The longest manifest read: a Helm chart's whole output is a few hundred KiB.
const MAX_BYTES: usize = 8 << 20;
/// The deepest nesting read; a pod template sits about 10 levels down, a CRD's schema 30.
const MAX_DEPTH: usize = 128;
/// The most YAML events that aliases may replay: an alias bomb stops here.
const MAX_REPLAYED_EVENTS: usize = 100_000;
/// The most documents and nodes: what 8 MiB of manifests holds (a chart's output with its CRDs),
/// above serde-saphyr's defaults for configuration files (1,024 and 250,000).
const MAX_DOCUMENTS: usize = 16_384;
const MAX_NODES: usize = 2_000_000;

/// A manifest's pod templates, read by [`Manifest::parse`].
#[derive(Debug, Clone)]
pub struct Manifest {
    pods: Vec<Pod>,
}

/// One pod spec found in a manifest, or why it could not be read.
#[derive(Debug, Clone)]
pub(super) struct Pod {
    /// `Deployment/orders`.
    pub(super) document: String,
    /// `spec.template.spec`.
    pub(super) path: String,
    pub(super) spec: Result<PodSpec, String>,
}

/// A container of a pod template in a manifest, with where it was found.
#[derive(Debug, Clone, Copy)]
pub struct PodContainer<'m> {
    pod: &'m Pod,
    spec: &'m PodSpec,
    index: usize,
}

impl<'m> PodContainer<'m> {
    /// The document it is in: `Deployment/orders`.
    pub fn document(&self) -> &'m str {
        &self.pod.document
    }

    /// Its field path in the document: `spec.template.spec.containers[0]`.
    pub fn field(&self) -> String {
        format!("{}.containers[{}]", self.pod.path, self.index)
    }

    /// The container.
    pub fn container(&self) -> &'m Container {
        &self.spec.containers[self.index]
    }

    /// The pod spec it is in.
    pub fn pod(&self) -> &'m PodSpec {
        self.spec
    }

    /// The pod spec's field path: `spec.template.spec`.
    pub(super) fn pod_field(&self) -> &'m str {
        &self.pod.path
    }
}

impl Manifest {
    /// Reads a manifest: YAML, one document or many (`---`), or JSON; a `kind: List`'s items;
    /// every pod spec in a document, under `spec.template.spec` (Deployment, StatefulSet,
    /// DaemonSet, ReplicaSet, Job), `spec.jobTemplate.spec.template.spec` (CronJob), `spec`
    /// (Pod), or wherever a custom resource keeps one (any object with a `containers` list).
    ///
    /// # Errors
    ///
    /// Text that is not YAML or JSON, longer than 8 MiB, nested deeper than 128 levels, whose
    /// aliases expand past 100,000 events, or a document that is not a Kubernetes object (no
    /// `kind`): the error says where.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        if text.len() > MAX_BYTES {
            return Err(ManifestError(format!(
                "the manifest is {} bytes; at most {} MiB is read (a Helm chart's whole output \
                 is a few hundred KiB)",
                text.len(),
                MAX_BYTES >> 20
            )));
        }
        let mut pods = Vec::new();
        for (index, document) in documents(text)?.iter().enumerate() {
            let number = index + 1;
            let Value::Object(object) = document else {
                if document.is_null() {
                    continue;
                }
                return Err(ManifestError(format!(
                    "document {number} is not a Kubernetes object: it is {}",
                    kind_of(document)
                )));
            };
            let kind = object_kind(object, number)?;
            match object.get("items") {
                Some(Value::Array(items)) if kind.ends_with("List") => {
                    for (i, value) in items.iter().enumerate() {
                        let Value::Object(item) = value else {
                            return Err(ManifestError(format!(
                                "document {number}, items[{i}], is not a Kubernetes object: it \
                                 is {}",
                                kind_of(value)
                            )));
                        };
                        object_kind(item, number)?;
                        let mut path = vec![Step::Key("items"), Step::Index(i)];
                        find_pods(value, &label(item), &mut path, &mut pods);
                    }
                }
                _ => find_pods(document, &label(object), &mut Vec::new(), &mut pods),
            }
        }
        Ok(Manifest { pods })
    }

    /// The regular containers of every pod spec (not init containers, sidecars among them).
    pub fn containers(&self) -> impl Iterator<Item = PodContainer<'_>> {
        let read = self
            .pods
            .iter()
            .filter_map(|pod| Some((pod, pod.spec.as_ref().ok()?)));
        read.flat_map(|(pod, spec)| {
            (0..spec.containers.len()).map(move |index| PodContainer { pod, spec, index })
        })
    }

    /// The pod specs that could not be read as one, and why.
    pub(super) fn unread(&self) -> impl Iterator<Item = (&Pod, &str)> {
        self.pods
            .iter()
            .filter_map(|pod| pod.spec.as_ref().err().map(|why| (pod, why.as_str())))
    }
}

/// The documents of `text`, JSON or YAML, within the bounds.
fn documents(text: &str) -> Result<Vec<Value>, ManifestError> {
    if is_json(text) {
        // serde_json stops at 128 levels of nesting itself.
        return serde_json::from_str(text)
            .map(|value| vec![value])
            .map_err(|e| ManifestError::quoting(format!("not JSON: {e}")));
    }
    yaml_documents(text)
}

/// Whether `text` is JSON: a list, or an object whose first key is quoted (or none). Flow-style
/// YAML (`{apiVersion: v1, ...}`) opens with `{` too, and is read as YAML.
fn is_json(text: &str) -> bool {
    let text = text.trim_start();
    match text.strip_prefix('{') {
        Some(object) => object.trim_start().starts_with(['"', '}']),
        None => text.starts_with('['),
    }
}

/// The YAML documents of `text`, within the bounds.
fn yaml_documents(text: &str) -> Result<Vec<Value>, ManifestError> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_documents: MAX_DOCUMENTS,
            max_nodes: MAX_NODES,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_REPLAYED_EVENTS,
        },
        with_snippet: false,
    };
    serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
        let place = e
            .location()
            .map(|at| format!(" at line {}, column {}", at.line(), at.column()))
            .unwrap_or_default();
        let said = e.without_snippet().to_string();
        ManifestError::quoting(format!("not YAML that can be read{place}: {said}"))
    })
}

fn object_kind(object: &Map<String, Value>, number: usize) -> Result<&str, ManifestError> {
    match (object.get("kind"), object.get("apiVersion")) {
        (Some(Value::String(kind)), Some(Value::String(_))) => Ok(kind),
        _ => Err(ManifestError(format!(
            "document {number} is not a Kubernetes object: it has no `kind` and `apiVersion`"
        ))),
    }
}

/// `Deployment/orders`, or the kind alone; each cut to what Kubernetes allows a name (253
/// bytes), as every pod found in the object carries it.
fn label(object: &Map<String, Value>) -> String {
    let short = |text: &str| cut(text, NAME_BYTES, text.len(), "").unwrap_or_else(|| text.into());
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("?");
    match object
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
    {
        Some(name) => format!("{}/{}", short(kind), short(name)),
        None => short(kind),
    }
}

/// The longest name Kubernetes gives an object.
const NAME_BYTES: usize = 253;

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Every object under `object` with a `containers` list is a pod spec; `metadata` holds none.
/// `path` holds the keys and indices down to `object`, joined only for a pod found: a manifest of
/// many keys, or of long ones, costs a walk, not a copy of its path at each key.
fn find_pods<'v>(value: &'v Value, document: &str, path: &mut Vec<Step<'v>>, pods: &mut Vec<Pod>) {
    let Value::Object(object) = value else {
        return;
    };
    if let Some(Value::Array(_)) = object.get("containers") {
        // Read from the value as it is, not a copy of it.
        let spec = PodSpec::deserialize(value).map_err(|e| {
            redact::secrets(&format!("not a pod spec that can be read: {e}")).into_owned()
        });
        pods.push(Pod {
            document: document.to_owned(),
            path: joined(path),
            spec,
        });
        return;
    }
    for (key, value) in object {
        if key == "metadata" {
            continue;
        }
        match value {
            Value::Object(_) => {
                path.push(Step::Key(key));
                find_pods(value, document, path, pods);
                path.pop();
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if item.is_object() {
                        path.extend([Step::Key(key), Step::Index(i)]);
                        find_pods(item, document, path, pods);
                        path.truncate(path.len() - 2);
                    }
                }
            }
            _ => {}
        }
    }
}

/// One step of a field path: a key, or an index into a list.
#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// The field path of `steps`, `spec.template.spec` or `items[0].spec`, each key cut to
/// [`KEY_BYTES`] so that a hostile key makes no long path.
fn joined(steps: &[Step<'_>]) -> String {
    let mut path = String::new();
    for step in steps {
        match step {
            Step::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                match cut(key, KEY_BYTES, key.len(), "") {
                    Some(short) => path.push_str(&short),
                    None => path.push_str(key),
                }
            }
            Step::Index(i) => {
                let _ = write!(path, "[{i}]");
            }
        }
    }
    path
}

/// The most bytes of a key that a field path shows.
const KEY_BYTES: usize = 64;

/// A manifest that could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError(String);

impl ManifestError {
    /// An error whose text quotes the manifest: redacted, as a manifest may hold a credential.
    fn quoting(text: String) -> ManifestError {
        ManifestError(redact::secrets(&text).into_owned())
    }
}

impl Display for ManifestError {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ManifestError {}
