//! The JQ engine: compiles Port mapping expressions and evaluates them over one
//! entity, with the semantics of the jq that runs them in Port rather than jaq's
//! where the two differ: jq 1.6 for the AWS exporter (the `jq` 1.4.0 Python
//! package), jq 1.8 for Ocean (the `jq` 1.12.0 package). See [`Dialect`].
//!
//! Built on jaq (`jaq-core`, `jaq-std`, `jaq-json`):
//! - `value` wraps jaq's value type to get jq's numbers, printing, object
//!   keys, indexing and updates; `literal` holds jq 1.8's number literals;
//! - `prelude.jq` and `natives` replace jaq filters that differ from jq 1.6,
//!   and `prelude18.jq` then redefines what jq 1.8 changed;
//! - `check` accepts only filters the dialect's jq has, and refuses `env`,
//!   `$ENV`, `input` and `inputs`: a mapping sees its entity and nothing else;
//! - `syntax` refuses the grammar jaq accepts beyond the dialect's.
//!
//! Evaluation stops at the first output ([`first`]), like `jq.first()` in
//! Python's jq bindings. Runaway programs (infinite loops, deep recursion) are
//! not handled here: callers run the engine in a worker process.
//!
//! Deliberate differences are listed in [`KNOWN_DIVERGENCES`].

mod check;
mod convert;
mod json_text;
mod literal;
mod natives;
mod regex;
mod syntax;
#[cfg(test)]
mod tests;
mod value;

use jaq_core::load::{self, Arena, File, Loader};
use jaq_core::{Ctx, DataT, Vars, data::HasLut};
use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use value::JqVal;

/// Which jq a mapping is evaluated as.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// jq 1.6, as Port's AWS exporter runs it.
    #[default]
    Jq16,
    /// jq 1.8 (1.8.1, as bundled by the `jq` 1.12.0 Python package), as Ocean runs it.
    Jq18,
}

impl Dialect {
    /// `jq 1.6` / `jq 1.8`.
    pub fn version(self) -> &'static str {
        match self {
            Dialect::Jq16 => "jq 1.6",
            Dialect::Jq18 => "jq 1.8",
        }
    }

    /// The other dialect, for messages that say where a builtin does exist.
    fn other(self) -> Dialect {
        match self {
            Dialect::Jq16 => Dialect::Jq18,
            Dialect::Jq18 => Dialect::Jq16,
        }
    }
}

thread_local! {
    /// The dialect of the compile or evaluation running on this thread. jaq's value
    /// traits have no context argument, so the few places where jq 1.6 and 1.8
    /// differ inside a value operation (literals, indexing, string repetition) read
    /// it from here; [`DialectScope`] sets it for exactly one compile or run.
    static DIALECT: Cell<Dialect> = const { Cell::new(Dialect::Jq16) };
}

/// The dialect in effect on this thread.
fn dialect() -> Dialect {
    DIALECT.with(Cell::get)
}

/// Sets the thread's dialect and restores the previous one when dropped.
struct DialectScope(Dialect);

impl DialectScope {
    fn enter(d: Dialect) -> DialectScope {
        DialectScope(DIALECT.with(|c| c.replace(d)))
    }
}

impl Drop for DialectScope {
    fn drop(&mut self) {
        DIALECT.with(|c| c.set(self.0));
    }
}

