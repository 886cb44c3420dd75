//! Locating vector files, decoding hex, and counting outcomes.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The vector directory: `$SCS_VECTORS_DIR`, else `../shared/vectors` beside
/// the workspace. Its absence is a test failure, never a skip.
pub fn vectors_dir() -> PathBuf {
    let dir = match std::env::var_os("SCS_VECTORS_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
    };
    assert!(
        dir.is_dir(),
        "test vector directory {} does not exist: set SCS_VECTORS_DIR to a directory \
         laid out like ../shared/vectors (see its README)",
        dir.display()
    );
    dir.canonicalize().unwrap_or(dir)
}

/// A folder inside the vector directory, which must exist.
pub fn subdir(rel: &str) -> PathBuf {
    let d = vectors_dir().join(rel);
    assert!(
        d.is_dir(),
        "vector folder {} is missing (expected under {})",
        rel,
        vectors_dir().display()
    );
    d
}

/// A file inside the vector directory, which must exist.
pub fn required_file(rel: &str) -> PathBuf {
    let p = vectors_dir().join(rel);
    assert!(
        p.is_file(),
        "vector file {} is missing (expected under {})",
        rel,
        vectors_dir().display()
    );
    p
}

/// A file inside the vector directory that larger sets may add.
pub fn optional_file(rel: &str) -> Option<PathBuf> {
    let p = vectors_dir().join(rel);
    p.is_file().then_some(p)
}

/// Whether `name` matches `pattern`, where `*` stands for one or more
/// characters (at most one `*`).
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, suf)) => {
            name.len() > pre.len() + suf.len() && name.starts_with(pre) && name.ends_with(suf)
        }
    }
}

