//! SensorThings' `$filter`: the OData expression language of the
//! Filtering class (comparison, logical and arithmetic operators, the
//! string, time and math functions), parsed into a tree and evaluated
//! against an entity. The parser bounds what a hostile query can cost: the
//! text's length and its nesting depth, with the position of the first
//! problem in the error. The query layer reads the simple conditions off
//! the top-level `and`s (`simple`) to narrow what it reads; the tree is
//! still evaluated whole on each row, so narrowing never changes a result.

use chrono::{DateTime, Datelike, Timelike, Utc};

/// The longest `$filter`, in bytes.
pub const MAX_LEN: usize = 8 * 1024;
/// The deepest nesting of parentheses, `not` and function calls.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// Microseconds since 1970, UTC.
    Time(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Or,
    And,
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl Op {
    /// The same comparison with its operands swapped (`5 lt result` is
    /// `result gt 5`).
    pub fn flipped(self) -> Op {
        match self {
            Op::Gt => Op::Lt,
            Op::Ge => Op::Le,
            Op::Lt => Op::Gt,
            Op::Le => Op::Ge,
            other => other,
        }
    }

    fn is_comparison(self) -> bool {
        matches!(self, Op::Eq | Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    FractionalSeconds,
    Date,
    Time,
    TotalOffsetMinutes,
    Now,
    MinDateTime,
    MaxDateTime,
    Round,
    Floor,
    Ceiling,
    SubstringOf,
    StartsWith,
    EndsWith,
    Length,
    IndexOf,
    Substring,
    ToLower,
    ToUpper,
    Trim,
    Concat,
}

impl Func {
    fn parse(name: &str) -> Option<Func> {
        Some(match name.to_ascii_lowercase().as_str() {
            "year" => Func::Year,
            "month" => Func::Month,
            "day" => Func::Day,
            "hour" => Func::Hour,
            "minute" => Func::Minute,
            "second" => Func::Second,
            "fractionalseconds" => Func::FractionalSeconds,
            "date" => Func::Date,
            "time" => Func::Time,
            "totaloffsetminutes" => Func::TotalOffsetMinutes,
            "now" => Func::Now,
            "mindatetime" => Func::MinDateTime,
            "maxdatetime" => Func::MaxDateTime,
            "round" => Func::Round,
            "floor" => Func::Floor,
            "ceiling" => Func::Ceiling,
            "substringof" => Func::SubstringOf,
            "startswith" => Func::StartsWith,
            "endswith" => Func::EndsWith,
            "length" => Func::Length,
            "indexof" => Func::IndexOf,
            "substring" => Func::Substring,
            "tolower" => Func::ToLower,
            "toupper" => Func::ToUpper,
            "trim" => Func::Trim,
            "concat" => Func::Concat,
            _ => return None,
        })
    }

    /// How many arguments it takes (`substring` takes 2 or 3).
    fn arity(self) -> (usize, usize) {
        match self {
            Func::Now | Func::MinDateTime | Func::MaxDateTime => (0, 0),
            Func::SubstringOf
            | Func::StartsWith
            | Func::EndsWith
            | Func::IndexOf
            | Func::Concat => (2, 2),
            Func::Substring => (2, 3),
            _ => (1, 1),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Val),
    /// A property or a path through navigation properties
    /// (`Datastream/id`, `properties/owner`).
    Path(Vec<String>),
    Not(Box<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

/// Where the expression went wrong (1 = its first character) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError {
    pub position: usize,
    pub message: String,
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "$filter, at character {}: {}",
            self.position, self.message
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Comma,
    Str(String),
    Num(f64),
    Time(i64),
    Word(String),
}

fn err(position: usize, message: impl Into<String>) -> FilterError {
    FilterError {
        position: position + 1,
        message: message.into(),
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '/' | '@' | '.' | '$')
}

/// A time literal as OData writes it, unquoted: an RFC 3339 time, or a
/// date (its midnight, UTC).
fn time_literal(text: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc).timestamp_micros());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_micros())
}

fn tokens(text: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((at, Tok::Open));
                i += 1;
            }
            ')' => {
                out.push((at, Tok::Close));
                i += 1;
            }
            ',' => {
                out.push((at, Tok::Comma));
                i += 1;
            }
            '\'' => {
                // '' inside a string is one quote.
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(at, "the string is not closed")),
                        Some((_, '\'')) if matches!(chars.get(i + 1), Some((_, '\''))) => {
                            s.push('\'');
                            i += 2;
                        }
                        Some((_, '\'')) => {
                            i += 1;
                            break;
                        }
                        Some((_, ch)) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push((at, Tok::Str(s)));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len() {
                    let ch = chars[i].1;
                    let exponent_sign =
                        matches!(ch, '+' | '-') && matches!(chars.get(i - 1), Some((_, 'e' | 'E')));
                    if ch.is_ascii_alphanumeric()
                        || matches!(ch, '.' | ':' | '-')
                        || exponent_sign
                        || (ch == '+' && i > start + 4)
                    {
                        i += 1;
                    } else {
                        break;
                    }
                }
                let end = chars.get(i).map_or(text.len(), |(b, _)| *b);
                let lit = &text[at..end];
                if let Ok(n) = lit.parse::<f64>() {
                    if !n.is_finite() {
                        return Err(err(at, format!("{lit} is no finite number")));
                    }
                    out.push((at, Tok::Num(n)));
                } else if let Some(t) = time_literal(lit) {
                    out.push((at, Tok::Time(t)));
                } else {
                    return Err(err(at, format!("{lit} is neither a number nor a time")));
                }
            }
            c if is_word(c) => {
                let start = at;
                while i < chars.len() && is_word(chars[i].1) {
                    i += 1;
                }
                let end = chars.get(i).map_or(text.len(), |(b, _)| *b);
                out.push((start, Tok::Word(text[start..end].to_string())));
            }
            other => return Err(err(at, format!("unexpected character {other:?}"))),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(_, t)| t)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.end, |(p, _)| *p)
    }

    fn word_is(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    /// One level deeper, for the token at `pos` that opens it.
    fn deeper(&self, depth: usize, pos: usize) -> Result<usize, FilterError> {
        if depth >= MAX_DEPTH {
            return Err(err(
                pos,
                format!("the expression is nested more than {MAX_DEPTH} deep"),
            ));
        }
        Ok(depth + 1)
    }

    fn binary(
        &mut self,
        depth: usize,
        ops: &[(&str, Op)],
        next: fn(&mut Parser, usize) -> Result<Expr, FilterError>,
    ) -> Result<Expr, FilterError> {
        let mut left = next(self, depth)?;
        'outer: loop {
            for (w, op) in ops {
                if self.word_is(w) {
                    self.at += 1;
                    let right = next(self, depth)?;
                    left = Expr::Bin(*op, Box::new(left), Box::new(right));
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn or(&mut self, depth: usize) -> Result<Expr, FilterError> {
        self.binary(depth, &[("or", Op::Or)], Parser::and)
    }

    fn and(&mut self, depth: usize) -> Result<Expr, FilterError> {
        self.binary(depth, &[("and", Op::And)], Parser::not)
    }

    fn not(&mut self, depth: usize) -> Result<Expr, FilterError> {
        if self.word_is("not") {
            let depth = self.deeper(depth, self.pos())?;
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.not(depth)?)));
        }
        self.comparison(depth)
    }

    fn comparison(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let left = self.additive(depth)?;
        for (w, op) in [
            ("eq", Op::Eq),
            ("ne", Op::Ne),
            ("gt", Op::Gt),
            ("ge", Op::Ge),
            ("lt", Op::Lt),
            ("le", Op::Le),
        ] {
            if self.word_is(w) {
                self.at += 1;
                let right = self.additive(depth)?;
                return Ok(Expr::Bin(op, Box::new(left), Box::new(right)));
            }
        }
        Ok(left)
    }

    fn additive(&mut self, depth: usize) -> Result<Expr, FilterError> {
        self.binary(
            depth,
            &[("add", Op::Add), ("sub", Op::Sub)],
            Parser::multiplicative,
        )
    }

    fn multiplicative(&mut self, depth: usize) -> Result<Expr, FilterError> {
        self.binary(
            depth,
            &[("mul", Op::Mul), ("div", Op::Div), ("mod", Op::Mod)],
            Parser::primary,
        )
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let pos = self.pos();
        let Some((_, tok)) = self.toks.get(self.at).cloned() else {
            return Err(err(pos, "the expression ends too early"));
        };
        self.at += 1;
        match tok {
            Tok::Open => {
                let depth = self.deeper(depth, pos)?;
                let e = self.or(depth)?;
                self.expect_close(pos)?;
                Ok(e)
            }
            Tok::Num(n) => Ok(Expr::Lit(Val::Num(n))),
            Tok::Str(s) => Ok(Expr::Lit(Val::Str(s))),
            Tok::Time(t) => Ok(Expr::Lit(Val::Time(t))),
            Tok::Word(w) => {
                if self.peek() == Some(&Tok::Open) && !w.contains('/') {
                    let f =
                        Func::parse(&w).ok_or_else(|| err(pos, format!("unknown function {w}")))?;
                    let depth = self.deeper(depth, pos)?;
                    self.at += 1;
                    let mut args = Vec::new();
                    if self.peek() != Some(&Tok::Close) {
                        loop {
                            args.push(self.or(depth)?);
                            if self.peek() == Some(&Tok::Comma) {
                                self.at += 1;
                            } else {
                                break;
                            }
                        }
                    }
                    self.expect_close(pos)?;
                    let (lo, hi) = f.arity();
                    if args.len() < lo || args.len() > hi {
                        return Err(err(
                            pos,
                            format!("{w} takes {lo} to {hi} arguments, not {}", args.len()),
                        ));
                    }
                    return Ok(Expr::Call(f, args));
                }
                match w.to_ascii_lowercase().as_str() {
                    "true" => Ok(Expr::Lit(Val::Bool(true))),
                    "false" => Ok(Expr::Lit(Val::Bool(false))),
                    "null" => Ok(Expr::Lit(Val::Null)),
                    "and" | "or" | "not" | "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "add"
                    | "sub" | "mul" | "div" | "mod" => {
                        Err(err(pos, format!("{w} needs an operand before it")))
                    }
                    _ => {
                        let path: Vec<String> = w.split('/').map(str::to_string).collect();
                        if path.iter().any(String::is_empty) {
                            return Err(err(pos, format!("{w} is no property path")));
                        }
                        Ok(Expr::Path(path))
                    }
                }
            }
            Tok::Close => Err(err(pos, "a ) without its (")),
            Tok::Comma => Err(err(pos, "a , outside a function's arguments")),
        }
    }

    fn expect_close(&mut self, open: usize) -> Result<(), FilterError> {
        if self.peek() == Some(&Tok::Close) {
            self.at += 1;
            Ok(())
        } else {
            Err(err(
                self.pos(),
                format!("the ( at character {} is not closed", open + 1),
            ))
        }
    }
}

