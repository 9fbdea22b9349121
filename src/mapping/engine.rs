//! The JQ engine: compiles Port mapping expressions and evaluates them over one
//! entity, with the semantics of jq 1.6 (libjq, which Port's exporter and Ocean
//! run) rather than jaq's where the two differ.
//!
//! Built on jaq (`jaq-core`, `jaq-std`, `jaq-json`):
//! - [`value`] wraps jaq's value type to get jq 1.6 numbers, printing, object
//!   keys, indexing and updates;
//! - `prelude.jq` and [`natives`] replace jaq filters that differ from jq 1.6;
//! - [`check`] accepts only filters jq 1.6 has, and refuses `env`, `$ENV`,
//!   `input` and `inputs`: a mapping sees its entity and nothing else.
//!
//! Evaluation stops at the first output ([`first`]), like `jq.first()` in
//! Python's jq bindings. Runaway programs (infinite loops, deep recursion) are
//! not handled here: callers run the engine in a worker process.
//!
//! Deliberate differences from jq 1.6 are listed in [`KNOWN_DIVERGENCES`].

mod check;
mod natives;
#[cfg(test)]
mod tests;
mod value;

use jaq_core::load::{self, Arena, File, Loader};
use jaq_core::{Ctx, DataT, Vars, data::HasLut};
use std::cell::RefCell;
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use value::JqVal;

/// Known ways in which this engine still differs from jq 1.6, and why.
pub const KNOWN_DIVERGENCES: &[&str] = &[
    "Regular expressions use jaq's engine (regex syntax of the `regex` crate), not \
     Oniguruma: look-around and backreferences are compile errors, and capture groups \
     that do not take part in a match are left out of `captures` (jq 1.6 lists them \
     with offset -1 and string null), so `capture` omits their names.",
    "`reduce` and `foreach` whose update yields several values (or none) follow jaq: \
     every output continues the fold. jq 1.6 keeps only the last output (and `null` \
     when there is none).",
    "Errors that jq 1.6 cannot survive are reported instead: `index(\"\")` and \
     `gsub` with a regex matching the empty string make jq 1.6 loop until it runs out \
     of memory; here they are errors.",
    "Error messages are jq-like but not always word for word.",
];

/// A compiled mapping expression. Cheap to clone; `Send + Sync`, so it can be
/// shared between threads.
#[derive(Clone)]
pub struct Filter(Arc<jaq_core::Filter<Data>>);

/// Why a mapping expression does not compile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CompileError {
    pub message: String,
    /// byte range in the source, when jaq reports one
    pub span: Option<Range<usize>>,
}

/// An input entity, converted once to the engine's value type and reused for
/// every field of a mapping.
#[derive(Clone, Debug)]
pub struct Input(JqVal);

impl Input {
    pub fn from_json(v: &serde_json::Value) -> Input {
        Input(value::from_serde(v))
    }
}

/// What evaluating a filter gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Value(serde_json::Value),
    NoOutput,
    Error(String),
}

/// The values filters run on, and what they carry while they run.
struct Data;

impl DataT for Data {
    type V<'a> = JqVal;
    type Data<'a> = &'a Run<'a>;
}

/// State of one evaluation.
struct Run<'a> {
    lut: &'a jaq_core::Lut<Data>,
    /// What `halt_error` printed, as jq 1.6 would on stderr.
    halt_message: RefCell<Option<JqVal>>,
}

impl<'a> HasLut<'a, Data> for &'a Run<'a> {
    fn lut(&self) -> &'a jaq_core::Lut<Data> {
        self.lut
    }
}

/// jaq's definitions followed by ours (later definitions win).
fn prelude() -> &'static [load::parse::Def<&'static str>] {
    static PRELUDE: OnceLock<Vec<load::parse::Def<&'static str>>> = OnceLock::new();
    PRELUDE.get_or_init(|| {
        let ours = load::parse(include_str!("engine/prelude.jq"), |p| p.defs());
        // A broken prelude is a bug caught by every test; without it, compile
        // still works, with jaq's behaviour.
        debug_assert!(ours.is_some(), "engine/prelude.jq does not parse");
        jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(ours.unwrap_or_default())
            .collect()
    })
}

/// Compile a mapping expression.
pub fn compile(source: &str) -> Result<Filter, Vec<CompileError>> {
    let arena = Arena::default();
    let loader = Loader::new(prelude().iter().cloned());
    let modules = loader
        .load(
            &arena,
            File {
                code: source,
                path: (),
            },
        )
        .map_err(|errs| load_errors(source, errs))?;
    check_names(source)?;
    let filter = jaq_core::Compiler::default()
        .with_funs(natives::natives())
        .compile(modules)
        .map_err(|errs| undefined_errors(source, errs))?;
    Ok(Filter(Arc::new(filter)))
}