/// Every file in `dir` whose name matches `pattern`, sorted. At least one
/// must exist: a missing family fails the test.
pub fn discover(dir: &Path, pattern: &str) -> Vec<PathBuf> {
    let rd = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list vector folder {}: {e}", dir.display()));
    let mut out: Vec<PathBuf> = rd
        .map(|e| e.unwrap_or_else(|e| panic!("listing {}: {e}", dir.display())))
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter(|e| glob_match(pattern, &e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    out.sort();
    assert!(
        !out.is_empty(),
        "no vector file matching {pattern} in {}: the family is missing",
        dir.display()
    );
    out
}

pub fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Decodes hex, ignoring whitespace; bad hex is a loud failure.
pub fn unhex(s: &str, what: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(&clean).unwrap_or_else(|e| panic!("{what}: bad hex {clean:?}: {e}"))
}

/// What scs did with one vector.
#[derive(Debug)]
pub enum Verdict {
    /// The operation succeeded and every output matched.
    Accepted,
    /// scs refused the input (the reason is for failure messages).
    Rejected(String),
    /// scs produced output that differs from the expected one.
    Wrong(String),
}

/// Outcomes for one file or family, printed at the end.
#[derive(Debug)]
pub struct Tally {
    name: String,
    passed: usize,
    rejected: usize,
    acceptable_accepted: usize,
    acceptable_rejected: usize,
    skipped: BTreeMap<String, usize>,
    unsupported: BTreeMap<String, usize>,
    checks: BTreeMap<String, usize>,
    failed_vectors: usize,
    failures: Vec<String>,
}

/// What became of one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Rejected,
    Failed,
}

impl Tally {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            passed: 0,
            rejected: 0,
            acceptable_accepted: 0,
            acceptable_rejected: 0,
            skipped: BTreeMap::new(),
            unsupported: BTreeMap::new(),
            checks: BTreeMap::new(),
            failed_vectors: 0,
            failures: Vec::new(),
        }
    }

    /// Vectors seen, whatever became of them (additional checks excluded).
    pub fn vectors(&self) -> usize {
        self.passed
            + self.rejected
            + self.acceptable_accepted
            + self.acceptable_rejected
            + self.skipped.values().sum::<usize>()
            + self.unsupported.values().sum::<usize>()
            + self.failed_vectors
    }

    /// A failure that is not a vector's own (a broken extra check, a file
    /// with the wrong number of vectors).
    pub fn fail(&mut self, id: impl std::fmt::Display, msg: impl std::fmt::Display) {
        self.failures.push(format!("{id}: {msg}"));
    }

    /// A vector that failed.
    pub fn fail_vector(&mut self, id: impl std::fmt::Display, msg: impl std::fmt::Display) {
        self.failed_vectors += 1;
        self.fail(id, msg);
    }

    /// A vector that is not run, with the reason printed.
    pub fn skip(&mut self, reason: impl Into<String>) {
        *self.skipped.entry(reason.into()).or_default() += 1;
    }

    /// An invalid vector, or one outside scs's policy, that scs cannot even
    /// be handed (or refuses at the door) because of the parameter it uses.
    pub fn unsupported(&mut self, reason: impl Into<String>) {
        *self.unsupported.entry(reason.into()).or_default() += 1;
    }

    /// An additional check beyond the vector itself (a round trip, a
    /// tampered input refused); `ok == false` records a failure.
    pub fn check(&mut self, what: &str, id: impl std::fmt::Display, ok: bool, msg: &str) {
        if ok {
            *self.checks.entry(what.to_owned()).or_default() += 1;
        } else {
            self.fail(id, format!("{what}: {msg}"));
        }
    }

    /// Counts something the harness did for every vector of a kind (a
    /// note printed with the totals).
    pub fn note(&mut self, what: &str) {
        *self.checks.entry(what.to_owned()).or_default() += 1;
    }

    /// Records a vector whose expected result is "valid", "invalid" or
    /// "acceptable" (Wycheproof's vocabulary).
    pub fn record(&mut self, id: impl std::fmt::Display, expected: &str, v: Verdict) -> Outcome {
        let failed = |t: &mut Self, msg: String| {
            t.fail_vector(id, msg);
            Outcome::Failed
        };
        match (expected, v) {
            (_, Verdict::Wrong(w)) => failed(self, format!("{expected} vector: wrong output: {w}")),
            ("valid", Verdict::Accepted) => {
                self.passed += 1;
                Outcome::Accepted
            }
            ("valid", Verdict::Rejected(r)) => failed(self, format!("valid vector rejected: {r}")),
            ("invalid", Verdict::Rejected(_)) => {
                self.rejected += 1;
                Outcome::Rejected
            }
            ("invalid", Verdict::Accepted) => failed(self, "invalid vector accepted".into()),
            ("acceptable", Verdict::Accepted) => {
                self.acceptable_accepted += 1;
                Outcome::Accepted
            }
            ("acceptable", Verdict::Rejected(_)) => {
                self.acceptable_rejected += 1;
                Outcome::Rejected
            }
            (other, _) => failed(self, format!("unknown result {other:?}")),
        }
    }

    /// Runs `f` and records its verdict; a panic is recorded as a failure
    /// of this vector rather than aborting the whole file.
    pub fn run(
        &mut self,
        id: impl std::fmt::Display,
        expected: &str,
        f: impl FnOnce() -> Verdict,
    ) -> Outcome {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => self.record(id, expected, v),
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                self.fail_vector(id, format!("panicked: {msg}"));
                Outcome::Failed
            }
        }
    }

    /// Prints the counts and returns them for the family's assertion.
    pub fn report(&self) {
        let mut line = format!(
            "[{}] passed {} / rejected as expected {}",
            self.name, self.passed, self.rejected
        );
        if self.acceptable_accepted + self.acceptable_rejected > 0 {
            line.push_str(&format!(
                " / acceptable {} (accepted {}, rejected {})",
                self.acceptable_accepted + self.acceptable_rejected,
                self.acceptable_accepted,
                self.acceptable_rejected
            ));
        }
        line.push_str(&format!(
            " / skipped {} / failures {}",
            self.skipped.values().sum::<usize>(),
            self.failures.len()
        ));
        println!("{line}");
        for (reason, n) in &self.unsupported {
            println!("    {reason}: {n} rejected");
        }
        for (reason, n) in &self.skipped {
            println!("    skipped ({reason}): {n}");
        }
        for (what, n) in &self.checks {
            println!("    also: {what}: {n}");
        }
        for f in self.failures.iter().take(25) {
            eprintln!("    FAILURE {f}");
        }
        if self.failures.len() > 25 {
            eprintln!("    ... and {} more failures", self.failures.len() - 25);
        }
    }

    /// Prints the counts and returns the totals; a file from which no
    /// vectors (or not the `expected` number) were read counts as a failure.
    pub fn finish(mut self, expected: Option<usize>) -> Summary {
        let seen = self.vectors();
        if seen == 0 {
            self.fail(self.name.clone(), "no vectors were read from the file");
        }
        if let Some(n) = expected
            && seen != n
        {
            self.fail(
                self.name.clone(),
                format!("the file declares {n} vectors but {seen} were read"),
            );
        }
        self.report();
        Summary {
            vectors: seen,
            passed: self.passed,
            rejected: self.rejected,
            failures: self.failures,
        }
    }
}

/// Totals of one file, summed over a family.
#[derive(Debug, Default)]
pub struct Summary {
    pub vectors: usize,
    pub passed: usize,
    pub rejected: usize,
    pub failures: Vec<String>,
}

impl Summary {
    pub fn add(&mut self, o: Summary) {
        self.vectors += o.vectors;
        self.passed += o.passed;
        self.rejected += o.rejected;
        self.failures.extend(o.failures);
    }

    /// Fails the test if any vector of the family failed.
    pub fn assert_ok(&self, family: &str) {
        println!(
            "[{family}] total: {} vectors, {} passed, {} rejected as expected, {} failures",
            self.vectors,
            self.passed,
            self.rejected,
            self.failures.len()
        );
        assert!(
            self.failures.is_empty(),
            "[{family}] {} vector(s) failed; first: {}",
            self.failures.len(),
            self.failures[0]
        );
    }
}