/// Parses a `$filter`.
pub fn parse(text: &str) -> Result<Expr, FilterError> {
    if text.len() > MAX_LEN {
        return Err(err(
            MAX_LEN,
            format!("the expression is longer than {MAX_LEN} bytes"),
        ));
    }
    let toks = tokens(text)?;
    if toks.is_empty() {
        return Err(err(0, "the expression is empty"));
    }
    let mut p = Parser {
        toks,
        at: 0,
        end: text.len(),
    };
    let e = p.or(0)?;
    if p.at < p.toks.len() {
        return Err(err(p.pos(), "an operator (and, eq, …) is missing here"));
    }
    Ok(e)
}

/// What a filter is evaluated against: an entity, whose properties and
/// related entities a path names.
pub trait Subject {
    fn get(&self, path: &[String]) -> Val;
}

fn time_of(v: &Val) -> Option<DateTime<Utc>> {
    match v {
        Val::Time(t) => DateTime::from_timestamp_micros(*t),
        Val::Str(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        _ => None,
    }
}

fn compare(op: Op, a: &Val, b: &Val) -> Val {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Val::Null, Val::Null) => Some(Ordering::Equal),
        (Val::Null, _) | (_, Val::Null) => {
            return Val::Bool(match op {
                Op::Eq => false,
                Op::Ne => true,
                _ => return Val::Null,
            });
        }
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Time(_), _) | (_, Val::Time(_)) => match (time_of(a), time_of(b)) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => None,
        },
        _ => None,
    };
    let Some(o) = ord else {
        return Val::Null;
    };
    Val::Bool(match op {
        Op::Eq => o == Ordering::Equal,
        Op::Ne => o != Ordering::Equal,
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        _ => return Val::Null,
    })
}