/// Refuse calls that jq 1.6 does not know or that mappings may not make.
fn check_names(source: &str) -> Result<(), Vec<CompileError>> {
    // The loader has parsed this already, so parsing again cannot fail.
    let Some(term) = load::parse(source, |p| p.term()) else {
        return Ok(());
    };
    let errors: Vec<_> = check::check(&term)
        .into_iter()
        .map(|v| CompileError {
            message: v.message,
            span: v.at.and_then(|at| span_in(source, at)),
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The byte range of `part` in `source`, if `part` is a slice of it.
fn span_in(source: &str, part: &str) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(source.as_ptr() as usize)?;
    (start + part.len() <= source.len()).then(|| start..start + part.len())
}

/// A zero- or one-character span at the start of `rest` (what a lexer error points at).
fn first_char_span(source: &str, rest: &str) -> Option<Range<usize>> {
    let span = span_in(source, rest)?;
    let len = rest.chars().next().map_or(0, char::len_utf8);
    Some(span.start..span.start + len)
}

fn load_errors(source: &str, errs: load::Errors<&str, ()>) -> Vec<CompileError> {
    let mut out = Vec::new();
    for (_file, err) in errs {
        match err {
            load::Error::Io(paths) => out.extend(paths.into_iter().map(|(path, _)| CompileError {
                message: "modules (import/include) are not supported in mappings".into(),
                span: span_in(source, path),
            })),
            load::Error::Lex(lex) => {
                out.extend(lex.into_iter().map(|(expect, rest)| CompileError {
                    message: format!("syntax error: expected {}", expect.as_str()),
                    span: first_char_span(source, rest),
                }))
            }
            load::Error::Parse(parse) => out.extend(parse.into_iter().map(|(expect, found)| {
                let found_text = if found.is_empty() {
                    "end of input".to_string()
                } else {
                    format!("`{found}`")
                };
                CompileError {
                    message: format!(
                        "syntax error: unexpected {found_text}, expected {}",
                        expect.as_str()
                    ),
                    span: span_in(source, found),
                }
            })),
        }
    }
    out
}

fn undefined_errors(source: &str, errs: jaq_core::compile::Errors<&str, ()>) -> Vec<CompileError> {
    use jaq_core::compile::Undefined;
    let errs = errs.into_iter().flat_map(|(_file, errs)| errs);
    errs.map(|(name, undefined)| {
        let message = match (check::refusal(name), undefined) {
            (Some(why), _) => format!("`{name}` {why}"),
            (None, Undefined::Filter(arity)) => format!("{name}/{arity} is not defined"),
            (None, other) => format!("{} {name} is not defined", other.as_str()),
        };
        CompileError {
            message,
            span: span_in(source, name),
        }
    })
    .collect()
}

/// The first output of `filter` on `input`, as `jq.first()` in Python's jq
/// bindings. Evaluation stops there: later outputs are never computed.
pub fn first(filter: &Filter, input: &Input) -> Outcome {
    let run = Run {
        lut: &filter.0.lut,
        halt_message: RefCell::new(None),
    };
    let ctx = Ctx::<Data>::new(&run, Vars::new([]));
    let first = filter.0.id.run((ctx, input.0.clone())).next();
    match first {
        None => Outcome::NoOutput,
        Some(Ok(v)) => value::to_serde(&v.0, 0).map_or_else(Outcome::Error, Outcome::Value),
        Some(Err(exn)) => exception(exn, &run),
    }
}

/// Turn an uncaught exception into an outcome. Never exits the process (which
/// jaq's `unwrap_valr` would do on `halt`).
fn exception(exn: jaq_core::Exn<'_, JqVal>, run: &Run) -> Outcome {
    let exn = match exn.get_err() {
        Ok(err) => return error_outcome(err.into_val()),
        Err(exn) => exn,
    };
    match exn.get_halt() {
        Ok(code) => Outcome::Error(match run.halt_message.take() {
            Some(msg) => format!("halt_error (exit code {code}): {}", msg.into_string_text()),
            None => format!("the mapping called halt (exit code {code})"),
        }),
        Err(_) => Outcome::Error("internal error: unexpected control flow".into()),
    }
}

/// jq 1.6 stops without output when the error value is null (`error(null)`),
/// prints string errors as they are, and other values as JSON.
fn error_outcome(v: JqVal) -> Outcome {
    if v == JqVal::NULL {
        return Outcome::NoOutput;
    }
    match v.as_text() {
        Some(msg) => Outcome::Error(msg.into_owned()),
        None => Outcome::Error(format!("{v} (not a string)")),
    }
}

impl JqVal {
    /// Text as jq prints it with `-r`: strings raw, the rest as JSON.
    fn into_string_text(self) -> String {
        match self.as_text() {
            Some(s) => s.into_owned(),
            None => self.to_json_string(),
        }
    }
}