/// Where this engine still differs from the jq it imitates (jq 1.6 for the
/// exporter, jq 1.8 for Ocean), and why. Everything else that the parity tests
/// (`tests/jq_parity.rs`) cover agrees with the reference of each dialect.
pub const KNOWN_DIVERGENCES: &[&str] = &[
    "Regular expressions run on jaq's engine, not Oniguruma (jq's search loop and match \
     objects are reproduced around it): look-around, backreferences and \\p{..} \
     classes are errors; `$` matches only at the very end, not also before a final \
     newline; the `l` flag (longest match) changes nothing; case folding is Rust's \
     simple folding, not Oniguruma's full Unicode folding; where jq 1.6 searches again \
     from inside a multi-byte character after an empty match, it is reported as the \
     abort it mostly is, though a zero-width assertion there (`\"aé\" | match(\"$\"; \
     \"g\")`) would still match in jq 1.6. Reimplementing Oniguruma is out of scope.",
    "`reduce`/`foreach` whose update yields several values (or none) follow jaq, where \
     every output carries on; jq keeps the last one (none gives null in jq 1.6). jaq \
     compiles folds itself, with no hook to change this.",
    "`(.[] | select(f)) |= empty` can differ once an element is gone (jq 1.6 itself \
     misplaces later deletions); `del(.[] | select(f))` agrees with jq.",
    "Refused on purpose, as compile errors: `env`, `$ENV` (credentials), `input`, \
     `inputs`, `input_line_number`, `$__prog_args`, `get_search_list`, \
     `get_jq_origin`, `get_prog_origin`, `modulemeta`, `import`/`include`.",
    "`halt` and `halt_error` are reported as errors (`Outcome::Error`) for jq 1.6; the \
     jq command line exits, silently for `halt`. The preview has to show that the \
     mapping stopped. (For jq 1.8 they end the outputs, as in Ocean's Python jq.)",
    "`input_filename` is null, as in libjq embedded the way Port runs it; the jq \
     command line says \"<stdin>\".",
    "Programs jq accepts but jaq's parser does not read the same way are compile \
     errors: numbers written `.5`, `x` for a `$x` parameter, `a * b % c` (jaq would \
     group it as `a * (b % c)`), and for jq 1.6 a binding after an operator \
     (`-1 as $x | ...`, which jq 1.6 reads as `-(1 as $x | ...)`). Add parentheses. \
     A leading minus binds tighter here than in jq (`-x % y` is `-(x % y)` there), \
     which shows only past 2^63, where jq 1.6's integer cast wraps.",
    "jq 1.6 folds arithmetic on two number literals when it compiles, so `1 / 0` and \
     `0 / 0` give 1.7976931348623157e+308 and null there, while `. / 0` fails; here \
     a division by zero is always an error.",
    "jq 1.6 never returns from `index(\"\")` or from `gsub` with a regex that matches \
     the empty string, and tries to build any array or string asked for \
     (`.[536870912] = 1`, `\"x\" * 1e12`); here these are errors. Error messages are \
     jq-like, not always word for word.",
    "jq 1.8 compares two number literals of more than 17 digits exactly \
     (`100000000000000000001 == 100000000000000000000` is false there); here they \
     compare as doubles, though they print whole. An integer literal beyond 64 bits \
     reaches Port as a double here; Python would keep every digit.",
];

/// A compiled mapping expression. Cheap to clone; `Send + Sync`, so it can be
/// shared between threads.
#[derive(Clone)]
pub struct Filter {
    filter: Arc<jaq_core::Filter<Data>>,
    dialect: Dialect,
}

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
/// every field of a mapping, in either dialect.
#[derive(Clone, Debug)]
pub struct Input {
    /// As jq 1.8 reads it: floats are literals (see `literal`).
    value: JqVal,
    /// As jq 1.6 reads it, when that differs (the input holds literals).
    doubles: Option<JqVal>,
}

impl Input {
    /// Numbers as Ocean's Python hands them to jq 1.8 (integers whole, floats as
    /// Python writes them), and as doubles for jq 1.6. (Recursive: meant for
    /// values serde_json parsed, which it nests at most 128 deep.)
    pub fn from_json(v: &serde_json::Value) -> Input {
        let mut literals = false;
        let value = convert::from_serde(v, &mut literals);
        let doubles = literals.then(|| convert::to_doubles(&value));
        Input { value, doubles }
    }

    /// The value a run in `dialect` starts from.
    fn for_dialect(&self, dialect: Dialect) -> JqVal {
        match (dialect, &self.doubles) {
            (Dialect::Jq16, Some(doubles)) => doubles.clone(),
            _ => self.value.clone(),
        }
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

type Defs = Vec<load::parse::Def<&'static str>>;

/// jaq's definitions followed by ours (later definitions win): jq 1.6's, then, for
/// jq 1.8, what 1.8 changed.
fn prelude(dialect: Dialect) -> &'static [load::parse::Def<&'static str>] {
    fn ours(text: &'static str, name: &str) -> Defs {
        let defs = load::parse(text, |p| p.defs());
        // A broken prelude is a bug caught by every test; without it, compile
        // still works, with jaq's behaviour.
        debug_assert!(defs.is_some(), "engine/{name} does not parse");
        defs.unwrap_or_default()
    }
    fn base() -> impl Iterator<Item = load::parse::Def<&'static str>> {
        jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(ours(include_str!("engine/prelude.jq"), "prelude.jq"))
    }
    static JQ16: OnceLock<Defs> = OnceLock::new();
    static JQ18: OnceLock<Defs> = OnceLock::new();
    match dialect {
        Dialect::Jq16 => JQ16.get_or_init(|| base().collect()),
        Dialect::Jq18 => JQ18.get_or_init(|| {
            base()
                .chain(ours(include_str!("engine/prelude18.jq"), "prelude18.jq"))
                .collect()
        }),
    }
}

/// The builtins a mapping may call in `dialect`, as jq's `builtins` lists them
/// (`name/arity`), without the ones refused in mappings.
pub fn callable_builtins(dialect: Dialect) -> impl Iterator<Item = &'static str> {
    check::builtins(dialect)
        .iter()
        .copied()
        .filter(|b| check::refusal(b.split('/').next().unwrap_or(b)).is_none())
}