fn truth(v: &Val) -> bool {
    matches!(v, Val::Bool(true))
}

fn num(v: &Val) -> Option<f64> {
    match v {
        Val::Num(n) => Some(*n),
        _ => None,
    }
}

fn text(v: &Val) -> Option<&str> {
    match v {
        Val::Str(s) => Some(s),
        _ => None,
    }
}

/// Evaluates `e` on `s`; `now` is the request's time (microseconds).
pub fn eval(e: &Expr, s: &dyn Subject, now: i64) -> Val {
    match e {
        Expr::Lit(v) => v.clone(),
        Expr::Path(p) => s.get(p),
        Expr::Not(x) => match eval(x, s, now) {
            Val::Bool(b) => Val::Bool(!b),
            _ => Val::Null,
        },
        Expr::Bin(Op::And, a, b) => Val::Bool(truth(&eval(a, s, now)) && truth(&eval(b, s, now))),
        Expr::Bin(Op::Or, a, b) => Val::Bool(truth(&eval(a, s, now)) || truth(&eval(b, s, now))),
        Expr::Bin(op, a, b) if op.is_comparison() => {
            compare(*op, &eval(a, s, now), &eval(b, s, now))
        }
        Expr::Bin(op, a, b) => {
            let (Some(x), Some(y)) = (num(&eval(a, s, now)), num(&eval(b, s, now))) else {
                return Val::Null;
            };
            let r = match op {
                Op::Add => x + y,
                Op::Sub => x - y,
                Op::Mul => x * y,
                Op::Div if y != 0.0 => x / y,
                Op::Mod if y != 0.0 => x % y,
                _ => return Val::Null,
            };
            if r.is_finite() {
                Val::Num(r)
            } else {
                Val::Null
            }
        }
        Expr::Call(f, args) => {
            let v: Vec<Val> = args.iter().map(|a| eval(a, s, now)).collect();
            call(*f, &v, now)
        }
    }
}

