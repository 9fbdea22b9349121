//! Which names a mapping may call.
//!
//! jaq knows many filters that jq 1.6 does not (`trim`, `abs`, `pick`, `toarray`,
//! `splits/0`, `@base32`, ...), and some that jq 1.8 does not either. A mapping
//! that used them would preview fine here and then fail in Port, so a mapping may
//! only call what its dialect's jq defines (see [`JQ16_BUILTINS`],
//! [`JQ18_BUILTINS`]) or what it defines itself. A few builtins are refused on
//! purpose ([`refusal`]). This walks jaq's parse tree, tracking local `def`s.
//! It also refuses what jq refuses while folding constants: `{(1): 2}`
//! and `1 / 0` are compile errors there, beyond the reach of `try`.

use super::Dialect;
use super::value::format_number;
use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Def, Pattern, Term};
use jaq_core::ops::Math;
use jaq_core::path::Part;

/// Every builtin of jq 1.6, as `jq -n 'builtins'` lists them (name/arity).
#[rustfmt::skip]
pub(super) const JQ16_BUILTINS: &[&str] = &[
    "IN/1", "IN/2", "INDEX/1", "INDEX/2", "JOIN/2", "JOIN/3", "JOIN/4", "acos/0", "acosh/0",
    "add/0", "all/0", "all/1", "all/2", "any/0", "any/1", "any/2", "arrays/0",
    "ascii_downcase/0", "ascii_upcase/0", "asin/0", "asinh/0", "atan/0", "atan2/2", "atanh/0",
    "booleans/0", "bsearch/1", "builtins/0", "capture/1", "capture/2", "cbrt/0", "ceil/0",
    "combinations/0", "combinations/1", "contains/1", "copysign/2", "cos/0", "cosh/0",
    "debug/0", "del/1", "delpaths/1", "drem/2", "empty/0", "endswith/1", "env/0", "erf/0",
    "erfc/0", "error/0", "error/1", "exp/0", "exp10/0", "exp2/0", "explode/0", "expm1/0",
    "fabs/0", "fdim/2", "finites/0", "first/0", "first/1", "flatten/0", "flatten/1", "floor/0",
    "fma/3", "fmax/2", "fmin/2", "fmod/2", "format/1", "frexp/0", "from_entries/0",
    "fromdate/0", "fromdateiso8601/0", "fromjson/0", "fromstream/1", "gamma/0",
    "get_jq_origin/0", "get_prog_origin/0", "get_search_list/0", "getpath/1", "gmtime/0",
    "group_by/1", "gsub/2", "gsub/3", "halt/0", "halt_error/0", "halt_error/1", "has/1",
    "hypot/2", "implode/0", "in/1", "index/1", "indices/1", "infinite/0", "input/0",
    "input_filename/0", "input_line_number/0", "inputs/0", "inside/1", "isempty/1",
    "isfinite/0", "isinfinite/0", "isnan/0", "isnormal/0", "iterables/0", "j0/0", "j1/0",
    "jn/2", "join/1", "keys/0", "keys_unsorted/0", "last/0", "last/1", "ldexp/2",
    "leaf_paths/0", "length/0", "lgamma/0", "lgamma_r/0", "limit/2", "localtime/0", "log/0",
    "log10/0", "log1p/0", "log2/0", "logb/0", "ltrimstr/1", "map/1", "map_values/1", "match/1",
    "match/2", "max/0", "max_by/1", "min/0", "min_by/1", "mktime/0", "modf/0", "modulemeta/0",
    "nan/0", "nearbyint/0", "nextafter/2", "nexttoward/2", "normals/0", "not/0", "now/0",
    "nth/1", "nth/2", "nulls/0", "numbers/0", "objects/0", "path/1", "paths/0", "paths/1",
    "pow/2", "pow10/0", "range/1", "range/2", "range/3", "recurse/0", "recurse/1", "recurse/2",
    "recurse_down/0", "remainder/2", "repeat/1", "reverse/0", "rindex/1", "rint/0", "round/0",
    "rtrimstr/1", "scalars/0", "scalars_or_empty/0", "scalb/2", "scalbln/2", "scan/1",
    "select/1", "setpath/2", "significand/0", "sin/0", "sinh/0", "sort/0", "sort_by/1",
    "split/1", "split/2", "splits/1", "splits/2", "sqrt/0", "startswith/1", "stderr/0",
    "strflocaltime/1", "strftime/1", "strings/0", "strptime/1", "sub/2", "sub/3", "tan/0",
    "tanh/0", "test/1", "test/2", "tgamma/0", "to_entries/0", "todate/0", "todateiso8601/0",
    "tojson/0", "tonumber/0", "tostream/0", "tostring/0", "transpose/0", "trunc/0",
    "truncate_stream/1", "type/0", "unique/0", "unique_by/1", "until/2", "utf8bytelength/0",
    "values/0", "walk/1", "while/2", "with_entries/1", "y0/0", "y1/0", "yn/2",
];

