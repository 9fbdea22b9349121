# What jq 1.8 (as Ocean runs it) does differently from jq 1.6, loaded after
# prelude.jq when a mapping is evaluated for Ocean; later definitions win. jq
# resolves names where a definition is written, so a definition here that others
# call is followed by those callers, repeated to use it. Natives named `_...`
# are in natives.rs; the ones shared with jq 1.6 read the dialect themselves.

# error(null) is an error like any other: `try (null | error) catch .` is null.
def error: error_empty;
def error(msg): msg | error;

# any/all stop at the first answer, without looking at the next element.
def any(g; cond): isempty(first(g | select(cond))) | not;
def all(g; cond): isempty(first(g | select(cond | not)));
def any(cond): any(.[]; cond);
def all(cond): all(.[]; cond);
def any: any(.);
def all: all(.);
def IN(s): any(s == .; .);
def IN(src; s): any(src == s; .);

# limit(0; f) is empty and a negative count an error; skip/2 is new; last and nth
# yield nothing when f has too few outputs.
def limit($n; f): if $n > 0 then _jaq_limit($n; f) elif $n == 0 then empty
  else error("limit doesn't support negative count") end;
def skip($n; f): if $n > 0 then foreach f as $x (0; . + 1; select(. > $n) | $x)
  elif $n == 0 then f else error("skip doesn't support negative count") end;
def last(f): reduce f as $x (null; [$x]) | .[]?;
def nth($n; f): if $n < 0 then error("nth doesn't support negative indices") else first(skip($n; f)) end;

# New builtins.
def abs: if . < 0 then - . else . end;
def trim: _trim_space(3);
def ltrim: _trim_space(1);
def rtrim: _trim_space(2);
def trimstr($x): ltrimstr($x) | rtrimstr($x);
def add(f): reduce f as $x (null; . + $x);
def add: add(.[]);
def pick(pathexps): . as $in
  | reduce path(pathexps) as $p (null; setpath($p; $in | getpath($p)));
def debug(msgs): (msgs | empty), .;
def have_decnum: true;
def have_literal_numbers: true;

# paths select on each node before taking its path.
def paths: path(..) | select(length > 0);
def paths(f): path(.. | select(f)) | select(length > 0);

# Regular expressions: with "g", an empty match at the very end of the string
# counts too, so `gsub(""; "-")` is defined, and `splits("")` ends with "".
# Where an empty match steps into a character of n bytes (prelude.jq's
# `_stepped_bytes`), jq 1.8 also matches n - 1 times inside it, each at the
# offset of the next character.
def _byte_steps($s; $ms):
  [$ms[] | ., (. as $m | range(1; _stepped_bytes($s; $ms))
    | {offset: ($m.offset + 1), length: 0, string: "", captures: $m.captures})];
def _match_impl($re; $flags; $test):
  if $test then _onig_matches($re; $flags) | length > 0
  else . as $s
  | _onig_matches($re; $flags) as $ms
  | if ($flags // "") | contains("g") then _byte_steps($s; $ms) else $ms end
  end;
def match(re; flags): _match_impl(re; flags; false)[];
def match($val): _re_args($val) as [$re, $flags] | match($re; $flags);
def test(re; flags): _match_impl(re; flags; true);
def test($val): _re_args($val) as [$re, $flags] | test($re; $flags);
def capture(re; flags): (re | _regex_names) as $names | match(re; flags) | _captures as $found
  | reduce $names[] as $n ({}; . + {($n): $found[$n]});
def capture($val): _re_args($val) as [$re, $flags] | capture($re; $flags);
def scan($re; $flags): match($re; "g" + $flags)
  | if (.captures | length) > 0 then [.captures[].string] else .string end;
def scan($re): scan($re; null);
def splits($re; flags): . as $s
  | ([0] + [match($re; "g" + flags) | .offset, .offset + .length] + [null]) as $cuts
  | range(0; $cuts | length; 2) | $s[$cuts[.]:$cuts[. + 1]];
def splits($re): splits($re; null);
def split($re; flags): [splits($re; flags)];
# Every match is replaced in one pass over the input; a replacement with several
# outputs gives several results.
def sub($re; str; $flags): . as $in
  | (reduce match($re; $flags) as $m ({parts: [], at: 0};
        $in[.at:$m.offset] as $gap
        | [$m | _captures | str] as $ins
        | reduce range(0; $ins | length) as $i (.; .parts[$i] += $gap + $ins[$i])
        | .at = $m.offset + $m.length)
     | .parts[] + $in[.at:]) // $in;
def sub($re; str): sub($re; str; "");
def gsub($re; str; $flags): sub($re; str; $flags + "g");
def gsub($re; str): sub($re; str; "g");

# @uri escapes !*'() too (natives.rs); @urid decodes.
def @uri: tostring | _encode_uri;
def @urid: tostring | _decode_uri;
def format($f):
  if $f == "text" then @text elif $f == "json" then @json elif $f == "html" then @html
  elif $f == "uri" then @uri elif $f == "urid" then @urid elif $f == "csv" then @csv
  elif $f == "tsv" then @tsv elif $f == "sh" then @sh elif $f == "base64" then @base64
  elif $f == "base64d" then @base64d else error("\($f) is not a valid format") end;

# Number literals keep their digits (value.rs), but infinities are computed
# doubles: `infinite | tostring` is not "1E+1000".
def infinite: 1e1000 + 0;
def nan: infinite - infinite;
def logb: if . == 0 then -infinite elif isinfinite then infinite elif isnan then . else ilogb end;