fn call(f: Func, v: &[Val], now: i64) -> Val {
    let t = || v.first().and_then(time_of);
    let n = || v.first().and_then(num);
    let s = |i: usize| v.get(i).and_then(text);
    let some_num = |x: Option<f64>| x.map_or(Val::Null, Val::Num);
    match f {
        Func::Year => some_num(t().map(|t| f64::from(t.year()))),
        Func::Month => some_num(t().map(|t| f64::from(t.month()))),
        Func::Day => some_num(t().map(|t| f64::from(t.day()))),
        Func::Hour => some_num(t().map(|t| f64::from(t.hour()))),
        Func::Minute => some_num(t().map(|t| f64::from(t.minute()))),
        Func::Second => some_num(t().map(|t| f64::from(t.second()))),
        Func::FractionalSeconds => {
            some_num(t().map(|t| f64::from(t.timestamp_subsec_micros()) / 1e6))
        }
        // Times are UTC here: the offset is 0.
        Func::TotalOffsetMinutes => some_num(t().map(|_| 0.0)),
        Func::Date => t().map_or(Val::Null, |t| {
            Val::Time(
                t.date_naive()
                    .and_time(chrono::NaiveTime::MIN)
                    .and_utc()
                    .timestamp_micros(),
            )
        }),
        Func::Time => t().map_or(Val::Null, |t| {
            Val::Str(t.time().format("%H:%M:%S%.f").to_string())
        }),
        Func::Now => Val::Time(now),
        Func::MinDateTime => Val::Time(0),
        Func::MaxDateTime => Val::Time(i64::MAX),
        Func::Round => some_num(n().map(f64::round)),
        Func::Floor => some_num(n().map(f64::floor)),
        Func::Ceiling => some_num(n().map(f64::ceil)),
        Func::SubstringOf => match (s(0), s(1)) {
            (Some(needle), Some(hay)) => Val::Bool(hay.contains(needle)),
            _ => Val::Null,
        },
        Func::StartsWith => match (s(0), s(1)) {
            (Some(a), Some(b)) => Val::Bool(a.starts_with(b)),
            _ => Val::Null,
        },
        Func::EndsWith => match (s(0), s(1)) {
            (Some(a), Some(b)) => Val::Bool(a.ends_with(b)),
            _ => Val::Null,
        },
        Func::Length => s(0).map_or(Val::Null, |a| Val::Num(a.chars().count() as f64)),
        Func::IndexOf => match (s(0), s(1)) {
            (Some(a), Some(b)) => Val::Num(
                a.find(b)
                    .map_or(-1.0, |byte| a[..byte].chars().count() as f64),
            ),
            _ => Val::Null,
        },
        Func::Substring => {
            let (Some(a), Some(from)) = (s(0), v.get(1).and_then(num)) else {
                return Val::Null;
            };
            let from = from.max(0.0) as usize;
            let len = v.get(2).and_then(num).map(|l| l.max(0.0) as usize);
            let rest = a.chars().skip(from);
            Val::Str(match len {
                Some(l) => rest.take(l).collect(),
                None => rest.collect(),
            })
        }
        Func::ToLower => s(0).map_or(Val::Null, |a| Val::Str(a.to_lowercase())),
        Func::ToUpper => s(0).map_or(Val::Null, |a| Val::Str(a.to_uppercase())),
        Func::Trim => s(0).map_or(Val::Null, |a| Val::Str(a.trim().to_string())),
        Func::Concat => match (s(0), s(1)) {
            (Some(a), Some(b)) => Val::Str(format!("{a}{b}")),
            _ => Val::Null,
        },
    }
}