/// Every builtin of jq 1.8.1 as the `jq` 1.12.0 Python package bundles it (what
/// `builtins` lists there).
#[rustfmt::skip]
pub(super) const JQ18_BUILTINS: &[&str] = &[
    "IN/1", "IN/2", "INDEX/1", "INDEX/2", "JOIN/2", "JOIN/3", "JOIN/4", "abs/0", "acos/0",
    "acosh/0", "add/0", "add/1", "all/0", "all/1", "all/2", "any/0", "any/1", "any/2",
    "arrays/0", "ascii_downcase/0", "ascii_upcase/0", "asin/0", "asinh/0", "atan/0", "atan2/2",
    "atanh/0", "booleans/0", "bsearch/1", "builtins/0", "capture/1", "capture/2", "cbrt/0",
    "ceil/0", "combinations/0", "combinations/1", "contains/1", "copysign/2", "cos/0", "cosh/0",
    "debug/0", "debug/1", "del/1", "delpaths/1", "drem/2", "empty/0", "endswith/1", "env/0",
    "erf/0", "erfc/0", "error/0", "error/1", "exp/0", "exp10/0", "exp2/0", "explode/0",
    "expm1/0", "fabs/0", "fdim/2", "finites/0", "first/0", "first/1", "flatten/0", "flatten/1",
    "floor/0", "fma/3", "fmax/2", "fmin/2", "fmod/2", "format/1", "frexp/0", "from_entries/0",
    "fromdate/0", "fromdateiso8601/0", "fromjson/0", "fromstream/1", "gamma/0",
    "get_jq_origin/0", "get_prog_origin/0", "get_search_list/0", "getpath/1", "gmtime/0",
    "group_by/1", "gsub/2", "gsub/3", "halt/0", "halt_error/0", "halt_error/1", "has/1",
    "have_decnum/0", "have_literal_numbers/0", "hypot/2", "implode/0", "in/1", "index/1",
    "indices/1", "infinite/0", "input/0", "input_filename/0", "input_line_number/0", "inputs/0",
    "inside/1", "isempty/1", "isfinite/0", "isinfinite/0", "isnan/0", "isnormal/0",
    "iterables/0", "j0/0", "j1/0", "jn/2", "join/1", "keys/0", "keys_unsorted/0", "last/0",
    "last/1", "ldexp/2", "length/0", "lgamma/0", "lgamma_r/0", "limit/2", "localtime/0",
    "log/0", "log10/0", "log1p/0", "log2/0", "logb/0", "ltrim/0", "ltrimstr/1", "map/1",
    "map_values/1", "match/1", "match/2", "max/0", "max_by/1", "min/0", "min_by/1", "mktime/0",
    "modf/0", "modulemeta/0", "nan/0", "nearbyint/0", "nextafter/2", "nexttoward/2",
    "normals/0", "not/0", "now/0", "nth/1", "nth/2", "nulls/0", "numbers/0", "objects/0",
    "path/1", "paths/0", "paths/1", "pick/1", "pow/2", "range/1", "range/2", "range/3",
    "recurse/0", "recurse/1", "recurse/2", "remainder/2", "repeat/1", "reverse/0", "rindex/1",
    "rint/0", "round/0", "rtrim/0", "rtrimstr/1", "scalars/0", "scalb/2", "scalbln/2",
    "scan/1", "scan/2", "select/1", "setpath/2", "significand/0", "sin/0", "sinh/0", "skip/2",
    "sort/0", "sort_by/1", "split/1", "split/2", "splits/1", "splits/2", "sqrt/0",
    "startswith/1", "stderr/0", "strflocaltime/1", "strftime/1", "strings/0", "strptime/1",
    "sub/2", "sub/3", "tan/0", "tanh/0", "test/1", "test/2", "tgamma/0", "to_entries/0",
    "toboolean/0", "todate/0", "todateiso8601/0", "tojson/0", "tonumber/0", "tostream/0",
    "tostring/0", "transpose/0", "trim/0", "trimstr/1", "trunc/0", "truncate_stream/1",
    "type/0", "unique/0", "unique_by/1", "until/2", "utf8bytelength/0", "values/0", "walk/1",
    "while/2", "with_entries/1", "y0/0", "y1/0", "yn/2",
];

/// The builtins of a dialect's jq.
pub(super) fn builtins(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Jq16 => JQ16_BUILTINS,
        Dialect::Jq18 => JQ18_BUILTINS,
    }
}

/// Literals that jq parses as keywords and jaq defines as filters.
const KEYWORD_FILTERS: &[&str] = &["true/0", "false/0", "null/0"];