/// The `@format`s `dialect` knows.
pub fn formats(dialect: Dialect) -> &'static [&'static str] {
    check::formats(dialect)
}

/// Compile a mapping expression for `dialect`.
pub fn compile(source: &str, dialect: Dialect) -> Result<Filter, Vec<CompileError>> {
    let _scope = DialectScope::enter(dialect);
    // jq runs a program of only blanks and comments as `.`.
    let blank = load::Lexer::new(source)
        .lex()
        .is_ok_and(|tokens| tokens.is_empty());
    let source = if blank { "." } else { source };
    let located = with_locations(source);
    let code = located.as_deref().unwrap_or(source);
    let arena = Arena::default();
    let loader = Loader::new(prelude(dialect).iter().cloned());
    let modules = loader
        .load(&arena, File { code, path: () })
        .map_err(|errs| load_errors(code, errs))?;
    check_dialect(source, dialect)?;
    let filter = jaq_core::Compiler::default()
        .with_funs(natives::natives())
        .compile(modules)
        .map_err(|errs| undefined_errors(code, errs))?;
    Ok(Filter {
        filter: Arc::new(filter),
        dialect,
    })
}

/// Refuse what the dialect's jq would not compile (or what mappings may not do)
/// but jaq would: grammar it lacks, filters it does not define, `env`, ....
fn check_dialect(source: &str, dialect: Dialect) -> Result<(), Vec<CompileError>> {
    // The loader has lexed and parsed this already, so neither can fail here.
    let Ok(tokens) = load::Lexer::new(source).lex() else {
        return Ok(());
    };
    let mut violations = syntax::check(&tokens, dialect);
    if let Some(term) = load::parse(source, |p| p.term()) {
        violations.extend(check::check(&term, dialect));
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

/// jq's `$__loc__` (`{file: "<top-level>", line: N}`), which jaq lacks: each
/// occurrence becomes a call of prelude.jq's `_loc(N)`, padded to the same length
/// while the line is below 100 so that error positions stay put. `None` when the
/// program does not use it.
fn with_locations(source: &str) -> Option<String> {
    fn find<'s>(tokens: &[load::lex::Token<&'s str>], out: &mut Vec<&'s str>) {
        use load::lex::{StrPart, Tok};
        for tok in tokens {
            match &tok.1 {
                Tok::Var if tok.0 == "$__loc__" => out.push(tok.0),
                Tok::Block(inner) => find(inner, out),
                Tok::Str(parts) => {
                    for part in parts {
                        if let StrPart::Term(load::lex::Token(_, Tok::Block(inner))) = part {
                            find(inner, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if !source.contains("$__loc__") {
        return None;
    }
    let tokens = load::Lexer::new(source).lex().ok()?;
    let mut found = Vec::new();
    find(&tokens, &mut found);
    let mut out = String::with_capacity(source.len());
    let mut done = 0;
    for at in found.iter().filter_map(|t| span_in(source, t)) {
        let line = source[..at.start].matches('\n').count() + 1;
        out.push_str(&source[done..at.start]);
        out.push_str(&format!("{:<8}", format!("_loc({line})")));
        done = at.end;
    }
    out.push_str(&source[done..]);
    Some(out)
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
    let _scope = DialectScope::enter(filter.dialect);
    let run = Run {
        lut: &filter.filter.lut,
        halt_message: RefCell::new(None),
    };
    let ctx = Ctx::<Data>::new(&run, Vars::new([]));
    let start = input.for_dialect(filter.dialect);
    let first = filter.filter.id.run((ctx, start)).next();
    match first {
        None => Outcome::NoOutput,
        Some(Ok(v)) => convert::to_serde(&v.0, 0).map_or_else(Outcome::Error, Outcome::Value),
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
        // Python's jq package ends the outputs there, and says nothing.
        Ok(_) if dialect() == Dialect::Jq18 => Outcome::NoOutput,
        Ok(code) => Outcome::Error(match run.halt_message.take() {
            Some(msg) => format!("halt_error (exit code {code}): {}", msg.into_string_text()),
            None => format!("the mapping called halt (exit code {code})"),
        }),
        Err(_) => Outcome::Error("internal error: unexpected control flow".into()),
    }
}

/// String errors are reported as they are, other values as JSON. A null error
/// is no error in jq 1.6 (`error(null)` backtracks like `empty`; prelude.jq
/// defines it so), hence no output, should one ever get here; jq 1.8 raises it.
fn error_outcome(v: JqVal) -> Outcome {
    if v == JqVal::NULL && dialect() == Dialect::Jq16 {
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