/// Whether `e` holds for `s` (a null answer does not).
pub fn matches(e: &Expr, s: &dyn Subject, now: i64) -> bool {
    truth(&eval(e, s, now))
}

/// The conditions joined by the top-level `and`s.
pub fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Bin(Op::And, a, b) => {
            let mut out = conjuncts(a);
            out.extend(conjuncts(b));
            out
        }
        other => vec![other],
    }
}

/// A condition of the form `path op literal` (or `literal op path`, read
/// the other way round), which a query can narrow its reading by.
pub fn simple(e: &Expr) -> Option<(&[String], Op, &Val)> {
    match e {
        Expr::Bin(op, a, b) if op.is_comparison() => match (a.as_ref(), b.as_ref()) {
            (Expr::Path(p), Expr::Lit(v)) => Some((p.as_slice(), *op, v)),
            (Expr::Lit(v), Expr::Path(p)) => Some((p.as_slice(), op.flipped(), v)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test that fails says where")]
mod tests {
    use super::*;

    struct Obs {
        time: i64,
        result: f64,
        datastream: i64,
        name: &'static str,
    }

    impl Subject for Obs {
        fn get(&self, path: &[String]) -> Val {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            match p.as_slice() {
                ["phenomenonTime"] | ["resultTime"] => Val::Time(self.time),
                ["result"] => Val::Num(self.result),
                ["Datastream", "id" | "@iot.id"] => Val::Num(self.datastream as f64),
                ["Datastream", "name"] => Val::Str(self.name.to_string()),
                _ => Val::Null,
            }
        }
    }

    fn t(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros()
    }

    fn obs() -> Obs {
        Obs {
            time: t("2026-07-01T10:30:00Z"),
            result: 42.5,
            datastream: 7,
            name: "PM10 Školní",
        }
    }

    fn holds(f: &str) -> bool {
        matches(&parse(f).unwrap(), &obs(), t("2026-12-07T12:00:00Z"))
    }

    #[test]
    fn comparisons_logic_and_arithmetic() {
        assert!(holds("result gt 40 and result le 42.5"));
        assert!(holds("not (result lt 10) or false"));
        assert!(holds("Datastream/id eq 7 and Datastream/@iot.id ne 8"));
        assert!(holds("result add 7.5 eq 50 and result mul 2 eq 85"));
        assert!(holds("result sub 2.5 div 2 eq 41.25"), "div binds tighter");
        assert!(holds("(result sub 2.5) div 2 eq 20"));
        assert!(holds("result mod 10 eq 2.5"));
        assert!(holds("-1 lt result"));
        assert!(!holds("result eq null"));
        assert!(holds("result ne null"));
        assert!(
            !holds("result div 0 eq 1"),
            "division by zero is null, not true"
        );
    }

    #[test]
    fn times_and_their_functions() {
        assert!(holds(
            "phenomenonTime ge 2026-07-01T00:00:00Z and phenomenonTime lt 2026-07-02T00:00:00+02:00"
        ));
        assert!(holds("phenomenonTime gt 2026-07-01"));
        assert!(holds(
            "year(phenomenonTime) eq 2026 and month(phenomenonTime) eq 7"
        ));
        assert!(holds(
            "day(phenomenonTime) eq 1 and hour(phenomenonTime) eq 10 and minute(phenomenonTime) eq 30"
        ));
        assert!(holds(
            "second(phenomenonTime) eq 0 and fractionalseconds(phenomenonTime) eq 0"
        ));
        assert!(holds("date(phenomenonTime) eq 2026-07-01"));
        assert!(holds("time(phenomenonTime) eq '10:30:00'"));
        assert!(holds(
            "phenomenonTime lt now() and phenomenonTime gt mindatetime()"
        ));
        assert!(holds("totaloffsetminutes(phenomenonTime) eq 0"));
    }

    #[test]
    fn math_and_string_functions() {
        assert!(holds(
            "round(result) eq 43 and floor(result) eq 42 and ceiling(result) eq 43"
        ));
        assert!(holds("substringof('Škol', Datastream/name)"));
        assert!(holds(
            "startswith(Datastream/name, 'PM10') and endswith(Datastream/name, 'ní')"
        ));
        assert!(holds(
            "length(Datastream/name) eq 11 and indexof(Datastream/name, 'Š') eq 5"
        ));
        assert!(holds("substring(Datastream/name, 5) eq 'Školní'"));
        assert!(holds("substring(Datastream/name, 0, 4) eq 'PM10'"));
        assert!(holds(
            "tolower(Datastream/name) eq 'pm10 školní' and toupper('a') eq 'A'"
        ));
        assert!(holds("trim('  x ') eq 'x' and concat('a', 'b') eq 'ab'"));
        assert!(holds("'it''s' eq concat('it''', 's')"));
    }

    #[test]
    fn a_malformed_filter_says_where() {
        let at = |f: &str| parse(f).unwrap_err().position;
        assert_eq!(at("result gt"), 10);
        assert_eq!(at("result gt 1 and"), 16);
        assert_eq!(at("(result gt 1"), 13);
        assert_eq!(at("result gt 1)"), 12);
        assert_eq!(at("result gt 'x"), 11);
        assert_eq!(at("result ~ 1"), 8);
        assert_eq!(at("bogus(result) eq 1"), 1);
        assert_eq!(at("year(a, b) eq 1"), 1);
        assert_eq!(at("result gt 1 result"), 13);
        assert_eq!(at(""), 1);
        assert_eq!(at("result eq 2026-13-45"), 11);
        assert!(parse("eq 1").unwrap_err().message.contains("operand"));
    }

    #[test]
    fn a_filter_nested_ten_thousand_deep_is_refused_at_once() {
        let deep = format!("{}result eq 1{}", "(".repeat(10_000), ")".repeat(10_000));
        // Too long first; within the length, too deep at the 65th (.
        assert!(parse(&deep).unwrap_err().message.contains("longer"));
        let deep = format!("{}result eq 1{}", "(".repeat(2_000), ")".repeat(2_000));
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.position, MAX_DEPTH + 1, "{e}");
        let nots = format!("{}result eq 1", "not ".repeat(2_000));
        assert!(parse(&nots).unwrap_err().message.contains("nested"));
        let calls = format!("{}result{}", "round(".repeat(1_000), ")".repeat(1_000));
        assert!(parse(&calls).unwrap_err().message.contains("nested"));
        // Just within the depth is fine.
        let ok = format!("{}result eq 42.5{}", "(".repeat(60), ")".repeat(60));
        assert!(holds(&ok));
    }

    #[test]
    fn simple_conditions_are_read_off_the_top_level_ands() {
        let e = parse("Datastream/id eq 7 and 2026-07-01T00:00:00Z le phenomenonTime and (result gt 1 or result lt 0)").unwrap();
        let c = conjuncts(&e);
        assert_eq!(c.len(), 3);
        let (p, op, v) = simple(c[0]).unwrap();
        assert_eq!(
            (p, op, v),
            (
                &["Datastream".to_string(), "id".to_string()][..],
                Op::Eq,
                &Val::Num(7.0)
            )
        );
        let (p, op, _) = simple(c[1]).unwrap();
        assert_eq!((p[0].as_str(), op), ("phenomenonTime", Op::Ge));
        assert!(simple(c[2]).is_none());
    }
}