/// The `@format`s jq 1.6 knows.
const JQ16_FORMATS: &[&str] = &[
    "@text", "@json", "@html", "@uri", "@csv", "@tsv", "@sh", "@base64", "@base64d",
];

/// The `@format`s jq 1.8 knows.
const JQ18_FORMATS: &[&str] = &[
    "@text", "@json", "@html", "@uri", "@urid", "@csv", "@tsv", "@sh", "@base64", "@base64d",
];

pub(super) fn formats(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Jq16 => JQ16_FORMATS,
        Dialect::Jq18 => JQ18_FORMATS,
    }
}

/// Why a builtin (or variable) is not available to mappings, if it is not.
pub(super) fn refusal(name: &str) -> Option<&'static str> {
    Some(match name {
        "env" | "$ENV" => "is not available in mappings: the environment holds credentials",
        "input" | "inputs" => "is not available in mappings: a mapping reads only its entity",
        "input_line_number" | "get_search_list" | "get_jq_origin" | "get_prog_origin"
        | "modulemeta" | "$__prog_args" => {
            "is not available in mappings: it describes the jq command line"
        }
        _ => return None,
    })
}

/// Something the mapping may not do: where (a slice of the source) and why.
pub(super) struct Violation<'s> {
    pub(super) at: Option<&'s str>,
    pub(super) message: String,
}

/// A filter defined in the mapping itself.
struct Local<'s> {
    name: &'s str,
    arity: usize,
    /// `x` for a `$x` parameter: jq 1.6 binds it, jaq does not.
    dollar_param: bool,
}

/// Filters defined in the mapping, innermost last, and what was found so far.
struct Scope<'s> {
    dialect: Dialect,
    defined: Vec<Local<'s>>,
    found: Vec<Violation<'s>>,
}

/// Check every call in `term`.
pub(super) fn check<'s>(term: &Term<&'s str>, dialect: Dialect) -> Vec<Violation<'s>> {
    let mut scope = Scope {
        dialect,
        defined: Vec::new(),
        found: Vec::new(),
    };
    scope.term(term);
    scope.found
}

fn is_builtin(name: &str, arity: usize, dialect: Dialect) -> bool {
    let key = format!("{name}/{arity}");
    builtins(dialect).contains(&key.as_str())
        || KEYWORD_FILTERS.contains(&key.as_str())
        || (arity == 0 && formats(dialect).contains(&name))
}

/// Why `name/arity` is unknown, naming the jq that has it if the other one does.
fn undefined(name: &str, arity: usize, dialect: Dialect) -> String {
    let (here, there) = (dialect.version(), dialect.other().version());
    if is_builtin(name, arity, dialect.other()) {
        format!("{name}/{arity} is not defined in {here} ({there} has it)")
    } else {
        format!("{name}/{arity} is not defined ({here} has no such builtin)")
    }
}

