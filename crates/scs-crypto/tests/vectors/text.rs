//! Parsers for the two text layouts under `cavp/`:
//!
//! - NIST `.rsp` style: `[SECTION]` lines, `# comments`, and `KEY = value`
//!   records (values may be empty); a record begins at a chosen key such as
//!   `COUNT` or `Len`, since blank lines also occur inside records;
//! - the PKCS#1 / pyca style: `# Label:` lines each followed by hex lines,
//!   and `# Marker` lines without a colon that separate keys and examples.
//!
//! Anything unexpected is a loud failure, never silently dropped.

use std::path::Path;

use crate::support::{file_name, read_text, unhex};

/// One `KEY = value` record.
#[derive(Debug)]
pub struct Record {
    pub origin: String,
    pub section: Option<String>,
    fields: Vec<(String, String)>,
}

impl Record {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn req(&self, key: &str) -> &str {
        self.get(key)
            .unwrap_or_else(|| panic!("{}: record lacks field {key}", self.origin))
    }

    pub fn hex(&self, key: &str) -> Vec<u8> {
        unhex(self.req(key), &format!("{} field {key}", self.origin))
    }

    pub fn opt_hex(&self, key: &str) -> Option<Vec<u8>> {
        self.get(key)
            .map(|v| unhex(v, &format!("{} field {key}", self.origin)))
    }

    pub fn num(&self, key: &str) -> usize {
        let v = self.req(key);
        v.parse()
            .unwrap_or_else(|e| panic!("{}: field {key} = {v:?}: {e}", self.origin))
    }
}

/// Parses a `.rsp`-style file into records that begin at `start_key`.
pub fn parse_records(path: &Path, start_key: &str) -> Vec<Record> {
    let name = file_name(path);
    let text = read_text(path);
    let mut out: Vec<Record> = Vec::new();
    let mut section: Option<String> = None;
    let mut current: Option<Record> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let lineno = i + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            out.extend(current.take());
            section = Some(inner.trim().to_owned());
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            panic!("{name}:{lineno}: unexpected line {line:?}");
        };
        let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
        if k == start_key {
            out.extend(current.take());
            current = Some(Record {
                origin: format!("{name}:{lineno}"),
                section: section.clone(),
                fields: Vec::new(),
            });
        }
        let Some(rec) = current.as_mut() else {
            panic!("{name}:{lineno}: field {k} before the first {start_key}");
        };
        assert!(
            rec.get(&k).is_none(),
            "{name}:{lineno}: field {k} repeated within one record"
        );
        rec.fields.push((k, v));
    }
    out.extend(current);
    let declared = text
        .lines()
        .filter(|l| l.trim().split_once('=').map(|(k, _)| k.trim()) == Some(start_key))
        .count();
    assert_eq!(out.len(), declared, "{name}: records lost while parsing");
    assert!(!out.is_empty(), "{name}: no {start_key} records found");
    out
}

/// One item of a `# Label:`-style file.
#[derive(Debug)]
pub enum Item {
    /// A `# Text` line without a trailing colon.
    Marker(String),
    /// A `# Label:` line and the hex bytes on the lines after it.
    Field(String, Vec<u8>),
}

/// Parses a PKCS#1-vector-style file. Free text before the first label (a
/// header) and separator lines are ignored; every `Label:` must carry hex.
pub fn parse_labelled(path: &Path) -> Vec<Item> {
    let name = file_name(path);
    let text = read_text(path);
    let mut items = Vec::new();
    let mut pending: Option<(String, String, usize)> = None;
    let flush = |pending: &mut Option<(String, String, usize)>, items: &mut Vec<Item>| {
        if let Some((label, hex, lineno)) = pending.take() {
            assert!(
                !hex.is_empty(),
                "{name}:{lineno}: label {label:?} has no data"
            );
            // Integers (an exponent such as `10001`) may have an odd number
            // of digits; they are big-endian, so a leading zero completes them.
            let hex = if hex.len() % 2 == 1 {
                format!("0{hex}")
            } else {
                hex
            };
            let bytes = unhex(&hex, &format!("{name}:{lineno} {label}"));
            items.push(Item::Field(label, bytes));
        }
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(label) = line.strip_prefix('#') {
            flush(&mut pending, &mut items);
            let label = label.trim_start_matches('#').trim();
            if let Some(l) = label.strip_suffix(':') {
                pending = Some((l.trim().to_owned(), String::new(), i + 1));
            } else if !label.is_empty() && !label.chars().all(|c| c == '-' || c == '=') {
                items.push(Item::Marker(label.to_owned()));
            }
        } else if line.is_empty() {
            continue;
        } else if let Some((_, hex, _)) = pending.as_mut() {
            hex.extend(line.chars().filter(|c| !c.is_whitespace()));
        }
    }
    flush(&mut pending, &mut items);
    assert!(!items.is_empty(), "{name}: nothing parsed");
    items
}
