//! The JQ engine: compiles Port mapping expressions and evaluates them over one
//! entity, with the semantics of jq 1.6 (libjq, which Port's exporter and Ocean
//! run) rather than jaq's where the two differ.
//!
//! Built on jaq (`jaq-core`, `jaq-std`, `jaq-json`):
//! - `value` wraps jaq's value type to get jq 1.6 numbers, printing, object
//!   keys, indexing and updates;
//! - `prelude.jq` and `natives` replace jaq filters that differ from jq 1.6;
//! - `check` accepts only filters jq 1.6 has, and refuses `env`, `$ENV`,
//!   `input` and `inputs`: a mapping sees its entity and nothing else;
//! - `syntax` refuses the grammar jaq accepts beyond jq 1.6's.
//!
//! Evaluation stops at the first output ([`first`]), like `jq.first()` in
//! Python's jq bindings. Runaway programs (infinite loops, deep recursion) are
//! not handled here: callers run the engine in a worker process.
//!
//! Deliberate differences from jq 1.6 are listed in [`KNOWN_DIVERGENCES`].

mod check;
mod natives;
mod syntax;
#[cfg(test)]
mod tests;
mod value;

use jaq_core::load::{self, Arena, File, Loader};
use jaq_core::{Ctx, DataT, Vars, data::HasLut};
use std::cell::RefCell;
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use value::JqVal;

/// Where this engine still differs from jq 1.6, and why. Everything else that
/// the parity tests (`tests/parity.rs`) cover agrees with jq 1.6.
pub const KNOWN_DIVERGENCES: &[&str] = &[
    "Regular expressions run on jaq's engine, not Oniguruma: look-around, \
     backreferences and \\p{..} classes are errors; groups that do not take part in a \
     match are left out of `match(...).captures` (jq 1.6 lists them with offset -1 and \
     string null; `capture` does map their names to null, as jq does); some empty \
     matches fall elsewhere. Reimplementing Oniguruma is out of scope.",
    "`reduce`/`foreach` whose update yields several values (or none) follow jaq, where \
     every output carries on; jq 1.6 keeps the last one (none gives null). jaq compiles \
     folds itself, with no hook to change this.",
    "`(.[] | select(f)) |= empty` can differ once an element is gone (jq 1.6 itself \
     misplaces later deletions); `del(.[] | select(f))` agrees with jq 1.6.",
    "Refused on purpose, as compile errors: `env`, `$ENV` (credentials), `input`, \
     `inputs`, `input_line_number`, `$__loc__`, `$__prog_args`, `get_search_list`, \
     `get_jq_origin`, `get_prog_origin`, `modulemeta`, `import`/`include`.",
    "`halt` and `halt_error` are reported as errors (`Outcome::Error`); the jq command \
     line exits, silently for `halt`. The preview has to show that the mapping stopped.",
    "`input_filename` is null, as in libjq embedded the way Port runs it; the jq \
     command line says \"<stdin>\".",
    "Programs jq 1.6 accepts but jaq's parser does not are compile errors: numbers \
     written `.5`, `x` for a `$x` parameter, and `a * b % c` (jaq would group it as \
     `a * (b % c)`; add parentheses).",
    "jq 1.6 never returns from `index(\"\")` or from `gsub` with a regex that matches \
     the empty string, and tries to build any array or string asked for \
     (`.[536870912] = 1`, `\"x\" * 1e12`); here these are errors. Error messages are \
     jq-like, not always word for word.",
];

/// A compiled mapping expression. Cheap to clone; `Send + Sync`, so it can be
/// shared between threads.
#[derive(Clone)]
pub struct Filter(Arc<jaq_core::Filter<Data>>);

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Filter { .. }")
    }
}

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
    /// Numbers become doubles, as jq 1.6 reads them. (Recursive: meant for
    /// values serde_json parsed, which it nests at most 128 deep.)
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
    // jq runs a program of only blanks and comments as `.`.
    let blank = load::Lexer::new(source)
        .lex()
        .is_ok_and(|tokens| tokens.is_empty());
    let source = if blank { "." } else { source };
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
    check_jq16(source)?;
    let filter = jaq_core::Compiler::default()
        .with_funs(natives::natives())
        .compile(modules)
        .map_err(|errs| undefined_errors(source, errs))?;
    Ok(Filter(Arc::new(filter)))
}

/// Refuse what jq 1.6 would not compile (or what mappings may not do) but
/// jaq would: grammar jq 1.6 lacks, filters it does not define, `env`, ....
fn check_jq16(source: &str) -> Result<(), Vec<CompileError>> {
    // The loader has lexed and parsed this already, so neither can fail here.
    let Ok(tokens) = load::Lexer::new(source).lex() else {
        return Ok(());
    };
    let mut violations = syntax::check(&tokens);
    if let Some(term) = load::parse(source, |p| p.term()) {
        violations.extend(check::check(&term));
    }
    let errors: Vec<_> = violations
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

/// String errors are reported as they are, other values as JSON. A null error
/// is no error in jq 1.6 (`error(null)` backtracks like `empty`; prelude.jq
/// defines it so), hence no output, should one ever get here.
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