impl<'s> Scope<'s> {
    fn local(&self, name: &str, arity: usize) -> Option<&Local<'s>> {
        self.defined
            .iter()
            .rev()
            .find(|d| d.name == name && d.arity == arity)
    }

    fn is_defined(&self, name: &str, arity: usize) -> bool {
        self.local(name, arity).is_some()
    }

    fn call(&mut self, name: &'s str, arity: usize) {
        let message = if let Some(local) = self.local(name, arity) {
            if !local.dollar_param {
                return;
            }
            format!(
                "write `${name}`: jq 1.6 also defines `{name}` for a `${name}` parameter, this engine does not"
            )
        } else if let Some(why) = refusal(name) {
            format!("`{name}` {why}")
        } else if name.starts_with('@') && !formats(self.dialect).contains(&name) {
            format!(
                "{} is not a valid format in {}",
                &name[1..],
                self.dialect.version()
            )
        } else if !is_builtin(name, arity, self.dialect) {
            undefined(name, arity, self.dialect)
        } else {
            return;
        };
        self.found.push(Violation {
            at: Some(name),
            message,
        });
    }

    fn var(&mut self, name: &'s str) {
        if let Some(why) = refusal(name) {
            let message = format!("`{name}` {why}");
            self.found.push(Violation {
                at: Some(name),
                message,
            });
        }
    }

    fn term(&mut self, t: &Term<&'s str>) {
        match t {
            Term::Id | Term::Recurse | Term::Num(_) | Term::Break(_) => {}
            Term::Var(x) => self.var(x),
            Term::Str(fmt, parts) => {
                if let Some(fmt) = fmt {
                    self.call(fmt, 0);
                }
                for part in parts {
                    if let StrPart::Term(t) = part {
                        self.term(t);
                    }
                }
            }
            Term::Arr(t) => t.iter().for_each(|t| self.term(t)),
            Term::Obj(entries) => {
                for (k, v) in entries {
                    self.constant_key(k);
                    self.term(k);
                    v.iter().for_each(|v| self.term(v));
                }
            }
            Term::Neg(t) | Term::Label(_, t) => self.term(t),
            Term::TryCatch(t, catch) => {
                self.term(t);
                catch.iter().for_each(|c| self.term(c));
            }
            Term::BinOp(l, op, r) => {
                self.constant_division(l, op, r);
                self.term(l);
                if let BinaryOp::Pipe(Some(p)) = op {
                    self.pattern(p);
                }
                self.term(r);
            }
            Term::Fold(_, xs, p, args) => {
                self.term(xs);
                self.pattern(p);
                args.iter().for_each(|a| self.term(a));
            }
            Term::IfThenElse(branches, else_) => {
                for (cond, then) in branches {
                    self.term(cond);
                    self.term(then);
                }
                else_.iter().for_each(|e| self.term(e));
            }
            Term::Def(defs, body) => self.defs(defs, body),
            Term::Call(name, args) => {
                // `mod::f` needs `import`, which the loader already refuses.
                if !name.contains("::") {
                    self.call(name, args.len());
                }
                args.iter().for_each(|a| self.term(a));
            }
            Term::Path(t, path) => {
                self.term(t);
                for (part, _opt) in &path.0 {
                    match part {
                        Part::Index(i) => self.term(i),
                        Part::Range(from, upto) => {
                            from.iter().chain(upto).for_each(|b| self.term(b));
                        }
                    }
                }
            }
        }
    }

    /// jq 1.6 folds constant keys when compiling, so `{(1): 2}` does not
    /// compile there (and no `try` can catch it); do the same.
    fn constant_key(&mut self, k: &Term<&'s str>) {
        let number = |t: &Term<&'s str>| match t {
            Term::Num(n) => n.parse::<f64>().ok().map(|x| (x, *n)),
            _ => None,
        };
        let (what, at) = match k {
            Term::Num(_) => match number(k) {
                Some((x, at)) => (format!("number ({})", format_number(x)), Some(at)),
                None => return,
            },
            Term::BinOp(l, BinaryOp::Math(op), r) => {
                let (Some((x, at)), Some((y, _))) = (number(l), number(r)) else {
                    return;
                };
                let folded = match op {
                    Math::Add => x + y,
                    Math::Sub => x - y,
                    Math::Mul => x * y,
                    _ => return,
                };
                (format!("number ({})", format_number(folded)), Some(at))
            }
            Term::Call(lit @ ("true" | "false" | "null"), args)
                if args.is_empty() && !self.is_defined(lit, 0) =>
            {
                let kind = if *lit == "null" { "null" } else { "boolean" };
                (format!("{kind} ({lit})"), Some(*lit))
            }
            Term::Arr(None) => ("array ([])".to_string(), None),
            Term::Obj(entries) if entries.is_empty() => ("object ({})".to_string(), None),
            _ => return,
        };
        let message = format!("Cannot use {what} as object key");
        self.found.push(Violation { at, message });
    }

    /// jq 1.6 also folds `1 / 0` when compiling, and refuses it (jq 1.8 fails when
    /// it runs, which `try` catches).
    fn constant_division(&mut self, l: &Term<&'s str>, op: &BinaryOp<&'s str>, r: &Term<&'s str>) {
        let (Term::Num(x), BinaryOp::Math(Math::Div), Term::Num(y)) = (l, op, r) else {
            return;
        };
        if self.dialect != Dialect::Jq16 {
            return;
        }
        let (Ok(dividend), Ok(divisor)) = (x.parse::<f64>(), y.parse::<f64>()) else {
            return;
        };
        if (dividend / divisor).is_infinite() {
            let message = "Division by zero?".to_string();
            self.found.push(Violation {
                at: Some(*y),
                message,
            });
        }
    }

    fn pattern(&mut self, p: &Pattern<&'s str>) {
        match p {
            Pattern::Var(_) => {}
            Pattern::Arr(ps) => ps.iter().for_each(|p| self.pattern(p)),
            Pattern::Obj(entries) => {
                for (k, p) in entries {
                    self.term(k);
                    self.pattern(p);
                }
            }
        }
    }

    /// `def f(a; $b): body; ... rest`: each definition sees itself (recursion),
    /// the ones before it and its parameters; `rest` sees all of them.
    fn defs(&mut self, defs: &[Def<&'s str>], rest: &Term<&'s str>) {
        let outer = self.defined.len();
        for def in defs {
            let (name, arity) = (def.name, def.args.len());
            self.defined.push(Local {
                name,
                arity,
                dollar_param: false,
            });
            let before_params = self.defined.len();
            let params = def.args.iter().map(|a| Local {
                name: a.trim_start_matches('$'),
                arity: 0,
                dollar_param: a.starts_with('$'),
            });
            self.defined.extend(params);
            self.term(&def.body);
            self.defined.truncate(before_params);
        }
        self.term(rest);
        self.defined.truncate(outer);
    }
}
