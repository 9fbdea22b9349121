# Definitions that make jaq behave like jq 1.6 where Port mappings can notice.
# They are loaded after jaq's own definitions, so they take precedence; natives
# named `_...` are implemented in natives.rs. Each comment says what jq 1.6 does.

# Entries: jq 1.6 takes the key from key, Key, name or Name (the first that is
# truthy; a null or non-string key is an error) and the value from value, or else
# Value. So AWS tags ({Key, Value}) work; {k, v} and {K, V} do not (that is jq 1.7).
def from_entries: reduce .[] as $e ({};
  . + {($e | .key // .Key // .name // .Name): ($e | if has("value") then .value else .Value end)});
def to_entries: [keys_unsorted[] as $k | {key: $k, value: .[$k]}];
def with_entries(f): to_entries | map(f) | from_entries;

# jq 1.6 joins numbers and booleans as text and null as "", and fails on arrays
# and objects; jaq only joins strings.
def join($sep): reduce .[] as $x (null;
    (if . == null then "" else . + $sep end)
    + ($x | if type == "boolean" or type == "number" then tostring elif . == null then "" else . end))
  // "";

# jq 1.6: error(null) raises nothing; it backtracks like `empty` (even
# through `try`), so `[1, error(null), 2]` is [1, 2].
def error: if . == null then empty else error_empty end;
def error(msg): msg | error;

# jq 1.6 `any`/`all` look at one more element of the generator after the
# answer is known (so an error there still surfaces).
def any(g; cond): reduce (label $stop | foreach g as $x (false;
    if . then break $stop else ($x | cond) end; .)) as $r (false; . or $r);
def all(g; cond): reduce (label $stop | foreach g as $x (true;
    if . then ($x | cond) else break $stop end; .)) as $r (true; . and $r);
def any(cond): any(.[]; cond);
def all(cond): all(.[]; cond);
def any: any(.);
def all: all(.);

# jq 1.6: limit(0; f) still yields the first output of f, a negative limit all of them.
def _jaq_limit($n; f): limit($n; f);
def limit($n; f): if $n > 0 then _jaq_limit($n; f) elif $n == 0 then first(f) else f end;
# jq 1.6: last(empty) is null, nth(n; f) is the last output when f has fewer.
def last(f): reduce f as $x (null; $x);
def nth($n; f): if $n < 0 then error("nth doesn't support negative indices") else last(limit($n + 1; f)) end;
# jq 1.6: a zero step yields nothing (jaq's native would repeat $from forever).
def _jaq_range($from; $upto; $by): range($from; $upto; $by);
def range($from; $upto; $by): if $by == 0 then empty else _jaq_range($from; $upto; $by) end;

# jq 1.6 walks bottom-up (children first), keeping key order; jaq walks top-down.
def walk(f): def w: if type == "object" then map_values(w) elif type == "array" then map(w) else . end | f; w;

# jq 1.6 flattens the values of objects too; negative depths are an error.
def flatten($depth): if $depth < 0 then error("flatten depth must not be negative")
  else [.[] | if type == "array" and $depth > 0 then flatten($depth - 1)[] else . end] end;
def flatten: flatten(1e9);

# jq 1.6 string positions are byte offsets; `.[$i]` does the rest (null stays null).
def indices($i): if type == "string" and ($i | type) == "string" then _strindices($i)
  elif type == "array" then .[if ($i | type) == "array" then $i else [$i] end]
  else .[$i] end;
def index($i): indices($i) | .[0];
def rindex($i): indices($i) | .[-1];

# jq 1.6 reverses with indexing: null and {} give [], strings are an error.
def reverse: [.[range(length - 1; -1; -1)]];
def transpose: if . == [] then [] else (map(length) | max) as $n | [range(0; $n) as $j | map(.[$j])] end;
def in(xs): . as $x | xs | has($x);
def inside(xs): . as $x | xs | contains($x);
def combinations: if length == 0 then [] else .[0][] as $x | [$x] + (.[1:] | combinations) end;
def combinations($n): . as $x | [range($n) | $x] | combinations;

# jq 1.6 deletes all paths at once, last first; a missing parent deletes nothing.
def delpaths($paths): _delpaths($paths);
def del(f): delpaths([path(f)]);
def leaf_paths: paths(scalars);
def recurse_down: recurse;
def scalars_or_empty: select((type != "array" and type != "object") or length == 0);

# Streaming helpers from jq 1.6.
def tostream:
  def events($p): if (type == "array" or type == "object") and length > 0
    then keys_unsorted as $ks | ($ks[] as $k | .[$k] | events($p + [$k])), [$p + [$ks[-1]]]
    else [$p, .] end;
  events([]);
def fromstream(events): foreach events as $e ({v: null, done: false};
    (if .done then {v: null, done: false} else . end)
    | if ($e | length) == 2 and ($e[0] | length) == 0 then {v: $e[1], done: true}
      elif ($e | length) == 2 then .v |= setpath($e[0]; $e[1])
      elif ($e[0] | length) == 1 then .done = true
      else . end;
    select(.done) | .v);
def truncate_stream(events): . as $n | null | events | select(.[0] | length > $n) | .[0] |= .[$n:];

# SQL-style helpers from jq 1.6.
def INDEX(rows; key): reduce rows as $row ({}; .[$row | key | if type == "string" then . else tojson end] = $row);
def INDEX(key): INDEX(.[]; key);
def IN(s): any(s == .; .);
def IN(src; s): any(src == s; .);
def JOIN($idx; key): [.[] | [., $idx[key]]];
def JOIN($idx; rows; key): rows | [., $idx[key]];
def JOIN($idx; rows; key; f): rows | [., $idx[key]] | f;

# Regular expressions, with jq 1.6's match objects:
# {offset, length, string, captures: [{offset, length, string, name}]}, found by
# jq 1.6's own search loop (engine/regex.rs). For a match of `$ms`, the bytes of
# the character an empty match steps into, or 0 (jq 1.8's prelude uses it).
def _stepped_bytes($s; $ms):
  if .length != 0 then 0
  else .offset as $at
  | if any($ms[]; .length == 0 and .offset == $at + 1)
    then $s[$at:$at + 1] | utf8bytelength | if . > 1 then . else 0 end
    else 0 end
  end;
def _match_impl($re; $flags; $test):
  if $test then _onig_matches($re; $flags) | length > 0
  else _onig_matches($re; $flags) end;
# One-argument forms take "re" or ["re", "flags"].
def _re_args($val): if ($val | type) == "string" then [$val, null]
  elif ($val | type) == "array" and ($val | length) > 0 then [$val[0], $val[1]]
  else error(($val | type) + " not a string or array") end;
def match(re; flags): _match_impl(re; flags; false)[];
def match($val): _re_args($val) as [$re, $flags] | match($re; $flags);
def test(re; flags): _match_impl(re; flags; true);
def test($val): _re_args($val) as [$re, $flags] | test($re; $flags);
def _captures: [.captures[] | select(.name != null) | {(.name): .string}] | add + {};
# Named groups that did not take part in the match are null, as in jq 1.6.
def capture(re; flags): (re | _regex_names) as $names | match(re; flags) | _captures as $found
  | reduce $names[] as $n ({}; . + {($n): $found[$n]});
def capture($val): _re_args($val) as [$re, $flags] | capture($re; $flags);
def scan(re): match(re; "g") | if (.captures | length) > 0 then [.captures[].string] else .string end;
def splits($re; flags): . as $s
  | [0, (match($re; "g" + flags) | .offset, .offset + .length), ($s | length)] as $cuts
  | range(0; $cuts | length; 2) | $s[$cuts[.]:$cuts[. + 1]];
def splits($re): splits($re; null);
def split($re; flags): [splits($re; flags)];
# jq 1.6 replaces the first match; with "g" it starts over on the rest of the
# string (so "^" matches there again). The replacement sees the named captures.
def sub($re; str; $flags):
  ($flags // "") as $flags
  | ([$flags | explode[] | select(. != 103)] | implode) as $once
  | ($flags | contains("g")) as $global
  | def step: . as $in
      | [match($re; $once)] as $ms
      | if ($ms | length) == 0 then $in
        else $ms[0] as $m
        | if $global and $m.length == 0 and $m.offset == 0 and ($in | length) > 0
          then error("gsub: the regex matches the empty string (jq 1.6 never returns)")
          else . end
        | ($m | _captures)
        | $in[0:$m.offset] + str
          + ($in[$m.offset + $m.length:] | if $global and length > 0 then step else . end)
        end;
    step;
def sub($re; str): sub($re; str; "");
def gsub($re; str; $flags): sub($re; str; $flags + "g");
def gsub($re; str): sub($re; str; "g");

# Formats: jq 1.6 @uri keeps !*'(), @base64d needs no padding; @csv and @tsv exist.
def @json: tojson;
def @uri: tostring | _encode_uri;
def @base64d: tostring | _decode_base64;
def @csv: _csv;
def @tsv: _tsv;
def format($f):
  if $f == "text" then @text elif $f == "json" then @json elif $f == "html" then @html
  elif $f == "uri" then @uri elif $f == "csv" then @csv elif $f == "tsv" then @tsv
  elif $f == "sh" then @sh elif $f == "base64" then @base64 elif $f == "base64d" then @base64d
  else error("\($f) is not a valid format") end;

# Dates the jq 1.6 way. Broken-down times keep the fraction of a second,
# mktime drops it, and %c and %x follow the C locale.
def _jaq_gmtime: gmtime;
def _jaq_localtime: localtime;
def _jaq_mktime: mktime;
def _jaq_strftime($fmt): strftime($fmt);
def _jaq_strflocaltime($fmt): strflocaltime($fmt);
def _fraction: . - floor;
def gmtime: (_fraction) as $f | _jaq_gmtime | .[5] += $f;
def localtime: (_fraction) as $f | _jaq_localtime | .[5] += $f;
def mktime: _jaq_mktime | floor;
def _c_locale: if type == "string"
  then [splits("%%") | gsub("%c"; "%a %b %e %H:%M:%S %Y") | gsub("%x"; "%m/%d/%y")] | join("%%")
  else . end;
def strftime($fmt): _jaq_strftime($fmt | _c_locale);
def strflocaltime($fmt): _jaq_strflocaltime($fmt | _c_locale);
def todateiso8601: strftime("%Y-%m-%dT%H:%M:%SZ");
def fromdateiso8601: strptime("%Y-%m-%dT%H:%M:%SZ") | mktime;
def todate: todateiso8601;
def fromdate: fromdateiso8601;

# glibc's gamma is the logarithm of the gamma function.
def gamma: lgamma;
def lgamma_r: [lgamma, (if tgamma < 0 then -1 else 1 end)];

# `$__loc__` (engine.rs turns each into a call of this).
def _loc($line): {file: "<top-level>", line: $line};

# Embedded libjq (as Port runs it) has no input file.
def input_filename: null;

# These pass their input on, as in jq 1.6; what jq would print on stderr is
# dropped rather than logged (entity data does not belong in the TUI's logs).
def debug: .;
def stderr: .;

# halt_error ends the program; `first` reports its message as the error.
def halt_error($code): _halt_error($code);
def halt_error: halt_error(5);

# jaq defines these as 0/0 and 1/0, which jq 1.6 (and value.rs) reject as
# division by zero; jq 1.6 builds them directly. Everything using them follows.
# The predicates are false for non-numbers, as in jq 1.6.
def infinite: 1e1000;
def nan: infinite - infinite;
def isinfinite: type == "number" and (. == infinite or . == -infinite);
def isnan: type == "number" and . != .;
def isnormal: type == "number" and ((isnan or isinfinite or fabs < 2.2250738585072014e-308) | not);
def isfinite: type == "number" and (isinfinite | not);
def finites: select(isfinite);
def normals: select(isnormal);
def logb: if . == 0 then -infinite elif isinfinite then infinite elif isnan then . else ilogb end;
def significand: if isinfinite or isnan then . elif . == 0 then 0 else scalbln(.; ilogb | -1 * .) end;
# glibc's scalb wants an integral exponent; jq 1.6 builds lack pow10 (glibc dropped it).
def scalb($x; $e): if ($e | trunc) == $e then ldexp($x; $e) else nan end;
def pow10: error("Error: pow10/0 not found at build time");
